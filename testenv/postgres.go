package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/godwit/godwit/model"
)

// PostgresOptions configures StartPostgres. The zero value is usable.
type PostgresOptions struct {
	Password     string        // password of superuser postgres; "" means DefaultPassword
	ExtraArgs    []string      // appended to the postgres command line, e.g. "-c", "x=y"
	StartTimeout time.Duration // 0 means 60s
}

// Postgres is a running (or stopped) throwaway PostgreSQL server with wal_level=logical.
type Postgres struct {
	Host      string // always 127.0.0.1
	Port      int
	User      string // postgres
	Password  string
	DataDir   string
	Dir       string // temp root holding DataDir, the socket and the log; removed by Close
	SocketDir string
	Log       string // path of the server log
	BinDir    string // where initdb and postgres were found

	opts   PostgresOptions
	cred   *syscall.Credential // nil when not root
	mu     sync.Mutex
	p      *proc
	closed bool
}

// pgBinDir returns the bin directory of the newest installed PostgreSQL, honouring
// $GODWIT_PG_BIN.
func pgBinDir() (string, error) {
	if d := os.Getenv("GODWIT_PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	type v struct {
		n   int
		dir string
	}
	var found []v
	for _, d := range dirs {
		n, err := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		if _, serr := os.Stat(filepath.Join(d, "postgres")); err == nil && serr == nil {
			found = append(found, v{n, d})
		}
	}
	if len(found) > 0 {
		sort.Slice(found, func(i, j int) bool { return found[i].n > found[j].n })
		return found[0].dir, nil
	}
	p, err := findBinary([]string{"postgres"}, "/usr/local/pgsql/bin")
	if err != nil {
		return "", err
	}
	return filepath.Dir(p), nil
}

// StartPostgres runs initdb in a new temp dir and starts a server on a free port. As root,
// initdb and postgres run as the OS user postgres, which then owns the temp dir.
func StartPostgres(ctx context.Context, opts PostgresOptions) (*Postgres, error) {
	bin, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
		return nil, fmt.Errorf("%w: initdb not in %s", ErrNoBinary, bin)
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = defaultStartTimeout
	}
	pg := &Postgres{Host: "127.0.0.1", User: "postgres", Password: opts.Password, BinDir: bin, opts: opts}
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("testenv: running as root needs an OS user postgres to run PostgreSQL: %w", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}
	}
	if pg.Dir, err = makeTempDir("pg"); err != nil {
		return nil, err
	}
	pg.DataDir = filepath.Join(pg.Dir, "data")
	pg.SocketDir = pg.Dir
	pg.Log = filepath.Join(pg.Dir, "postgres.log")
	fail := func(err error) (*Postgres, error) {
		pg.Close()
		return nil, err
	}
	if err := os.Chown(pg.Dir, uid, gid); err != nil {
		return fail(err)
	}
	pwfile := filepath.Join(pg.Dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(opts.Password+"\n"), 0o600); err != nil {
		return fail(err)
	}
	if err := os.Chown(pwfile, uid, gid); err != nil {
		return fail(err)
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", pg.DataDir, "-U", "postgres",
		"--pwfile="+pwfile, "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8",
		"--locale=C", "--no-sync", "--no-instructions")
	initdb.Dir = pg.Dir
	initdb.Env = pgEnv()
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred, Pdeathsig: syscall.SIGKILL}
	out, err := initdb.CombinedOutput()
	os.Remove(pwfile)
	if err != nil {
		return fail(fmt.Errorf("testenv: initdb failed: %w\n%s", err, out))
	}
	hba := "local all all trust\nlocal replication all trust\n" +
		"host all all 127.0.0.1/32 scram-sha-256\nhost replication all 127.0.0.1/32 scram-sha-256\n" +
		"host all all ::1/128 scram-sha-256\nhost replication all ::1/128 scram-sha-256\n"
	if err := os.WriteFile(filepath.Join(pg.DataDir, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return fail(err)
	}
	if err := os.Chown(filepath.Join(pg.DataDir, "pg_hba.conf"), uid, gid); err != nil {
		return fail(err)
	}
	for attempt := 0; ; attempt++ {
		if pg.Port, err = freePort(); err != nil {
			return fail(err)
		}
		err = pg.Start(ctx)
		if err == nil {
			return pg, nil
		}
		if attempt >= 2 || !strings.Contains(tailFile(pg.Log, 4096), "already in use") {
			return fail(err)
		}
	}
}

// pgEnv is our environment without libpq variables that could redirect the tools.
func pgEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return append(env, "LC_ALL=C")
}

func (pg *Postgres) args() []string {
	a := []string{"-D", pg.DataDir, "-p", strconv.Itoa(pg.Port), "-k", pg.SocketDir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "wal_level=logical",
		"-c", "max_replication_slots=10",
		"-c", "max_wal_senders=10",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "shared_buffers=64MB",
		"-c", "max_connections=200",
		"-c", "timezone=UTC",
		"-c", "log_timezone=UTC",
		"-c", "logging_collector=off",
	}
	return append(a, pg.opts.ExtraArgs...)
}

// Start (re)starts the server on its datadir and port and waits until a password login
// over TCP succeeds.
func (pg *Postgres) Start(ctx context.Context) error {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.closed {
		return errors.New("testenv: Postgres is closed")
	}
	if pg.p != nil && !pg.p.exited() {
		return errors.New("testenv: Postgres is already running")
	}
	p, err := startProc(filepath.Join(pg.BinDir, "postgres"), pg.args(), pg.Log, pg.cred, pgEnv())
	if err != nil {
		return err
	}
	pg.p = p
	ctx, cancel := context.WithTimeout(ctx, pg.opts.StartTimeout)
	defer cancel()
	if err := pg.waitReady(ctx); err != nil {
		p.kill()
		return fmt.Errorf("testenv: PostgreSQL on port %d did not start: %w\n--- %s (tail) ---\n%s",
			pg.Port, err, pg.Log, tailFile(pg.Log, 4096))
	}
	return nil
}

func (pg *Postgres) waitReady(ctx context.Context) error {
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := pgx.Connect(pctx, pg.ConnString("postgres"))
		if err == nil {
			err = c.Ping(pctx)
			c.Close(pctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		if pg.p.exited() {
			return fmt.Errorf("server exited: %v", pg.p.waitErr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(pollEvery):
		}
	}
}

// Stop shuts the server down with a fast shutdown (SIGINT) and waits; after 60 s it is
// killed.
func (pg *Postgres) Stop() error {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.p == nil {
		return nil
	}
	if !pg.p.stop(syscall.SIGINT, 60*time.Second) {
		return fmt.Errorf("testenv: PostgreSQL on port %d ignored SIGINT for 60s and was killed", pg.Port)
	}
	return nil
}

// Kill SIGKILLs the postmaster and its backends at once (a crash) and waits.
func (pg *Postgres) Kill() {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.p != nil {
		pg.p.kill()
	}
}

// Running reports whether the postmaster is alive.
func (pg *Postgres) Running() bool {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	return pg.p != nil && !pg.p.exited()
}

// Close stops the server and removes its temp directory. Safe to call twice.
func (pg *Postgres) Close() error {
	err := pg.Stop()
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.closed {
		return nil
	}
	pg.closed = true
	if pg.Dir != "" {
		if rerr := os.RemoveAll(pg.Dir); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// Addr is host:port.
func (pg *Postgres) Addr() string { return net.JoinHostPort(pg.Host, strconv.Itoa(pg.Port)) }

// ConnString is a pgx/libpq URL for db as the superuser over TCP without TLS. Add
// "&replication=database" for a logical replication connection.
func (pg *Postgres) ConnString(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(pg.User, pg.Password), Host: pg.Addr(),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// DataSource describes the server as a godwit data source of type POSTGRESQL.
func (pg *Postgres) DataSource(name string) model.DataSource {
	return model.DataSource{
		ID: model.NewID("e"), Name: name, Type: model.TypePostgreSQL,
		Host: pg.Host, Port: pg.Port, User: pg.User, Password: pg.Password,
	}
}

// Conn opens one pgx connection to db as the superuser.
func (pg *Postgres) Conn(ctx context.Context, db string) (*pgx.Conn, error) {
	c, err := pgx.Connect(ctx, pg.ConnString(db))
	if err != nil {
		return nil, fmt.Errorf("testenv: connect to PostgreSQL %s db %q: %w", pg.Addr(), db, err)
	}
	return c, nil
}

// CreateDatabase creates a UTF8 database (from template0, C collation).
func (pg *Postgres) CreateDatabase(ctx context.Context, name string) error {
	c, err := pg.Conn(ctx, "postgres")
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+quotePGIdent(name)+" ENCODING 'UTF8' TEMPLATE template0"); err != nil {
		return fmt.Errorf("testenv: create database %s: %w", name, err)
	}
	return nil
}

// DropDatabase drops a database if it exists, closing its sessions.
func (pg *Postgres) DropDatabase(ctx context.Context, name string) error {
	c, err := pg.Conn(ctx, "postgres")
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, "DROP DATABASE IF EXISTS "+quotePGIdent(name)+" WITH (FORCE)")
	return err
}

func quotePGIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
