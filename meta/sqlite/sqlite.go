// Package sqlite is the embedded meta.Store: one SQLite file (pure Go driver modernc.org/sqlite,
// no cgo) in WAL mode with synchronous=FULL, so every write is durable when it returns.
//
// Concurrency: all writes go through one connection (SQLite has a single writer anyway, and
// serialising in the pool avoids SQLITE_BUSY between our own writers); reads use a separate
// pool of read-only connections that WAL lets run alongside the writer. A write that returns
// is visible to every read that starts after it. Several processes (nodes) may open the same
// file: busy_timeout serialises their writers (slowly), and project ownership is enforced by
// leases whose fencing token every fenced write checks inside its own write transaction
// (lease.go), so a node that lost a project's lease cannot write the project any more.
//
// The schema is versioned with goose migrations embedded from migrations/*.sql and applied
// by Open. Timestamps are stored as INTEGER unix nanoseconds in UTC (NULL for the zero time)
// and returned in UTC. Passwords and secret settings are sealed with a secret.Box.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/secret"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

var _ meta.Store = (*Store)(nil)

// busyTimeoutMs bounds how long a statement waits for a lock held by another connection.
const busyTimeoutMs = 10000

// Store is the SQLite meta.Store. It is safe for concurrent use.
type Store struct {
	w   *sql.DB // exactly one connection; every write
	r   *sql.DB // read-only pool
	box *secret.Box
	log *slog.Logger

	finishChunk *sql.Stmt // on w
	insertChunk *sql.Stmt // on w, used through tx.Stmt
	insertLog   *sql.Stmt // on w

	// fence, when set, makes this value a fenced view (meta.LeaseStore.Fenced): every write
	// transaction first checks the lease (checkFence).
	fence *meta.Lease
}

// createPrivate creates the database file 0600 before SQLite opens it (SQLite would create it
// 0644 less the umask, and gives its -wal and -shm files the database file's mode), and
// restricts an existing database, -wal or -shm file that group or others may read.
func createPrivate(path string, log *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, secret.PrivateFileMode)
	if err != nil {
		return fmt.Errorf("meta/sqlite: create database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("meta/sqlite: create database file: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := secret.RestrictFile(p, log); err != nil {
			return fmt.Errorf("meta/sqlite: %w", err)
		}
	}
	return nil
}

// Open opens (creating if needed) the metadata database at path, applies pending schema
// migrations and returns the Store. box seals passwords and secret settings and is required.
// The database and its -wal/-shm files are private to the owner (0600; see createPrivate).
func Open(ctx context.Context, path string, box *secret.Box, log *slog.Logger) (*Store, error) {
	if box == nil {
		return nil, errors.New("meta/sqlite: a secret.Box is required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if path == "" || strings.ContainsAny(path, "?#") || path == ":memory:" {
		return nil, fmt.Errorf("meta/sqlite: invalid database path %q (a file path without '?' or '#')", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("meta/sqlite: create directory: %w", err)
		}
	}
	if err := createPrivate(path, log); err != nil {
		return nil, err
	}
	common := url.Values{}
	common.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMs))
	common.Add("_pragma", "foreign_keys(1)")

	wq := url.Values{}
	for k, v := range common {
		wq[k] = append([]string(nil), v...)
	}
	wq.Add("_pragma", "journal_mode(WAL)")
	wq.Add("_pragma", "synchronous(FULL)")
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("meta/sqlite: open: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	s := &Store{w: w, box: box, log: log}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}

	rq := common
	rq.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("meta/sqlite: open: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.r = r
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return fmt.Errorf("meta/sqlite: migrations: %w", err)
	}
	// The provider is not closed: its Close would close s.w.
	p, err := goose.NewProvider(goose.DialectSQLite3, s.w, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("meta/sqlite: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("meta/sqlite: apply migrations: %w", err)
	}
	for _, r := range res {
		s.log.Info("metadata schema migrated", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	return nil
}

// SchemaVersion returns the applied schema migration version.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v)
	return v, err
}

func (s *Store) prepare(ctx context.Context) error {
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = s.w.PrepareContext(ctx, q)
		return st
	}
	s.finishChunk = prep(`UPDATE chunks SET status = ?, rows = ?, bytes = ?, result = ?
		WHERE project_id = ? AND step = ? AND tbl = ? AND seq = ?`)
	s.insertChunk = prep(`INSERT INTO chunks (project_id, step, tbl, seq, lower, upper, status, rows, bytes, result)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	s.insertLog = prep(`INSERT INTO logs (project_id, time, level, step, message) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("meta/sqlite: prepare: %w", err)
	}
	return nil
}

// Close releases both pools. It does not wait for in-flight calls beyond what database/sql does.
// On a fenced view it does nothing (the view shares the store's pools).
func (s *Store) Close() error {
	if s.fence != nil {
		return nil
	}
	var errList []error
	for _, st := range []*sql.Stmt{s.finishChunk, s.insertChunk, s.insertLog} {
		if st != nil {
			errList = append(errList, st.Close())
		}
	}
	if s.r != nil {
		errList = append(errList, s.r.Close())
	}
	errList = append(errList, s.w.Close())
	return errors.Join(errList...)
}

// write runs fn in one write transaction on the writer connection and commits it; on a fenced
// view the transaction first checks the lease (checkFence) and fn runs only if it holds.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.writeFor(ctx, "", fn)
}

// writeFor is write for a write keyed by projectID: a fenced view also refuses it unless
// projectID is the fenced project.
func (s *Store) writeFor(ctx context.Context, projectID string, fn func(tx *sql.Tx) error) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkFence(ctx, tx, projectID); err != nil {
			return err
		}
		return fn(tx)
	})
}

// writeTx runs fn in one write transaction without the fence check (lease operations).
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return dbErr("begin", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return dbErr("commit", err)
	}
	return nil
}

// read runs fn in one read transaction on the read pool, so that a count and the page it
// describes come from the same snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return dbErr("begin read", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only; nothing to undo
	return fn(tx)
}

// listPage counts the rows of `table cond` and scans the page `SELECT cols FROM table cond
// tail` with scan, both in one read snapshot; what names the operation in errors.
func (s *Store) listPage(ctx context.Context, what, cols, table, cond, tail string, args []any,
	scan func(*sql.Rows) error) (int64, error) {
	var total int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+cond, args...).Scan(&total); err != nil {
			return dbErr("count "+what, err)
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+cols+" FROM "+table+cond+tail, args...)
		if err != nil {
			return dbErr("list "+what, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return dbErr("list "+what, err)
			}
		}
		if err := rows.Err(); err != nil {
			return dbErr("list "+what, err)
		}
		return nil
	})
	return total, err
}

// dbErr wraps an unexpected database error as an internal *errs.Error.
func dbErr(op string, err error) error {
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	return errs.New(errs.KindInternal, errs.CodeInternal, "metadata store: "+op+" failed",
		"Check the godwit data directory (disk space, permissions) and the log.").Wrap(err)
}

// sqliteCode returns the extended SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isForeignKey(err error) bool { return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY }

// ts encodes t for storage: unix nanoseconds, NULL for the zero time.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func tsp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// fromTS decodes a stored timestamp in UTC.
func fromTS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(0, v.Int64).UTC()
}

func fromTSP(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromTS(v)
	return &t
}

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// page returns the LIMIT/OFFSET clause for a 1-based page; size <= 0 means everything.
func page(pg, size int) string {
	if size <= 0 {
		return ""
	}
	if pg < 1 {
		pg = 1
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", size, (pg-1)*size)
}

// sortColumn maps an API sort field to a column.
func sortColumn(field string) (string, error) {
	switch field {
	case "", "gmtCreate", "gmt_create":
		return "gmt_create", nil
	case "gmtModified", "gmt_modified":
		return "gmt_modified", nil
	case "name":
		return "name", nil
	}
	return "", errs.Invalid("unknown sort field %q (use gmtCreate or gmtModified)", field)
}

func direction(asc bool) string {
	if asc {
		return "ASC"
	}
	return "DESC"
}

// placeholders returns "?, ?, ..." for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
