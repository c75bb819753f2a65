package testenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"
)

// CompareSpec says which two tables to compare and how.
type CompareSpec struct {
	Src, Dst           *sql.DB
	SrcTable, DstTable string // "table" or "schema.table"; quoted by the dialect of each side
	// Key names the source columns that identify a row (mapped through Columns on the
	// target). It must be unique on both sides; nil means every compared column, which
	// compares the tables as multisets (tables without a key).
	Key []string
	// Columns pairs source and target column names; nil means every source column under
	// the same name on the target.
	Columns [][2]string
	// MaxSamples is how many rows of each diff kind are kept in Diff.Samples; 0 means 10.
	MaxSamples int
}

// DiffKind classifies a row in a Diff.
type DiffKind string

const (
	OnlyInSource DiffKind = "only_in_source"
	OnlyInTarget DiffKind = "only_in_target"
	Different    DiffKind = "different"
)

// ColumnDiff is one column whose values differ, rendered for humans.
type ColumnDiff struct {
	Src, Dst           string // column names
	SrcValue, DstValue string // rendered; long byte strings start shortly before ByteOffset
	ByteOffset         int    // first differing byte when both are byte strings, else -1
}

// RowDiff is one sample row of a Diff.
type RowDiff struct {
	Kind    DiffKind
	Key     []string     // rendered key values
	Columns []ColumnDiff // for Different: the columns that differ
}

// Diff is the result of comparing two tables.
type Diff struct {
	SrcRows, DstRows int64
	Equal            int64 // rows present on both sides with identical values
	OnlyInSrc        int64
	OnlyInDst        int64
	Different        int64
	Samples          []RowDiff // at most MaxSamples of each kind
}

// Same reports whether the tables hold exactly the same rows.
func (d Diff) Same() bool {
	return d.OnlyInSrc == 0 && d.OnlyInDst == 0 && d.Different == 0 && d.SrcRows == d.DstRows
}

// String summarises d with its samples, for test failure messages.
func (d Diff) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "source rows %d, target rows %d, equal %d, only in source %d, only in target %d, different %d",
		d.SrcRows, d.DstRows, d.Equal, d.OnlyInSrc, d.OnlyInDst, d.Different)
	for _, s := range d.Samples {
		fmt.Fprintf(&b, "\n  %s key (%s)", s.Kind, strings.Join(s.Key, ", "))
		for _, c := range s.Columns {
			fmt.Fprintf(&b, "\n    %s=%s | %s=%s", c.Src, c.SrcValue, c.Dst, c.DstValue)
			if c.ByteOffset >= 0 {
				fmt.Fprintf(&b, " (first difference at byte %d)", c.ByteOffset)
			}
		}
	}
	return b.String()
}

// CompareTables reads every row of both tables and compares the values exactly: bytes by
// bytes, integers by value, FLOAT/DOUBLE by their bits (-0 differs from 0), NULL differs
// from ”. Rows are read ordered by key through the binary protocol (the query always
// carries an argument, so go-sql-driver prepares it and floats arrive with exact bits).
// Rows are matched by key value, so the two servers' orderings (collations) need not
// agree; memory grows only with rows that are missing or ordered differently.
func CompareTables(ctx context.Context, src *sql.DB, srcTable string, dst *sql.DB, dstTable string,
	key []string, columns [][2]string) (Diff, error) {
	return Compare(ctx, CompareSpec{Src: src, SrcTable: srcTable, Dst: dst, DstTable: dstTable, Key: key, Columns: columns})
}

// Compare is CompareTables with every option.
func Compare(ctx context.Context, spec CompareSpec) (Diff, error) {
	var d Diff
	max := spec.MaxSamples
	if max <= 0 {
		max = 10
	}
	cols := spec.Columns
	if cols == nil {
		names, err := columnNames(ctx, spec.Src, spec.SrcTable)
		if err != nil {
			return d, err
		}
		for _, n := range names {
			cols = append(cols, [2]string{n, n})
		}
	}
	if len(cols) == 0 {
		return d, errors.New("testenv: compare: no columns")
	}
	// Select list: the compared columns, then key columns not among them.
	srcCols, dstCols := make([]string, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		srcCols[i], dstCols[i] = c[0], c[1]
	}
	var keyIdx []int
	if spec.Key == nil {
		for i := range cols {
			keyIdx = append(keyIdx, i)
		}
	}
	for _, k := range spec.Key {
		idx := -1
		for i, c := range cols {
			if c[0] == k {
				idx = i
				break
			}
		}
		if idx < 0 {
			srcCols, dstCols = append(srcCols, k), append(dstCols, k)
			idx = len(srcCols) - 1
		}
		keyIdx = append(keyIdx, idx)
	}
	sr, err := openRows(ctx, spec.Src, spec.SrcTable, srcCols, keyIdx)
	if err != nil {
		return d, err
	}
	defer sr.close()
	dr, err := openRows(ctx, spec.Dst, spec.DstTable, dstCols, keyIdx)
	if err != nil {
		return d, err
	}
	defer dr.close()

	pendSrc, pendDst := map[string][]row{}, map[string][]row{}
	var diffs []RowDiff
	match := func(s, t row) {
		var cds []ColumnDiff
		for i := range cols {
			if !s.vals[i].equal(t.vals[i]) {
				at := firstDiff(s.vals[i], t.vals[i])
				cds = append(cds, ColumnDiff{Src: cols[i][0], Dst: cols[i][1], ByteOffset: at,
					SrcValue: s.vals[i].render(at), DstValue: t.vals[i].render(at)})
			}
		}
		if cds == nil {
			d.Equal++
			return
		}
		d.Different++
		if len(diffs) < max {
			diffs = append(diffs, RowDiff{Kind: Different, Key: renderKey(s, keyIdx), Columns: cds})
		}
	}
	// take pairs r with a pending row of the other side under the same key, or parks it.
	take := func(r row, mine, other map[string][]row, fromSrc bool) {
		if l := other[r.key]; len(l) > 0 {
			o := l[0]
			if len(l) == 1 {
				delete(other, r.key)
			} else {
				other[r.key] = l[1:]
			}
			if fromSrc {
				match(r, o)
			} else {
				match(o, r)
			}
			return
		}
		mine[r.key] = append(mine[r.key], r)
	}
	s, sok, err := sr.next()
	if err != nil {
		return d, err
	}
	t, tok, err := dr.next()
	if err != nil {
		return d, err
	}
	for sok || tok {
		if sok && tok && s.key == t.key && len(pendSrc[s.key]) == 0 && len(pendDst[t.key]) == 0 {
			match(s, t)
			d.SrcRows++
			d.DstRows++
			if s, sok, err = sr.next(); err != nil {
				return d, err
			}
			if t, tok, err = dr.next(); err != nil {
				return d, err
			}
			continue
		}
		if sok && (!tok || compareKeys(s, t, keyIdx) <= 0) {
			take(s, pendSrc, pendDst, true)
			d.SrcRows++
			if s, sok, err = sr.next(); err != nil {
				return d, err
			}
		} else {
			take(t, pendDst, pendSrc, false)
			d.DstRows++
			if t, tok, err = dr.next(); err != nil {
				return d, err
			}
		}
	}
	d.Samples = diffs
	d.OnlyInSrc, d.Samples = leftovers(pendSrc, OnlyInSource, keyIdx, max, d.Samples)
	d.OnlyInDst, d.Samples = leftovers(pendDst, OnlyInTarget, keyIdx, max, d.Samples)
	return d, nil
}

func leftovers(pend map[string][]row, kind DiffKind, keyIdx []int, max int, samples []RowDiff) (int64, []RowDiff) {
	var n int64
	keys := make([]string, 0, len(pend))
	for k, l := range pend {
		n += int64(len(l))
		keys = append(keys, k)
	}
	sort.Strings(keys)
	taken := 0
	for _, k := range keys {
		for _, r := range pend[k] {
			if taken == max {
				return n, samples
			}
			samples = append(samples, RowDiff{Kind: kind, Key: renderKey(r, keyIdx)})
			taken++
		}
	}
	return n, samples
}

func renderKey(r row, keyIdx []int) []string {
	out := make([]string, len(keyIdx))
	for i, k := range keyIdx {
		out[i] = r.vals[k].String()
	}
	return out
}

func compareKeys(a, b row, keyIdx []int) int {
	for _, k := range keyIdx {
		if c := a.vals[k].compare(b.vals[k]); c != 0 {
			return c
		}
	}
	return 0
}

// dialect is how one side quotes names and numbers placeholders.
type dialect struct {
	mysql bool
}

func dialectOf(db *sql.DB) dialect {
	_, ok := db.Driver().(*gomysql.MySQLDriver)
	return dialect{mysql: ok}
}

func (d dialect) ident(s string) string {
	if d.mysql {
		return quoteMySQLIdent(s)
	}
	return quotePGIdent(s)
}

func (d dialect) table(s string) string {
	parts := strings.SplitN(s, ".", 2)
	for i, p := range parts {
		parts[i] = d.ident(p)
	}
	return strings.Join(parts, ".")
}

func (d dialect) placeholder() string {
	if d.mysql {
		return "?"
	}
	return "$1"
}

func columnNames(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	d := dialectOf(db)
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+d.table(table)+" WHERE 1=0 AND 1="+d.placeholder(), 1)
	if err != nil {
		return nil, fmt.Errorf("testenv: compare: columns of %s: %w", table, err)
	}
	defer rows.Close()
	return rows.Columns()
}

type row struct {
	vals []cval
	key  string
}

type rowReader struct {
	rows   *sql.Rows
	keyIdx []int
	isInt  []bool // integer columns: go-sql-driver returns BIGINT UNSIGNED above 2^63-1 as text
	dest   []any
	table  string
}

func openRows(ctx context.Context, db *sql.DB, table string, cols []string, keyIdx []int) (*rowReader, error) {
	d := dialectOf(db)
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = d.ident(c)
	}
	order := make([]string, len(keyIdx))
	for i, k := range keyIdx {
		order[i] = q[k]
	}
	query := "SELECT " + strings.Join(q, ", ") + " FROM " + d.table(table) +
		" WHERE 1=" + d.placeholder() + " ORDER BY " + strings.Join(order, ", ")
	rows, err := db.QueryContext(ctx, query, 1)
	if err != nil {
		return nil, fmt.Errorf("testenv: compare: read %s: %w", table, err)
	}
	r := &rowReader{rows: rows, keyIdx: keyIdx, dest: make([]any, len(cols)), table: table, isInt: make([]bool, len(cols))}
	cts, err := rows.ColumnTypes()
	if err != nil {
		rows.Close()
		return nil, err
	}
	for i, ct := range cts {
		r.isInt[i] = strings.Contains(strings.ToUpper(ct.DatabaseTypeName()), "INT")
	}
	for i := range r.dest {
		r.dest[i] = new(any)
	}
	return r, nil
}

func (r *rowReader) next() (row, bool, error) {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return row{}, false, fmt.Errorf("testenv: compare: read %s: %w", r.table, err)
		}
		return row{}, false, nil
	}
	if err := r.rows.Scan(r.dest...); err != nil {
		return row{}, false, fmt.Errorf("testenv: compare: scan %s: %w", r.table, err)
	}
	out := row{vals: make([]cval, len(r.dest))}
	for i, p := range r.dest {
		v, err := canon(*(p.(*any)), r.isInt[i])
		if err != nil {
			return row{}, false, fmt.Errorf("testenv: compare: %s column %d: %w", r.table, i+1, err)
		}
		out.vals[i] = v
	}
	var kb strings.Builder
	for _, k := range r.keyIdx {
		out.vals[k].appendKey(&kb)
	}
	out.key = kb.String()
	return out, true, nil
}

func (r *rowReader) close() { r.rows.Close() }
