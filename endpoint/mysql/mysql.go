// Package mysql is the MySQL-family endpoint (MySQL, MariaDB, OceanBase-MySQL, TiDB).
// It registers itself with package endpoint for those data-source types.
//
// Connections use utf8mb4, UTC session time zone, and the binary protocol for reads (every
// query passes arguments), so FLOAT/DOUBLE arrive with their exact bits.
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

func init() {
	endpoint.Register(Open, model.TypeMySQL, model.TypeMariaDB, model.TypeOBMySQL, model.TypeTiDB)
	endpoint.RegisterFilterSyntax(func(where string) error {
		_, err := ValidateWhere(nil, where)
		return err
	})
	endpoint.RegisterRowFilterSyntax(CheckRowFilterSyntax)
}

// Endpoint is an open MySQL-family data source. Safe for concurrent use.
type Endpoint struct {
	db      *sql.DB
	ds      model.DataSource
	version string
	mariadb bool
	parts   int         // change capture's transaction part size (endpoint.Options.TxnPartBytes)
	write   writePacket // write-path state (write.go); never copied: Endpoint is used by pointer
}

var _ endpoint.Endpoint = (*Endpoint)(nil)

// sessionSQLMode is deliberately not strict: the copy writes values read from columns of the
// same type, and some legal stored values can only be written back non-strictly (the ENUM
// error value ”, zero dates). NO_AUTO_VALUE_ON_ZERO keeps a stored 0 in an AUTO_INCREMENT
// column; backslash escapes stay on. Exactness is proven by verification, not by warnings.
const sessionSQLMode = "'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'"

// Config builds the driver configuration for ds. Exported for tests and tools.
func Config(ds model.DataSource) *gomysql.Config {
	c := gomysql.NewConfig()
	c.User = ds.User
	c.Passwd = ds.Password
	c.Net = "tcp"
	c.Addr = net.JoinHostPort(ds.Host, strconv.Itoa(ds.Port))
	c.DBName = ""
	c.Loc = time.UTC
	c.ParseTime = false
	c.InterpolateParams = false
	c.AllowNativePasswords = true
	c.AllowAllFiles = false
	c.MultiStatements = false
	c.MaxAllowedPacket = 0 // read the server's value
	c.Timeout = 10 * time.Second
	c.ReadTimeout = 10 * time.Minute
	c.WriteTimeout = 10 * time.Minute
	c.Params = map[string]string{
		"time_zone":                "'+00:00'",
		"sql_mode":                 sessionSQLMode,
		"foreign_key_checks":       "0",
		"character_set_client":     "utf8mb4",
		"character_set_results":    "utf8mb4",
		"character_set_connection": "utf8mb4",
		"collation_connection":     "utf8mb4_bin",
	}
	if s := ds.Options["socket"]; s != "" {
		c.Net, c.Addr = "unix", s
	}
	return c
}

// Open connects to ds and checks the credentials.
func Open(ctx context.Context, ds model.DataSource, opts endpoint.Options) (endpoint.Endpoint, error) {
	return OpenMySQL(ctx, ds, opts)
}

// OpenMySQL is Open with the concrete type.
func OpenMySQL(ctx context.Context, ds model.DataSource, opts endpoint.Options) (*Endpoint, error) {
	conn, err := gomysql.NewConnector(Config(ds))
	if err != nil {
		return nil, connectErr(ctx, ds, err)
	}
	db := sql.OpenDB(conn)
	n := opts.MaxConns
	if n <= 0 {
		n = 16
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	e := &Endpoint{db: db, ds: ds, parts: opts.TxnPartBytes}
	if e.parts <= 0 {
		e.parts = endpoint.DefaultTxnPartBytes
	}
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&e.version); err != nil {
		db.Close()
		return nil, connectErr(ctx, ds, err)
	}
	e.mariadb = strings.Contains(strings.ToLower(e.version), "mariadb")
	return e, nil
}

// connectErr classifies a failure to open or ping: a cancelled or expired ctx is returned as
// ctx's own error (an interruption, not an unreachable server); a refusal of the credentials
// or of the client host is errs.CodeAccessDenied, KindInvalid (not retried: retrying cannot
// fix a password); anything else is KindUnavailable (retried by callers).
func connectErr(ctx context.Context, ds model.DataSource, err error) error {
	if ctx.Err() != nil { // whatever the driver says, the attempt ended because ctx did
		return ctx.Err()
	}
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1044, 1045, 1130, 1251, 1698, 1862, 4151: // access denied, host not allowed, auth plugin, password expired, account locked
			return errs.New(errs.KindInvalid, errs.CodeAccessDenied,
				fmt.Sprintf("Connectivity test failed: %s:%d refused user %s: %s", ds.Host, ds.Port, ds.User, me.Message),
				"Check the data source's user name and password, and that this user may connect from godwit's host "+
					"(CREATE USER / GRANT … TO 'user'@'host'); then update the data source and resume the project.").
				With("errno", strconv.Itoa(int(me.Number))).Wrap(err)
		}
	}
	return errs.New(errs.KindUnavailable, errs.CodeConnect,
		fmt.Sprintf("Connectivity test failed: cannot connect to %s:%d as %s", ds.Host, ds.Port, ds.User),
		"Check host, port, user and password, and that the server accepts connections from godwit.").Wrap(err)
}

// Ping checks connectivity.
func (e *Endpoint) Ping(ctx context.Context) error {
	if err := e.db.PingContext(ctx); err != nil {
		return connectErr(ctx, e.ds, err)
	}
	return nil
}

// Version is the server version string.
func (e *Endpoint) Version() string { return e.version }

// IsMariaDB reports whether the server is MariaDB.
func (e *Endpoint) IsMariaDB() bool { return e.mariadb }

// DB exposes the pool for tests and tools in this module.
func (e *Endpoint) DB() *sql.DB { return e.db }

// Close releases the pool.
func (e *Endpoint) Close() error { return e.db.Close() }

// QuoteIdent quotes a MySQL identifier with backticks, doubling embedded backticks.
func QuoteIdent(s string) string { return sqlval.QuoteIdent(s) }

// QuoteTable quotes db.name.
func QuoteTable(db, name string) string { return sqlval.QuoteTable(db, name) }

// QuoteString renders s as a single-quoted SQL string literal (backslash escapes on).
func QuoteString(s string) string { return sqlval.QuoteString(s) }
