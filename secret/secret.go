// Package secret seals secrets at rest (data source passwords, secret settings) with
// AES-256-GCM under one server key.
//
// Contracts: a sealed value is "v1:" + base64(nonce || ciphertext||tag) with a fresh random
// 12-byte nonce per Seal, so sealing the same plaintext twice gives different strings. The
// empty plaintext seals to "" and "" opens to "" (an absent secret stays absent). Open fails on
// any tampering, a wrong key or an unknown format. Neither the key nor a plaintext ever
// appears in a log line or an error message.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the key length in bytes (AES-256).
const KeySize = 32

const prefixV1 = "v1:"

// Box seals and opens secrets with one AES-256-GCM key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// NewBox returns a Box for key, which must be exactly KeySize bytes.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain. The empty string seals to "".
func (b *Box) Seal(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	ns := b.aead.NonceSize()
	buf := make([]byte, ns, ns+len(plain)+b.aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("secret: nonce: %w", err)
	}
	out := b.aead.Seal(buf, buf[:ns], []byte(plain), nil)
	return prefixV1 + base64.StdEncoding.EncodeToString(out), nil
}

// ErrOpen is returned (wrapped) when a sealed value cannot be opened: wrong format, wrong key
// or tampered data.
var ErrOpen = errors.New("secret: cannot open sealed value (wrong key or corrupted data)")

// Open decrypts a value produced by Seal. "" opens to "".
func (b *Box) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(sealed, prefixV1)
	if !ok {
		return "", fmt.Errorf("%w: unknown format", ErrOpen)
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("%w: bad encoding", ErrOpen)
	}
	ns := b.aead.NonceSize()
	if len(raw) < ns+b.aead.Overhead() {
		return "", fmt.Errorf("%w: too short", ErrOpen)
	}
	plain, err := b.aead.Open(nil, raw[:ns], raw[ns:], nil)
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}
