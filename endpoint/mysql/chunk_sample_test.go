package mysql

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/chunk"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/schema"
	"github.com/godwit/godwit/testenv"
)

// TestChunkSampleMariaDB plans 200k-row tables whose keys are not dense integers on a
// private server: every row must be in exactly one chunk (rows inserted after planning
// too), chunks must be near the asked size, and the planner must read almost no rows —
// the index walk it replaces reads them all, which the test also measures.
func TestChunkSampleMariaDB(t *testing.T) {
	ctx := context.Background()
	srv := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	name, db := testenv.NewMariaDBDatabase(t, srv, "csample")
	ep, err := OpenMySQL(ctx, srv.DataSource("src"), endpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	dpExec(t, db,
		// random (v4-like) UUID text
		"CREATE TABLE su (id CHAR(36) PRIMARY KEY, v INT)",
		`INSERT INTO su SELECT CONCAT_WS('-', SUBSTR(h, 1, 8), SUBSTR(h, 9, 4), SUBSTR(h, 13, 4), SUBSTR(h, 17, 4), SUBSTR(h, 21)), seq
			FROM (SELECT MD5(seq) AS h, seq FROM seq_1_to_200000) x`,
		// 1000 accounts of very different sizes (the first holds 20000 rows)
		"CREATE TABLE sc (acct VARCHAR(20) NOT NULL, n INT NOT NULL, v INT, PRIMARY KEY (acct, n))",
		"INSERT INTO sc SELECT CONCAT('acct-', LPAD(FLOOR(POW(seq / 200001, 3) * 1000), 4, '0')), seq, seq FROM seq_1_to_200000",
		// a unique key only, mixed case under a case-insensitive collation
		"CREATE TABLE sq (s VARCHAR(40) COLLATE utf8mb4_general_ci NOT NULL, v INT, UNIQUE KEY us (s))",
		"INSERT INTO sq SELECT CONCAT(IF(seq % 2, 'a', 'B'), IF(seq % 3, MD5(seq), UPPER(MD5(seq)))), seq FROM seq_1_to_200000",
		"ANALYZE TABLE su, sc, sq",
	)
	const rows = 10000
	for _, table := range []string{"su", "sc", "sq"} {
		tb, err := ep.ReadTable(ctx, name, table)
		if err != nil {
			t.Fatal(err)
		}
		key := tb.KeyColumns()
		total := dpCount(t, db, name, table, "")
		before := csRowsRead(t, db)
		start := time.Now()
		plan, err := ep.PlanChunks(ctx, tb, key, "", rows)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		read := csRowsRead(t, db) - before
		sizes := csCheckPlan(t, db, tb, key, plan)
		want := (total + rows - 1) / rows
		if len(plan) < want/3 || len(plan) > 3*want {
			t.Errorf("%s: %d chunks, want about %d", table, len(plan), want)
		}
		if m := slicesMax(sizes); m > 4*rows {
			t.Errorf("%s: a chunk holds %d rows, more than 4 × %d: %v", table, m, rows, sizes)
		}
		if read > int64(total)/10 {
			t.Errorf("%s: planning read %d rows of %d", table, read, total)
		}
		t.Logf("%s: estimate %d, %d chunks in %v, %d rows read; sizes %v", table, tb.RowsEstimate, len(plan), took, read, sizes)

		if table == "su" {
			// The walk this replaces reads the whole key index: the counter sees it.
			cols := []*schema.Column{tb.Column("id")}
			before, start := csRowsRead(t, db), time.Now()
			walk, err := ep.chunker().Walk(ctx, tb, key, cols, "", rows)
			if err != nil {
				t.Fatal(err)
			}
			read := csRowsRead(t, db) - before
			if read < int64(total)*9/10 {
				t.Errorf("walk read %d rows of %d: the counter does not measure planning", read, total)
			}
			t.Logf("su walk: %d chunks in %v, %d rows read", len(walk), time.Since(start), read)

			// A huge table (here: tiny chunks) is capped at maxSamples keys, each costing
			// an index dive or two: fewer, larger chunks, every row still in one.
			before = csRowsRead(t, db)
			capped, ok, err := ep.chunker().Sample(ctx, tb, key, cols, 10, chunk.SampleConf{MaxSamples: 64})
			if err != nil || !ok {
				t.Fatalf("capped: ok %v, %v", ok, err)
			}
			if read := csRowsRead(t, db) - before; len(capped) > 64 || len(capped) < 32 || read > 2*64 {
				t.Errorf("capped at 64 samples: %d chunks, %d rows read", len(capped), read)
			}
			csCheckPlan(t, db, tb, key, capped)

			// Rows below the first and above the last sampled key, inserted after planning.
			dpExec(t, db, "INSERT INTO su VALUES ('!', 0), ('~', 0), ('0', 0), ('ffffffff-ffff-ffff-ffff-fffffffffffg', 0)")
			csCheckPlan(t, db, tb, key, plan)
			// A filter is applied when reading, never while sampling.
			where := "`v` % 3 = 0"
			fplan, err := ep.PlanChunks(ctx, tb, key, where, rows)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := dpCoverage(t, ep, tb, key, where, fplan, rows, false), dpCount(t, db, name, "su", where); got != want {
				t.Errorf("su where %q: chunks hold %d rows, want %d", where, got, want)
			}
		}
	}
}

// TestChunkSampleTypes samples small tables keyed by every interpolated type (and a few
// collations) with tiny chunks, so each plan has many bounds, and checks coverage.
func TestChunkSampleTypes(t *testing.T) {
	ctx := context.Background()
	srv := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	name, db := testenv.NewMariaDBDatabase(t, srv, "ctypes")
	ep, err := OpenMySQL(ctx, srv.DataSource("src"), endpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	dpExec(t, db,
		"CREATE TABLE tu (u UUID PRIMARY KEY)",
		"INSERT INTO tu SELECT UUID() FROM seq_1_to_300",
		"INSERT INTO tu SELECT CONCAT_WS('-', SUBSTR(h, 1, 8), SUBSTR(h, 9, 4), '4', SUBSTR(h, 14, 3), '8', SUBSTR(h, 18, 3), SUBSTR(h, 21)) FROM (SELECT MD5(seq) h FROM seq_1_to_300) x",
		"CREATE TABLE tdate (d DATE PRIMARY KEY)",
		"INSERT INTO tdate SELECT '1000-01-01' + INTERVAL seq * seq DAY FROM seq_0_to_400",
		"INSERT INTO tdate VALUES ('0000-00-00'), ('9999-12-31')",
		"CREATE TABLE ttime (t TIME(3) PRIMARY KEY, y YEAR)",
		"INSERT INTO ttime SELECT SEC_TO_TIME((CAST(seq AS SIGNED) - 200) * 7919 / 1000), 2000 FROM seq_0_to_400",
		"CREATE TABLE tyear (y YEAR, b BINARY(4), PRIMARY KEY (y, b))",
		"INSERT INTO tyear SELECT 1901 + seq % 3, UNHEX(SUBSTR(MD5(seq), 1, 8)) FROM seq_1_to_400",
		"CREATE TABLE tlat (s VARCHAR(10) CHARACTER SET latin1 PRIMARY KEY)",
		"INSERT INTO tlat SELECT CONCAT(ELT(seq % 5 + 1, 'é', 'A', 'z', 'Ü', '€'), seq) FROM seq_1_to_400",
		"CREATE TABLE tbin (s VARCHAR(40) COLLATE utf8mb4_bin PRIMARY KEY)",
		"INSERT INTO tbin SELECT CONCAT(IF(seq % 2, 'a', 'B'), IF(seq % 3, MD5(seq), UPPER(MD5(seq)))) FROM seq_1_to_400",
		"CREATE TABLE tuni (s VARCHAR(40) COLLATE utf8mb4_unicode_ci PRIMARY KEY)",
		"INSERT INTO tuni SELECT CONCAT(ELT(seq % 6 + 1, '-', 'a', 'B', '😀', 'é', ' x'), seq) FROM seq_1_to_400",
		"CREATE TABLE tneg (d DECIMAL(5,2) PRIMARY KEY, f FLOAT)",
		"INSERT INTO tneg SELECT (CAST(seq AS SIGNED) - 200) / 4, seq FROM seq_0_to_400",
		"CREATE TABLE tflt (f FLOAT PRIMARY KEY)",
		"INSERT INTO tflt SELECT (CAST(seq AS SIGNED) - 200) * 0.37 FROM seq_0_to_400",
	)
	for _, table := range []string{"tu", "tdate", "ttime", "tyear", "tlat", "tbin", "tuni", "tneg", "tflt"} {
		tb, err := ep.ReadTable(ctx, name, table)
		if err != nil {
			t.Fatal(err)
		}
		key := tb.KeyColumns()
		cols := make([]*schema.Column, len(key))
		for i, k := range key {
			cols[i] = tb.Column(k)
		}
		// Without optimizer estimates the samples are spaced by bisection in value space:
		// still exact coverage, sizes as uneven as the key distribution.
		for _, noExplain := range []bool{false, true} {
			plan, ok, err := ep.chunker().Sample(ctx, tb, key, cols, 20, chunk.SampleConf{MaxSamples: 4096, NoExplain: noExplain})
			if err != nil || !ok {
				t.Fatalf("%s: ok %v, %v", table, ok, err)
			}
			sizes := csCheckPlan(t, db, tb, key, plan)
			t.Logf("%s (no EXPLAIN %v): %d chunks: %v", table, noExplain, len(plan), sizes)
			if limit := 80 + 320*btoi(noExplain); len(plan) < 8 || slicesMax(sizes) > limit {
				t.Errorf("%s (no EXPLAIN %v): %d chunks of %v rows, want at least 8 of at most %d", table, noExplain, len(plan), sizes, limit)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestChunkAxisRoundTrip checks that every axis reads back the values it renders.
// csCheckPlan checks plan's shape and, with one query, that every row of tb is in exactly
// one chunk (by the predicates KeyRangeWhere builds); it returns the rows per chunk.
func csCheckPlan(t *testing.T, db *sql.DB, tb *schema.Table, key []string, plan []change.Chunk) []int {
	t.Helper()
	if len(plan) == 0 || plan[0].Lower != nil || plan[len(plan)-1].Upper != nil {
		t.Fatalf("%s: plan must start and end unbounded: %v", tb.Name, plan)
	}
	from := " FROM " + sqlval.QuoteTable(tb.Schema, tb.Name) + chunk.IndexHint(tb, key)
	var sum []string
	var args []any
	sizes := make([]int, len(plan))
	for i, c := range plan {
		if c.Seq != i || (i > 0 && !reflect.DeepEqual(c.Lower, plan[i-1].Upper)) {
			t.Fatalf("%s: chunk %d (seq %d) does not follow its predecessor: %v", tb.Name, i, c.Seq, plan)
		}
		cond, a := chunk.KeyRangeWhere(key, c)
		if err := db.QueryRow("SELECT COUNT(*)"+from+" WHERE "+cond, a...).Scan(&sizes[i]); err != nil {
			t.Fatal(err)
		}
		sum, args = append(sum, "("+cond+")"), append(args, a...)
	}
	var bad, all int
	q := "SELECT COALESCE(SUM(" + strings.Join(sum, " + ") + " <> 1), 0), COUNT(*) FROM " + sqlval.QuoteTable(tb.Schema, tb.Name)
	if err := db.QueryRow(q, args...).Scan(&bad, &all); err != nil {
		t.Fatal(err)
	}
	if n := slicesSum(sizes); bad != 0 || n != all {
		t.Errorf("%s: %d rows not in exactly one chunk; chunks hold %d rows, table %d", tb.Name, bad, n, all)
	}
	return sizes
}

// csRowsRead returns the server's count of rows read from tables (MariaDB's Rows_read;
// 10.11 has no Innodb_rows_read).
func csRowsRead(t *testing.T, db *sql.DB) int64 {
	t.Helper()
	var name string
	var n int64
	if err := db.QueryRow("SHOW GLOBAL STATUS LIKE 'Rows_read'").Scan(&name, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func slicesMax(s []int) int {
	m := 0
	for _, v := range s {
		m = max(m, v)
	}
	return m
}

func slicesSum(s []int) int {
	n := 0
	for _, v := range s {
		n += v
	}
	return n
}
