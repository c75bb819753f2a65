package verify

import (
	"context"
	"fmt"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

// rangeSum is one side's count and hash of a range.
type rangeSum struct {
	rows int64
	sum  string
}

// comparer compares ranges of one prepared table between two sides (possibly snapshots).
type comparer struct {
	v    *Verifier
	p    *prepared
	s, d side
	algo string // pushed-down algorithm; "" = hash in Go
}

// hash computes one side's count and hash of c.
func (c *comparer) hash(ctx context.Context, sd side, ch change.Chunk) (rangeSum, error) {
	if c.algo != "" {
		h := sd.ep.(Hasher)
		n, s, err := h.HashChunk(ctx, endpoint.ChecksumRequest{Table: sd.ht, Columns: sd.cols, Key: sd.key,
			Where: sd.where, Chunk: ch}, c.algo)
		if err == nil {
			err = c.v.throttle(ctx, n)
		}
		return rangeSum{n, s}, err
	}
	rr, ok := sd.ep.(RangeReader)
	if !ok {
		return rangeSum{}, cannot(sd, "read row ranges")
	}
	var n int64
	var sum uint64
	var enc []byte
	err := rr.ReadRange(ctx, sd.readReq(ch), func(r change.Row) error {
		enc = enc[:0]
		for i, v := range r {
			enc = c.p.codecs[i].appendValue(enc, v)
		}
		sum += rowHash(enc)
		n++
		if n%1000 == 0 {
			return c.v.throttle(ctx, 1000)
		}
		return nil
	})
	return rangeSum{n, fmt.Sprintf("%d:%x", n, sum)}, err
}

func cannot(sd side, what string) error {
	who := "target"
	if sd.source {
		who = "source"
	}
	return errs.New(errs.KindUnsupported, errs.CodeVerifyFailed, fmt.Sprintf("the %s endpoint cannot %s", who, what),
		"Verification needs endpoints that can read row ranges.")
}

// both hashes c on both sides concurrently.
func (c *comparer) both(ctx context.Context, ch change.Chunk) (rangeSum, rangeSum, error) {
	var a, b rangeSum
	var errA, errB error
	done := make(chan struct{})
	go func() {
		defer close(done)
		b, errB = c.hash(ctx, c.d, ch)
	}()
	a, errA = c.hash(ctx, c.s, ch)
	<-done
	if errA != nil {
		return a, b, errA
	}
	return a, b, errB
}

// outcome is what comparing one chunk found.
type outcome struct {
	srcRows, dstRows int64
	onlySrc, onlyDst int64
	different        int64
	mismatch         bool
	pending          []rowDiff // found, not yet rendered (recheck first)
}

// compareChunk compares one planned chunk and locates its differing rows.
func (c *comparer) compareChunk(ctx context.Context, ch change.Chunk) (*outcome, error) {
	a, b, err := c.both(ctx, ch)
	if err != nil {
		return nil, err
	}
	o := &outcome{srcRows: a.rows, dstRows: b.rows}
	if a.sum == b.sum {
		return o, nil
	}
	if len(c.p.key) == 0 {
		o.mismatch = true
		return o, nil // located by nothing: the table result says MISMATCH_LIMIT_NO_PK
	}
	o.mismatch = true
	if err := c.locate(ctx, ch, a.rows, b.rows, o, 0); err != nil {
		return nil, err
	}
	return o, nil
}

// maxDepth stops runaway recursion when a split makes no progress.
const maxDepth = 12

// locate narrows a mismatching range down to leaves and diffs their rows into o.
func (c *comparer) locate(ctx context.Context, ch change.Chunk, ns, nd int64, o *outcome, depth int) error {
	big := max(ns, nd)
	leaf := int64(c.v.opt.LeafRows)
	if big <= leaf || depth >= maxDepth {
		return c.leaf(ctx, ch, o)
	}
	sd := c.s
	if nd > ns {
		sd = c.d
	}
	sp, ok := sd.ep.(Splitter)
	if !ok {
		return c.leaf(ctx, ch, o)
	}
	every := int((big + int64(c.v.opt.Fanout) - 1) / int64(c.v.opt.Fanout))
	every = max(every, int(leaf/2), 1)
	cuts, err := sp.SplitRange(ctx, sd.readReq(ch), every)
	if err != nil {
		return err
	}
	if len(cuts) == 0 {
		return c.leaf(ctx, ch, o)
	}
	lower := ch.Lower
	for i := 0; i <= len(cuts); i++ {
		sub := change.Chunk{Seq: ch.Seq, Lower: lower}
		if i < len(cuts) {
			sub.Upper = cuts[i]
			lower = cuts[i]
		} else {
			sub.Upper = ch.Upper
		}
		a, b, err := c.both(ctx, sub)
		if err != nil {
			return err
		}
		if a.sum != b.sum {
			if err := c.locate(ctx, sub, a.rows, b.rows, o, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// rowDiff is one located difference before rendering.
type rowDiff struct {
	kind     string
	key      change.Key
	src, dst change.Row // nil when absent
	cols     []string   // differing source columns (DIFFERENT)
}

// leaf reads a small range on both sides and matches rows by key.
func (c *comparer) leaf(ctx context.Context, ch change.Chunk, o *outcome) error {
	srcRows := map[string]change.Row{}
	var order []string
	rs, ok1 := c.s.ep.(RangeReader)
	rd, ok2 := c.d.ep.(RangeReader)
	if !ok1 || !ok2 {
		return cannot(c.s, "read row ranges")
	}
	if err := rs.ReadRange(ctx, c.s.readReq(ch), func(r change.Row) error {
		k := c.p.encodeKey(r)
		srcRows[k] = r
		order = append(order, k)
		return nil
	}); err != nil {
		return err
	}
	seen := map[string]bool{}
	err := rd.ReadRange(ctx, c.d.readReq(ch), func(r change.Row) error {
		k := c.p.encodeKey(r)
		seen[k] = true
		s, ok := srcRows[k]
		if !ok {
			c.add(o, rowDiff{kind: meta.DiffOnlyInTarget, key: c.p.keyOf(r), dst: r})
			return nil
		}
		if cols := c.p.diffColumns(s, r); len(cols) > 0 {
			c.add(o, rowDiff{kind: meta.DiffDifferent, key: c.p.keyOf(s), src: s, dst: r, cols: cols})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range order {
		if !seen[k] {
			s := srcRows[k]
			c.add(o, rowDiff{kind: meta.DiffOnlyInSource, key: c.p.keyOf(s), src: s})
		}
	}
	return nil
}

// add counts d and keeps it for rendering while under the stored-diff limit.
func (c *comparer) add(o *outcome, d rowDiff) {
	switch d.kind {
	case meta.DiffOnlyInSource:
		o.onlySrc++
	case meta.DiffOnlyInTarget:
		o.onlyDst++
	default:
		o.different++
	}
	if len(o.pending) < c.v.opt.MaxStoredDiffs {
		o.pending = append(o.pending, d)
	}
}

// diffColumns lists the source columns whose canonical values differ.
func (p *prepared) diffColumns(s, d change.Row) []string {
	var out []string
	var a, b []byte
	for i := range p.cols {
		a = p.codecs[i].appendValue(a[:0], s[i])
		b = p.codecs[i].appendValue(b[:0], d[i])
		if string(a) != string(b) {
			out = append(out, p.cols[i])
		}
	}
	return out
}

// recheckChunk re-hashes a mismatching chunk whose rows could not be located (no key, or
// the rows had converged by the time they were read) on the live endpoints after the sync
// delay, up to the recheck rounds: under live sync only a lasting difference counts.
func (c *comparer) recheckChunk(ctx context.Context, rc *Rechecker, ch change.Chunk, o *outcome) error {
	rounds := rc.Rounds
	if rounds <= 0 {
		rounds = 3
	}
	live := &comparer{v: c.v, p: c.p, algo: c.algo}
	live.s, live.d = c.p.sides(c.v.src, c.v.dst)
	for range rounds {
		if err := rc.wait(ctx); err != nil {
			return err
		}
		a, b, err := live.both(ctx, ch)
		if err != nil {
			return err
		}
		o.srcRows, o.dstRows = a.rows, b.rows
		if a.sum == b.sum {
			o.mismatch = false
			return nil
		}
	}
	return nil
}

// relocate handles a mismatching chunk in which no differing row was located (the rows had
// converged between the chunk hash and the row reads, or the table has no key) under live
// sync: keyed chunks are located again on the live endpoints and whatever differs goes
// through the key re-check; keyless chunks are re-hashed after the delay.
func (c *comparer) relocate(ctx context.Context, rc *Rechecker, ch change.Chunk, o *outcome) error {
	if len(c.p.key) == 0 {
		return c.recheckChunk(ctx, rc, ch, o)
	}
	live := &comparer{v: c.v, p: c.p, algo: c.algo}
	live.s, live.d = c.p.sides(c.v.src, c.v.dst)
	again := &outcome{}
	if err := live.locate(ctx, ch, o.srcRows, o.dstRows, again, 0); err != nil {
		return err
	}
	if len(again.pending) == 0 {
		o.mismatch = false
		o.dstRows = o.srcRows // every row matched by key: the count gap was lag too
		return nil
	}
	o.pending = again.pending
	if err := c.recheck(ctx, rc, o); err != nil {
		return err
	}
	if !o.mismatch {
		o.dstRows = o.srcRows
	}
	return nil
}
