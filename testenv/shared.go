package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync"
)

// sharedServers is the registry of servers shared by all tests of one test binary,
// keyed by kind and name. CloseShared empties it.
var sharedServers = struct {
	mu sync.Mutex
	m  map[string]*sharedEntry
}{m: map[string]*sharedEntry{}}

type sharedEntry struct {
	once sync.Once
	srv  io.Closer
	err  error
}

// shared returns the server registered under key, starting it with start the first time.
// A failed start is remembered: later callers get the same error.
func shared(key string, start func() (io.Closer, error)) (io.Closer, error) {
	sharedServers.mu.Lock()
	e := sharedServers.m[key]
	if e == nil {
		e = &sharedEntry{}
		sharedServers.m[key] = e
	}
	sharedServers.mu.Unlock()
	e.once.Do(func() { e.srv, e.err = start() })
	return e.srv, e.err
}

// CloseShared stops and removes every shared server. Main calls it after the tests.
func CloseShared() error {
	sharedServers.mu.Lock()
	m := sharedServers.m
	sharedServers.m = map[string]*sharedEntry{}
	sharedServers.mu.Unlock()
	var errs []error
	for _, e := range m {
		e.once.Do(func() {}) // wait for a start in progress
		if e.srv != nil {
			errs = append(errs, e.srv.Close())
		}
	}
	return errors.Join(errs...)
}

// UniqueName returns prefix + "_" + 12 random lowercase hex digits: a valid, unquoted
// MySQL and PostgreSQL identifier when prefix is one (keep prefix under 50 bytes).
func UniqueName(prefix string) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return strings.ToLower(prefix) + "_" + hex.EncodeToString(b[:])
}
