package testenv

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestPostgresSettingsRestartKill(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	pg := PostgresT(t, PostgresOptions{})
	t.Logf("PostgreSQL %s started in %v from %s", pg.Addr(), time.Since(start), pg.BinDir)

	c, err := pgx.Connect(ctx, pg.ConnString("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"wal_level":             "logical",
		"max_replication_slots": "10",
		"max_wal_senders":       "10",
		"fsync":                 "off",
		"listen_addresses":      "127.0.0.1",
		"server_encoding":       "UTF8",
		"password_encryption":   "scram-sha-256",
	} {
		var got string
		if err := c.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	var super bool
	if err := c.QueryRow(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super); err != nil || !super {
		t.Errorf("current user is not a superuser (%v)", err)
	}
	c.Close(ctx)

	// A logical replication connection is accepted over TCP with the password.
	rc, err := pgx.Connect(ctx, pg.ConnString("postgres")+"&replication=database")
	if err != nil {
		t.Fatalf("replication connection: %v", err)
	}
	rc.Close(ctx)

	// A wrong password is refused.
	bad := strings.Replace(pg.ConnString("postgres"), ":"+pg.Password+"@", ":nope@", 1)
	if bad == pg.ConnString("postgres") {
		t.Fatal("could not build a wrong-password URL")
	}
	if c, err := pgx.Connect(ctx, bad); err == nil {
		c.Close(ctx)
		t.Fatal("wrong password accepted")
	}

	name := NewPostgresDatabase(t, pg, "restart")
	dc, err := pg.Conn(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dc.Exec(ctx, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1,'one'),(2,'😀')"); err != nil {
		t.Fatal(err)
	}
	dc.Close(ctx)
	count := func() int {
		t.Helper()
		c, err := pg.Conn(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		var n int
		if err := c.QueryRow(ctx, "SELECT count(*) FROM t WHERE v IN ('one', '😀')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	if pg.Running() {
		t.Fatal("running after Stop")
	}
	if err := pg.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("rows after restart = %d", n)
	}
	pg.Kill()
	if pg.Running() {
		t.Fatal("running after Kill")
	}
	if c, err := pg.Conn(ctx, name); err == nil {
		c.Close(ctx)
		t.Fatal("connected to a killed server")
	}
	if err := pg.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("rows after kill+start = %d", n)
	}
	ds := pg.DataSource("pg")
	if ds.Type != "POSTGRESQL" || ds.Port != pg.Port || ds.User != "postgres" {
		t.Errorf("DataSource = %+v", ds)
	}
}

func TestSharedPostgres(t *testing.T) {
	a, b := SharedPostgres(t, "pg"), SharedPostgres(t, "pg")
	if a != b {
		t.Fatal("same key gave two servers")
	}
	c, err := a.Conn(context.Background(), "postgres")
	if err != nil {
		t.Fatal(err)
	}
	c.Close(context.Background())
}
