package testenv

import (
	"context"
	"database/sql"
	"os"
	"strconv"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

func TestMain(m *testing.M) {
	if os.Getenv("GODWIT_TESTENV_HELPER") == "1" {
		helperProcess() // never returns
	}
	Main(m)
}

func showVar(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var n, v string
	if err := db.QueryRow("SHOW GLOBAL VARIABLES LIKE '"+name+"'").Scan(&n, &v); err != nil {
		t.Fatalf("SHOW VARIABLES LIKE %s: %v", name, err)
	}
	return v
}

func TestMariaDBSettingsRestartKill(t *testing.T) {
	start := time.Now()
	m := MariaDBT(t, MariaDBOptions{GTIDDomainID: 7, ExtraArgs: []string{"--max-connections=321"}})
	t.Logf("MariaDB %s started in %v, dir %s", m.Addr(), time.Since(start), m.Dir)
	if m.ServerID != uint32(m.Port) {
		t.Errorf("default ServerID = %d, want the port %d", m.ServerID, m.Port)
	}
	root, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	want := map[string]string{
		"log_bin":                        "ON",
		"binlog_format":                  "ROW",
		"binlog_row_image":               "FULL",
		"binlog_row_metadata":            "FULL",
		"gtid_strict_mode":               "ON",
		"gtid_domain_id":                 "7",
		"log_slave_updates":              "ON",
		"local_infile":                   "ON",
		"character_set_server":           "utf8mb4",
		"skip_name_resolve":              "ON",
		"max_allowed_packet":             "67108864",
		"innodb_flush_log_at_trx_commit": "2",
		"sync_binlog":                    "0",
		"max_connections":                "321", // ExtraArgs win
		"bind_address":                   "127.0.0.1",
	}
	for k, v := range want {
		if got := showVar(t, root, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := showVar(t, root, "server_id"); got != strconv.Itoa(int(m.ServerID)) {
		t.Errorf("server_id = %s, want %d", got, m.ServerID)
	}
	// Session settings of DB: UTC and utf8mb4.
	var tz, cs string
	if err := root.QueryRow("SELECT @@session.time_zone, @@session.character_set_client").Scan(&tz, &cs); err != nil {
		t.Fatal(err)
	}
	if tz != "+00:00" || cs != "utf8mb4" {
		t.Errorf("session time_zone=%q charset=%q", tz, cs)
	}
	// The binlog carries no bootstrap transactions.
	if pos := showVar(t, root, "gtid_binlog_pos"); pos != "" {
		t.Errorf("gtid_binlog_pos after start = %q, want empty", pos)
	}

	ctx := context.Background()
	name, db := NewMariaDBDatabase(t, m, "restart")
	if _, err := db.Exec("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO t VALUES (1,'one'),(2,'😀')"); err != nil {
		t.Fatal(err)
	}
	if pos := showVar(t, root, "gtid_binlog_pos"); pos == "" || pos[:2] != "7-" {
		t.Errorf("gtid_binlog_pos after writes = %q, want domain 7", pos)
	}
	db.Close()
	root.Close()

	countRows := func() int {
		t.Helper()
		d, err := m.DB(name)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var n int
		var v string
		if err := d.QueryRow("SELECT COUNT(*), MAX(v) FROM t").Scan(&n, &v); err != nil {
			t.Fatal(err)
		}
		if v != "😀" {
			t.Errorf("MAX(v) = %q after restart", v)
		}
		return n
	}

	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	if m.Running() {
		t.Fatal("running after Stop")
	}
	if _, err := m.DB(""); err == nil {
		t.Fatal("connected to a stopped server")
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countRows(); n != 2 {
		t.Fatalf("rows after restart = %d, want 2", n)
	}

	m.Kill()
	if m.Running() {
		t.Fatal("running after Kill")
	}
	if _, err := m.DB(""); err == nil {
		t.Fatal("connected to a killed server")
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countRows(); n != 2 {
		t.Fatalf("rows after kill+start = %d, want 2", n)
	}
	if err := m.Start(ctx); err == nil {
		t.Error("Start on a running server succeeded")
	}
}

func TestMariaDBPassword(t *testing.T) {
	m := MariaDBT(t, MariaDBOptions{RootPassword: "s3cr'et\\x", ServerID: 4242})
	db, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := showVar(t, db, "server_id"); got != "4242" {
		t.Errorf("server_id = %s", got)
	}
	cfg := m.Config("")
	cfg.Passwd = "wrong"
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	bad := sql.OpenDB(conn)
	defer bad.Close()
	if err := bad.Ping(); err == nil {
		t.Fatal("wrong password accepted")
	}
	ds := m.DataSource("src")
	if ds.Type != "MARIADB" || ds.Port != m.Port || ds.Password != m.Password || ds.Name != "src" {
		t.Errorf("DataSource = %+v", ds)
	}
}

func TestSharedMariaDB(t *testing.T) {
	a := SharedMariaDB(t, "source")
	b := SharedMariaDB(t, "source")
	c := SharedMariaDB(t, "target")
	if a != b {
		t.Error("same key gave two servers")
	}
	if a == c || a.Port == c.Port || a.ServerID == c.ServerID {
		t.Error("different keys share a server or server_id")
	}
	n1, n2 := UniqueName("x"), UniqueName("x")
	if n1 == n2 || len(n1) != 14 {
		t.Errorf("UniqueName gave %q, %q", n1, n2)
	}
}
