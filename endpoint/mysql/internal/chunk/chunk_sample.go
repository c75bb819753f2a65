package chunk

import (
	"bytes"
	"container/heap"
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/schema"
)

const (
	// chunkSampleMinRows: tables estimated below this many rows are walked (reading them
	// once is cheap, and the walk gives exact chunk sizes).
	chunkSampleMinRows = 50000
	// SampleMax caps the distinct keys sampled per table (and, doubled, the probe
	// queries), so a huge table costs a bounded number of index dives.
	SampleMax = 4096
	// chunkSampleGrain: gaps between samples are split until each is estimated to hold
	// at most rows/chunkSampleGrain rows, so bounds land within about that of their target.
	chunkSampleGrain = 2
)

// chunkGap is the key range (lo, hi] between two sampled keys, kept in a list in key order.
type chunkGap struct {
	lo, hi change.Key
	est    float64 // estimated rows in (lo, hi]
	next   *chunkGap
	noJump bool // no key in (lo, hi) shares hi's value in the first differing column
}

// chunkGapHeap orders open gaps by estimated rows, largest first.
type chunkGapHeap []*chunkGap

func (h chunkGapHeap) Len() int           { return len(h) }
func (h chunkGapHeap) Less(i, j int) bool { return h[i].est > h[j].est }
func (h chunkGapHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *chunkGapHeap) Push(x any)        { *h = append(*h, x.(*chunkGap)) }
func (h *chunkGapHeap) Pop() any {
	old := *h
	g := old[len(old)-1]
	*h = old[:len(old)-1]
	return g
}

// SampleConf tunes Sample: PlanChunks caps samples at SampleMax, tests vary it.
type SampleConf struct {
	MaxSamples int  // distinct keys sampled at most; probe queries at most twice as many
	NoExplain  bool // never ask the optimizer, as if it gave no usable estimates
}

// chunkSampler holds the per-table state of one sampled plan.
type chunkSampler struct {
	p      *Planner
	t      *schema.Table
	key    []string
	cols   []*schema.Column
	axes   []*chunkAxis // per key column; nil where values cannot be interpolated
	from   string       // " FROM t FORCE INDEX (…)"
	asc    string       // key columns in index order
	desc   string       // key columns, each DESC
	conf   SampleConf
	probes int // probe queries run
}

// splitKind tells how a gap was split.
type splitKind int

const (
	splitMid  splitKind = iota // at the first key at or above an interpolated probe
	splitJump                  // at the first key sharing hi's value in the differing column
	splitLast                  // at the last key below hi: (r, hi] holds hi alone
)

// Sample plans t's chunks from sampled keys; see PlanChunks for the method and the
// contract. It never evaluates a filter: bounds are existing keys of the whole table, and
// chunk sizes count the whole table's rows. ok is false when the first key column's type
// cannot be interpolated (the caller walks).
func (p *Planner) Sample(ctx context.Context, t *schema.Table, key []string, cols []*schema.Column, rows int, conf SampleConf) (plan []change.Chunk, ok bool, err error) {
	s := &chunkSampler{p: p, t: t, key: key, cols: cols, conf: conf, axes: make([]*chunkAxis, len(cols))}
	for i, c := range cols {
		s.axes[i] = chunkAxisOf(c)
	}
	if s.axes[0] == nil {
		return nil, false, nil
	}
	asc, desc := make([]string, len(key)), make([]string, len(key))
	for i, k := range key {
		asc[i] = sqlval.QuoteIdent(k)
		desc[i] = asc[i] + " DESC"
	}
	s.asc, s.desc = strings.Join(asc, ", "), strings.Join(desc, ", ")
	s.from = " FROM " + sqlval.QuoteTable(t.Schema, t.Name) + IndexHint(t, key)

	first, err := s.query(ctx, "1=?", []any{1}, false)
	if err != nil {
		return nil, false, err
	}
	last, err := s.query(ctx, "1=?", []any{1}, true)
	if err != nil {
		return nil, false, err
	}
	if first == nil || last == nil || chunkPrefixLen(first, last) == len(key) {
		return []change.Chunk{{Seq: 0}}, true, nil
	}
	head := &chunkGap{lo: first, hi: last}
	if head.est, err = s.estimate(ctx, first, last, float64(max(t.RowsEstimate, 2))); err != nil {
		return nil, false, err
	}
	open := &chunkGapHeap{}
	heap.Push(open, head)
	// Estimates are scaled (chunkScale) by what they add up to against the table's count.
	sum, scale := head.est, 1.0
	grain := max(float64(rows)/chunkSampleGrain, 1)
	for samples := 2; open.Len() > 0 && samples < conf.MaxSamples && s.probes < 2*conf.MaxSamples; {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		scale = chunkScale(t.RowsEstimate, sum)
		g := heap.Pop(open).(*chunkGap)
		if g.est*scale <= grain {
			break
		}
		r, kind, err := s.split(ctx, g)
		if err != nil {
			return nil, false, err
		}
		if r == nil { // no key strictly inside: the gap stays whole
			continue
		}
		samples++
		whole := g.est
		up := &chunkGap{lo: r, hi: g.hi, next: g.next, est: 1}
		g.hi, g.next, g.noJump = r, up, kind == splitJump
		if kind != splitLast {
			if up.est, err = s.estimate(ctx, r, up.hi, whole/2); err != nil {
				return nil, false, err
			}
			heap.Push(open, up)
		}
		rest := whole / 2 // without estimates: a bisection in value space
		if kind == splitLast {
			rest = max(whole-1, 1)
		}
		if g.est, err = s.estimate(ctx, g.lo, r, rest); err != nil {
			return nil, false, err
		}
		heap.Push(open, g)
		sum += g.est + up.est - whole
	}
	scale = chunkScale(t.RowsEstimate, sum)
	return chunkCut(head, float64(rows)/scale), true, nil
}

// chunkScale is the factor bringing estimates adding up to sum down to the table's
// estimated row count: InnoDB doubles its estimate of a range spanning more than ten
// pages by design. It stays within [1/2, 1], so a stale row count can at most double
// chunk sizes, and is 1 when the count is unknown.
func chunkScale(tableRows int64, sum float64) float64 {
	if tableRows <= 0 || sum <= float64(tableRows) {
		return 1
	}
	return max(0.5, float64(tableRows)/sum)
}

// chunkCut turns the gap list into a plan: a bound is placed at a gap's lower key when
// the rows gathered since the previous bound are nearer rows with it than without it.
func chunkCut(head *chunkGap, rows float64) []change.Chunk {
	var plan []change.Chunk
	var lower change.Key
	acc := 1.0 // the first key itself
	for g := head; g != nil; g = g.next {
		if g != head && acc+g.est/2 > rows {
			plan = append(plan, change.Chunk{Seq: len(plan), Lower: lower, Upper: g.lo})
			lower, acc = g.lo, 0
		}
		acc += g.est
	}
	return append(plan, change.Chunk{Seq: len(plan), Lower: lower})
}

// split finds a key strictly inside g: the first key at or above a probe interpolated in
// the first column where lo and hi differ; when there is no room to interpolate, the first
// key sharing hi's value in that column; after a miss (no key at or above the probe, or a
// probe the server refused to compare) or failing that, the last key below hi. r is nil
// when g holds no key besides hi.
func (s *chunkSampler) split(ctx context.Context, g *chunkGap) (r change.Key, kind splitKind, err error) {
	j := chunkPrefixLen(g.lo, g.hi)
	if j == len(s.key) {
		return nil, 0, nil
	}
	interpolated := false
	if ax := s.axes[j]; ax != nil {
		if p := ax.mid(g.lo[j], g.hi[j]); p != nil {
			interpolated = true
			cond, args := s.prefixCond(g.lo, j, ">=", p)
			r, err = s.inside(ctx, g, cond, args, false)
			var refused *gomysql.MySQLError
			if r != nil || (err != nil && !errors.As(err, &refused)) {
				return r, splitMid, err
			}
		}
	}
	if !interpolated && j < len(s.key)-1 && !g.noJump {
		cond, args := s.prefixCond(g.lo, j, "=", g.hi[j])
		if r, err = s.inside(ctx, g, cond, args, false); r != nil || err != nil {
			return r, splitJump, err
		}
	}
	r, err = s.inside(ctx, g, "", nil, true)
	return r, splitLast, err
}

// prefixCond renders "c0 = ? AND … AND cj op ?" with the first j values of k.
func (s *chunkSampler) prefixCond(k change.Key, j int, op string, v any) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, j+1)
	for i := 0; i < j; i++ {
		b.WriteString(sqlval.QuoteIdent(s.key[i]) + " = ? AND ")
		args = append(args, k[i])
	}
	b.WriteString(sqlval.QuoteIdent(s.key[j]) + " " + op + " ?")
	return b.String(), append(args, v)
}

// inside returns the first (or, desc, the last) key strictly between g.lo and g.hi that
// also matches cond, or nil. The bounds are part of the query, so whatever the probe's
// value, the result lies inside the gap in the server's own order.
func (s *chunkSampler) inside(ctx context.Context, g *chunkGap, cond string, args []any, desc bool) (change.Key, error) {
	lo, la := chunkTupleCmp(s.key, g.lo, ">", ">")
	hi, ha := chunkTupleCmp(s.key, g.hi, "<", "<")
	where := "(" + lo + ") AND (" + hi + ")"
	all := append(append([]any{}, la...), ha...)
	if cond != "" {
		where += " AND (" + cond + ")"
		all = append(all, args...)
	}
	return s.query(ctx, where, all, desc)
}

// query returns the first key (last with desc) in index order matching where, or nil.
func (s *chunkSampler) query(ctx context.Context, where string, args []any, desc bool) (change.Key, error) {
	order := s.asc
	if desc {
		order = s.desc
	}
	s.probes++
	vals := make([]any, len(s.key))
	ptrs := make([]any, len(s.key))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	q := "SELECT " + s.asc + s.from + " WHERE " + where + " ORDER BY " + order + " LIMIT 1"
	err := s.p.db.QueryRowContext(ctx, q, args...).Scan(ptrs...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, myerr.CopyRead(s.t.Schema, s.t.Name, "cannot sample chunk bounds", err)
	}
	k := make(change.Key, len(vals))
	for i, v := range vals {
		k[i] = NormalizeKey(s.cols[i], v)
	}
	return k, nil
}

// estimate returns the optimizer's estimate of the rows in (lo, hi], which InnoDB computes
// by diving to both ends of the range in the forced index without reading it (exact when
// the range spans a few pages, extrapolated — and capped at half the table — beyond). When
// the server gives no usable number (another engine or flavour), it returns fallback.
func (s *chunkSampler) estimate(ctx context.Context, lo, hi change.Key, fallback float64) (float64, error) {
	if s.conf.NoExplain {
		return fallback, nil
	}
	cond, args := KeyRangeWhere(s.key, change.Chunk{Lower: lo, Upper: hi})
	rows, err := s.p.db.QueryContext(ctx, "EXPLAIN SELECT 1"+s.from+" WHERE "+cond, args...)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return fallback, nil // estimates are optional; a real outage fails the next probe
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil || !rows.Next() {
		return fallback, rows.Err()
	}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return fallback, nil
	}
	for i, n := range names {
		if !strings.EqualFold(n, "rows") && !strings.EqualFold(n, "estRows") { // estRows: TiDB
			continue
		}
		var f float64
		switch v := vals[i].(type) {
		case int64:
			f = float64(v)
		case uint64:
			f = float64(v)
		case []byte:
			if f, err = strconv.ParseFloat(string(v), 64); err != nil {
				return fallback, nil
			}
		default:
			return fallback, nil
		}
		if f < 1 {
			f = 1 // (lo, hi] holds hi at least
		}
		return f, nil
	}
	return fallback, nil
}

// chunkPrefixLen is the number of leading values a and b share (byte-equal).
func chunkPrefixLen(a, b change.Key) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, xb := a[i].([]byte)
		y, yb := b[i].([]byte)
		switch {
		case xb && yb:
			if !bytes.Equal(x, y) {
				return i
			}
		case xb || yb || a[i] != b[i]:
			return i
		}
	}
	return n
}
