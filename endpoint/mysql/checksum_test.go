package mysql

import (
	"context"
	"math"
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/schema"
)

// dpTestChecksum runs after the round trip: source and target hold the same rows with the
// columns in different physical orders.
func dpTestChecksum(t *testing.T, env *dpEnv, src, dst *schema.Table, byID map[int64]change.Row) {
	ctx := context.Background()
	cols := src.ColumnNames()
	key := src.KeyColumns()
	sum := func(ep *Endpoint, tb *schema.Table, c change.Chunk, where string) (int64, string) {
		t.Helper()
		n, s, err := ep.Checksum(ctx, endpoint.ChecksumRequest{Table: tb, Columns: cols, Key: key, Where: where, Chunk: c})
		if err != nil {
			t.Fatal(err)
		}
		return n, s
	}
	whole := change.Chunk{}
	n1, s1 := sum(env.srcEP, src, whole, "")
	n2, s2 := sum(env.dstEP, dst, whole, "")
	if n1 != int64(len(byID)) || n1 != n2 || s1 != s2 {
		t.Fatalf("after the copy: source %d %s, target %d %s", n1, s1, n2, s2)
	}
	// Per chunk, with a filter too.
	plan, err := env.srcEP.PlanChunks(ctx, src, key, "", 4)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, c := range plan {
		a, sa := sum(env.srcEP, src, c, "`id` <> 7")
		b, sb := sum(env.dstEP, dst, c, "`id` <> 7")
		if a != b || sa != sb {
			t.Errorf("chunk %d: source %s, target %s", c.Seq, sa, sb)
		}
		total += a
	}
	if total != n1-1 {
		t.Errorf("chunks count %d rows, want %d", total, n1-1)
	}
	if _, e := sum(env.srcEP, src, whole, "1=0"); e != "0:0" {
		t.Errorf("empty checksum = %q", e)
	}

	// Each single change must show, and rewriting the source row must heal it.
	idx := map[string]int{}
	for i, c := range cols {
		idx[c] = i
	}
	restore := func(id int64) {
		t.Helper()
		if _, err := env.dstEP.WriteRows(ctx, endpoint.WriteRequest{Table: dst, Columns: cols, Rows: []change.Row{byID[id]}}); err != nil {
			t.Fatal(err)
		}
		if _, s := sum(env.dstEP, dst, whole, ""); s != s1 {
			t.Fatalf("after restoring row %d: %s, want %s", id, s, s1)
		}
	}
	f5 := byID[5][idx["f"]].(float32)
	d5 := byID[5][idx["d"]].(float64)
	mutations := []struct {
		name string
		sql  string
		args []any
		id   int64
	}{
		{"one blob byte", "UPDATE types SET bl = CONCAT(LEFT(bl, 100), x'00', SUBSTRING(bl, 102)) WHERE id = ?", []any{2}, 2},
		{"one longblob byte", "UPDATE types SET lb = CONCAT(LEFT(lb, 200000), x'01', SUBSTRING(lb, 200002)) WHERE id = ?", []any{2}, 2},
		{"one float bit", "UPDATE types SET f = ? WHERE id = 5", []any{float64(math.Float32frombits(math.Float32bits(f5) + 1))}, 5},
		{"one double bit", "UPDATE types SET d = ? WHERE id = 5", []any{math.Float64frombits(math.Float64bits(d5) - 1)}, 5},
		{"float denormal bit", "UPDATE types SET f = ? WHERE id = 3", []any{float64(math.Float32frombits(2))}, 3},
		{"NULL to empty string", "UPDATE types SET vc = '' WHERE id = ?", []any{8}, 8},
		{"empty string to NULL", "UPDATE types SET vb = NULL WHERE id = ?", []any{9}, 9},
		{"one bit of BIT(64)", "UPDATE types SET b64 = b64 ^ 1 WHERE id = ?", []any{2}, 2},
		{"trailing space", "UPDATE types SET vc = CONCAT(vc, ' ') WHERE id = ?", []any{2}, 2},
		{"case only", "UPDATE types SET lat = 'ünïcödé' WHERE id = ?", []any{2}, 2},
		{"last decimal digit", "UPDATE types SET dc = '0.000000000000000000000000000002' WHERE id = ?", []any{11}, 11},
		{"microsecond", "UPDATE types SET dtm = '9999-12-31 23:59:59.999998' WHERE id = ?", []any{2}, 2},
	}
	for _, m := range mutations {
		res, err := env.dstDB.Exec(m.sql, m.args...)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%s: %d rows changed, want 1", m.name, n)
		}
		if n, s := sum(env.dstEP, dst, whole, ""); n != n1 || s == s1 {
			t.Errorf("%s: checksum did not change (%d %s)", m.name, n, s)
		}
		restore(m.id)
	}
}
