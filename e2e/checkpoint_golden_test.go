package e2e

// Golden files for the apply checkpoint rows godwit keeps in the target
// (<checkpointSchema>.checkpoint: stream, worker, seq, pos, ts): testdata/checkpoint_table_v1.sql
// is SHOW CREATE TABLE of the table LoadCheckpoints creates (as this machine's testenv MariaDB
// renders it), testdata/checkpoint_rows_v1.json the rows SaveCheckpoints writes for
// goldenCheckpoints. The test reads rows an older godwit wrote (golden DDL and rows inserted
// with raw SQL) through LoadCheckpoints, and compares what today's code creates and writes
// with the files, so an upgrade resumes exactly-once apply from the stored positions.
//
// When a format change is intended (with an upgrade path for existing tables), rewrite:
//
//	go test ./e2e -run TestGoldenCheckpointRows -update

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql"
	"github.com/godwit/godwit/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ from the current code")

type checkpointRow struct {
	Stream string `json:"stream"`
	Worker int    `json:"worker"`
	Seq    uint64 `json:"seq"`
	Pos    string `json:"pos"`
	TS     int64  `json:"ts"`
}

func goldenCheckpoints() []endpoint.Checkpoint {
	return []endpoint.Checkpoint{
		{Worker: 0, Seq: 1, Pos: "mariadb-bin.000003:1234", Time: 1700000000},
		{Worker: 1, Seq: 18446744073709551615, Pos: "0-1-77,1-2-3", Time: -1},
		{Worker: 15, Seq: 42, Pos: `it's "quoted" \ ✓`, Time: 0},
	}
}

// checkGoldenFile compares got with testdata/name, or rewrites the file under -update.
func checkGoldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the checkpoint table's persisted form changed (%s): checkpoints written by older versions may "+
			"no longer be read. If intended, add an upgrade path and rerun with -update.\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestGoldenCheckpointRows(t *testing.T) {
	ctx := context.Background()
	srv := testenv.SharedMariaDB(t, "target")
	ep, err := mysql.OpenMySQL(ctx, srv.DataSource("d"), endpoint.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	const stream = "np_golden"

	// Encode: the table LoadCheckpoints creates and the rows SaveCheckpoints writes.
	schema, db := testenv.NewMariaDBDatabase(t, srv, "gw_ckpt")
	if cps, err := ep.LoadCheckpoints(ctx, schema, stream); err != nil || len(cps) != 0 {
		t.Fatalf("LoadCheckpoints on a new schema = %v, %v", cps, err)
	}
	if err := ep.SaveCheckpoints(ctx, schema, stream, goldenCheckpoints()); err != nil {
		t.Fatal(err)
	}
	if err := ep.SaveCheckpoints(ctx, schema, stream+".reverse", []endpoint.Checkpoint{{Worker: 0, Seq: 9, Pos: "r", Time: 5}}); err != nil {
		t.Fatal(err)
	}
	var tbl, ddl string
	if err := db.QueryRowContext(ctx, "SHOW CREATE TABLE `checkpoint`").Scan(&tbl, &ddl); err != nil {
		t.Fatal(err)
	}
	checkGoldenFile(t, "checkpoint_table_v1.sql", []byte(ddl+"\n"))
	rows, err := db.QueryContext(ctx, "SELECT stream, worker, seq, pos, ts FROM `checkpoint` ORDER BY stream, worker")
	if err != nil {
		t.Fatal(err)
	}
	var stored []checkpointRow
	for rows.Next() {
		var r checkpointRow
		if err := rows.Scan(&r.Stream, &r.Worker, &r.Seq, &r.Pos, &r.TS); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	b, err := json.MarshalIndent(stored, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGoldenFile(t, "checkpoint_rows_v1.json", append(b, '\n'))

	// Decode: a checkpoint table created from the golden DDL holding the golden rows, as an
	// older godwit left it, reads back as the literal checkpoints of its stream only.
	old, odb := testenv.NewMariaDBDatabase(t, srv, "gw_ckpt_old")
	goldenDDL, err := os.ReadFile(filepath.Join("testdata", "checkpoint_table_v1.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := odb.ExecContext(ctx, string(goldenDDL)); err != nil {
		t.Fatalf("golden DDL: %v", err)
	}
	var golden []checkpointRow
	raw, err := os.ReadFile(filepath.Join("testdata", "checkpoint_rows_v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	for _, r := range golden {
		if _, err := odb.ExecContext(ctx, "INSERT INTO `checkpoint` (stream, worker, seq, pos, ts) VALUES (?, ?, ?, ?, ?)",
			r.Stream, r.Worker, r.Seq, r.Pos, r.TS); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ep.LoadCheckpoints(ctx, old, stream)
	if err != nil {
		t.Fatal(err)
	}
	if want := goldenCheckpoints(); !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints read back as\n%+v\nwant\n%+v", got, want)
	}
	// A save over the golden rows updates them in place.
	next := []endpoint.Checkpoint{{Worker: 1, Seq: 43, Pos: "mariadb-bin.000004:4", Time: 1700000100}}
	if err := ep.SaveCheckpoints(ctx, old, stream, next); err != nil {
		t.Fatal(err)
	}
	got, err = ep.LoadCheckpoints(ctx, old, stream)
	if err != nil || len(got) != 3 || got[1] != next[0] {
		t.Fatalf("after saving over the golden rows: %+v, %v", got, err)
	}
}
