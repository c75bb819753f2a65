package mysql

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/schema"
	"github.com/godwit/godwit/testenv"
)

func TestParseGrants(t *testing.T) {
	g := pcParseGrants([]string{
		"GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*ABC'",
		"GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `u`@`%`",
		"GRANT INSERT, UPDATE (a, b), DELETE ON `shop`.* TO `u`@`%`",
		"GRANT ALL PRIVILEGES ON `app\\_%`.* TO `u`@`%` WITH GRANT OPTION",
		"GRANT SELECT, INSERT ON `x``y`.`t 1` TO `u`@`%`",
		"GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `u`@`%`",
		"GRANT `role1` TO `u`@`%`",
	})
	cases := []struct {
		priv, db, table string
		want            bool
	}{
		{"SELECT", "anything", "", true},
		{"REPLICATION SLAVE", "", "", true},
		{"REPLICATION CLIENT", "", "", true},
		{"INSERT", "shop", "", true},
		{"UPDATE", "shop", "", false}, // column-level only
		{"DELETE", "shop", "t", true},
		{"CREATE", "shop", "", false},
		{"CREATE", "app_1", "", true},
		{"CREATE", "appx1", "", false}, // \_ is a literal underscore
		{"INSERT", "x`y", "t 1", true},
		{"INSERT", "x`y", "t 2", false},
		{"EXECUTE", "shop", "", false},
	}
	for _, c := range cases {
		if got := g.has(c.priv, c.db, c.table); got != c.want {
			t.Errorf("has(%s, %s, %s) = %v, want %v", c.priv, c.db, c.table, got, c.want)
		}
	}
	root := pcParseGrants([]string{"GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"})
	if !root.hasGlobal("REPLICATION SLAVE") || !root.has("DROP", "any", "") {
		t.Error("ALL PRIVILEGES ON *.* does not cover everything")
	}
}

func TestParseVersion(t *testing.T) {
	for v, want := range map[string][2]int{"10.11.19-MariaDB-0+deb12u1-log": {10, 11}, "8.0.36": {8, 0}, "5.7.44-log": {5, 7}, "x": {0, 0}} {
		if a, b := pcParseVersion(v); a != want[0] || b != want[1] {
			t.Errorf("pcParseVersion(%q) = %d.%d", v, a, b)
		}
	}
}

func pcFind(t *testing.T, items []endpoint.CheckItem, name string) endpoint.CheckItem {
	t.Helper()
	for _, it := range items {
		if it.Name == name {
			return it
		}
	}
	t.Fatalf("no item %s in %+v", name, items)
	return endpoint.CheckItem{}
}

func pcExpect(t *testing.T, items []endpoint.CheckItem, name string, st endpoint.CheckStatus, msgHas ...string) {
	t.Helper()
	it := pcFind(t, items, name)
	if it.Status != st {
		t.Errorf("%s: status %s (%s), want %s", name, it.Status, it.Message, st)
	}
	for _, m := range msgHas {
		if !strings.Contains(it.Message, m) {
			t.Errorf("%s: message %q does not mention %q", name, it.Message, m)
		}
	}
}

func TestPrecheckIntegration(t *testing.T) {
	m := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	src, sdb := testenv.NewMariaDBDatabase(t, m, "src")
	tgt, tdb := testenv.NewMariaDBDatabase(t, m, "tgt")
	for _, q := range []string{
		"CREATE TABLE orders (id int PRIMARY KEY, v int)",
		"CREATE TABLE logs (msg text, at int)",
		"CREATE TABLE codes (code varchar(10) NOT NULL, UNIQUE KEY (code))",
	} {
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		"CREATE TABLE orders (id int PRIMARY KEY, v int)", "INSERT INTO orders VALUES (1, 1)",
		"CREATE TABLE codes (code varchar(10) NOT NULL)",
	} {
		if _, err := tdb.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	e, err := OpenMySQL(ctx, m.DataSource("pc"), endpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	srcTables := []schema.Table{{Schema: src, Name: "orders"}, {Schema: src, Name: "logs"}, {Schema: src, Name: "codes"}}

	items, err := e.Precheck(ctx, endpoint.PrecheckRequest{Side: "SOURCE", NeedChangeLog: true, Tables: srcTables, Databases: []string{src}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"SourceDbConnectivity", "SourceDbVersion", "SourceDbPrivileges", "SourceTablesExist",
		"SourceDbServerId", "SourceDbBinlog", "SourceDbBinlogFormat", "SourceDbBinlogRowImage",
		"SourceDbBinlogRowMetadata", "SourceDbBinlogRetention", "SourceDbGtid"} {
		pcExpect(t, items, n, endpoint.CheckPassed)
	}
	pcExpect(t, items, "SourceTablesWithoutKey", endpoint.CheckAlarm, src+".logs")
	if it := pcFind(t, items, "SourceTablesWithoutKey"); !it.Skippable || strings.Contains(it.Message, "codes") ||
		strings.Contains(it.Message, "orders") {
		t.Errorf("no-key item: %+v", it)
	}
	for _, it := range items {
		if it.Side != "SOURCE" {
			t.Errorf("item %s has side %q", it.Name, it.Side)
		}
	}

	// Missing tables fail; broken binlog settings fail; short retention alarms.
	root, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, q := range []string{"SET GLOBAL binlog_format = 'MIXED'", "SET GLOBAL binlog_row_image = 'MINIMAL'",
		"SET GLOBAL binlog_expire_logs_seconds = 3600", "SET GLOBAL local_infile = OFF"} {
		if _, err := root.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	items, err = e.Precheck(ctx, endpoint.PrecheckRequest{Side: "SOURCE", NeedChangeLog: true,
		Tables: []schema.Table{{Schema: src, Name: "gone"}}})
	if err != nil {
		t.Fatal(err)
	}
	pcExpect(t, items, "SourceTablesExist", endpoint.CheckFailed, src+".gone")
	pcExpect(t, items, "SourceDbBinlogFormat", endpoint.CheckFailed, "MIXED")
	pcExpect(t, items, "SourceDbBinlogRowImage", endpoint.CheckFailed, "MINIMAL")
	pcExpect(t, items, "SourceDbBinlogRetention", endpoint.CheckAlarm, "3600")

	// Destination: a non-empty table fails, an empty one alarms, local_infile OFF alarms.
	dstTables := []schema.Table{{Schema: tgt, Name: "orders"}, {Schema: tgt, Name: "codes"}, {Schema: tgt, Name: "logs"}}
	items, err = e.Precheck(ctx, endpoint.PrecheckRequest{Side: "DEST", Tables: dstTables, Databases: []string{tgt}})
	if err != nil {
		t.Fatal(err)
	}
	pcExpect(t, items, "DestTablesExist", endpoint.CheckFailed, tgt+".orders", tgt+".codes")
	pcExpect(t, items, "DestDbLocalInfile", endpoint.CheckAlarm)
	pcExpect(t, items, "DestDbPrivileges", endpoint.CheckPassed)
	pcExpect(t, items, "DestDbSqlMode", endpoint.CheckPassed)
	if it := pcFind(t, items, "DestTablesExist"); strings.Contains(it.Message, "logs") {
		t.Errorf("logs does not exist in the target: %s", it.Message)
	}
	if _, err := tdb.ExecContext(ctx, "TRUNCATE TABLE orders"); err != nil {
		t.Fatal(err)
	}
	items, err = e.Precheck(ctx, endpoint.PrecheckRequest{Side: "DEST", Tables: dstTables, Databases: []string{tgt}})
	if err != nil {
		t.Fatal(err)
	}
	pcExpect(t, items, "DestTablesExist", endpoint.CheckAlarm, tgt+".orders", tgt+".codes")

	// A user with SELECT only on the source database lacks the replication privileges and
	// every target privilege.
	for _, q := range []string{"CREATE USER 'pc_ro'@'%' IDENTIFIED BY 'pc_pw'",
		"GRANT SELECT ON `" + src + "`.* TO 'pc_ro'@'%'"} {
		if _, err := root.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	ds := m.DataSource("ro")
	ds.User, ds.Password = "pc_ro", "pc_pw"
	ro, err := OpenMySQL(ctx, ds, endpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	items, err = ro.Precheck(ctx, endpoint.PrecheckRequest{Side: "SOURCE", Tables: srcTables, Databases: []string{src}})
	if err != nil {
		t.Fatal(err)
	}
	pcExpect(t, items, "SourceDbPrivileges", endpoint.CheckPassed)
	items, err = ro.Precheck(ctx, endpoint.PrecheckRequest{Side: "SOURCE", NeedChangeLog: true, Tables: srcTables, Databases: []string{src}})
	if err != nil {
		t.Fatal(err)
	}
	pcExpect(t, items, "SourceDbPrivileges", endpoint.CheckFailed, "REPLICATION SLAVE", "REPLICATION CLIENT")
	items, err = ro.Precheck(ctx, endpoint.PrecheckRequest{Side: "SOURCE", Tables: []schema.Table{{Schema: tgt, Name: "orders"}}})
	if err != nil {
		t.Fatal(err)
	}
	pcExpect(t, items, "SourceDbPrivileges", endpoint.CheckFailed, "SELECT on "+tgt+".orders")
	items, err = ro.Precheck(ctx, endpoint.PrecheckRequest{Side: "DEST", Databases: []string{tgt}})
	if err != nil {
		t.Fatal(err)
	}
	pcExpect(t, items, "DestDbPrivileges", endpoint.CheckFailed, "INSERT on "+tgt, "CREATE on "+tgt)

	// A server that cannot be reached is an error, not an item.
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Precheck(ctx, endpoint.PrecheckRequest{Side: "SOURCE"}); err == nil {
		t.Fatal("Precheck on a stopped server returned no error")
	}
}
