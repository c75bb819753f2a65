// Package postgres is the PostgreSQL endpoint. It registers itself with package endpoint
// for model.TypePostgreSQL.
//
// As a target (this package today) it receives MySQL-family tables and rows: the plan's
// target tables carry the source's MySQL column types, and the endpoint translates them
// (typemap.go, documented in docs/POSTGRESQL.md) under the data source's typeMapping.*
// options. A MySQL database becomes a schema in the PostgreSQL database the data source
// names (options.database). Rows are written with COPY … FROM STDIN (FORMAT binary), every
// value encoded by godwit itself (internal/pgbin) from the change package's conventions, so
// nothing goes through a text rendering PostgreSQL would reinterpret. Incremental changes
// are applied with INSERT … ON CONFLICT / DELETE in one transaction with the stream's
// checkpoint row in <checkpointSchema>.checkpoint (exactly once).
//
// Layout, so the source side can be added without reworking the target:
//   - postgres.go, options.go: connection, data-source options (both sides);
//   - typemap.go, ddl.go, copy.go, encode.go, apply.go, sink.go, ddl_incr.go: target;
//   - catalog.go, rows.go, decode.go, render.go: reading the catalog and rows back in the
//     change conventions (verification today; the source's full copy later);
//   - precheck.go: items for both sides (only DEST is produced today).
//
// A PostgreSQL source (logical replication with pgoutput, a slot with an exported snapshot,
// PG→PG with COPY binary straight through) belongs in source*.go plus an internal/ package of
// its own (e.g. internal/pgoutput); it reuses decode.go for values.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

func init() {
	endpoint.Register(Open, model.TypePostgreSQL)
	endpoint.RegisterNaming(naming{}, model.TypePostgreSQL)
	endpoint.RegisterOptionCheck(CheckOptions, model.TypePostgreSQL)
}

// Endpoint is an open PostgreSQL data source. Safe for concurrent use.
type Endpoint struct {
	pool    *pgxpool.Pool
	ds      model.DataSource
	db      string
	version string
	num     int // server_version_num
	m       Mapping

	parserOnce sync.Once // builds sqlp for DDL translation on first use
	sqlp       *sqlparser.Parser
	sqlpErr    error
}

var _ endpoint.Endpoint = (*Endpoint)(nil)

// Open connects to ds and checks the credentials.
func Open(ctx context.Context, ds model.DataSource, opts endpoint.Options) (endpoint.Endpoint, error) {
	return OpenPostgres(ctx, ds, opts)
}

// OpenPostgres is Open with the concrete type.
func OpenPostgres(ctx context.Context, ds model.DataSource, opts endpoint.Options) (*Endpoint, error) {
	m, err := parseMapping(ds.Options)
	if err != nil {
		return nil, err
	}
	cfg, err := poolConfig(ds, opts)
	if err != nil {
		return nil, errs.New(errs.KindInvalid, errs.CodeParam, "bad PostgreSQL connection settings: "+err.Error(),
			"Check host, port, user and options.").Wrap(err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, connectErr(ctx, ds, err)
	}
	e := &Endpoint{pool: pool, ds: ds, db: databaseOf(ds), m: m}
	if err := pool.QueryRow(ctx, "SELECT version(), current_setting('server_version_num')::int").Scan(&e.version, &e.num); err != nil {
		pool.Close()
		return nil, connectErr(ctx, ds, err)
	}
	return e, nil
}

func poolConfig(ds model.DataSource, opts endpoint.Options) (*pgxpool.Config, error) {
	ssl := ds.Options[OptSSLMode]
	if ssl == "" {
		ssl = "prefer"
	}
	// Only the host, port and sslmode go through the connection string; credentials and
	// the database are set on the parsed config, so no escaping question arises.
	cfg, err := pgxpool.ParseConfig("host=" + quoteConnValue(ds.Host) + " port=" + strconv.Itoa(ds.Port) + " sslmode=" + ssl)
	if err != nil {
		return nil, err
	}
	cc := cfg.ConnConfig
	cc.User = ds.User
	cc.Password = ds.Password
	cc.Database = databaseOf(ds)
	cc.ConnectTimeout = 10 * time.Second
	cc.RuntimeParams["application_name"] = "godwit"
	cc.RuntimeParams["TimeZone"] = "UTC"
	cc.RuntimeParams["client_encoding"] = "UTF8"
	cc.RuntimeParams["DateStyle"] = "ISO, YMD"
	cc.RuntimeParams["IntervalStyle"] = "postgres"
	cc.RuntimeParams["extra_float_digits"] = "3"
	cc.DefaultQueryExecMode = pgx.QueryExecModeExec
	n := opts.MaxConns
	if n <= 0 {
		n = 16
	}
	cfg.MaxConns = int32(n)
	cfg.MaxConnIdleTime = 5 * time.Minute
	return cfg, nil
}

func quoteConnValue(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// connectErr classifies a failure to open: a cancelled ctx is returned as is; a refusal of
// the credentials, the database or the client host is errs.CodeAccessDenied (KindInvalid,
// not retried); anything else KindUnavailable.
func connectErr(ctx context.Context, ds model.DataSource, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000", "3D000", "42501": // bad password, no pg_hba entry / role, no database, no privilege
			return errs.New(errs.KindInvalid, errs.CodeAccessDenied,
				fmt.Sprintf("Connectivity test failed: %s:%d refused user %s on database %s: %s", ds.Host, ds.Port, ds.User, databaseOf(ds), pe.Message),
				"Check the data source's user, password and options.database, and that pg_hba.conf lets this user connect from godwit's host.").
				With("sqlstate", pe.Code).Wrap(err)
		}
	}
	return errs.New(errs.KindUnavailable, errs.CodeConnect,
		fmt.Sprintf("Connectivity test failed: cannot connect to %s:%d as %s", ds.Host, ds.Port, ds.User),
		"Check host, port, user and password, and that the server accepts connections from godwit.").Wrap(err)
}

// Ping checks connectivity.
func (e *Endpoint) Ping(ctx context.Context) error {
	if err := e.pool.Ping(ctx); err != nil {
		return connectErr(ctx, e.ds, err)
	}
	return nil
}

// Version is the server version string.
func (e *Endpoint) Version() string { return e.version }

// Pool exposes the connection pool for tests and tools in this module.
func (e *Endpoint) Pool() *pgxpool.Pool { return e.pool }

// Close releases the pool.
func (e *Endpoint) Close() error {
	e.pool.Close()
	return nil
}

// naming is PostgreSQL's identifier rules.
type naming struct{}

func (naming) CheckName(kind endpoint.NameKind, name string) error {
	if len(name) > 63 {
		return fmt.Errorf("is longer than 63 bytes (PostgreSQL's NAMEDATALEN-1)")
	}
	return nil
}

func (naming) SystemSchema(db string) bool {
	l := strings.ToLower(db)
	return l == "information_schema" || strings.HasPrefix(l, "pg_")
}

func (naming) Rules() string {
	return "PostgreSQL identifiers: at most 63 bytes, not starting with pg_ for schemas"
}

// pgErr wraps a server error of a data-path operation: connection failures are retried
// (KindUnavailable), anything else is final.
func pgErr(code, what string, err error) error {
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		kind := errs.KindInternal
		switch {
		case strings.HasPrefix(pe.Code, "08"), pe.Code == "40001", pe.Code == "40P01", pe.Code == "57P01", pe.Code == "53300":
			kind = errs.KindUnavailable // connection, serialization, deadlock, shutdown, too many connections
		case strings.HasPrefix(pe.Code, "22"), strings.HasPrefix(pe.Code, "23"), strings.HasPrefix(pe.Code, "42"):
			kind = errs.KindInvalid
		}
		msg := what + ": " + pe.Message
		if pe.Detail != "" {
			msg += " (" + pe.Detail + ")"
		}
		return errs.New(kind, code, msg, "Check the target PostgreSQL server and the table definition; then resume.").
			With("sqlstate", pe.Code).Wrap(err)
	}
	var ne net.Error
	if errors.As(err, &ne) || pgconn.SafeToRetry(err) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "conn closed") {
		return errs.New(errs.KindUnavailable, code, what+": "+err.Error(), "godwit retries; check the target server if it persists.").Wrap(err)
	}
	return errs.New(errs.KindUnavailable, code, what+": "+err.Error(), "Check the target PostgreSQL server; then resume.").Wrap(err)
}
