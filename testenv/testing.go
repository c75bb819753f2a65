package testenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"
)

// Main runs the tests of a package and then closes the shared servers. Call it from
// TestMain of every package that uses SharedMariaDB or SharedPostgres:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if err := CloseShared(); err != nil {
		fmt.Fprintln(os.Stderr, "testenv: closing shared servers:", err)
	}
	os.Exit(code)
}

// skipOrFatal handles a start error: a missing binary skips the test, except under
// CI=true where every failure is fatal.
func skipOrFatal(t testing.TB, what string, err error) {
	t.Helper()
	if errors.Is(err, ErrNoBinary) && os.Getenv("CI") != "true" {
		t.Skipf("testenv: %s not installed, skipping: %v", what, err)
	}
	t.Fatalf("testenv: start %s: %v", what, err)
}

// MariaDBT starts a private MariaDB for t and closes it in t.Cleanup.
func MariaDBT(t testing.TB, opts MariaDBOptions) *MariaDB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := StartMariaDB(ctx, opts)
	if err != nil {
		skipOrFatal(t, "MariaDB", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("testenv: close MariaDB: %v", err)
		}
	})
	return m
}

// PostgresT starts a private PostgreSQL for t and closes it in t.Cleanup.
func PostgresT(t testing.TB, opts PostgresOptions) *Postgres {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg, err := StartPostgres(ctx, opts)
	if err != nil {
		skipOrFatal(t, "PostgreSQL", err)
	}
	t.Cleanup(func() {
		if err := pg.Close(); err != nil {
			t.Errorf("testenv: close PostgreSQL: %v", err)
		}
	})
	return pg
}

// SharedMariaDB returns the MariaDB named key ("source", "target", …) shared by the whole
// test binary, starting it on first use; the package's TestMain must call Main. Each key
// gets its own server with its own server_id. Tests must not stop or kill a shared
// server and should work in their own database (UniqueName, NewMariaDBDatabase).
func SharedMariaDB(t testing.TB, key string) *MariaDB {
	t.Helper()
	srv, err := shared("mariadb:"+key, func() (io.Closer, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		m, err := StartMariaDB(ctx, MariaDBOptions{})
		if err != nil {
			return nil, err
		}
		return m, nil
	})
	if err != nil {
		skipOrFatal(t, "shared MariaDB "+key, err)
	}
	return srv.(*MariaDB)
}

// SharedPostgres is SharedMariaDB for PostgreSQL.
func SharedPostgres(t testing.TB, key string) *Postgres {
	t.Helper()
	srv, err := shared("postgres:"+key, func() (io.Closer, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		pg, err := StartPostgres(ctx, PostgresOptions{})
		if err != nil {
			return nil, err
		}
		return pg, nil
	})
	if err != nil {
		skipOrFatal(t, "shared PostgreSQL "+key, err)
	}
	return srv.(*Postgres)
}

// NewMariaDBDatabase creates a uniquely named database (prefix_xxxxxxxxxxxx) on m, returns
// its name and a pool on it, and drops it in t.Cleanup.
func NewMariaDBDatabase(t testing.TB, m *MariaDB, prefix string) (string, *sql.DB) {
	t.Helper()
	name := UniqueName(prefix)
	db, err := m.CreateDatabase(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if m.Running() {
			if err := m.DropDatabase(context.Background(), name); err != nil {
				t.Errorf("testenv: drop %s: %v", name, err)
			}
		}
	})
	return name, db
}

// NewPostgresDatabase creates a uniquely named database on pg, returns its name, and
// drops it in t.Cleanup.
func NewPostgresDatabase(t testing.TB, pg *Postgres, prefix string) string {
	t.Helper()
	name := UniqueName(prefix)
	if err := pg.CreateDatabase(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if pg.Running() {
			if err := pg.DropDatabase(context.Background(), name); err != nil {
				t.Errorf("testenv: drop %s: %v", name, err)
			}
		}
	})
	return name
}
