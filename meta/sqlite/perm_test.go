package sqlite

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDatabaseFilesArePrivate: the database and its -wal/-shm files are created 0600 even
// under a permissive umask, and an existing database file readable by others is restricted.
func TestDatabaseFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual default; SQLite alone would create 0644 files
	t.Cleanup(func() { syscall.Umask(old) })
	dir := t.TempDir()
	path := filepath.Join(dir, "godwit.db")
	check := func(when string) {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("%s: %s mode %v, want 0600", when, filepath.Base(p), st.Mode().Perm())
			}
		}
	}
	box := testBox(t)
	s, err := Open(context.Background(), path, box, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("created")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	s, err = Open(context.Background(), path, box, slog.New(slog.NewTextHandler(&logBuf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check("reopened")
	if !strings.Contains(logBuf.String(), "restricted") {
		t.Errorf("no warning about the loose database file: %s", logBuf.String())
	}
}
