package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

// Verifier compares tables between a source and a target endpoint. Endpoints stay owned by
// the caller (never closed here). A Verifier may run several runs, one at a time or
// concurrently.
type Verifier struct {
	src, dst endpoint.Endpoint
	store    meta.VerifyStore
	opt      Options
	limSrc   *rate.Limiter // nil = unlimited
}

// New returns a Verifier. The source must be an endpoint.ChunkPlanner.
func New(src, dst endpoint.Endpoint, store meta.VerifyStore, opt Options) (*Verifier, error) {
	if _, ok := src.(endpoint.ChunkPlanner); !ok {
		return nil, errs.New(errs.KindUnsupported, errs.CodeVerifyFailed, "the source cannot plan chunks",
			"Verification needs a source endpoint that supports chunk planning.")
	}
	v := &Verifier{src: src, dst: dst, store: store, opt: opt.withDefaults()}
	if r := v.opt.RowsPerSecond; r > 0 {
		v.limSrc = rate.NewLimiter(rate.Limit(r), int(max(r, 1000)))
	}
	return v, nil
}

// throttle waits for n rows of budget (both sides share one budget per side pair).
func (v *Verifier) throttle(ctx context.Context, n int64) error {
	if v.limSrc == nil || n <= 0 {
		return nil
	}
	b := int64(v.limSrc.Burst())
	for n > 0 {
		k := min(n, b)
		if err := v.limSrc.WaitN(ctx, int(k)); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// algorithm picks the pushed-down hash both sides offer, or "" for the Go path.
func (v *Verifier) algorithm() string {
	if v.opt.GoHash {
		return ""
	}
	hs, ok1 := v.src.(Hasher)
	hd, ok2 := v.dst.(Hasher)
	if !ok1 || !ok2 {
		return ""
	}
	da := hd.HashAlgorithms()
	if a := v.opt.HashAlgorithm; a != "" && slices.Contains(hs.HashAlgorithms(), a) && slices.Contains(da, a) {
		return a
	}
	if fs, ok := v.src.(FastHasher); ok && v.opt.FastHash {
		if fd, ok := v.dst.(FastHasher); ok && fs.FastHashAlgorithm() == fd.FastHashAlgorithm() &&
			slices.Contains(hs.HashAlgorithms(), fs.FastHashAlgorithm()) && slices.Contains(da, fs.FastHashAlgorithm()) {
			return fs.FastHashAlgorithm()
		}
	}
	for _, a := range hs.HashAlgorithms() {
		if slices.Contains(da, a) {
			return a
		}
	}
	return ""
}

// task is one chunk to compare.
type task struct {
	tt  *tableTrack
	seq int
	ch  change.Chunk
}

// tableTrack follows one table through a run.
type tableTrack struct {
	p       *prepared
	res     meta.VerifyTable
	left    atomic.Int64 // chunks not yet done
	rowsEst int64
}

// Run verifies tables under run id runID. If the store already holds runID, the run is
// resumed: tables already FINISHED are kept, DONE chunks are skipped. The run's final state
// is returned; a cancelled ctx leaves it RUNNING (resumable) and returns ctx's error.
// projectID and kind are recorded on a new run.
func (v *Verifier) Run(ctx context.Context, runID, projectID, kind string, tables []Table) (*meta.VerifyRun, error) {
	run, err := v.store.GetVerifyRun(ctx, runID)
	if err != nil {
		if e := errs.As(err); e.Kind != errs.KindNotFound {
			return nil, err
		}
		run = &meta.VerifyRun{ID: runID, ProjectID: projectID, Kind: kind, Status: meta.VerifyRunning,
			Tables: len(tables), Started: v.opt.Now().UTC()}
		if err := v.store.CreateVerifyRun(ctx, run); err != nil {
			return nil, err
		}
	} else {
		run.Status, run.Result, run.Finished, run.Tables = meta.VerifyRunning, "", time.Time{}, len(tables)
		if err := v.store.UpdateVerifyRun(ctx, run); err != nil {
			return nil, err
		}
	}
	prev, _, err := v.store.ListVerifyTables(ctx, meta.VerifyTableFilter{RunID: runID})
	if err != nil {
		return nil, err
	}
	finished := map[string]bool{}
	for _, t := range prev {
		finished[t.Table] = t.Status == meta.VerifyFinished
	}
	prog := &progress{v: v, total: len(tables)}
	g, gctx := errgroup.WithContext(ctx)
	tasks := make(chan task, v.opt.Workers)
	g.Go(func() error {
		defer close(tasks)
		for i := range tables {
			t := &tables[i]
			if finished[t.Key()] {
				prog.tableDone(nil)
				continue
			}
			if err := v.planTable(gctx, runID, t, tasks, prog); err != nil {
				return err
			}
		}
		return nil
	})
	for range v.opt.Workers {
		g.Go(func() error {
			for tk := range tasks {
				if err := v.runChunk(gctx, runID, tk, prog); err != nil {
					return err
				}
			}
			return nil
		})
	}
	werr := g.Wait()
	if werr != nil && ctx.Err() != nil {
		return run, ctx.Err() // stopped: the run stays RUNNING and resumable
	}
	return v.finishRun(context.WithoutCancel(ctx), run, werr)
}

// finishRun aggregates table results into the run.
func (v *Verifier) finishRun(ctx context.Context, run *meta.VerifyRun, werr error) (*meta.VerifyRun, error) {
	ts, _, err := v.store.ListVerifyTables(ctx, meta.VerifyTableFilter{RunID: run.ID})
	if err != nil {
		return nil, err
	}
	run.Diffs, run.Result = 0, Consistent
	bad := 0
	var notCompared []string
	for _, t := range ts {
		run.Diffs += t.OnlyInSource + t.OnlyInTarget + t.Different
		if !IsConsistent(t.Result) {
			bad++
		}
		if !Compared(t.Result) {
			notCompared = append(notCompared, t.Table+" ("+t.Message+")")
		}
	}
	if bad > 0 || len(ts) < run.Tables {
		run.Result = Inconsistent
	}
	run.Status = meta.VerifyFinished
	run.Message = fmt.Sprintf("%d of %d tables consistent, %d row differences", len(ts)-bad, run.Tables, run.Diffs)
	if n := len(notCompared); n > 0 {
		if n > 10 {
			notCompared = append(notCompared[:10], fmt.Sprintf("and %d more", n-10))
		}
		run.Message += fmt.Sprintf("; %d tables could not be compared: %s", n, strings.Join(notCompared, ", "))
	}
	if werr != nil {
		run.Status, run.Result = meta.VerifyFailed, ""
		run.Message = errs.As(werr).Message
	}
	run.Finished = v.opt.Now().UTC()
	if err := v.store.UpdateVerifyRun(ctx, run); err != nil {
		return nil, err
	}
	return run, werr
}

// planTable resolves a table, persists its chunk plan (unless already planned) and queues
// its pending chunks.
func (v *Verifier) planTable(ctx context.Context, runID string, t *Table, tasks chan<- task, prog *progress) error {
	p, err := prepare(ctx, v.src, v.dst, t)
	if err != nil {
		return v.tableError(ctx, runID, t, err, prog)
	}
	tt := &tableTrack{p: p, res: meta.VerifyTable{RunID: runID, Table: t.Key(), Target: t.TargetKey(), Status: "RUNNING"}}
	if p.missing != "" {
		tt.res.Status, tt.res.Result, tt.res.Message = meta.VerifyFinished, TargetTableNotExist, p.missing
		tt.res.Updated = v.opt.Now().UTC()
		prog.tableDone(nil)
		return v.store.PutVerifyTable(ctx, &tt.res)
	}
	tt.rowsEst = p.src.RowsEstimate
	prog.addRows(tt.rowsEst)
	cs, err := v.store.ListVerifyChunks(ctx, runID, t.Key())
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		chunks := []change.Chunk{{}}
		if p.key != nil {
			planner := v.src.(endpoint.ChunkPlanner)
			if chunks, err = planner.PlanChunks(ctx, p.src, p.key, t.Where, v.opt.ChunkRows); err != nil {
				return v.tableError(ctx, runID, t, err, prog)
			}
		}
		for i, ch := range chunks {
			lo, err := change.EncodeKey(ch.Lower)
			if err != nil {
				return err
			}
			hi, err := change.EncodeKey(ch.Upper)
			if err != nil {
				return err
			}
			cs = append(cs, meta.VerifyChunk{RunID: runID, Table: t.Key(), Seq: i, Lower: lo, Upper: hi, Status: meta.ChunkPending})
		}
		if err := v.store.SaveVerifyChunks(ctx, runID, t.Key(), cs); err != nil {
			return err
		}
	}
	tt.res.Chunks = len(cs)
	var pending []meta.VerifyChunk
	for _, c := range cs {
		if c.Status != meta.ChunkDone {
			pending = append(pending, c)
		} else {
			tt.res.ChunksDone++
			prog.addDone(c.SourceRows)
		}
	}
	tt.left.Store(int64(len(pending)))
	if len(pending) == 0 {
		return v.finishTable(ctx, tt, prog)
	}
	if err := v.store.PutVerifyTable(ctx, &tt.res); err != nil {
		return err
	}
	for _, c := range pending {
		lo, err := change.DecodeKey(c.Lower)
		if err != nil {
			return err
		}
		hi, err := change.DecodeKey(c.Upper)
		if err != nil {
			return err
		}
		select {
		case tasks <- task{tt: tt, seq: c.Seq, ch: change.Chunk{Seq: c.Seq, Lower: lo, Upper: hi}}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// tableError records a table that cannot be compared (RUNTIME_EXCEPTION) unless the run is
// being cancelled, in which case the error is returned.
func (v *Verifier) tableError(ctx context.Context, runID string, t *Table, err error, prog *progress) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return err
	}
	e := errs.As(err)
	if e.Kind == errs.KindUnavailable {
		return err // retryable: fail the run, a resume continues
	}
	res := meta.VerifyTable{RunID: runID, Table: t.Key(), Target: t.TargetKey(), Status: meta.VerifyFinished,
		Result: RuntimeException, Message: e.Message, Updated: v.opt.Now().UTC()}
	prog.tableDone(nil)
	return v.store.PutVerifyTable(ctx, &res)
}

// runChunk compares one chunk and persists it with its differences.
func (v *Verifier) runChunk(ctx context.Context, runID string, tk task, prog *progress) error {
	p := tk.tt.p
	s, d, closeFn, err := v.openSides(ctx)
	if err != nil {
		return err
	}
	c := &comparer{v: v, p: p, algo: v.algorithm()}
	c.s, c.d = p.sides(s, d)
	o, err := c.compareChunk(ctx, tk.ch)
	closeFn()
	if err != nil {
		return err
	}
	if v.opt.Recheck != nil && len(o.pending) > 0 {
		if err := c.recheck(ctx, v.opt.Recheck, o); err != nil {
			return err
		}
	}
	if v.opt.Recheck != nil && o.mismatch && len(o.pending) == 0 {
		if err := c.relocate(ctx, v.opt.Recheck, tk.ch, o); err != nil {
			return err
		}
	}
	diffs := c.render(runID, tk.seq, o.pending)
	vc := meta.VerifyChunk{RunID: runID, Table: p.t.Key(), Seq: tk.seq, Status: meta.ChunkDone,
		SourceRows: o.srcRows, TargetRows: o.dstRows, OnlyInSource: o.onlySrc, OnlyInTarget: o.onlyDst, Different: o.different,
		Mismatch: o.mismatch}
	if err := v.store.FinishVerifyChunk(ctx, vc, diffs); err != nil {
		return err
	}
	if v.opt.OnChunk != nil {
		v.opt.OnChunk(p.t.Key(), tk.seq, o.srcRows)
	}
	prog.chunkDone(p.t.Key(), o.srcRows)
	if tk.tt.left.Add(-1) == 0 {
		return v.finishTable(ctx, tk.tt, prog)
	}
	return nil
}

// openSides returns consistent-snapshot views of both endpoints when they offer them (and
// Options.NoSnapshot is unset), else the endpoints themselves.
func (v *Verifier) openSides(ctx context.Context) (endpoint.Endpoint, endpoint.Endpoint, func(), error) {
	ss, ok1 := v.src.(Snapshotter)
	ds, ok2 := v.dst.(Snapshotter)
	if v.opt.NoSnapshot || !ok1 || !ok2 {
		return v.src, v.dst, func() {}, nil
	}
	s, err := ss.BeginSnapshot(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	d, err := ds.BeginSnapshot(ctx)
	if err != nil {
		s.Close()
		return nil, nil, nil, err
	}
	return s, d, func() { s.Close(); d.Close() }, nil
}

// finishTable sums the table's chunks into its result.
func (v *Verifier) finishTable(ctx context.Context, tt *tableTrack, prog *progress) error {
	cs, err := v.store.ListVerifyChunks(ctx, tt.res.RunID, tt.res.Table)
	if err != nil {
		return err
	}
	r := &tt.res
	r.SourceRows, r.TargetRows, r.OnlyInSource, r.OnlyInTarget, r.Different, r.ChunksDone = 0, 0, 0, 0, 0, 0
	for _, c := range cs {
		r.SourceRows += c.SourceRows
		r.TargetRows += c.TargetRows
		r.OnlyInSource += c.OnlyInSource
		r.OnlyInTarget += c.OnlyInTarget
		r.Different += c.Different
		if c.Status == meta.ChunkDone {
			r.ChunksDone++
		}
	}
	r.Status, r.Updated = meta.VerifyFinished, v.opt.Now().UTC()
	n := r.OnlyInSource + r.OnlyInTarget + r.Different
	switch {
	case n > 0:
		r.Result = Inconsistent
		r.Message = fmt.Sprintf("%d rows differ (%d only in source, %d only in target, %d different)",
			n, r.OnlyInSource, r.OnlyInTarget, r.Different)
	case r.SourceRows == 0 && r.TargetRows == 0:
		r.Result, r.Message = BothEmpty, ""
	case r.SourceRows != r.TargetRows || (len(tt.p.key) == 0 && anyMismatch(cs)):
		r.Result = MismatchNoPK
		if r.SourceRows == 0 {
			r.Result = SourceEmpty
		} else if r.TargetRows == 0 {
			r.Result = TargetEmpty
		}
		r.Message = fmt.Sprintf("source %d rows, target %d rows; rows cannot be located without a primary or unique key",
			r.SourceRows, r.TargetRows)
	default:
		r.Result, r.Message = Consistent, ""
	}
	prog.tableDone(r)
	return v.store.PutVerifyTable(ctx, r)
}

func anyMismatch(cs []meta.VerifyChunk) bool {
	for _, c := range cs {
		if c.Mismatch {
			return true
		}
	}
	return false
}

// progress serialises Progress callbacks.
type progress struct {
	v          *Verifier
	mu         sync.Mutex
	total      int
	tablesDone int
	rowsTotal  int64
	rowsDone   int64
}

func (p *progress) emit(table string, tr *meta.VerifyTable) {
	if p.v.opt.Progress == nil {
		return
	}
	pr := Progress{Table: table, RowsTotal: p.rowsTotal, RowsDone: p.rowsDone, TablesDone: p.tablesDone, TablesTotal: p.total}
	if tr != nil {
		pr.Chunks, pr.ChunksDone, pr.SourceRows = tr.Chunks, tr.ChunksDone, tr.SourceRows
	}
	p.v.opt.Progress(pr)
}

func (p *progress) addRows(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rowsTotal += n
	p.emit("", nil)
}

func (p *progress) addDone(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rowsDone += n
}

func (p *progress) chunkDone(table string, n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rowsDone += n
	p.emit(table, nil)
}

func (p *progress) tableDone(tr *meta.VerifyTable) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tablesDone++
	name := ""
	if tr != nil {
		name = tr.Table
	}
	p.emit(name, tr)
}
