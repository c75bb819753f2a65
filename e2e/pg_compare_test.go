package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The test's own MySQL → PostgreSQL comparison, written independently of godwit's
// encoders and verifier: it reads both sides with plain drivers and brings each value to a
// text both agree on by rules stated here (from the documented mapping), then compares
// row by row.

// myCol is a MySQL column as information_schema describes it.
type myCol struct{ name, dataType, columnType string }

// pgExpectations adjusts what the PostgreSQL side must hold under the target's policies.
type pgExpectations struct {
	zeroDateNull bool // zero dates are expected as NULL
	stripNul     bool // NUL bytes are expected removed from character data
}

func myColumns(t *testing.T, db *sql.DB, schema, table string) []myCol {
	t.Helper()
	rows, err := db.Query(`SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, schema, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []myCol
	for rows.Next() {
		var c myCol
		if err := rows.Scan(&c.name, &c.dataType, &c.columnType); err != nil {
			t.Fatal(err)
		}
		c.dataType = strings.ToLower(c.dataType)
		c.columnType = strings.ToLower(c.columnType)
		out = append(out, c)
	}
	return out
}

// normClock renders "[-]H:MM:SS[.fff]" as sign, hours without leading zeros, and the
// fraction without trailing zeros.
func normClock(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	main, frac, _ := strings.Cut(s, ".")
	f := strings.Split(main, ":")
	if len(f) != 3 {
		return "?" + s
	}
	h, _ := strconv.Atoi(f[0])
	out := fmt.Sprintf("%d:%s:%s", h, f[1], f[2])
	if frac = strings.TrimRight(frac, "0"); frac != "" {
		out += "." + frac
	}
	if neg && out != "0:00:00" {
		out = "-" + out
	}
	return out
}

// normStamp drops a zero UTC offset and trailing fraction zeros.
func normStamp(s string) string {
	s = strings.TrimSuffix(s, "+00")
	if main, frac, ok := strings.Cut(s, "."); ok {
		frac = strings.TrimRight(frac, "0")
		if frac == "" {
			return main
		}
		return main + "." + frac
	}
	return s
}

// canonJSON re-renders a document with sorted keys and exact rational numbers.
func canonJSON(s string) string {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "invalid:" + s
	}
	var b bytes.Buffer
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b.WriteByte('{')
			for i, k := range keys {
				if i > 0 {
					b.WriteByte(',')
				}
				kb, _ := json.Marshal(k)
				b.Write(kb)
				b.WriteByte(':')
				walk(x[k])
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range x {
				if i > 0 {
					b.WriteByte(',')
				}
				walk(e)
			}
			b.WriteByte(']')
		case json.Number:
			r, ok := new(big.Rat).SetString(x.String())
			if !ok {
				b.WriteString("badnum:" + x.String())
			} else {
				b.WriteString(r.RatString())
			}
		default:
			jb, _ := json.Marshal(x)
			b.Write(jb)
		}
	}
	walk(v)
	return b.String()
}

func bitString(p []byte, n int) string {
	var sb strings.Builder
	for i := len(p)*8 - n; i < len(p)*8; i++ {
		if i < 0 {
			sb.WriteByte('0')
			continue
		}
		if p[i/8]&(0x80>>(i%8)) != 0 {
			sb.WriteByte('1')
		} else {
			sb.WriteByte('0')
		}
	}
	return sb.String()
}

func bitWidth(ct string) int {
	n := 1
	if i := strings.IndexByte(ct, '('); i >= 0 {
		n, _ = strconv.Atoi(strings.TrimSuffix(ct[i+1:], ")"))
	}
	return n
}

func isZeroDate(s string) bool {
	d, _, _ := strings.Cut(s, " ")
	p := strings.Split(d, "-")
	return len(p) == 3 && (p[1] == "00" || p[2] == "00")
}

// myCanon is the expected text of a MySQL value (nil for NULL) on the PostgreSQL side.
func myCanon(c myCol, v any, ex pgExpectations) *string {
	if v == nil {
		return nil
	}
	var s string
	switch x := v.(type) {
	case []byte:
		s = string(x)
	case float32:
		s = strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		if c.dataType == "float" {
			s = strconv.FormatFloat(float64(float32(x)), 'g', -1, 32)
		} else {
			s = strconv.FormatFloat(x, 'g', -1, 64)
		}
	default:
		s = fmt.Sprint(x)
	}
	switch c.dataType {
	case "date", "datetime", "timestamp":
		if isZeroDate(s) && ex.zeroDateNull {
			return nil
		}
		s = normStamp(s)
	case "time":
		s = normClock(s)
	case "bit":
		s = bitString(v.([]byte), bitWidth(c.columnType))
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		s = hex.EncodeToString(v.([]byte))
	case "json":
		s = canonJSON(s)
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set":
		if ex.stripNul {
			s = strings.ReplaceAll(s, "\x00", "")
		}
	}
	return &s
}

// pgSelect is the PostgreSQL expression read for a column: text for everything but floats
// (read as the binary float) and bytea (hex).
func pgSelect(c myCol) string {
	q := `"` + c.name + `"`
	switch c.dataType {
	case "float", "double":
		return q
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return "encode(" + q + ", 'hex')"
	}
	return q + "::text"
}

func pgCanon(c myCol, v any) *string {
	if v == nil {
		return nil
	}
	var s string
	switch x := v.(type) {
	case float32:
		s = strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		s = x
	default:
		s = fmt.Sprint(x)
	}
	switch c.dataType {
	case "date", "datetime", "timestamp":
		s = normStamp(s)
	case "time":
		s = normClock(s)
	case "json":
		s = canonJSON(s)
	}
	return &s
}

// compareMyPG compares every row and value of a MySQL table with its PostgreSQL copy and
// returns the differences (at most 20 described). key orders nothing: rows are matched by
// their key text (by the whole row for a table without key, as a multiset).
func compareMyPG(t *testing.T, my *sql.DB, myDB string, pg *pgx.Conn, pgSchema, table string, key []string, ex pgExpectations,
	adjust func(col string, src map[string]*string) *string) []string {
	t.Helper()
	ctx := context.Background()
	cols := myColumns(t, my, myDB, table)
	names := make([]string, len(cols))
	pgExprs := make([]string, len(cols))
	for i, c := range cols {
		names[i] = "`" + c.name + "`"
		pgExprs[i] = pgSelect(c)
	}
	keyOf := func(row []*string) string {
		var parts []string
		idx := map[string]int{}
		for i, c := range cols {
			idx[c.name] = i
		}
		if len(key) == 0 {
			for _, v := range row {
				parts = append(parts, strp(v))
			}
		}
		for _, k := range key {
			parts = append(parts, strp(row[idx[k]]))
		}
		return strings.Join(parts, "|")
	}
	srcRows := map[string][][]*string{}
	rows, err := my.Query("SELECT "+strings.Join(names, ", ")+" FROM `"+myDB+"`.`"+table+"` WHERE 1 = ?", 1)
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	nsrc := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := make([]*string, len(cols))
		for i, c := range cols {
			r[i] = myCanon(c, vals[i], ex)
		}
		if adjust != nil {
			m := map[string]*string{}
			for i, c := range cols {
				m[c.name] = r[i]
			}
			for i, c := range cols {
				r[i] = adjust(c.name, m)
			}
		}
		k := keyOf(r)
		srcRows[k] = append(srcRows[k], r)
		nsrc++
	}
	rows.Close()
	prow, err := pg.Query(ctx, "SELECT "+strings.Join(pgExprs, ", ")+` FROM "`+pgSchema+`"."`+table+`"`)
	if err != nil {
		t.Fatal(err)
	}
	defer prow.Close()
	var diffs []string
	ndst := 0
	for prow.Next() {
		pv, err := prow.Values()
		if err != nil {
			t.Fatal(err)
		}
		r := make([]*string, len(cols))
		for i, c := range cols {
			r[i] = pgCanon(c, pv[i])
		}
		ndst++
		k := keyOf(r)
		cands := srcRows[k]
		if len(cands) == 0 {
			diffs = append(diffs, fmt.Sprintf("%s: row %s only in PostgreSQL", table, clipS(k)))
			continue
		}
		s := cands[0]
		srcRows[k] = cands[1:]
		for i, c := range cols {
			if strp(s[i]) != strp(r[i]) {
				diffs = append(diffs, fmt.Sprintf("%s key %s column %s (%s): MySQL %s, PostgreSQL %s", table, clipS(k), c.name, c.columnType, clipS(strp(s[i])), clipS(strp(r[i]))))
			}
		}
	}
	if err := prow.Err(); err != nil {
		t.Fatal(err)
	}
	for k, rs := range srcRows {
		for range rs {
			diffs = append(diffs, fmt.Sprintf("%s: row %s only in MySQL", table, clipS(k)))
		}
	}
	if nsrc == 0 {
		diffs = append(diffs, table+": the source table is empty, nothing was compared")
	}
	sort.Strings(diffs)
	return diffs
}

func strp(s *string) string {
	if s == nil {
		return "NULL"
	}
	return "'" + *s + "'"
}

func clipS(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
