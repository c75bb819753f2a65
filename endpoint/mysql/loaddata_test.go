package mysql

import (
	"context"
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/testenv"
)

// TestLoadDataRefused: against a server with local_infile=OFF, WriteRows falls back to
// multi-row statements by itself, writes the rows, and keeps using the fallback.
func TestLoadDataRefused(t *testing.T) {
	ctx := context.Background()
	srv := testenv.MariaDBT(t, testenv.MariaDBOptions{ExtraArgs: []string{"--local-infile=0"}})
	name, db := testenv.NewMariaDBDatabase(t, srv, "ldoff")
	ep, err := OpenMySQL(ctx, srv.DataSource("dst"), endpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	dpExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY, b BIT(8), v VARCHAR(20))")
	tb := dpTable(t, db, name, "t")
	if ep.WritePath() != "LOAD DATA" {
		t.Fatalf("initial write path %s", ep.WritePath())
	}
	rows := []change.Row{{int64(1), []byte{0x5c}, []byte("a\tb\\c")}, {int64(2), nil, nil}}
	for pass := 0; pass < 2; pass++ {
		if _, err := ep.WriteRows(ctx, endpoint.WriteRequest{Table: tb, Columns: []string{"id", "b", "v"}, Rows: rows}); err != nil {
			t.Fatalf("pass %d: %v", pass, err)
		}
	}
	if ep.WritePath() != "REPLACE" {
		t.Errorf("write path %s after a refusal, want REPLACE", ep.WritePath())
	}
	var n, b int
	var v string
	if err := db.QueryRow("SELECT COUNT(*), MAX(b+0), MAX(v) FROM t").Scan(&n, &b, &v); err != nil {
		t.Fatal(err)
	}
	if n != 2 || b != 0x5c || v != "a\tb\\c" {
		t.Errorf("got %d rows, b=%d v=%q", n, b, v)
	}
}
