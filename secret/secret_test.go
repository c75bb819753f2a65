package secret

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newTestBox(t *testing.T) *Box {
	t.Helper()
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	b, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	b := newTestBox(t)
	for _, plain := range []string{"p", "s3cr3t-Pässwörd", strings.Repeat("x", 10000)} {
		s1, err := b.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s1, "v1:") || (len(plain) > 8 && strings.Contains(s1, plain)) {
			t.Fatalf("sealed form %q leaks or lacks prefix", s1[:10])
		}
		s2, _ := b.Seal(plain)
		if s1 == s2 {
			t.Fatal("two seals of the same plaintext are equal: nonce reuse")
		}
		got, err := b.Open(s1)
		if err != nil || got != plain {
			t.Fatalf("Open = %q, %v; want %q", got, err, plain)
		}
	}
	if s, err := b.Seal(""); s != "" || err != nil {
		t.Fatalf("Seal(\"\") = %q, %v", s, err)
	}
	if s, err := b.Open(""); s != "" || err != nil {
		t.Fatalf("Open(\"\") = %q, %v", s, err)
	}
}

func TestTamperAndWrongKey(t *testing.T) {
	b := newTestBox(t)
	sealed, err := b.Seal("hunter2")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	for i := range raw {
		c := bytes.Clone(raw)
		c[i] ^= 0x01
		if _, err := b.Open("v1:" + base64.StdEncoding.EncodeToString(c)); !errors.Is(err, ErrOpen) {
			t.Fatalf("flipping byte %d: err = %v, want ErrOpen", i, err)
		}
	}
	for _, bad := range []string{"hunter2", "v2:" + sealed[3:], "v1:!!!", "v1:" + base64.StdEncoding.EncodeToString(raw[:10]), sealed[:len(sealed)-4]} {
		if _, err := b.Open(bad); !errors.Is(err, ErrOpen) {
			t.Fatalf("Open(%q) err = %v, want ErrOpen", bad, err)
		}
	}
	other := newTestBox(t)
	if _, err := other.Open(sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("wrong key: err = %v", err)
	}
}

func TestNewBoxRejectsWrongLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := NewBox(make([]byte, n)); err == nil {
			t.Fatalf("NewBox(%d bytes) accepted", n)
		}
	}
}

func TestKeyFileCreatedAndReused(t *testing.T) {
	t.Setenv(EnvKey, "")
	dir := filepath.Join(t.TempDir(), "data")
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	b1, err := LoadOrCreateKey(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KeyFileName)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, want 0600", st.Mode().Perm())
	}
	content, _ := os.ReadFile(path)
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(content)))
	if err != nil || len(key) != KeySize {
		t.Fatalf("key file holds %d bytes, err %v", len(key), err)
	}
	sealed, _ := b1.Seal("persisted")
	b2, err := LoadOrCreateKey(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b2.Open(sealed); err != nil || got != "persisted" {
		t.Fatalf("reloaded key cannot open: %q, %v", got, err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, content) {
		t.Fatal("key file rewritten on second start")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("data dir has %d entries, want only the key file", len(entries))
	}
	enc := strings.TrimSpace(string(content))
	if strings.Contains(logBuf.String(), enc) {
		t.Fatal("key logged")
	}
}

func TestKeyFileWrongLength(t *testing.T) {
	t.Setenv(EnvKey, "")
	dir := t.TempDir()
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	if err := os.WriteFile(filepath.Join(dir, KeyFileName), []byte(short), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreateKey(dir, nil)
	if err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Fatalf("err = %v, want a wrong-length error", err)
	}
	if strings.Contains(err.Error(), short) {
		t.Fatal("error leaks the key")
	}
}

func TestEnvKey(t *testing.T) {
	key := make([]byte, KeySize)
	rand.Read(key)
	enc := base64.StdEncoding.EncodeToString(key)
	t.Setenv(EnvKey, enc)
	dir := t.TempDir()
	var logBuf bytes.Buffer
	b, err := LoadOrCreateKey(dir, slog.New(slog.NewTextHandler(&logBuf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !os.IsNotExist(err) {
		t.Fatalf("key file created although the env key is set: %v", err)
	}
	ref, _ := NewBox(key)
	sealed, _ := b.Seal("from-env")
	if got, err := ref.Open(sealed); err != nil || got != "from-env" {
		t.Fatalf("env key not used: %q, %v", got, err)
	}
	if strings.Contains(logBuf.String(), enc) {
		t.Fatal("key logged")
	}

	for _, bad := range []string{base64.StdEncoding.EncodeToString(key[:31]), "not base64 at all!"} {
		t.Setenv(EnvKey, bad)
		_, err := LoadOrCreateKey(dir, nil)
		if err == nil || !strings.Contains(err.Error(), EnvKey) {
			t.Fatalf("bad env key %q: err = %v", bad, err)
		}
		if strings.Contains(err.Error(), bad) {
			t.Fatal("error leaks the key")
		}
	}
}

// TestLooseKeyFileIsRestricted: a key file readable by group or others is chmod-ed to 0600
// on load, with a warning that names the path but not the key.
func TestLooseKeyFileIsRestricted(t *testing.T) {
	t.Setenv(EnvKey, "")
	dir := t.TempDir()
	if _, err := LoadOrCreateKey(dir, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KeyFileName)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	if _, err := LoadOrCreateKey(dir, slog.New(slog.NewTextHandler(&logBuf, nil))); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != PrivateFileMode {
		t.Fatalf("key file mode = %v after load, want 0600", st.Mode().Perm())
	}
	content, _ := os.ReadFile(path)
	if !strings.Contains(logBuf.String(), "restricted") || strings.Contains(logBuf.String(), strings.TrimSpace(string(content))) {
		t.Fatalf("log: %s", logBuf.String())
	}
}
