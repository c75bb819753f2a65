package secret

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// EnvKey is the environment variable that, when set, holds the base64 of the 32-byte key and
// takes precedence over the key file.
const EnvKey = "GODWIT_SECRET_KEY"

// KeyFileName is the key file inside the data directory.
const KeyFileName = "secret.key"

// LoadOrCreateKey returns the server's Box. The key comes from $GODWIT_SECRET_KEY (base64 of
// 32 bytes) when set, else from <dataDir>/secret.key (base64, mode 0600), which is generated
// from crypto/rand on first start when absent (dataDir is created 0700 if needed). An
// existing key file readable by group or others is restricted to 0600 (see RestrictFile). A key of
// the wrong length or encoding is rejected with an error naming its origin, never its value.
// Losing the key file makes every sealed secret unreadable: back it up with the metadata.
func LoadOrCreateKey(dataDir string, log *slog.Logger) (*Box, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if v, ok := os.LookupEnv(EnvKey); ok && strings.TrimSpace(v) != "" {
		key, err := decodeKey(v)
		if err != nil {
			return nil, fmt.Errorf("secret: $%s: %w", EnvKey, err)
		}
		log.Info("secret key loaded", "source", "env", "var", EnvKey)
		return NewBox(key)
	}
	path := filepath.Join(dataDir, KeyFileName)
	key, err := readKeyFile(path, log)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(dataDir, path)
		if err == nil {
			log.Info("secret key generated", "source", "file", "path", path)
		} else if errors.Is(err, fs.ErrExist) { // another process created it first
			key, err = readKeyFile(path, log)
		}
	}
	if err != nil {
		return nil, err
	}
	return NewBox(key)
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, errors.New("key is not valid base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("key must decode to %d bytes (AES-256), got %d", KeySize, len(key))
	}
	return key, nil
}

func readKeyFile(path string, log *slog.Logger) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secret: read key file: %w", err)
	}
	key, err := decodeKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("secret: key file %s: %w", path, err)
	}
	if err := RestrictFile(path, log); err != nil {
		return nil, err
	}
	log.Info("secret key loaded", "source", "file", "path", path)
	return key, nil
}

// createKeyFile writes a fresh key to a temporary file, syncs it, and links it into place so
// that a crash never leaves a partial key file and two racing starters agree on one key.
// It returns an error wrapping fs.ErrExist if path appeared meanwhile.
func createKeyFile(dataDir, path string) ([]byte, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("secret: create data dir: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secret: generate key: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, ".secret.key.*")
	if err != nil {
		return nil, fmt.Errorf("secret: create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secret: chmod key file: %w", err)
	}
	if _, err := tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secret: write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secret: sync key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("secret: close key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secret: install key file: %w", err)
	}
	if d, err := os.Open(dataDir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return key, nil
}
