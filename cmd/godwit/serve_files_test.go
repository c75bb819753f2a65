package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestServeVersionAndFileModes runs `godwit serve` in-process on a fresh data dir: the
// version in its "godwit serving" log line is the one /api/v1/health reports, and every file
// it creates (metadata database and its -wal/-shm, secret.key, credentials) is 0600 in a
// 0700 data dir, even under a permissive umask.
func TestServeVersionAndFileModes(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	for _, k := range []string{"GODWIT_USER", "GODWIT_PASSWORD", "GODWIT_SECRET_KEY", "GODWIT_PPROF"} {
		t.Setenv(k, "")
	}
	dir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	var stderr lockedBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir}, nil, &bytes.Buffer{}, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	line := regexp.MustCompile(`msg="godwit serving" version=(\S+) url=(\S+)`)
	var m []string
	for deadline := time.Now().Add(30 * time.Second); m == nil; {
		m = line.FindStringSubmatch(stderr.String())
		if m == nil && time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", stderr.String())
		}
		if m == nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	resp, err := http.Get(m[2] + "/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var health map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil {
		t.Fatal(err)
	}
	if health["version"] != m[1] || health["version"] != versionString() {
		t.Errorf("health version %q, log version %q, binary version %q: want all equal", health["version"], m[1], versionString())
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("data dir: %v %v, want 0700", st.Mode().Perm(), err)
	}
	for _, name := range []string{"godwit.db", "godwit.db-wal", "godwit.db-shm", "secret.key", credentialsFile} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, st.Mode().Perm())
		}
	}
}

// TestLooseCredentialsFileIsRestricted: an existing credentials file readable by others is
// chmod-ed to 0600 with a warning (which never shows the password).
func TestLooseCredentialsFileIsRestricted(t *testing.T) {
	dir := t.TempDir()
	var notice bytes.Buffer
	users, _, err := resolvePrincipals("", dir, envMap(nil), &notice)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, credentialsFile)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	notice.Reset()
	if _, _, err := resolvePrincipals("", dir, envMap(nil), &notice); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("credentials mode %v, want 0600", st.Mode().Perm())
	}
	if !bytes.Contains(notice.Bytes(), []byte("restricted")) || bytes.Contains(notice.Bytes(), []byte(users[0].Password)) {
		t.Errorf("notice: %s", notice.String())
	}
}
