package mysql

import (
	"context"
	"database/sql"
	"math"
	"reflect"
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/chunk"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/schema"
)

// dpTestChunks checks that plans cover every row exactly once for many key shapes.
func dpTestChunks(t *testing.T, env *dpEnv) {
	db, name := env.srcDB, env.srcName
	dpExec(t, db,
		"CREATE TABLE ci (id INT PRIMARY KEY, v INT)",
		"INSERT INTO ci SELECT seq, seq FROM seq_1_to_1000",
		"CREATE TABLE cs (id BIGINT PRIMARY KEY)",
		"INSERT INTO cs SELECT (CAST(seq AS SIGNED) - 500) * 1000003 FROM seq_0_to_999",
		"CREATE TABLE cc (a INT, b VARCHAR(20) COLLATE utf8mb4_general_ci, c INT, PRIMARY KEY (a, b))",
		"INSERT INTO cc SELECT seq % 10, CONCAT(IF(seq % 2, 'a', 'B'), seq), seq FROM seq_1_to_500",
		"CREATE TABLE cv (v VARCHAR(40) COLLATE utf8mb4_general_ci PRIMARY KEY)",
		"INSERT INTO cv SELECT CONCAT(ELT(seq % 4 + 1, 'a', 'B', '😀', 'é'), LPAD(seq, 5, '0'), IF(seq % 7 = 0, ' x', '')) FROM seq_1_to_700",
		"CREATE TABLE cu (id BIGINT UNSIGNED PRIMARY KEY)",
		"INSERT INTO cu SELECT CAST(9223372036854775507 AS UNSIGNED) + seq FROM seq_1_to_600",
		"INSERT INTO cu SELECT 18446744073709551615 - seq FROM seq_0_to_99",
		"INSERT INTO cu SELECT seq FROM seq_0_to_49",
		"CREATE TABLE cb (k VARBINARY(16) PRIMARY KEY)",
		"INSERT IGNORE INTO cb SELECT UNHEX(SUBSTRING(MD5(seq), 1, 2 * (seq % 8 + 1))) FROM seq_1_to_600",
		"INSERT IGNORE INTO cb VALUES (x''), (x'00'), (x'ff'), (x'ff00'), (x'5c'), (x'27')",
		"CREATE TABLE cd (d DECIMAL(65,30) PRIMARY KEY)",
		"INSERT INTO cd SELECT CONCAT(IF(seq % 2, '-', ''), seq % 50, '.', LPAD(seq, 30, '0')) FROM seq_1_to_300",
		"CREATE TABLE cn (v INT)",
		"INSERT INTO cn SELECT seq % 10 FROM seq_1_to_250",
		"CREATE TABLE ce (id INT PRIMARY KEY)",
		"CREATE TABLE cq (a INT NOT NULL, b VARCHAR(10) NOT NULL, x INT, UNIQUE KEY uq (a, b), KEY kx (x))",
		"INSERT INTO cq SELECT seq % 7, seq, seq % 3 FROM seq_1_to_400",
		"CREATE TABLE ct (d DATETIME(6), t TIME, PRIMARY KEY (d, t))",
		"INSERT INTO ct SELECT '2020-01-01' + INTERVAL seq % 50 SECOND + INTERVAL seq MICROSECOND, SEC_TO_TIME(CAST(seq AS SIGNED) - 200) FROM seq_1_to_400",
		"INSERT INTO ct VALUES ('0000-00-00 00:00:00', '-838:59:59'), ('0000-00-00 00:00:00', '00:00:00'), ('0000-00-00 00:00:00', '838:59:59')",
		"CREATE TABLE cf (d DOUBLE PRIMARY KEY, f FLOAT)",
		"INSERT INTO cf SELECT (CAST(seq AS SIGNED) - 150) * 1.1e-310, seq FROM seq_1_to_300",
		"INSERT INTO cf VALUES (1.7976931348623157e308, 0), (-1.7976931348623157e308, 0), (0.30000000000000004e0, 0), (0.3e0, 0)",
		"CREATE TABLE ck (e ENUM('z','a','m') PRIMARY KEY)",
		"INSERT INTO ck VALUES ('z'), ('a'), ('m')",
	)
	cases := []struct {
		table    string
		estimate int64
		where    string
		rows     int
		minPlan  int // the plan must have at least this many chunks
		exactMax bool
	}{
		{"ci", 1000, "", 100, 10, true},
		{"ci", 0, "", 100, 10, true},
		{"ci", 1000, "`v` % 3 = 0", 30, 5, false},
		{"ci", 0, "`v` % 3 = 0", 30, 11, true},
		{"cs", 1000, "", 64, 15, true},
		{"cc", 500, "", 37, 13, true},
		{"cc", 500, "`c` > 250", 37, 6, true},
		{"cv", 700, "", 50, 14, true},
		{"cv", 700, "`v` LIKE 'a%'", 20, 8, true},
		{"cu", 750, "", 50, 15, true},
		{"cb", 600, "", 40, 15, true},
		{"cd", 300, "", 17, 17, true},
		{"cn", 250, "", 10, 1, false},
		{"ce", 0, "", 10, 1, false},
		{"ce", 100, "", 10, 1, false},
		{"cq", 400, "", 33, 12, true},
		{"ct", 403, "", 31, 13, true},
		{"cf", 304, "", 19, 16, true},
		{"ck", 3, "", 1, 1, false},
	}
	ctx := context.Background()
	for _, c := range cases {
		tb := dpTable(t, db, name, c.table)
		tb.RowsEstimate = c.estimate
		key := tb.KeyColumns()
		plan, err := env.srcEP.PlanChunks(ctx, tb, key, c.where, c.rows)
		if err != nil {
			t.Fatalf("%s: %v", c.table, err)
		}
		if len(plan) < c.minPlan {
			t.Errorf("%s where %q: %d chunks, want at least %d", c.table, c.where, len(plan), c.minPlan)
		}
		got := dpCoverage(t, env.srcEP, tb, key, c.where, plan, c.rows, c.exactMax)
		want := dpCount(t, db, name, c.table, c.where)
		if got != want {
			t.Errorf("%s where %q: chunks hold %d rows, table has %d", c.table, c.where, got, want)
		}
	}

	// The sampler, run directly on the same small tables (PlanChunks walks tables this
	// small), covers every key shape too; its chunks count unfiltered rows.
	for _, c := range cases {
		tb := dpTable(t, db, name, c.table)
		tb.RowsEstimate = c.estimate
		key := tb.KeyColumns()
		if len(key) == 0 || c.table == "ck" {
			continue
		}
		cols := make([]*schema.Column, len(key))
		for i, k := range key {
			cols[i] = tb.Column(k)
		}
		plan, ok, err := env.srcEP.chunker().Sample(ctx, tb, key, cols, c.rows, chunk.SampleConf{MaxSamples: chunk.SampleMax})
		if err != nil || !ok {
			t.Fatalf("%s sampled: ok %v, %v", c.table, ok, err)
		}
		if all := dpCount(t, db, name, c.table, ""); all > 2*c.rows && len(plan) < all/c.rows/3 {
			t.Errorf("%s sampled: %d chunks for %d rows of %d", c.table, len(plan), all, c.rows)
		}
		got := dpCoverage(t, env.srcEP, tb, key, c.where, plan, c.rows, false)
		t.Logf("%s sampled, %d rows per chunk: %d chunks", c.table, c.rows, len(plan))
		if want := dpCount(t, db, name, c.table, c.where); got != want {
			t.Errorf("%s sampled where %q: chunks hold %d rows, table has %d", c.table, c.where, got, want)
		}
	}

	// The dense integer key is split arithmetically (uppers 100, 200, …, 900, then open),
	// the same key without an estimate is walked (uppers 100, …, 1000, then an empty tail).
	tbi := dpTable(t, db, name, "ci")
	for _, est := range []int64{1000, 0} {
		tbi.RowsEstimate = est
		plan, err := env.srcEP.PlanChunks(ctx, tbi, []string{"id"}, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		want := 10
		if est == 0 {
			want = 11
		}
		if len(plan) != want {
			t.Fatalf("ci estimate %d: %d chunks, want %d: %v", est, len(plan), want, plan)
		}
		for i, c := range plan[:len(plan)-1] {
			if !reflect.DeepEqual(c.Upper, change.Key{int64(100 * (i + 1))}) {
				t.Errorf("ci estimate %d chunk %d upper %v, want %d", est, i, c.Upper, 100*(i+1))
			}
		}
	}
	// Unsigned keys above MaxInt64 come back as uint64 bounds.
	tbu := dpTable(t, db, name, "cu")
	tbu.RowsEstimate = 750
	planU, err := env.srcEP.PlanChunks(ctx, tbu, []string{"id"}, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := planU[len(planU)-2].Upper[0].(uint64); !ok || u < math.MaxInt64 {
		t.Errorf("cu: last bound %#v, want a uint64 above MaxInt64", planU[len(planU)-2].Upper[0])
	}

	// Rows inserted after planning, below the first and above the last key, are covered.
	tb := dpTable(t, db, name, "ci")
	tb.RowsEstimate = 1000
	plan, err := env.srcEP.PlanChunks(ctx, tb, tb.KeyColumns(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	dpExec(t, db, "INSERT INTO ci VALUES (-5, -5), (5000, 5000)")
	if got := dpCoverage(t, env.srcEP, tb, tb.KeyColumns(), "", plan, 100, false); got != 1002 {
		t.Errorf("late rows: chunks hold %d rows, want 1002", got)
	}
}

// dpCoverage reads every chunk of plan, checks the plan's shape and that no key is read
// twice, and returns the number of rows read.
func dpCoverage(t *testing.T, ep *Endpoint, tb *schema.Table, key []string, where string, plan []change.Chunk, rows int, exactMax bool) int {
	t.Helper()
	if len(plan) == 0 || plan[0].Lower != nil || plan[len(plan)-1].Upper != nil {
		t.Fatalf("%s: plan must start and end unbounded: %v", tb.Name, plan)
	}
	seen := map[string]bool{}
	total := 0
	cols := tb.ColumnNames()
	for i, c := range plan {
		if c.Seq != i {
			t.Errorf("%s: chunk %d has Seq %d", tb.Name, i, c.Seq)
		}
		if i > 0 && !reflect.DeepEqual(c.Lower, plan[i-1].Upper) {
			t.Errorf("%s: chunk %d lower %v != previous upper %v", tb.Name, i, c.Lower, plan[i-1].Upper)
		}
		n := 0
		_, err := ep.ReadChunk(context.Background(), endpoint.ReadRequest{Table: tb, Columns: cols, Key: key, Where: where, Chunk: c},
			func(r change.Row) error {
				k, err := change.EncodeKey(change.Key(r))
				if err != nil {
					return err
				}
				if seen[k] && len(key) > 0 {
					t.Errorf("%s: row %v read twice (chunk %d)", tb.Name, r, i)
				}
				seen[k] = true
				n++
				return nil
			})
		if err != nil {
			t.Fatalf("%s chunk %d: %v", tb.Name, i, err)
		}
		if exactMax && n > rows {
			t.Errorf("%s where %q: chunk %d holds %d rows, more than %d", tb.Name, where, i, n, rows)
		}
		total += n
	}
	return total
}

func dpCount(t *testing.T, db *sql.DB, dbName, table, where string) int {
	t.Helper()
	q := "SELECT COUNT(*) FROM " + sqlval.QuoteTable(dbName, table)
	if where != "" {
		q += " WHERE " + where
	}
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
