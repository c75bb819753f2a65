package verify_test

import (
	"context"
	"database/sql"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/sampledb"
	"github.com/godwit/godwit/testenv"
	"github.com/godwit/godwit/verify"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// pair is a source and a target database holding the same sample data.
type pair struct {
	srcDB, dstDB   string
	src, dst       *sql.DB
	srcEP, dstEP   *mysql.Endpoint
	srcSrv, dstSrv *testenv.MariaDB
}

const testScale = 0.04

func newPair(t *testing.T) *pair {
	t.Helper()
	ctx := context.Background()
	p := &pair{srcSrv: testenv.SharedMariaDB(t, "source"), dstSrv: testenv.SharedMariaDB(t, "target")}
	var err error
	p.srcDB, p.src = testenv.NewMariaDBDatabase(t, p.srcSrv, "vsrc")
	p.dstDB, p.dst = testenv.NewMariaDBDatabase(t, p.dstSrv, "vdst")
	for _, x := range []struct {
		db   *sql.DB
		name string
	}{{p.src, p.srcDB}, {p.dst, p.dstDB}} {
		if _, err := sampledb.Create(ctx, x.db, x.name, sampledb.Options{Scale: testScale, DropExisting: true, Workers: 2}); err != nil {
			t.Fatal(err)
		}
	}
	if p.srcEP, err = mysql.OpenMySQL(ctx, p.srcSrv.DataSource("s"), endpoint.Options{MaxConns: 8}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.srcEP.Close() })
	if p.dstEP, err = mysql.OpenMySQL(ctx, p.dstSrv.DataSource("d"), endpoint.Options{MaxConns: 8}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.dstEP.Close() })
	return p
}

func (p *pair) tables(names ...string) []verify.Table {
	if len(names) == 0 {
		for _, ti := range sampledb.Tables() {
			names = append(names, ti.Name)
		}
	}
	out := make([]verify.Table, len(names))
	for i, n := range names {
		out[i] = verify.Table{SourceDB: p.srcDB, SourceName: n, TargetDB: p.dstDB, TargetName: n}
	}
	return out
}

func (p *pair) exec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	q = strings.ReplaceAll(q, "$DB", "`"+p.dstDB+"`")
	res, err := db.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s: %d rows affected, want 1", q, n)
	}
}

func run(t *testing.T, p *pair, store meta.VerifyStore, id string, opt verify.Options, tables []verify.Table) *meta.VerifyRun {
	t.Helper()
	v, err := verify.New(p.srcEP, p.dstEP, store, opt)
	if err != nil {
		t.Fatal(err)
	}
	r, err := v.Run(context.Background(), id, "", "FULL", tables)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestInjectedDifferences: every injected difference is reported at its key, nothing else;
// the fix SQL makes a re-check CONSISTENT. Both the pushed-down and the Go hash paths.
func TestInjectedDifferences(t *testing.T) {
	p := newPair(t)
	// Pick rows to damage.
	var nullNote, custJSON int64
	if err := p.dst.QueryRow("SELECT MIN(id) FROM " + "`" + p.dstDB + "`.customers WHERE note IS NULL").Scan(&nullNote); err != nil {
		t.Fatal(err)
	}
	if err := p.dst.QueryRow("SELECT MIN(id) FROM `"+p.dstDB+"`.customers WHERE JSON_TYPE(profile) = 'OBJECT' AND id > ?", nullNote).Scan(&custJSON); err != nil {
		t.Fatal(err)
	}
	var floatSKU string
	var w float32
	if err := p.dst.QueryRow("SELECT sku, weight_kg FROM `"+p.dstDB+"`.products WHERE weight_kg IS NOT NULL AND weight_kg <> 0 ORDER BY sku LIMIT 1 OFFSET 7").Scan(&floatSKU, &w); err != nil {
		t.Fatal(err)
	}
	var eventID uint64
	if err := p.dst.QueryRow("SELECT id FROM `" + p.dstDB + "`.events WHERE LENGTH(payload) > 10 ORDER BY id LIMIT 1 OFFSET 3").Scan(&eventID); err != nil {
		t.Fatal(err)
	}
	var orderID, missingOrder int64
	if err := p.dst.QueryRow("SELECT id FROM `" + p.dstDB + "`.orders ORDER BY id LIMIT 1 OFFSET 100").Scan(&orderID); err != nil {
		t.Fatal(err)
	}
	if err := p.dst.QueryRow("SELECT id FROM `" + p.dstDB + "`.orders ORDER BY id LIMIT 1 OFFSET 555").Scan(&missingOrder); err != nil {
		t.Fatal(err)
	}
	type want struct{ table, kind, key, cols string }
	wants := []want{
		{"customers", meta.DiffDifferent, "id=5", "is_active"},
		{"events", meta.DiffDifferent, "id=" + strconv.FormatUint(eventID, 10), "payload"},
		{"products", meta.DiffDifferent, "sku=" + floatSKU, "weight_kg"},
		{"customers", meta.DiffDifferent, "id=17", "name"},
		{"customers", meta.DiffDifferent, "id=" + itoa(nullNote), "note"},
		{"orders", meta.DiffOnlyInSource, "id=" + itoa(missingOrder), ""},
		{"orders", meta.DiffOnlyInTarget, "id=99999999999", ""},
		{"customers", meta.DiffDifferent, "id=" + itoa(custJSON), "profile"},
		{"orders", meta.DiffDifferent, "id=" + itoa(orderID), "created_at"},
	}
	p.exec(t, p.dst, "UPDATE $DB.customers SET is_active = 1 - is_active WHERE id = 5")
	p.exec(t, p.dst, "UPDATE $DB.events SET payload = CONCAT(LEFT(payload, 4), CHAR(ASCII(SUBSTRING(payload, 5, 1)) ^ 1), SUBSTRING(payload, 6)) WHERE id = ?", eventID)
	w2 := math.Float32frombits(math.Float32bits(w) + 1)
	p.exec(t, p.dst, "UPDATE $DB.products SET weight_kg = ? WHERE sku = ?", float64(w2), floatSKU)
	p.exec(t, p.dst, "UPDATE $DB.customers SET name = CONCAT(name, ' ') WHERE id = 17")
	p.exec(t, p.dst, "UPDATE $DB.customers SET note = '' WHERE id = ?", nullNote)
	p.exec(t, p.dst, "DELETE FROM $DB.orders WHERE id = ?", missingOrder)
	p.exec(t, p.dst, "INSERT INTO $DB.orders (id, customer_id, total, created_at) VALUES (99999999999, 1, 1.5, '2024-01-01 00:00:00.000001')")
	p.exec(t, p.dst, "UPDATE $DB.customers SET profile = JSON_SET(profile, '$.godwit_test', 1) WHERE id = ?", custJSON)
	p.exec(t, p.dst, "UPDATE $DB.orders SET created_at = created_at + INTERVAL 1 MICROSECOND WHERE id = ?", orderID)

	for _, mode := range []struct {
		name string
		opt  verify.Options
	}{
		{"pushdown", verify.Options{ChunkRows: 300, LeafRows: 20, Fanout: 4, Workers: 3}},
		{"gohash", verify.Options{ChunkRows: 300, LeafRows: 20, Fanout: 4, Workers: 3, GoHash: true}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			store := verify.NewMemStore()
			r := run(t, p, store, "run-"+mode.name, mode.opt, p.tables())
			if r.Result != verify.Inconsistent || r.Diffs != int64(len(wants)) {
				t.Fatalf("run: %+v, want INCONSISTENT with %d diffs", r, len(wants))
			}
			diffs, _, err := store.ListVerifyDiffs(context.Background(), meta.VerifyDiffFilter{RunID: r.ID})
			if err != nil {
				t.Fatal(err)
			}
			var got, exp []string
			for _, d := range diffs {
				got = append(got, strings.TrimPrefix(d.Table, p.srcDB+".")+"|"+d.Kind+"|"+d.KeyText+"|"+strings.Join(d.Columns, ","))
				if d.SourceSQL == "" || d.TargetSQL == "" || d.FixSQL == "" || !strings.Contains(d.TargetSQL, "`"+p.dstDB+"`") {
					t.Errorf("diff without SQL: %+v", d)
				}
			}
			for _, w := range wants {
				exp = append(exp, w.table+"|"+w.kind+"|"+w.key+"|"+w.cols)
			}
			sort.Strings(got)
			sort.Strings(exp)
			if strings.Join(got, "\n") != strings.Join(exp, "\n") {
				t.Fatalf("differences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(exp, "\n"))
			}
			tabs, _, _ := store.ListVerifyTables(context.Background(), meta.VerifyTableFilter{RunID: r.ID})
			for _, tb := range tabs {
				if tb.SourceRows == 0 || tb.Status != meta.VerifyFinished {
					t.Errorf("table %+v", tb)
				}
			}
		})
	}

	// Apply the corrections and re-check.
	store := verify.NewMemStore()
	r := run(t, p, store, "before-fix", verify.Options{ChunkRows: 500, LeafRows: 50}, p.tables())
	n, err := verify.ApplyCorrections(context.Background(), p.dstEP, store, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(wants) {
		t.Errorf("applied %d statements, want %d", n, len(wants))
	}
	r = run(t, p, store, "after-fix", verify.Options{ChunkRows: 500}, p.tables())
	if r.Result != verify.Consistent || r.Diffs != 0 {
		t.Fatalf("after the corrections: %+v", r)
	}
	for _, tb := range sampledb.Tables() {
		d, err := testenv.CompareTables(context.Background(), p.src, p.srcDB+"."+tb.Name, p.dst, p.dstDB+"."+tb.Name, tb.Key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Same() {
			t.Errorf("%s still differs: %s", tb.Name, d)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestResume: a run cancelled mid-way resumes without recomputing finished chunks.
func TestResume(t *testing.T) {
	p := newPair(t)
	store := verify.NewMemStore()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	first := map[string]bool{}
	opt := verify.Options{ChunkRows: 100, Workers: 2, OnChunk: func(table string, seq int, _ int64) {
		mu.Lock()
		defer mu.Unlock()
		first[table+"#"+itoa(int64(seq))] = true
		if len(first) == 20 {
			cancel()
		}
	}}
	v, err := verify.New(p.srcEP, p.dstEP, store, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Run(ctx, "resume", "", "FULL", p.tables()); err == nil {
		t.Fatal("cancelled run returned no error")
	}
	// Finished chunks per the store.
	done := map[string]bool{}
	total := 0
	for _, tb := range p.tables() {
		cs, _ := store.ListVerifyChunks(context.Background(), "resume", tb.Key())
		for _, c := range cs {
			if c.Status == meta.ChunkDone {
				done[tb.Key()+"#"+itoa(int64(c.Seq))] = true
			}
		}
		total += len(cs)
	}
	if len(done) < 20 {
		t.Fatalf("only %d chunks done before the cancel", len(done))
	}
	second := map[string]bool{}
	opt.OnChunk = func(table string, seq int, _ int64) {
		mu.Lock()
		defer mu.Unlock()
		second[table+"#"+itoa(int64(seq))] = true
	}
	v, _ = verify.New(p.srcEP, p.dstEP, store, opt)
	r, err := v.Run(context.Background(), "resume", "", "FULL", p.tables())
	if err != nil {
		t.Fatal(err)
	}
	if r.Result != verify.Consistent {
		t.Fatalf("resumed run: %+v", r)
	}
	for k := range second {
		if done[k] {
			t.Errorf("chunk %s was done before the cancel and was compared again", k)
		}
	}
	if len(second) == 0 {
		t.Error("nothing was left to do after the cancel")
	}
	var rows int64
	tabs, _, _ := store.ListVerifyTables(context.Background(), meta.VerifyTableFilter{RunID: "resume"})
	for _, tb := range tabs {
		rows += tb.SourceRows
		if tb.TargetRows != tb.SourceRows {
			t.Errorf("%s: %d vs %d rows", tb.Table, tb.SourceRows, tb.TargetRows)
		}
	}
	var want int64
	for _, tb := range sampledb.Tables() {
		var n int64
		p.src.QueryRow("SELECT COUNT(*) FROM `" + p.srcDB + "`.`" + tb.Name + "`").Scan(&n)
		want += n
	}
	if rows != want {
		t.Errorf("resumed run counted %d rows, want %d", rows, want)
	}
}
