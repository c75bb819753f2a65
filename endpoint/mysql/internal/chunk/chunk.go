package chunk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// Planner plans chunks over one server's tables. Safe for concurrent use; it holds nothing
// but the pool.
type Planner struct {
	db *sql.DB
}

// New returns a Planner reading through db.
func New(db *sql.DB) *Planner { return &Planner{db: db} }

// chunkDefaultRows is the chunk size used when the caller passes rows <= 0.
const chunkDefaultRows = 10000

// chunkDenseFactor: a single integer key is split arithmetically when its span
// (MAX-MIN+1) is at most chunkDenseFactor times the table's estimated row count.
const chunkDenseFactor = 4

// PlanChunks splits t into half-open key ranges (Lower, Upper] of about rows rows each.
// The first chunk has a nil Lower and the last a nil Upper, every other bound is a full key
// tuple in the Go types ReadChunk produces, and bounds strictly increase in the server's
// order, so the chunks hold every row matching where ("" for all) exactly once, rows
// inserted after planning included. Chunk sizes are targets, not limits.
//
//   - A key containing ENUM, SET or BIT columns (whose SQL comparison order differs from
//     their index order), a table without a key and an empty table get one chunk with
//     nil bounds.
//   - A dense single integer key (MAX-MIN+1 at most 4 × t.RowsEstimate) is split
//     arithmetically from MIN/MAX.
//   - Any other key of a table estimated at chunkSampleMinRows rows or more, wanting at
//     least two chunks, is split at sampled keys without reading the table: probes
//     interpolated between known keys (integers, floats, decimals and temporal values
//     numerically; strings by code point, case-folded under case-insensitive collations;
//     binary strings and UUIDs by byte) are turned into existing keys by one index dive
//     each, and the optimizer's range estimates (EXPLAIN rows, index dives in InnoDB)
//     choose which gap to sample next and where bounds go. At most SampleMax keys are
//     sampled (twice as many probe queries, each reading one row), so huge tables get
//     fewer, larger chunks. Chunks are uneven (typically within ±30 % of rows), never
//     overlapping or leaking. Without usable estimates (engines or flavours whose EXPLAIN
//     has no rows column) gaps are bisected in value space, so sizes follow the key
//     distribution. The filter is not evaluated while sampling, so its selectivity does
//     not change the cost.
//   - Anything else (small tables, an unknown estimate, a first key column of a type
//     that cannot be interpolated) is split by walking the key index, every rows-th
//     matching key becoming a bound: exact sizes, at the cost of reading the whole index
//     (on InnoDB's clustered primary key, the whole table).
//
// With a filter, arithmetic and sampled chunks count unfiltered rows, so they may hold
// fewer matching rows than asked.
func (p *Planner) PlanChunks(ctx context.Context, t *schema.Table, key []string, where string, rows int) ([]change.Chunk, error) {
	whole := []change.Chunk{{Seq: 0}}
	if len(key) == 0 {
		return whole, nil
	}
	if rows <= 0 {
		rows = chunkDefaultRows
	}
	cols := make([]*schema.Column, len(key))
	for i, k := range key {
		c := t.Column(k)
		if c == nil {
			return nil, errs.New(errs.KindInvalid, errs.CodeCopyRead,
				fmt.Sprintf("key column %s not found in table %s.%s", k, t.Schema, t.Name),
				"Refresh the table definition; the source schema may have changed.")
		}
		if !chunkComparable(c) {
			return whole, nil
		}
		cols[i] = c
	}
	if len(key) == 1 && chunkIsInteger(cols[0]) && t.RowsEstimate > 0 {
		plan, ok, err := p.arithmetic(ctx, t, key[0], where, rows)
		if err != nil || ok {
			return plan, err
		}
	}
	if t.RowsEstimate >= chunkSampleMinRows && t.RowsEstimate > int64(rows) {
		plan, ok, err := p.Sample(ctx, t, key, cols, rows, SampleConf{MaxSamples: SampleMax})
		if err != nil || ok {
			return plan, err
		}
	}
	return p.Walk(ctx, t, key, cols, where, rows)
}

// chunkComparable reports whether SQL comparisons on c follow the order of its index.
func chunkComparable(c *schema.Column) bool {
	switch strings.ToLower(c.DataType) {
	case "enum", "set", "bit", "json", "geometry", "point", "linestring", "polygon",
		"multipoint", "multilinestring", "multipolygon", "geometrycollection":
		return false
	}
	return true
}

func chunkIsInteger(c *schema.Column) bool {
	switch strings.ToLower(c.DataType) {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		return true
	}
	return false
}

// chunkArithmetic splits a dense integer key by value. ok is false when the key is too
// sparse (or out of int64 range) and the caller should walk instead.
func (p *Planner) arithmetic(ctx context.Context, t *schema.Table, key, where string, rows int) (plan []change.Chunk, ok bool, err error) {
	q := "SELECT MIN(" + sqlval.QuoteIdent(key) + "), MAX(" + sqlval.QuoteIdent(key) + ") FROM " +
		sqlval.QuoteTable(t.Schema, t.Name) + IndexHint(t, []string{key}) + " WHERE 1=?"
	if where != "" {
		q += " AND (" + where + ")"
	}
	var lo, hi any
	if err := p.db.QueryRowContext(ctx, q, 1).Scan(&lo, &hi); err != nil {
		return nil, false, myerr.CopyRead(t.Schema, t.Name, "cannot read the key range", err)
	}
	if lo == nil || hi == nil {
		return []change.Chunk{{Seq: 0}}, true, nil
	}
	kmin, ok1 := lo.(int64)
	kmax, ok2 := hi.(int64)
	if !ok1 || !ok2 { // unsigned above MaxInt64: walk
		return nil, false, nil
	}
	span := uint64(kmax) - uint64(kmin) // exact even across the sign boundary
	est := uint64(t.RowsEstimate)
	if span >= math.MaxUint64/2 || span/chunkDenseFactor >= est {
		return nil, false, nil
	}
	// Key units per chunk so that each holds about rows rows at the observed density
	// (float: rows*(span+1) can overflow uint64; the step is an estimate anyway).
	step := uint64(math.Ceil(float64(rows) * float64(span+1) / float64(est)))
	if step == 0 {
		step = 1
	}
	var lower change.Key
	for seq := 0; ; seq++ {
		var upperVal uint64
		if lower == nil {
			upperVal = uint64(kmin) + step - 1
		} else {
			upperVal = uint64(lower[0].(int64)) + step
		}
		if upperVal-uint64(kmin) >= span { // this chunk reaches MAX: it is the last one
			plan = append(plan, change.Chunk{Seq: seq, Lower: lower})
			return plan, true, nil
		}
		upper := change.Key{int64(upperVal)}
		plan = append(plan, change.Chunk{Seq: seq, Lower: lower, Upper: upper})
		lower = upper
	}
}

// Walk walks the key index, taking every rows-th key as a chunk's upper bound.
func (p *Planner) Walk(ctx context.Context, t *schema.Table, key []string, cols []*schema.Column, where string, rows int) ([]change.Chunk, error) {
	sel := make([]string, len(key))
	for i, k := range key {
		sel[i] = sqlval.QuoteIdent(k)
	}
	order := strings.Join(sel, ", ")
	head := "SELECT " + order + " FROM " + sqlval.QuoteTable(t.Schema, t.Name) + IndexHint(t, key) + " WHERE "
	tail := ""
	if where != "" {
		tail = " AND (" + where + ")"
	}
	tail += fmt.Sprintf(" ORDER BY %s LIMIT 1 OFFSET %d", order, rows-1)

	var plan []change.Chunk
	var lower change.Key
	for seq := 0; ; seq++ {
		cond, args := "1=?", []any{1}
		if lower != nil {
			cond, args = KeyRangeWhere(key, change.Chunk{Lower: lower})
		}
		vals := make([]any, len(key))
		ptrs := make([]any, len(key))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		err := p.db.QueryRowContext(ctx, head+cond+tail, args...).Scan(ptrs...)
		if errors.Is(err, sql.ErrNoRows) {
			return append(plan, change.Chunk{Seq: seq, Lower: lower}), nil
		}
		if err != nil {
			return nil, myerr.CopyRead(t.Schema, t.Name, "cannot plan chunks", err)
		}
		upper := make(change.Key, len(key))
		for i, v := range vals {
			upper[i] = NormalizeKey(cols[i], v)
		}
		plan = append(plan, change.Chunk{Seq: seq, Lower: lower, Upper: upper})
		lower = upper
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// NormalizeKey maps a scanned key value to the change conventions: BIGINT UNSIGNED
// values above MaxInt64 arrive as decimal text from the binary protocol and become uint64.
func NormalizeKey(c *schema.Column, v any) any {
	if b, ok := v.([]byte); ok && c.Unsigned && strings.EqualFold(c.DataType, "bigint") {
		if u, err := strconv.ParseUint(string(b), 10, 64); err == nil {
			return u
		}
	}
	return v
}

// IndexHint returns " FORCE INDEX (…)" naming the primary key or the unique index
// whose columns are exactly key, or "" when none matches.
func IndexHint(t *schema.Table, key []string) string {
	if t == nil || len(key) == 0 {
		return ""
	}
	if chunkSameCols(t.PrimaryKey, key) {
		return " FORCE INDEX (PRIMARY)"
	}
	for _, ix := range t.Indexes {
		if !ix.Unique || len(ix.Parts) != len(key) {
			continue
		}
		cols := make([]string, len(ix.Parts))
		prefix := false
		for i, p := range ix.Parts {
			cols[i] = p.Column
			prefix = prefix || p.Length > 0
		}
		if !prefix && chunkSameCols(cols, key) {
			return " FORCE INDEX (" + sqlval.QuoteIdent(ix.Name) + ")"
		}
	}
	return ""
}

func chunkSameCols(a, b []string) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

// KeyRangeWhere renders the condition selecting chunk c's rows by the key columns key:
// "(lower) AND (upper)" where lower is key > c.Lower and upper is key <= c.Upper, tuples
// expanded lexicographically ("a > ? OR (a = ? AND b > ?)", which MariaDB turns into index
// ranges better than row constructors). A nil bound is omitted; with both nil the result
// is "1=1" with no arguments. Bounds must hold len(key) values in change conventions; the
// server compares them with the columns' own types and collations.
func KeyRangeWhere(key []string, c change.Chunk) (string, []any) {
	var parts []string
	var args []any
	if c.Lower != nil {
		s, a := chunkTupleCmp(key, c.Lower, ">", ">")
		parts, args = append(parts, "("+s+")"), append(args, a...)
	}
	if c.Upper != nil {
		s, a := chunkTupleCmp(key, c.Upper, "<", "<=")
		parts, args = append(parts, "("+s+")"), append(args, a...)
	}
	if len(parts) == 0 {
		return "1=1", nil
	}
	return strings.Join(parts, " AND "), args
}

// chunkTupleCmp expands (key) op (vals) as an OR of prefix-equal terms; the last column
// uses lastOp (strict or not), the others op.
func chunkTupleCmp(key []string, vals change.Key, op, lastOp string) (string, []any) {
	n := min(len(key), len(vals))
	terms := make([]string, 0, n)
	var args []any
	for i := 0; i < n; i++ {
		var b strings.Builder
		for j := 0; j < i; j++ {
			b.WriteString(sqlval.QuoteIdent(key[j]))
			b.WriteString(" = ? AND ")
			args = append(args, vals[j])
		}
		o := op
		if i == n-1 {
			o = lastOp
		}
		b.WriteString(sqlval.QuoteIdent(key[i]) + " " + o + " ?")
		args = append(args, vals[i])
		if i > 0 {
			terms = append(terms, "("+b.String()+")")
		} else {
			terms = append(terms, b.String())
		}
	}
	return strings.Join(terms, " OR "), args
}
