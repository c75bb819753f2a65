package filter

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// rfTestTable has one column of every kind the evaluator supports.
var rfTestTable = &schema.Table{Schema: "shop", Name: "t", Columns: []schema.Column{
	{Name: "id", DataType: "bigint", ColumnType: "bigint(20)"},
	{Name: "u", DataType: "bigint", ColumnType: "bigint(20) unsigned", Unsigned: true},
	{Name: "d", DataType: "decimal", ColumnType: "decimal(12,2)"},
	{Name: "f", DataType: "double", ColumnType: "double"},
	{Name: "s", DataType: "varchar", ColumnType: "varchar(20)", Charset: "utf8mb4", Collation: "utf8mb4_bin"},
	{Name: "ci", DataType: "varchar", ColumnType: "varchar(20)", Charset: "utf8mb4", Collation: "utf8mb4_general_ci"},
	{Name: "b", DataType: "varbinary", ColumnType: "varbinary(20)"},
	{Name: "dt", DataType: "datetime", ColumnType: "datetime(6)"},
	{Name: "tm", DataType: "time", ColumnType: "time"},
}}

func rfTestMatch(t testing.TB, where string, row change.Row) (bool, error) {
	t.Helper()
	f, err := CompileRowFilter(rfTestTable, where)
	if err != nil {
		t.Fatalf("%q: %v", where, err)
	}
	m, err := f.Bind(rfTestTable.ColumnNames())
	if err != nil {
		t.Fatal(err)
	}
	return m(row)
}

func TestRowFilterEvaluates(t *testing.T) {
	row := change.Row{int64(7), uint64(math.MaxUint64), []byte("12.50"), 0.5, []byte("abc"), []byte("Abc"), []byte{0, 1},
		[]byte("2024-02-29 10:00:00.000001"), []byte("-01:00:00")}
	nulls := make(change.Row, len(row))
	cases := []struct {
		where     string
		row, null bool // expected on row and on the all-NULL row
	}{
		{"id = 7", true, false},
		{"id <> 7 OR id IS NULL", false, true},
		{"u > id", true, false},
		{"u = 18446744073709551615", true, false},
		{"d = 12.5", true, false},
		{"d > 12.499999999999999999999", true, false},
		{"d * 2 = 25", true, false},
		{"f = 0.5 AND f < 1e0", true, false},
		{"s = 'abc   '", true, false},
		{"s COLLATE utf8mb4_nopad_bin = 'abc '", false, false},
		{"ci COLLATE utf8mb4_bin = 'Abc'", true, false},
		{"b = X'0001'", true, false},
		{"dt > '2024-02-29 10:00:00'", true, false},
		{"dt BETWEEN '2024-01-01' AND '2024-12-31'", true, false},
		{"tm < '00:00:00'", true, false},
		{"id IN (1, 7, NULL)", true, false},
		{"id NOT IN (1, NULL)", false, false},
		{"NOT (id IN (1, 2))", true, false},
		{"IFNULL(id, 0) = 0", false, true},
		{"ISNULL(s) XOR TRUE", true, false},
		{"CHAR_LENGTH(s) = 3 AND LENGTH(b) = 2", true, false},
		{"id % 4 = 3 AND id DIV 2 = 3", true, false},
		{"id <=> NULL", false, true},
	}
	for _, c := range cases {
		if got, err := rfTestMatch(t, c.where, row); err != nil || got != c.row {
			t.Errorf("%q on the row: %v, %v; want %v", c.where, got, err, c.row)
		}
		if got, err := rfTestMatch(t, c.where, nulls); err != nil || got != c.null {
			t.Errorf("%q on NULLs: %v, %v; want %v", c.where, got, err, c.null)
		}
	}
	// Overflow is an error, as on the server.
	if _, err := rfTestMatch(t, "u + 1 > 0", row); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("u + 1 on the maximum: %v", err)
	}
	// AND short-circuits on FALSE like MySQL (the overflow on the right is not evaluated).
	if got, err := rfTestMatch(t, "id = 0 AND u + 1 > 0", row); err != nil || got {
		t.Errorf("short circuit: %v %v", got, err)
	}
}

func TestRowFilterRefuses(t *testing.T) {
	for where, why := range map[string]string{
		"ci = 'abc'":                         "utf8mb4_general_ci",
		"s LIKE 'a%'":                        "like",
		"id = '7'":                           "convert",
		"dt > NOW()":                         "now()",
		"upper(s) = 'A'":                     "upper",
		"s COLLATE utf8mb4_unicode_ci = 'a'": "utf8mb4_unicode_ci",
		"nope = 1":                           "unknown column",
	} {
		_, err := CompileRowFilter(rfTestTable, where)
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.CodeBadFilter || e.Kind != errs.KindInvalid || e.Params["table"] != "shop.t" {
			t.Errorf("%q: want a CodeBadFilter naming shop.t, got %v", where, err)
			continue
		}
		if !strings.Contains(strings.ToLower(e.Message), strings.ToLower(why)) {
			t.Errorf("%q: %q does not mention %q", where, e.Message, why)
		}
	}
	// Syntax-only checks at project creation: constructs, not types.
	for _, ok := range []string{"", "id < 50000", "name COLLATE utf8mb4_bin IN ('a', 'b') AND d >= '2024-01-01'", "mod(id, 4) = 1"} {
		if err := CheckRowFilterSyntax(ok); err != nil {
			t.Errorf("CheckRowFilterSyntax(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"name LIKE 'a%'", "created_at > now()", "lower(name) = 'x'", "1=1; drop table t", "id & 1 = 1", "x = b'1'"} {
		var e *errs.Error
		if err := CheckRowFilterSyntax(bad); !errors.As(err, &e) || e.Code != errs.CodeBadFilter || e.Advice == "" {
			t.Errorf("CheckRowFilterSyntax(%q) = %v, want a CodeBadFilter refusal", bad, err)
		}
	}
}

// FuzzRowFilter builds filters from fuzz input over rfTestTable and checks that compiling
// and evaluating never panics, and three-valued logic is consistent: for every accepted
// filter f exactly one of f, NOT (f), (f) IS NULL holds on a row, and NOT NOT f equals f.
func FuzzRowFilter(f *testing.F) {
	f.Add("id", "<", "7", int64(7), 0.5, []byte("abc"))
	f.Add("s", "=", "'abc '", int64(-1), -0.0, []byte("abc"))
	f.Add("d", "between", "1.5 and 20", int64(0), math.Inf(1), []byte(""))
	f.Add("dt", ">=", "'2024-01-01'", int64(math.MinInt64), 1e300, []byte("\x00"))
	f.Add("u - id", "in", "(1, null, 2.5)", int64(3), 2.0, []byte("é"))
	f.Fuzz(func(t *testing.T, lhs, op, rhs string, i int64, fl float64, s []byte) {
		where := fmt.Sprintf("%s %s %s", lhs, op, rhs)
		flt, err := CompileRowFilter(rfTestTable, where)
		if err != nil || flt == nil {
			return
		}
		u := uint64(i)
		row := change.Row{i, u, []byte(fmt.Sprintf("%d.%02d", i%1e9, uint64(i)%100)), fl, s, s, s,
			[]byte("2024-02-29 10:00:00.000001"), []byte("-01:00:00")}
		if i%3 == 0 {
			row[u%uint64(len(row))] = nil
		}
		eval := func(w string) (bool, bool) {
			g, err := CompileRowFilter(rfTestTable, w)
			if err != nil {
				t.Fatalf("%q compiles but %q does not: %v", where, w, err)
			}
			m, err := g.Bind(rfTestTable.ColumnNames())
			if err != nil {
				t.Fatal(err)
			}
			ok, err := m(row)
			return ok, err == nil
		}
		pos, ok1 := eval(where)
		neg, ok2 := eval("NOT (" + flt.String() + ")")
		unk, ok3 := eval("(" + flt.String() + ") IS NULL")
		dbl, ok4 := eval("NOT NOT (" + flt.String() + ")")
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return // an evaluation error (overflow) is consistent with the server failing
		}
		n := 0
		for _, b := range []bool{pos, neg, unk} {
			if b {
				n++
			}
		}
		if n != 1 || dbl != pos {
			t.Fatalf("%q on %v: f=%v NOT f=%v f IS NULL=%v NOT NOT f=%v", where, row, pos, neg, unk, dbl)
		}
	})
}
