package verify

import (
	"context"
	"time"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/meta"
)

// Rechecker confirms differences under live sync: a difference found while incremental
// sync runs may only be the sync lagging, so before it is reported its key is re-read on
// both sides after the current sync delay, up to Rounds times; only differences that persist
// through every round are reported. Safe for concurrent use if Delay and Sleep are.
type Rechecker struct {
	// Delay returns the current sync delay (how far the target lags the source). Required.
	Delay func() time.Duration
	// Margin is added to every wait; 0 = 1s.
	Margin time.Duration
	// Rounds is how many re-reads a difference must survive; 0 = 3.
	Rounds int
	// MaxWait caps one wait; 0 = 5 minutes.
	MaxWait time.Duration
	// Sleep waits d or until ctx is done; nil = a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (r *Rechecker) wait(ctx context.Context) error {
	d := r.Margin
	if d == 0 {
		d = time.Second
	}
	if r.Delay != nil {
		d += r.Delay()
	}
	mw := r.MaxWait
	if mw == 0 {
		mw = 5 * time.Minute
	}
	d = min(d, mw)
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// recheck re-reads the keys of diffs on both sides (outside any snapshot) after each wait
// and keeps the differences that persist. Counts in o are adjusted to match.
func (c *comparer) recheck(ctx context.Context, r *Rechecker, o *outcome) error {
	rounds := r.Rounds
	if rounds <= 0 {
		rounds = 3
	}
	live := &comparer{v: c.v, p: c.p, algo: c.algo}
	live.s, live.d = c.p.sides(c.v.src, c.v.dst)
	for i := 0; i < rounds && len(o.pending) > 0; i++ {
		if err := r.wait(ctx); err != nil {
			return err
		}
		keys := make([]change.Key, len(o.pending))
		for j, d := range o.pending {
			keys[j] = d.key
		}
		fresh, err := live.compareKeys(ctx, keys)
		if err != nil {
			return err
		}
		o.pending = fresh
	}
	o.onlySrc, o.onlyDst, o.different = 0, 0, 0
	o.mismatch = len(o.pending) > 0 // every difference the chunk hash showed was a lag
	if !o.mismatch {
		o.dstRows = o.srcRows // and so was the gap in the row counts
	}
	for _, d := range o.pending {
		switch d.kind {
		case meta.DiffOnlyInSource:
			o.onlySrc++
		case meta.DiffOnlyInTarget:
			o.onlyDst++
		default:
			o.different++
		}
	}
	return nil
}

// compareKeys fetches keys on both sides and returns the differences among them.
func (c *comparer) compareKeys(ctx context.Context, keys []change.Key) ([]rowDiff, error) {
	fs, ok1 := c.s.ep.(KeyFetcher)
	fd, ok2 := c.d.ep.(KeyFetcher)
	if !ok1 || !ok2 {
		return nil, cannot(c.s, "fetch rows by key")
	}
	src := map[string]change.Row{}
	if err := fs.FetchKeys(ctx, c.s.readReq(change.Chunk{}), keys, func(r change.Row) error {
		src[c.p.encodeKey(r)] = r
		return nil
	}); err != nil {
		return nil, err
	}
	dst := map[string]change.Row{}
	if err := fd.FetchKeys(ctx, c.d.readReq(change.Chunk{}), keys, func(r change.Row) error {
		dst[c.p.encodeKey(r)] = r
		return nil
	}); err != nil {
		return nil, err
	}
	var out []rowDiff
	seen := map[string]bool{}
	for _, k := range keys {
		row := make(change.Row, len(c.p.cols))
		for i, ki := range c.p.keyIdx {
			row[ki] = k[i]
		}
		ek := c.p.encodeKey(row)
		if seen[ek] {
			continue
		}
		seen[ek] = true
		s, okS := src[ek]
		d, okD := dst[ek]
		switch {
		case okS && !okD:
			out = append(out, rowDiff{kind: meta.DiffOnlyInSource, key: c.p.keyOf(s), src: s})
		case !okS && okD:
			out = append(out, rowDiff{kind: meta.DiffOnlyInTarget, key: c.p.keyOf(d), dst: d})
		case okS && okD:
			if cols := c.p.diffColumns(s, d); len(cols) > 0 {
				out = append(out, rowDiff{kind: meta.DiffDifferent, key: c.p.keyOf(s), src: s, dst: d, cols: cols})
			}
		}
	}
	return out, nil
}

// render turns located differences into stored ones with their SQL.
func (c *comparer) render(runID string, seq int, diffs []rowDiff) []meta.VerifyDiff {
	out := make([]meta.VerifyDiff, 0, len(diffs))
	sr, _ := c.v.src.(Renderer)
	dr, _ := c.v.dst.(Renderer)
	for _, d := range diffs {
		enc, _ := change.EncodeKey(d.key)
		vd := meta.VerifyDiff{RunID: runID, Table: c.p.t.Key(), Target: c.p.t.TargetKey(), Chunk: seq, Kind: d.kind,
			Key: enc, KeyText: c.p.keyText(d.key), Columns: d.cols}
		if sr != nil {
			vd.SourceSQL, _ = sr.RenderSelect(c.p.src, c.p.cols, c.p.key, d.key)
		}
		if dr != nil {
			vd.TargetSQL, _ = dr.RenderSelect(c.p.dst, c.p.dcols, c.p.dkey, d.key)
			if d.kind == meta.DiffOnlyInTarget {
				vd.FixSQL, _ = dr.RenderDelete(c.p.dst, c.p.dkey, d.key)
			} else {
				vd.FixSQL, _ = dr.RenderReplace(c.p.dst, c.p.dcols, d.src)
			}
		}
		out = append(out, vd)
	}
	return out
}
