package mysql

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/schema"
	"github.com/godwit/godwit/testenv"
)

// namingCases are identifiers with the verdict the MySQL-family rules give them.
var namingCases = []struct {
	name string
	ok   bool
	rule string // part of the error text when !ok
}{
	{"orders", true, ""},
	{strings.Repeat("a", 64), true, ""},
	{strings.Repeat("é", 64), true, ""}, // characters, not bytes
	{strings.Repeat("a", 65), false, "65 characters"},
	{"a b", true, ""},
	{" lead", true, ""},
	{"trail ", false, "ends with a space"},
	{"tab\t", false, "ends with a space"},
	{"nl\n", false, "ends with a space"},
	{"nbsp\u00a0", true, ""}, // only ASCII white space counts as trailing space
	{"a.b", true, ""},
	{"a/b", true, ""},
	{`a\b`, true, ""},
	{"x`y", true, ""},
	{"tab\u0000le", false, "NUL"},
	{"emoji😀", false, "Basic Multilingual Plane"},
	{"\uffff", true, ""},
	{"\u202eevil", true, ""}, // a valid identifier; display names refuse it (model.CheckDisplayName)
	{"bad\xff", false, "UTF-8"},
}

func TestNamingRules(t *testing.T) {
	for _, typ := range []model.DataSourceType{model.TypeMySQL, model.TypeMariaDB, model.TypeTiDB, model.TypeOBMySQL} {
		if endpoint.NamingOf(typ) == nil {
			t.Fatalf("%s registered no naming rules", typ)
		}
	}
	for _, c := range namingCases {
		err := endpoint.CheckName(model.TypeMariaDB, endpoint.NameTable, c.name)
		if c.ok != (err == nil) || err != nil && !strings.Contains(err.Error(), c.rule) {
			t.Errorf("CheckName(%q) = %v, want ok=%v (%s)", c.name, err, c.ok, c.rule)
		}
	}
	for db, sys := range map[string]bool{"mysql": true, "MySQL": true, "information_schema": true, "performance_schema": true,
		"sys": true, "shop": false, "mysql2": false} {
		if got := endpoint.SystemSchema(model.TypeMariaDB, db); got != sys {
			t.Errorf("SystemSchema(%q) = %v", db, got)
		}
	}
	if !endpoint.SystemSchema(model.TypeTiDB, "metrics_schema") || endpoint.SystemSchema(model.TypeMySQL, "metrics_schema") ||
		!endpoint.SystemSchema(model.TypeOBMySQL, "oceanbase") {
		t.Error("flavour system schemas")
	}
	if endpoint.CheckName(model.TypePostgreSQL, endpoint.NameTable, strings.Repeat("a", 100)) != nil ||
		endpoint.CheckName(model.TypePostgreSQL, endpoint.NameTable, "a\x00") == nil {
		t.Error("a type without rules gets only the common ones (no NUL)")
	}
}

// TestNamingRulesMatchTheServer creates a database and a table under every name the rules
// accept and refuse: the server must agree with each verdict (the rules are the server's,
// not stricter or looser), and ObjectKind must tell tables, views and sequences apart.
func TestNamingRulesMatchTheServer(t *testing.T) {
	m := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, conn := testenv.NewMariaDBDatabase(t, m, "names")
	root, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	root.SetMaxOpenConns(1)
	for _, c := range namingCases {
		if c.name == "bad\xff" {
			continue // not sendable as utf8mb4 text at all
		}
		_, terr := root.ExecContext(ctx, "CREATE TABLE "+sqlval.QuoteTable(db, c.name)+" (id int)")
		_, derr := root.ExecContext(ctx, "CREATE DATABASE "+sqlval.QuoteIdent(c.name))
		if derr == nil {
			if _, err := root.ExecContext(ctx, "DROP DATABASE "+sqlval.QuoteIdent(c.name)); err != nil {
				t.Fatal(err)
			}
		}
		if (terr == nil) != c.ok || (derr == nil) != c.ok {
			t.Errorf("name %q: rules say ok=%v, server: table %v, database %v", c.name, c.ok, terr, derr)
		}
	}

	for _, q := range []string{"CREATE TABLE base (id int PRIMARY KEY)", "CREATE VIEW v AS SELECT id FROM base",
		"CREATE SEQUENCE s", "CREATE TABLE hist (id int) WITH SYSTEM VERSIONING"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	e, err := OpenMySQL(ctx, m.DataSource("names"), endpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for name, want := range map[string]endpoint.ObjectKind{"base": endpoint.ObjectTable, "v": endpoint.ObjectView,
		"s": endpoint.ObjectSequence, "hist": endpoint.ObjectVersioned, "nothing": endpoint.ObjectAbsent} {
		if got, err := e.ObjectKind(ctx, db, name); err != nil || got != want {
			t.Errorf("ObjectKind(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	if got, err := e.ObjectKind(ctx, "mysql", "user"); err != nil || got != endpoint.ObjectView {
		t.Errorf("ObjectKind(mysql.user) = %q, %v; MariaDB 10.4+ makes it a view", got, err)
	}

	// The endpoint's own destination precheck fails (not skippable) on names taken by a view
	// or a sequence, instead of counting them as existing empty tables.
	items, err := e.Precheck(ctx, endpoint.PrecheckRequest{Side: "DEST", Tables: []schema.Table{{Schema: db, Name: "v"},
		{Schema: db, Name: "s"}, {Schema: db, Name: "base"}}, Databases: []string{db}})
	if err != nil {
		t.Fatal(err)
	}
	pcExpect(t, items, "DestTablesExist", endpoint.CheckFailed, db+".v (VIEW)", db+".s (SEQUENCE)")
	if it := pcFind(t, items, "DestTablesExist"); it.Skippable {
		t.Errorf("DestTablesExist for a view is skippable: %+v", it)
	}
}
