package verify

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

// KeyRef names one row (by source table "db.table" and key values in change conventions),
// typically a row incremental sync just applied.
type KeyRef struct {
	Table string
	Key   change.Key
}

// IncrOptions tune incremental verification.
type IncrOptions struct {
	// MaxKeysPerSecond samples: keys beyond this rate are skipped (counted in Stats.Skipped);
	// 0 = check every key.
	MaxKeysPerSecond float64
	// Batch is how many keys Run collects before comparing; 0 = 200.
	Batch int
	// FlushEvery compares a partial batch after this long; 0 = 1s.
	FlushEvery time.Duration
}

// IncrStats counts what an IncrVerifier did.
type IncrStats struct {
	Checked, Skipped, Diffs int64
}

// IncrVerifier re-compares individual rows by key (incremental verification, enableIncrVerify):
// each difference goes through the Verifier's Rechecker (if any) and is then stored in the
// run with its SQL, like full-verification differences (Chunk -1). Check is safe for
// concurrent use.
type IncrVerifier struct {
	v      *Verifier
	runID  string
	opt    IncrOptions
	lim    *rate.Limiter
	mu     sync.Mutex
	tables map[string]*Table
	prep   map[string]*prepared
	res    map[string]*meta.VerifyTable
	stats  IncrStats
}

// Incremental returns an IncrVerifier storing into run runID (created as kind INCR if
// absent) for the given tables.
func (v *Verifier) Incremental(ctx context.Context, runID, projectID string, tables []Table, opt IncrOptions) (*IncrVerifier, error) {
	if _, err := v.store.GetVerifyRun(ctx, runID); err != nil {
		if errs.As(err).Kind != errs.KindNotFound {
			return nil, err
		}
		r := &meta.VerifyRun{ID: runID, ProjectID: projectID, Kind: "INCR", Status: meta.VerifyRunning,
			Tables: len(tables), Started: v.opt.Now().UTC()}
		if err := v.store.CreateVerifyRun(ctx, r); err != nil {
			return nil, err
		}
	}
	if opt.Batch <= 0 {
		opt.Batch = 200
	}
	if opt.FlushEvery <= 0 {
		opt.FlushEvery = time.Second
	}
	iv := &IncrVerifier{v: v, runID: runID, opt: opt, tables: map[string]*Table{}, prep: map[string]*prepared{},
		res: map[string]*meta.VerifyTable{}}
	if opt.MaxKeysPerSecond > 0 {
		iv.lim = rate.NewLimiter(rate.Limit(opt.MaxKeysPerSecond), max(1, int(opt.MaxKeysPerSecond)))
	}
	for i := range tables {
		iv.tables[tables[i].Key()] = &tables[i]
	}
	return iv, nil
}

// Stats returns the counters so far.
func (iv *IncrVerifier) Stats() IncrStats {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	return iv.stats
}

func (iv *IncrVerifier) prepared(ctx context.Context, table string) (*prepared, error) {
	iv.mu.Lock()
	p, ok := iv.prep[table]
	t := iv.tables[table]
	iv.mu.Unlock()
	if ok {
		return p, nil
	}
	if t == nil {
		return nil, nil // not a verified table: ignored
	}
	p, err := prepare(ctx, iv.v.src, iv.v.dst, t)
	if err != nil {
		return nil, err
	}
	iv.mu.Lock()
	iv.prep[table] = p
	iv.mu.Unlock()
	return p, nil
}

// Check compares the rows of keys now (after sampling) and returns the differences that
// persisted through the Rechecker; they are also stored in the run.
func (iv *IncrVerifier) Check(ctx context.Context, keys []KeyRef) ([]meta.VerifyDiff, error) {
	byTable := map[string][]change.Key{}
	var order []string
	for _, k := range keys {
		if iv.lim != nil && !iv.lim.Allow() {
			iv.mu.Lock()
			iv.stats.Skipped++
			iv.mu.Unlock()
			continue
		}
		if _, ok := byTable[k.Table]; !ok {
			order = append(order, k.Table)
		}
		byTable[k.Table] = append(byTable[k.Table], k.Key)
	}
	var all []meta.VerifyDiff
	for _, table := range order {
		p, err := iv.prepared(ctx, table)
		if err != nil {
			return all, err
		}
		if p == nil || p.missing != "" || len(p.key) == 0 {
			continue
		}
		c := &comparer{v: iv.v, p: p}
		c.s, c.d = p.sides(iv.v.src, iv.v.dst)
		found, err := c.compareKeys(ctx, byTable[table])
		if err != nil {
			return all, err
		}
		o := &outcome{pending: found}
		if iv.v.opt.Recheck != nil && len(found) > 0 {
			if err := c.recheck(ctx, iv.v.opt.Recheck, o); err != nil {
				return all, err
			}
		} else {
			for _, d := range found {
				switch d.kind {
				case meta.DiffOnlyInSource:
					o.onlySrc++
				case meta.DiffOnlyInTarget:
					o.onlyDst++
				default:
					o.different++
				}
			}
		}
		diffs := c.render(iv.runID, -1, o.pending)
		if err := iv.v.store.AddVerifyDiffs(ctx, diffs); err != nil {
			return all, err
		}
		iv.mu.Lock()
		r := iv.res[table]
		if r == nil {
			r = &meta.VerifyTable{RunID: iv.runID, Table: table, Target: p.t.TargetKey(), Status: meta.VerifyRunning, Result: Consistent}
			iv.res[table] = r
		}
		n := int64(len(byTable[table]))
		iv.stats.Checked += n
		iv.stats.Diffs += int64(len(diffs))
		r.SourceRows += n
		r.OnlyInSource += o.onlySrc
		r.OnlyInTarget += o.onlyDst
		r.Different += o.different
		if r.OnlyInSource+r.OnlyInTarget+r.Different > 0 {
			r.Result = Inconsistent
		}
		r.Updated = iv.v.opt.Now().UTC()
		snap := *r
		iv.mu.Unlock()
		if err := iv.v.store.PutVerifyTable(ctx, &snap); err != nil {
			return all, err
		}
		all = append(all, diffs...)
	}
	return all, nil
}

// Run checks keys from in, in batches, until in is closed (returns nil) or ctx is done
// (returns ctx.Err()).
func (iv *IncrVerifier) Run(ctx context.Context, in <-chan KeyRef) error {
	batch := make([]KeyRef, 0, iv.opt.Batch)
	tick := time.NewTicker(iv.opt.FlushEvery)
	defer tick.Stop()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := iv.Check(ctx, batch)
		batch = batch[:0]
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case k, ok := <-in:
			if !ok {
				return flush()
			}
			batch = append(batch, k)
			if len(batch) >= iv.opt.Batch {
				if err := flush(); err != nil {
					return err
				}
			}
		case <-tick.C:
			if err := flush(); err != nil {
				return err
			}
		}
	}
}
