package sampledb

import (
	"context"
	"database/sql"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func rootDB(t *testing.T) (*testenv.MariaDB, *sql.DB) {
	t.Helper()
	m := testenv.SharedMariaDB(t, "sample")
	db, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return m, db
}

func create(t *testing.T, db *sql.DB, opts Options) (string, Summary) {
	t.Helper()
	name := testenv.UniqueName("sample")
	sum, err := Create(context.Background(), db, name, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP DATABASE IF EXISTS `" + name + "`") })
	return name, sum
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestCreateScale1(t *testing.T) {
	_, db := rootDB(t)
	var mu sync.Mutex
	progress := map[string]int64{}
	name, sum := create(t, db, Options{Progress: func(table string, rows int64) {
		mu.Lock()
		defer mu.Unlock()
		if rows <= progress[table] {
			t.Errorf("progress for %s went from %d to %d", table, progress[table], rows)
		}
		progress[table] = rows
	}})
	t.Logf("created %d rows in %d tables in %v", sum.Rows, len(sum.Tables), sum.Elapsed)
	if sum.Rows < 200_000 || len(sum.Tables) < 5 {
		t.Fatalf("summary %+v: want ≥ 200k rows over ≥ 5 tables", sum)
	}
	if sum.Elapsed > 40*time.Second {
		t.Errorf("loading took %v, budget is 20s", sum.Elapsed)
	}
	for _, tc := range sum.Tables {
		got := count(t, db, "SELECT COUNT(*) FROM `"+name+"`.`"+tc.Name+"`")
		if got != tc.Rows || got == 0 || progress[tc.Name] != got {
			t.Errorf("%s: COUNT(*) = %d, summary says %d, progress %d", tc.Name, got, tc.Rows, progress[tc.Name])
		}
	}
	for _, ti := range Tables() {
		if ti.Name == "order_items" {
			if got := sum.Count(ti.Name); got < int64(ti.BaseRows)*9/10 || got > int64(ti.BaseRows)*11/10 {
				t.Errorf("order_items: %d rows, expected about %d", got, ti.BaseRows)
			}
			continue
		}
		if got := sum.Count(ti.Name); got != int64(ti.BaseRows) {
			t.Errorf("%s: %d rows at scale 1, Tables() says %d", ti.Name, got, ti.BaseRows)
		}
	}
	// Keys as documented: audit_log has none, the others have the listed primary key.
	for _, ti := range Tables() {
		var pk string
		db.QueryRow(`SELECT COALESCE(GROUP_CONCAT(column_name ORDER BY seq_in_index), '') FROM information_schema.statistics
			WHERE table_schema = ? AND table_name = ? AND index_name = 'PRIMARY'`, name, ti.Name).Scan(&pk)
		if pk != strings.Join(ti.Key, ",") {
			t.Errorf("%s: primary key %q, Tables() says %v", ti.Name, pk, ti.Key)
		}
	}
	if n := count(t, db, "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = ? AND table_name = 'audit_log' AND non_unique = 0", name); n != 0 {
		t.Errorf("audit_log has %d unique index columns", n)
	}
	if dups := count(t, db, "SELECT COUNT(*) FROM (SELECT COUNT(*) c FROM `"+name+"`.audit_log GROUP BY logged_at, actor, action, object_id, detail HAVING c > 1) d"); dups == 0 {
		t.Error("audit_log has no duplicate rows")
	}
	var lo, hi string
	if err := db.QueryRow("SELECT MIN(id), MAX(id) FROM `"+name+"`.events WHERE 1 = ?", 1).Scan(&lo, &hi); err != nil {
		t.Fatal(err)
	}
	if lo != "9223372036854775808" || hi != "18446744073709551615" {
		t.Errorf("events ids from %s to %s", lo, hi)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM `"+name+"`.v_customer_orders"); n != sum.Count("orders") {
		t.Errorf("view has %d rows, orders %d", n, sum.Count("orders"))
	}
	if n := count(t, db, "SELECT COUNT(*) FROM `"+name+"`.customers WHERE name LIKE '%😀%'"); n == 0 {
		t.Error("no emoji in customers.name")
	}
}

func TestDeterministic(t *testing.T) {
	m, db := rootDB(t)
	opts := Options{Scale: 0.02, Seed: 7, Workers: 3}
	a, sa := create(t, db, opts)
	opts.Workers, opts.BatchRows = 1, 37 // scheduling and batching must not matter
	b, sb := create(t, db, opts)
	c, _ := create(t, db, Options{Scale: 0.02, Seed: 8})
	if sa.Rows != sb.Rows {
		t.Fatalf("row counts differ: %d vs %d", sa.Rows, sb.Rows)
	}
	da, _ := m.DB(a)
	defer da.Close()
	dbb, _ := m.DB(b)
	defer dbb.Close()
	dc, _ := m.DB(c)
	defer dc.Close()
	ctx := context.Background()
	for _, ti := range Tables() {
		d, err := testenv.CompareTables(ctx, da, ti.Name, dbb, ti.Name, ti.Key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Same() {
			t.Errorf("%s differs between two runs with the same seed: %v", ti.Name, d)
		}
	}
	d, err := testenv.CompareTables(ctx, da, "customers", dc, "customers", []string{"id"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Different == 0 {
		t.Error("another seed gave the same customers")
	}
}

// atValue reads one column of the all_types row with the given note through the binary
// protocol.
func atValue(t *testing.T, db *sql.DB, col, note string) any {
	t.Helper()
	var v any
	if err := db.QueryRow("SELECT "+col+" FROM all_types WHERE note = ?", note).Scan(&v); err != nil {
		t.Fatalf("%s of %q: %v", col, note, err)
	}
	return v
}

func TestAllTypesEdgeValues(t *testing.T) {
	m, root := rootDB(t)
	name, sum := create(t, root, Options{Scale: 0.01})
	if len(edgeRows()) != nEdgeRows {
		t.Fatalf("nEdgeRows = %d, edgeRows() has %d", nEdgeRows, len(edgeRows()))
	}
	if sum.Count("all_types") < int64(len(edgeRows())+3) {
		t.Fatalf("all_types has %d rows", sum.Count("all_types"))
	}
	db, err := m.DB(name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	str := func(v any) string {
		switch x := v.(type) {
		case []byte:
			return string(x)
		case nil:
			return "<NULL>"
		}
		t.Fatalf("unexpected %T", v)
		return ""
	}
	bits := func(v any) uint64 {
		switch x := v.(type) {
		case float32:
			return uint64(math.Float32bits(x))
		case float64:
			return math.Float64bits(x)
		}
		t.Fatalf("not a float: %T %v", v, v)
		return 0
	}
	checks := []struct {
		col, note string
		want      any // string for text/bytes, uint64 for float bits, int64
	}{
		{"c_bigint_u", "integer maximums", "18446744073709551615"},
		{"c_bigint", "integer minimums", int64(math.MinInt64)},
		{"c_bigint_u", "bigint unsigned 2^63, bigint 2^63-1", "9223372036854775808"},
		{"c_bool", "tinyint(1) holding 2", int64(2)},
		{"c_gen_virtual", "integer maximums", int64(2147483648)},
		{"c_dec65_30", "decimal minimums", "-" + strings.Repeat("9", 35) + "." + strings.Repeat("9", 30)},
		{"c_dec65_30", "decimal smallest fractions", "0." + strings.Repeat("0", 29) + "1"},
		{"c_float", "9 and 17 significant digits", uint64(1092816308)},
		{"c_double", "9 and 17 significant digits", math.Float64bits(0.30000000000000004)},
		{"c_float", "float/double smallest denormals", uint64(1)},
		{"c_double", "float/double smallest denormals", uint64(1)},
		{"c_double", "float/double negative denormals", math.Float64bits(-math.SmallestNonzeroFloat64)},
		{"c_double", "float/double maximums", math.Float64bits(math.MaxFloat64)},
		{"c_float", "float/double lowest", uint64(math.Float32bits(-math.MaxFloat32))},
		{"c_time", "temporal minimums", "-838:59:59"},
		{"c_time", "temporal maximums", "838:59:59"},
		{"c_time6", "negative and over-24h times", "-00:00:01.500000"},
		{"c_time", "negative and over-24h times", "25:00:00"},
		{"c_date", "zero dates", "0000-00-00"},
		{"c_datetime", "zero dates", "0000-00-00 00:00:00"},
		{"c_timestamp6", "zero dates", "0000-00-00 00:00:00.000000"},
		{"c_datetime6", "temporal maximums", "9999-12-31 23:59:59.999999"},
		{"c_timestamp6", "temporal maximums", "2038-01-19 03:14:07.999999"},
		{"c_year", "zero dates", int64(0)},
		{"c_bit8", "bits 0x5c", "\x5c"},
		{"c_bit64", "bits 0xff", strings.Repeat("\xff", 8)},
		{"c_bit1", "bits 0x0a", "\x01"},
		{"c_set", "unicode enum, empty set", ""},
		{"c_enum", "unicode enum, empty set", "ünï 😀"},
		{"c_varchar", "strings: leading and trailing spaces", "  abc   "},
		{"c_char", "strings: leading and trailing spaces", "abc"},
		{"c_varchar", "strings: control characters", "a\tb\nc\rd\x00e\x1af"},
		{"c_varchar", "strings: quotes and backslashes", `it's "quoted" \ back\\slash \' \n literal %_`},
		{"c_varchar", "strings: emoji and scripts", "Zoë 😀🎉 日本語 العربية Ελληνικά"},
		{"c_latin1", "strings: emoji and scripts", "café ÿ ß"},
		{"c_varbinary", "binary: all 256 byte values", string(allBytes(256))},
		{"c_binary", "binary: short value padded by BINARY(16)", "\xab" + strings.Repeat("\x00", 15)},
		{"c_varchar", "empty strings and binaries, not NULL", ""},
		{"c_blob", "empty strings and binaries, not NULL", ""},
		{"c_varchar", "all NULL", "<NULL>"},
		{"c_json", "json: null literal, not SQL NULL", "null"},
		{"c_ts_auto", "all NULL", "2024-01-01 00:00:00.000000"},
	}
	for _, c := range checks {
		v := atValue(t, db, c.col, c.note)
		switch w := c.want.(type) {
		case string:
			if got := str(v); got != w {
				t.Errorf("%s of %q = %q, want %q", c.col, c.note, got, w)
			}
		case uint64:
			if got := bits(v); got != w {
				t.Errorf("%s of %q: bits %x, want %x", c.col, c.note, got, w)
			}
		case int64:
			if v != w {
				t.Errorf("%s of %q = %v (%T), want %d", c.col, c.note, v, v, w)
			}
		}
	}
	if got := atValue(t, db, "LENGTH(c_longblob)", "binary: all 256 byte values"); got != int64(1<<20) {
		t.Errorf("longblob length %v", got)
	}
	// The generated STORED column and the ON UPDATE timestamp work.
	if got := atValue(t, db, "c_gen_stored", "strings: leading and trailing spaces"); got != int64(8) {
		t.Errorf("c_gen_stored = %v", got)
	}
	if _, err := db.Exec("UPDATE all_types SET c_int = 5 WHERE note = 'all NULL'"); err != nil {
		t.Fatal(err)
	}
	if got := str(atValue(t, db, "c_ts_auto", "all NULL")); got <= "2024-01-01 00:00:00.000000" {
		t.Errorf("c_ts_auto not moved by UPDATE: %s", got)
	}
	// Comments survive.
	var tc, cc string
	db.QueryRow("SELECT table_comment FROM information_schema.tables WHERE table_schema = ? AND table_name = 'all_types'", name).Scan(&tc)
	db.QueryRow("SELECT column_comment FROM information_schema.columns WHERE table_schema = ? AND table_name = 'all_types' AND column_name = 'c_commented'", name).Scan(&cc)
	if !strings.HasPrefix(tc, "one row per edge value") || cc != `a column comment with 'quotes', "double", back\slash and ünïcödé` {
		t.Errorf("table comment %q, column comment %q", tc, cc)
	}
	var extra string
	db.QueryRow("SELECT extra FROM information_schema.columns WHERE table_schema = ? AND table_name = 'all_types' AND column_name = 'c_gen_stored'", name).Scan(&extra)
	if extra != "STORED GENERATED" {
		t.Errorf("c_gen_stored extra = %q", extra)
	}
}

func TestCreateExisting(t *testing.T) {
	_, db := rootDB(t)
	name, _ := create(t, db, Options{Scale: 0.001})
	if _, err := Create(context.Background(), db, name, Options{Scale: 0.001}); err == nil {
		t.Fatal("Create over an existing database succeeded")
	}
	sum, err := Create(context.Background(), db, name, Options{Scale: 0.001, DropExisting: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := count(t, db, "SELECT COUNT(*) FROM `"+name+"`.customers"); got != sum.Count("customers") || got != 20 {
		t.Errorf("customers = %d after DropExisting, summary %d", got, sum.Count("customers"))
	}
	if _, err := Create(context.Background(), db, "x", Options{Scale: -1}); err == nil {
		t.Error("negative scale accepted")
	}
}
