package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/apply"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/sampledb"
	"github.com/godwit/godwit/schema"
	"github.com/godwit/godwit/testenv"
)

// rfDiffFilters are the filters of the differential test, per sampledb table. Each is
// evaluated in Go over the binlog images of every row and by the server over the table.
var rfDiffFilters = map[string][]string{
	"all_types": {
		// integers, signedness, NULL logic
		"c_int > 0", "c_int_u >= 2147483648", "c_bigint < -1", "c_bigint_u > 9223372036854775807",
		"c_bigint_u = 18446744073709551615", "c_tinyint IN (-128, 0, 127)", "c_tinyint NOT IN (1, 2, NULL)",
		"c_tinyint IN (1, NULL)", "c_tinyint NOT IN (1, 2)", "c_smallint BETWEEN -100 AND 100",
		"c_mediumint NOT BETWEEN -1000 AND 1000", "c_int_u < c_int", "c_bigint = c_bigint_u", "c_bigint_u > c_bigint",
		"c_bool AND id > 0", "NOT c_bool", "!c_bool OR id < 0", "c_bool IS TRUE", "c_bool IS NOT FALSE", "c_bool IS FALSE", "c_bool IS NOT TRUE",
		"c_int IS NULL", "c_int IS NOT NULL AND c_bigint IS NULL", "c_int <=> NULL", "c_int <=> c_bigint", "c_int = NULL",
		"c_int XOR c_bigint", "c_int > 0 OR c_bigint > 0", "(c_int > 0) = (c_bigint > 0)", "c_int > 0 AND c_bigint IS NULL",
		"NOT (c_int > 0 OR c_float IS NULL)", "c_int BETWEEN NULL AND 10", "c_int NOT BETWEEN NULL AND 10",
		"c_int BETWEEN -10 AND NULL", "c_int NOT BETWEEN 10 AND NULL", "c_int_u BETWEEN 0 AND c_int",
		"c_bigint_u IN (0, 10, 9223372036854775808, -1)", "c_bigint IN (9223372036854775807, 18446744073709551615)",
		"c_bigint = -9223372036854775808", "c_int = TRUE", "c_int > FALSE",
		// integer arithmetic
		"c_int + 1 > 0", "c_int * 2 < 0", "c_int DIV 7 = 3", "c_int % 10 = 3", "c_int % -3 = -1", "MOD(c_int_u, 7) = 0",
		"c_int DIV 0 IS NULL", "c_int % 0 IS NULL", "-c_int > 100", "- -c_int > 100", "c_tinyint_u - 1 > 0 OR c_tinyint_u IS NULL",
		"c_smallint_u * c_smallint_u > 1000000", "ABS(c_int) > 1000", "ABS(c_bigint_u) > 5", "c_int - 2147483648 < -1",
		"c_int_u + c_int > 100", "c_int + 1.5 > 8", "c_int * 1.25 > 2", "c_int + 1e0 > 8",
		// decimals
		"c_dec65_30 > 0", "c_dec65_30 = 0.000000000000000000000000000001", "c_dec65_30 < -1.5",
		"c_dec12_2 BETWEEN -100.5 AND 100.25", "c_dec65_0 > 99999999999999999999999999999999999999999999999999999999999999998",
		"c_dec65_0 < -9999999999999999999", "c_dec12_2 * 100 > 5000", "c_dec12_2 + c_int > 0", "c_dec12_2 > 1e2",
		"c_dec65_30 IN (0, 1.5, -1)", "c_dec12_2 IN (19.99, 1234.5, 1e0)", "ABS(c_dec12_2) < 10", "c_dec12_2 % 3 = 1",
		"MOD(c_dec12_2, 2.5) > 1", "-c_dec12_2 > 0", "c_dec12_2 - 0.01 = 19.98", "c_dec65_30 = c_dec12_2",
		"c_dec65_0 > c_bigint_u", "c_dec12_2 = 1234.50", "c_dec12_2 = 1234.5000001",
		// floating point
		"c_float > 0", "c_float = 1.1", "c_float = 1.5", "c_float = 0.1", "c_double = 0.30000000000000004",
		"c_double < 1e10", "c_double = 0", "c_double > c_float", "c_float + 1 > 1", "c_double / 3 > 1",
		"c_double / 0 IS NULL", "c_int > 1.5e3", "c_bigint > 9.2e18", "c_bigint_u > 1.8e19", "c_double = 9007199254740993",
		"c_double IN (2.25, 1e308, 0)", "c_float BETWEEN 0 AND 1e0", "c_double * 1e-300 > 0", "-c_double < 0",
		"ABS(c_double) > 1e300", "c_double = c_dec12_2", "c_float = 16777217",
		// temporal
		"c_date >= '2000-01-01'", "c_date < DATE'1970-01-02'", "c_datetime > '2020-01-01 10:00:00'",
		"c_datetime6 >= '2024-06-01 12:00:00.25'", "c_datetime6 > '2024-06-01 12:00:00.2'", "c_datetime = '2024-06-01'",
		"c_datetime >= '2024-06-01 12:00:00.5'", "c_datetime6 > c_date", "c_date = c_datetime",
		"c_timestamp6 < '2010-01-01 00:00:00'", "c_timestamp6 BETWEEN '2000-01-01' AND '2030-01-01 12:00:00.123456'",
		"c_timestamp6 = '2021-03-28 02:30:00.5'", "c_time > '12:00:00'", "c_time6 < '-00:00:00.5'",
		"c_time < TIME'-100:00:00'", "c_time6 IN ('00:00:00', '838:59:59')", "c_time > '24:00:00'",
		"c_datetime IN ('2024-06-01 12:00:00', TIMESTAMP'1000-01-01 00:00:00')", "c_datetime6 IS NULL OR c_datetime6 < '2000-01-01'",
		"IFNULL(c_datetime, c_datetime6) > '2000-01-01'", "COALESCE(c_date, DATE'2001-01-01') < '2001-01-02'",
		"c_date BETWEEN '2024-01-01' AND '2024-12-31'", "c_ts_auto > '2023-12-31 23:59:59.999999'",
		// strings
		"c_varchar COLLATE utf8mb4_bin = 'varchar'", "c_varchar COLLATE utf8mb4_bin > 'm'", "c_varchar COLLATE utf8mb4_bin < 'a '",
		"c_varchar COLLATE utf8mb4_bin = '  abc'", "c_varchar COLLATE utf8mb4_nopad_bin = '  abc'",
		"c_varchar COLLATE utf8mb4_nopad_bin < 'a'", "c_char COLLATE utf8mb4_bin = 'abc'", "c_char COLLATE utf8mb4_nopad_bin = 'abc'",
		"c_char COLLATE utf8mb4_nopad_bin > ''", "c_text COLLATE utf8mb4_bin BETWEEN 'a' AND 'z'", "c_text COLLATE utf8mb4_bin = 'x'",
		"c_text COLLATE utf8mb4_nopad_bin = 'x'", "c_varchar COLLATE utf8mb4_bin IN ('', ' ', 'Zoë')", "c_tinytext COLLATE utf8mb4_bin = ''",
		"c_tinytext COLLATE utf8mb4_bin < 'a'", "c_tinytext COLLATE utf8mb4_bin > '\\r'", "c_char COLLATE utf8mb4_bin < ' '",
		"c_longtext COLLATE utf8mb4_bin > '𝔘'", "c_varchar COLLATE utf8mb4_bin > _utf8mb4'Z' COLLATE utf8mb4_bin", "c_varchar COLLATE utf8mb4_bin = c_text",
		"LENGTH(c_varchar) > 10", "CHAR_LENGTH(c_varchar) BETWEEN 1 AND 5", "OCTET_LENGTH(c_char) = 3", "CHAR_LENGTH(c_char) = 3",
		"CHARACTER_LENGTH(c_longtext) > 100", "c_varchar IS NULL", "LENGTH(c_varchar) - 10 < 0",
		"c_varbinary = X'00'", "c_varbinary > 'a'", "c_binary < X'80'", "c_binary = X'ab'", "c_blob = ''", "c_blob > _binary'abc'",
		"LENGTH(c_blob) > 100", "c_varbinary IN (X'00', X'FF', '')", "c_tinyblob BETWEEN X'10' AND X'7F'", "c_binary > 0x7f",
		"c_varbinary = c_tinyblob", "CHAR_LENGTH(c_varbinary) = 256", "c_blob = X'00000000'", "c_blob < X'0000'",
		// bits
		"c_bit8 > 100", "c_bit1 = 1", "c_bit64 > 9223372036854775807", "c_bit8 IN (0, 10, 92)",
		// mixed
		"(c_int > 0 AND c_float < 0) OR c_date IS NULL", "NOT (c_int BETWEEN 1 AND 10) XOR c_bool",
		"id <= 2", "id % 4 = 1 AND (c_int IS NULL OR c_int < 0)", "c_gen_stored > 5", "c_gen_virtual > 5",
		"ISNULL(c_int) AND id > 10", "IFNULL(c_int, 0) = 0", "COALESCE(c_int, c_mediumint, -1) < 0",
	},
	"customers": {"id < 50", "id % 3 = 0", "balance > 100.50", "birth_date >= '1990-01-01'",
		"created_at < '2023-06-01 00:00:00'", "email COLLATE utf8mb4_bin < 'm'", "country COLLATE utf8mb4_bin IN ('DE', 'FR')",
		"is_active = 0 AND balance < 0", "note IS NULL", "LENGTH(note) > 20"},
	"orders": {"customer_id BETWEEN 10 AND 60", "total > 500", "created_at >= '2024-01-01'", "updated_at IS NULL",
		"currency COLLATE utf8mb4_bin = 'EUR'", "total * 2 < 100", "id % 5 = 0"},
	"order_items": {"quantity * unit_price > 100", "discount > 0.1", "discount IS NULL OR discount < 1e-1",
		"order_id % 2 = 0 AND line_no = 1", "unit_price BETWEEN 5 AND 10.5"},
	"events": {"id > 9223372036854775807", "score < 0.5", "source_ip IS NOT NULL AND LENGTH(source_ip) = 16",
		"kind COLLATE utf8mb4_bin = 'click'", "payload IS NULL", "id % 7 = 3"},
	"products": {"price BETWEEN 10 AND 20", "weight_kg > 1.5", "sku COLLATE utf8mb4_bin > 'SKU-000100'", "active AND price > 0", "NOT active", "sku COLLATE utf8mb4_bin = name"},
}

// rfRefused are filters the copy accepts (the server evaluates them) but the Go evaluator
// must refuse, with the reason's key phrase.
var rfRefused = map[string]string{
	"c_varchar = 'abc'":                           "collation",
	"c_varchar COLLATE utf8mb4_general_ci = 'a'":  "collation",
	"c_latin1 = 'a'":                              "character set",
	"c_year = 2020":                               "YEAR",
	"c_enum = 'small'":                            "ENUM",
	"c_set = 'read'":                              "SET",
	"c_json IS NULL":                              "JSON",
	"c_int = '5'":                                 "convert",
	"c_date = 20200101":                           "convert",
	"c_varchar COLLATE utf8mb4_bin = 5":           "convert",
	"c_date < NOW()":                              "now",
	"c_varchar LIKE 'a%'":                         "like",
	"c_int / 2 > 1":                               "DIV",
	"c_dec12_2 / 2 > 1":                           "div_precision_increment",
	"c_time > c_date":                             "convert",
	"lower(c_varchar) = 'a'":                      "lower",
	"c_date > '2020-1-1'":                         "canonical",
	"c_date = '2020-01-01 10:00:00'":              "canonical",
	"c_datetime > '2020-01-01T00:00:00'":          "canonical",
	"c_date = '2020-02-30'":                       "canonical",
	"c_int = 0x10":                                "convert",
	"CASE WHEN c_int > 0 THEN 1 ELSE 0 END = 1":   "case",
	"c_varbinary = c_varchar COLLATE utf8mb4_bin": "binary",
	"c_varchar AND id > 0":                        "not a condition",
	"c_int & 1 = 1":                               "&",
	"c_dec65_30 * c_dec65_30 > 1":                 "decimals",
	"IFNULL(c_int, c_bigint_u) > 0":               "one type",
	"c_int = b'101'":                              "literal",
	"c_varchar COLLATE latin1_bin = 'a'":          "collation",
	"c_int IN (SELECT 1)":                         "subqueries",
}

// TestRowFilterDifferential proves the Go evaluator exact: for every filter of
// rfDiffFilters, the rows whose binlog image it accepts are exactly the rows the server's
// WHERE selects (every MariaDB type and edge value of sampledb). Filters the server fails
// to evaluate (overflow) must fail in Go too.
func TestRowFilterDifferential(t *testing.T) {
	ctx := context.Background()
	srv := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	ep, err := OpenMySQL(ctx, srv.DataSource("src"), endpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	root, err := srv.DB("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	env := &blEnv{srv: srv, ep: ep, root: root}
	p0 := env.pos(t)
	name := testenv.UniqueName("rfdiff")
	if _, err := sampledb.Create(ctx, root, name, sampledb.Options{Scale: 0.01, Workers: 2}); err != nil {
		t.Fatal(err)
	}
	// Update images too: every all_types row once more, so values come from update events.
	if _, err := root.ExecContext(ctx, "UPDATE "+sqlval.QuoteTable(name, "all_types")+" SET note = CONCAT(note, '.')"); err != nil {
		t.Fatal(err)
	}
	p1 := env.pos(t)
	images := map[string][]change.Event{} // table → the last image of every row
	last := map[string]map[string]int{}
	for _, tx := range env.collect(t, p0, p1, func(s, _ string) bool { return s == name }) {
		for _, ev := range tx.Events {
			if ev.Op == change.OpDDL {
				continue
			}
			tbl, err := ep.ReadTable(ctx, name, ev.Table)
			if err != nil {
				t.Fatal(err)
			}
			key := rfRowKey(ev.Columns, tbl.KeyColumns(), ev.After)
			if last[ev.Table] == nil {
				last[ev.Table] = map[string]int{}
			}
			if i, ok := last[ev.Table][key]; ok {
				images[ev.Table][i] = ev
			} else {
				last[ev.Table][key] = len(images[ev.Table])
				images[ev.Table] = append(images[ev.Table], ev)
			}
		}
	}
	checked := 0
	for table, filters := range rfDiffFilters {
		tbl, err := ep.ReadTable(ctx, name, table)
		if err != nil {
			t.Fatal(err)
		}
		if len(images[table]) < 20 {
			t.Fatalf("%s: only %d row images captured", table, len(images[table]))
		}
		for _, where := range filters {
			rfDiffOne(t, ctx, ep, tbl, images[table], where)
			checked++
		}
	}
	tbl, err := ep.ReadTable(ctx, name, "all_types")
	if err != nil {
		t.Fatal(err)
	}
	for where, why := range rfRefused {
		if _, err := ValidateWhere(tbl.ColumnNames(), where); err != nil && why != "subqueries" {
			t.Errorf("%q: the copy's validator rejects it (%v); the refusal test needs a filter the copy accepts", where, err)
			continue
		}
		_, err := CompileRowFilter(tbl, where)
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.CodeBadFilter || e.Kind != errs.KindInvalid {
			t.Errorf("%q: want a CodeBadFilter refusal, got %v", where, err)
			continue
		}
		if !strings.Contains(strings.ToLower(e.Message), strings.ToLower(why)) || e.Params["table"] != name+".all_types" || e.Advice == "" {
			t.Errorf("%q: refusal %q (params %v) does not say %q or name the table", where, e.Message, e.Params, why)
		}
	}
	t.Logf("%d filters agree with the server; %d refused", checked, len(rfRefused))
}

// rfDiffOne compares one filter's Go verdict with the server's over one table.
func rfDiffOne(t *testing.T, ctx context.Context, ep *Endpoint, tbl *schema.Table, evs []change.Event, where string) {
	t.Helper()
	f, err := CompileRowFilter(tbl, where)
	if err != nil {
		t.Errorf("%s: %q refused: %v", tbl.Name, where, err)
		return
	}
	rendered, err := ep.RenderFilter(tbl, where)
	if err != nil || rendered != f.String() {
		t.Fatalf("%q: rendered %q (%v), compiled %q", where, rendered, err, f.String())
	}
	key := tbl.KeyColumns()
	var goKeys []string
	var goErr error
	for _, ev := range evs {
		match, err := f.Bind(ev.Columns)
		if err != nil {
			t.Errorf("%s: %q: bind: %v", tbl.Name, where, err)
			return
		}
		ok, err := match(ev.After)
		if err != nil {
			goErr = err
			continue
		}
		if ok {
			goKeys = append(goKeys, rfRowKey(ev.Columns, key, ev.After))
		}
	}
	q := "SELECT " + apply.QuoteCols(key) + " FROM " + sqlval.QuoteTable(tbl.Schema, tbl.Name) + " WHERE " + rendered
	srvKeys, srvErr := rfServerKeys(ctx, ep.db, q, len(key))
	switch {
	case srvErr != nil && goErr != nil:
		return // both fail (e.g. BIGINT out of range)
	case srvErr != nil:
		t.Errorf("%s: %q: the server fails (%v) but Go evaluates every row", tbl.Name, where, srvErr)
		return
	case goErr != nil:
		t.Errorf("%s: %q: Go fails (%v) but the server evaluates every row", tbl.Name, where, goErr)
		return
	}
	sort.Strings(goKeys)
	sort.Strings(srvKeys)
	if !slices.Equal(goKeys, srvKeys) {
		t.Errorf("%s: %q: Go selects %d rows, the server %d\n  only Go: %v\n  only server: %v", tbl.Name, where,
			len(goKeys), len(srvKeys), rfMinus(goKeys, srvKeys), rfMinus(srvKeys, goKeys))
	}
}

func rfServerKeys(ctx context.Context, db *sql.DB, q string, n int) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := make([]sql.RawBytes, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		parts := make([]string, n)
		for i, v := range vals {
			parts[i] = string(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out, rows.Err()
}

// rfRowKey renders a row's key values like the server prints them.
func rfRowKey(cols, key []string, r change.Row) string {
	parts := make([]string, len(key))
	for i, k := range key {
		for j, c := range cols {
			if strings.EqualFold(c, k) {
				switch v := r[j].(type) {
				case int64:
					parts[i] = strconv.FormatInt(v, 10)
				case uint64:
					parts[i] = strconv.FormatUint(v, 10)
				case []byte:
					parts[i] = string(v)
				default:
					parts[i] = fmt.Sprint(v)
				}
			}
		}
	}
	return strings.Join(parts, "|")
}

func rfMinus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
			if len(out) == 10 {
				break
			}
		}
	}
	return out
}
