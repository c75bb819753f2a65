// Package testenv starts throwaway database servers from the installed binaries for tests,
// benchmarks and `godwit demo`: a MariaDB with a ROW/FULL/FULL binlog and GTIDs, and a
// PostgreSQL with wal_level=logical, each in its own temp directory on a free port of
// 127.0.0.1. It also compares tables row by row exactly (CompareTables).
//
// The core files never import "testing"; the testing.TB helpers (MariaDBT, PostgresT,
// SharedMariaDB, SharedPostgres, Main) live in testing.go.
package testenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/godwit/godwit/model"
)

// DefaultPassword is the superuser password of servers started without one.
const DefaultPassword = "godwit-test"

// MariaDBOptions configures StartMariaDB. The zero value is usable.
type MariaDBOptions struct {
	ServerID     uint32        // server_id; 0 means the port number
	GTIDDomainID uint32        // gtid_domain_id; default 0
	RootPassword string        // password of root over TCP; "" means DefaultPassword
	ExtraArgs    []string      // appended to the server command line (they win over ours)
	StartTimeout time.Duration // how long to wait for connections; 0 means 60s
}

// MariaDB is a running (or stopped) throwaway MariaDB server. Its methods are safe for
// concurrent use, but Stop/Kill/Start are meant to be called by one test at a time.
type MariaDB struct {
	Host     string // always 127.0.0.1
	Port     int
	User     string // root
	Password string
	DataDir  string
	Dir      string // temp root holding DataDir, the socket and the logs; removed by Close
	Socket   string
	ServerID uint32
	ErrorLog string // path of the server's error log

	opts   MariaDBOptions
	server string // path of mariadbd
	mu     sync.Mutex
	p      *proc
	closed bool
}

// StartMariaDB initialises a new datadir and starts a server on it. The returned server
// accepts root with the password over TCP; its binlog holds no events yet.
func StartMariaDB(ctx context.Context, opts MariaDBOptions) (*MariaDB, error) {
	server, err := findBinary([]string{"mariadbd", "mysqld"}, "/usr/sbin", "/usr/libexec", "/usr/local/mysql/bin", "/usr/local/bin")
	if err != nil {
		return nil, err
	}
	installer, err := findBinary([]string{"mariadb-install-db", "mysql_install_db"}, "/usr/bin", "/usr/local/mysql/scripts", "/usr/local/bin")
	if err != nil {
		return nil, err
	}
	if opts.RootPassword == "" {
		opts.RootPassword = DefaultPassword
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = defaultStartTimeout
	}
	dir, err := makeTempDir("mariadb")
	if err != nil {
		return nil, err
	}
	m := &MariaDB{
		Host: "127.0.0.1", User: "root", Password: opts.RootPassword,
		Dir: dir, DataDir: filepath.Join(dir, "data"), Socket: filepath.Join(dir, "mysqld.sock"),
		ErrorLog: filepath.Join(dir, "error.log"),
		opts:     opts, server: server,
	}
	fail := func(err error) (*MariaDB, error) {
		m.Close()
		return nil, err
	}
	args := []string{"--no-defaults", "--datadir=" + m.DataDir, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve", "--innodb-log-file-size=16M",
		"--tmpdir=" + dir} // a private tmpdir: concurrent bootstraps collide on /tmp temp-table names
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	if out, err := exec.CommandContext(ctx, installer, args...).CombinedOutput(); err != nil {
		return fail(fmt.Errorf("testenv: %s failed: %w\n%s", filepath.Base(installer), err, out))
	}
	// The port is only known free when probed; retry a couple of times on a bind race.
	for attempt := 0; ; attempt++ {
		if m.Port, err = freePort(); err != nil {
			return fail(err)
		}
		if opts.ServerID == 0 {
			m.ServerID = uint32(m.Port)
		} else {
			m.ServerID = opts.ServerID
		}
		err = m.start(ctx, true)
		if err == nil {
			return m, nil
		}
		if attempt >= 2 || !strings.Contains(tailFile(m.ErrorLog, 4096), "already in use") {
			return fail(err)
		}
	}
}

func (m *MariaDB) args() []string {
	a := []string{
		"--no-defaults",
		"--datadir=" + m.DataDir,
		"--socket=" + m.Socket,
		"--pid-file=" + filepath.Join(m.Dir, "mysqld.pid"),
		"--log-error=" + m.ErrorLog,
		"--tmpdir=" + m.Dir,
		"--port=" + strconv.Itoa(m.Port),
		"--bind-address=127.0.0.1",
		"--server-id=" + strconv.FormatUint(uint64(m.ServerID), 10),
		"--log-bin=" + filepath.Join(m.DataDir, "mariadb-bin"),
		"--binlog-format=ROW",
		"--binlog-row-image=FULL",
		"--binlog-row-metadata=FULL",
		"--log-slave-updates=ON",
		"--gtid-domain-id=" + strconv.FormatUint(uint64(m.opts.GTIDDomainID), 10),
		"--gtid-strict-mode=ON",
		"--local-infile=1",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_general_ci",
		"--skip-name-resolve",
		"--innodb-buffer-pool-size=64M",
		"--innodb-log-file-size=16M",
		"--innodb-flush-log-at-trx-commit=2",
		"--sync-binlog=0",
		"--max-allowed-packet=64M",
		"--max-connections=500",
		"--performance-schema=OFF",
	}
	if os.Geteuid() == 0 {
		a = append(a, "--user=root")
	}
	return append(a, m.opts.ExtraArgs...)
}

// Start restarts a stopped or killed server on the same datadir and port.
func (m *MariaDB) Start(ctx context.Context) error { return m.start(ctx, false) }

func (m *MariaDB) start(ctx context.Context, first bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errors.New("testenv: MariaDB is closed")
	}
	if m.p != nil && !m.p.exited() {
		return errors.New("testenv: MariaDB is already running")
	}
	_ = os.Remove(m.Socket)
	p, err := startProc(m.server, m.args(), filepath.Join(m.Dir, "mariadbd.out"), nil, nil)
	if err != nil {
		return err
	}
	m.p = p
	ctx, cancel := context.WithTimeout(ctx, m.opts.StartTimeout)
	defer cancel()
	err = m.waitReady(ctx, first)
	if err == nil && first {
		err = m.bootstrap(ctx)
	}
	if err != nil {
		p.kill()
		return fmt.Errorf("testenv: MariaDB on port %d did not start: %w\n--- %s (tail) ---\n%s",
			m.Port, err, m.ErrorLog, tailFile(m.ErrorLog, 4096))
	}
	return nil
}

// waitReady polls a connection until the server answers. Before bootstrap root has no
// password and is reached through the socket.
func (m *MariaDB) waitReady(ctx context.Context, first bool) error {
	cfg := m.Config("")
	if first {
		cfg.Net, cfg.Addr, cfg.Passwd = "unix", m.Socket, ""
	}
	cfg.Timeout = time.Second
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err = db.PingContext(pctx)
		cancel()
		if err == nil {
			return nil
		}
		if m.p.exited() {
			return fmt.Errorf("server exited: %v", m.p.waitErr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(pollEvery):
		}
	}
}

// bootstrap gives root the password on every host it may come from, outside the binlog.
func (m *MariaDB) bootstrap(ctx context.Context) error {
	cfg := m.Config("")
	cfg.Net, cfg.Addr, cfg.Passwd = "unix", m.Socket, ""
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	pw := quoteMySQLString(m.Password)
	stmts := []string{"SET SESSION sql_log_bin=0"}
	for _, h := range []string{"localhost", "127.0.0.1", "::1", "%"} {
		u := "'root'@" + quoteMySQLString(h)
		stmts = append(stmts,
			"CREATE USER IF NOT EXISTS "+u,
			"ALTER USER "+u+" IDENTIFIED BY "+pw,
			"GRANT ALL PRIVILEGES ON *.* TO "+u+" WITH GRANT OPTION")
	}
	for _, s := range stmts {
		if _, err := c.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("bootstrap %q: %w", strings.SplitN(s, " IDENTIFIED", 2)[0], err)
		}
	}
	return nil
}

// Stop shuts the server down gracefully (SIGTERM) and waits; after 60 s it is killed.
func (m *MariaDB) Stop() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p == nil {
		return nil
	}
	if !m.p.stop(syscall.SIGTERM, 60*time.Second) {
		return fmt.Errorf("testenv: MariaDB on port %d ignored SIGTERM for 60s and was killed", m.Port)
	}
	return nil
}

// Kill SIGKILLs the server (a crash) and waits until it is gone.
func (m *MariaDB) Kill() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p != nil {
		m.p.kill()
	}
}

// Running reports whether the server process is alive.
func (m *MariaDB) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.p != nil && !m.p.exited()
}

// Close stops the server and removes its temp directory. Safe to call twice.
func (m *MariaDB) Close() error {
	err := m.Stop()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	if rerr := os.RemoveAll(m.Dir); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// Addr is host:port.
func (m *MariaDB) Addr() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

// DataSource describes the server as a godwit data source of type MARIADB.
func (m *MariaDB) DataSource(name string) model.DataSource {
	return model.DataSource{
		ID: model.NewID("e"), Name: name, Type: model.TypeMariaDB,
		Host: m.Host, Port: m.Port, User: m.User, Password: m.Password,
	}
}

// Config is the driver configuration DB uses: TCP as root, utf8mb4, session time zone
// UTC, multi statements on, no time parsing (temporal values arrive as their text).
func (m *MariaDB) Config(dbname string) *gomysql.Config {
	c := gomysql.NewConfig()
	c.User, c.Passwd = m.User, m.Password
	c.Net, c.Addr = "tcp", m.Addr()
	c.DBName = dbname
	c.Collation = "utf8mb4_general_ci"
	c.Loc = time.UTC
	c.MultiStatements = true
	c.AllowNativePasswords = true
	c.MaxAllowedPacket = 0 // ask the server (64M)
	c.Timeout = 10 * time.Second
	c.Params = map[string]string{"time_zone": "'+00:00'"}
	return c
}

// DB opens a pool on dbname ("" for none) with Config's settings and checks it.
func (m *MariaDB) DB(dbname string) (*sql.DB, error) {
	conn, err := gomysql.NewConnector(m.Config(dbname))
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("testenv: connect to MariaDB %s db %q: %w", m.Addr(), dbname, err)
	}
	return db, nil
}

// CreateDatabase creates a database (utf8mb4) and returns a pool on it.
func (m *MariaDB) CreateDatabase(ctx context.Context, name string) (*sql.DB, error) {
	root, err := m.DB("")
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if _, err := root.ExecContext(ctx, "CREATE DATABASE "+quoteMySQLIdent(name)+" CHARACTER SET utf8mb4"); err != nil {
		return nil, fmt.Errorf("testenv: create database %s: %w", name, err)
	}
	return m.DB(name)
}

// DropDatabase drops a database if it exists.
func (m *MariaDB) DropDatabase(ctx context.Context, name string) error {
	root, err := m.DB("")
	if err != nil {
		return err
	}
	defer root.Close()
	_, err = root.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteMySQLIdent(name))
	return err
}

func quoteMySQLIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quoteMySQLString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\x00", `\0`, "\n", `\n`, "\r", `\r`, "\x1a", `\Z`)
	return "'" + r.Replace(s) + "'"
}
