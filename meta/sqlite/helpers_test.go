package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/secret"
)

func testBox(t *testing.T) *secret.Box {
	t.Helper()
	key := make([]byte, secret.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	b, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newStore opens a fresh store in a temp dir and closes it at cleanup.
func newStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := Open(context.Background(), path, testBox(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// rawDB opens the file directly, bypassing the Store, for checks on what is stored.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// wantCode fails unless err is an *errs.Error with the code and kind.
func wantCode(t *testing.T, err error, code string, kind errs.Kind) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *errs.Error %s", err, err, code)
	}
	if e.Code != code || e.Kind != kind {
		t.Fatalf("err = %v (kind %d), want code %s kind %d", err, e.Kind, code, kind)
	}
}

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

// minimalProject is a live project for tests that need one.
func minimalProject(id string, created time.Time) *model.Project {
	p := &model.Project{ID: id, Name: "name-" + id, Status: model.StatusInit, GmtCreate: created, GmtModified: created}
	p.ApplyDefaults()
	return p
}

func mustCreateProject(t *testing.T, s *Store, p *model.Project, steps ...model.Step) {
	t.Helper()
	if err := s.CreateProject(context.Background(), p, steps); err != nil {
		t.Fatal(err)
	}
}
