package filter

import (
	"errors"
	"strings"
	"testing"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/godwit/godwit/endpoint/mysql/internal/sqlparse"
	"github.com/godwit/godwit/errs"
)

var filterTestCols = []string{"id", "status", "created_at", "name", "amount", "Note"}

func TestValidateWhereAccepts(t *testing.T) {
	cases := map[string]string{
		"":                                     "",
		"   ":                                  "",
		"id > 100 AND status = 'paid'":         "id > 100 and `status` = 'paid'",
		"ID>100":                               "ID > 100",
		"`id` between 1 and 10":                "id between 1 and 10",
		"note is not null":                     "note is not null",
		"name like 'a%' or name in ('x','y')":  "`name` like 'a%' or `name` in ('x', 'y')",
		"created_at >= NOW() - INTERVAL 1 DAY": "created_at >= now() - interval 1 day",
		"date(created_at) = curdate()":         "date(created_at) = curdate()",
		"date_add(created_at, interval 2 hour) < current_timestamp": "date_add(created_at, interval 2 hour) < current_timestamp()",
		"lower(name) = 'ünïcødé ✓'":                                 "lower(`name`) = 'ünïcødé ✓'",
		"cast(amount as decimal(10,2)) > 1.5":                       "cast(amount as decimal(10, 2)) > 1.5",
		"substring(name, 1, 2) = 'ab'":                              "substr(`name`, 1, 2) = 'ab'",
		"coalesce(amount, 0) <> 0 and mod(id, 4) = 1":               "coalesce(amount, 0) != 0 and mod(id, 4) = 1",
		"name = 'a;b'":                   "`name` = 'a;b'",
		"name = 'x'' OR 1=1 --'":         "`name` = 'x\\' OR 1=1 --'",
		"not (id = 1)":                   "not id = 1",
		"true":                           "true",
		"unix_timestamp(created_at) > 0": "unix_timestamp(created_at) > 0",
	}
	for in, want := range cases {
		got, err := ValidateWhere(filterTestCols, in)
		if err != nil {
			t.Errorf("ValidateWhere(%q): unexpected error %v", in, err)
			continue
		}
		if got != want {
			t.Errorf("ValidateWhere(%q) = %q, want %q", in, got, want)
		}
		again, err := ValidateWhere(filterTestCols, got)
		if err != nil || again != got {
			t.Errorf("re-validating %q: got %q, %v", got, again, err)
		}
	}
}

func TestValidateWhereRejects(t *testing.T) {
	cases := map[string]string{
		"1=1; DROP TABLE x":                    "';'",
		"id > 1; ":                             "';'",
		"id > (SELECT max(id) FROM other)":     "subqueries",
		"exists (select 1 from dual)":          "subqueries",
		"id in (select id from t2)":            "subqueries",
		"@@version = '1'":                      "variables",
		"@x = 1":                               "variables",
		"sleep(1)":                             "sleep()",
		"sleep(1) = 0":                         "sleep()",
		"benchmark(1000000, md5('a')) = 0":     "benchmark()",
		"load_file('/etc/passwd') is not null": "load_file()",
		"get_lock('x', 10) = 1":                "not allowed",
		"id > 1 -- x":                          "comments",
		"id > 1 # x":                           "comments",
		"id > 1 /* x */":                       "comments",
		"id > 1 /*!50000 OR 1=1 */":            "comments",
		"other.id > 1":                         "qualified",
		"db.t.id > 1":                          "qualified",
		"missing > 1":                          "unknown column",
		"id > 1 ORDER BY id":                   "only a condition",
		"id > 1 LIMIT 1":                       "only a condition",
		"id > 1 FOR UPDATE":                    "only a condition",
		"id > 1 UNION SELECT 1 FROM t":         "",
		"id > ?":                               "placeholders",
		"id > :v1":                             "",
		"id":                                   "not a condition",
		"1":                                    "not a condition",
		"id > ":                                "not a valid SQL condition",
		"count(*) > 1":                         "not allowed",
		"db.fn(id) = 1":                        "stored functions",
		"id > 1) OR (1=1":                      "",
		"id = 1 INTO OUTFILE '/tmp/x'":         "",
		"json_extract(name, '$.a') = 1":        "not allowed",
		strings.Repeat("id > 1 AND ", 2000) + "1": "bytes long",
	}
	for in, wantMsg := range cases {
		got, err := ValidateWhere(filterTestCols, in)
		if err == nil {
			t.Errorf("ValidateWhere(%q) accepted as %q", filterTrim(in), got)
			continue
		}
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.CodeBadFilter || e.Kind != errs.KindInvalid {
			t.Errorf("ValidateWhere(%q): error %v is not a BadFilter/KindInvalid *errs.Error", filterTrim(in), err)
			continue
		}
		if !strings.Contains(e.Message, wantMsg) {
			t.Errorf("ValidateWhere(%q): message %q does not mention %q", filterTrim(in), e.Message, wantMsg)
		}
		if !strings.Contains(e.Advice, "id > 100 AND status = 'paid'") {
			t.Errorf("advice lacks the example: %q", e.Advice)
		}
	}
}

// filterHasSemicolonToken reports whether s contains ';' outside string literals and
// quoted identifiers, i.e. a statement separator.
func filterHasSemicolonToken(t testing.TB, s string) bool {
	p, err := sqlparse.Parser()
	if err != nil {
		t.Fatal(err)
	}
	tkn := p.NewStringTokenizer(s)
	for {
		typ, _ := tkn.Scan()
		if typ == 0 {
			return false
		}
		if typ == ';' {
			return true
		}
	}
}

// FuzzValidateWhere asserts that ValidateWhere never panics, that accepted output
// re-validates to itself, and that it never contains a statement separator.
func FuzzValidateWhere(f *testing.F) {
	for _, s := range []string{
		"id > 100 AND status = 'paid'", "1=1; DROP TABLE x", "id > (SELECT 1)", "@@version",
		"sleep(1)", "id > 1 -- x", "name = 'ü;'", "created_at > now() - interval 1 day",
		"id in (1,2,3) or name like '%x%'", "cast(id as char) = '1'", "/*!50000 1=1*/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, where string) {
		out, err := ValidateWhere(filterTestCols, where)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.CodeBadFilter && e.Code != errs.CodeInternal {
				t.Fatalf("error is not a BadFilter: %v", err)
			}
			return
		}
		if out == "" {
			if strings.TrimSpace(where) != "" {
				t.Fatalf("non-blank %q rendered empty", where)
			}
			return
		}
		if filterHasSemicolonToken(t, out) {
			t.Fatalf("output %q contains a statement separator", out)
		}
		again, err := ValidateWhere(filterTestCols, out)
		if err != nil {
			t.Fatalf("output %q of %q does not re-validate: %v", out, where, err)
		}
		if again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", where, out, again)
		}
		if _, err := sqlparser.NewTestParser().ParseExpr(out); err != nil {
			t.Fatalf("output %q does not parse: %v", out, err)
		}
	})
}
