// Package replay is the change applier of INCR_TRANSFER (as Vitess's vplayer): it reads one
// stream's change store from the lowest acknowledged position on, dispatches each
// transaction's row changes by key to N workers, and pushes them to the stream's sink
// through the change-sink contract (endpoint/sink.go).
//
// Contract:
//   - Goroutines and channels: Run owns every goroutine it starts and returns after all have
//     ended. The dispatcher (Run's goroutine) is the only reader of the change store, the only
//     sender on each worker's queue and the only writer of the causality registry and of
//     each worker's dispatched seq; each worker owns its batch and publishes what it
//     committed through atomics, signalling notify (cap 1) after each commit and failed on
//     its first error. The status sampler only reads. Incremental verification, when on, gets
//     keys through a bounded channel that never blocks the apply path.
//   - Position: a checkpoint is (worker, store seq, source position, commit time): every
//     change of seq ≤ Seq routed to that worker is applied on the sink. The replay restarts
//     from the lowest checkpoint and skips, per worker, what that worker had acknowledged;
//     routing is a deterministic hash of table and row key, so a replay routes alike.
//   - Ordering: changes touching the same key (primary or any unique key) stay in order on
//     one worker; a change whose keys another worker holds uncommitted waits for a barrier
//     (every worker committed); a DDL is a barrier too. Until the applied position passes P1
//     (the end of the full copy) changes are applied idempotently (safe mode).
//   - Retries: unavailable sinks and sources are retried with backoff forever (logged); a
//     retried push first reads the worker's acknowledged position, so a batch that committed
//     before the connection dropped is not applied twice.
//   - Persistence: checkpoints live on the sink (with the data for a PositionCommitter); P1
//     and the published apply status (stream.ApplyStatus, about four times a second) live in
//     the stream's state keys; an applied DDL persists a new plan version for the touched
//     tables.
//
// The package keeps no package-level mutable state; everything it uses comes in Config.
package replay

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/changestore"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/schema"
	"github.com/godwit/godwit/state"
	"github.com/godwit/godwit/stream"
	"github.com/godwit/godwit/verify"
)

// Apply tuning. Memory held by the applier is at most workers × (queue + one batch).
const (
	incrQueueUnits   = 256     // units queued per worker
	incrQueueBytes   = 8 << 20 // estimated bytes of the units queued to all workers, not yet applied
	incrBatchRows    = 4000    // rows per target transaction
	incrBatchBytes   = 4 << 20 // bytes per target transaction
	incrPendingLimit = 200000  // causality entries before a barrier resets them
)

// Host is the step the replay runs in: project log entries, persisted progress, and the
// signal that the replay caught up (Detach). Safe for concurrent use.
type Host interface {
	Logf(ctx context.Context, level, format string, args ...any)
	Report(ctx context.Context, progress int, info *model.StepInfo, force bool)
	Detach()
}

// Config is what one replay run works with.
type Config struct {
	Project *model.Project
	Stream  stream.Stream     // state keys and checkpoint rows (stream id)
	Streams *stream.Resources // the run's open change stores (shared with capture)
	Store   state.Store       // project state keys; new plan versions
	Host    Host
	Now     func() time.Time
	Plan    *plan.Plan // the persisted plan: row identity, columns, target names
	// Source is the stream's source endpoint; Reader and Schema are its required
	// capabilities, DDL translation and row-filter compilation are used when it has them.
	Source endpoint.Endpoint
	Reader endpoint.ChangeReader
	Schema endpoint.SchemaReader
	Sink   endpoint.StreamSink // the stream's sink (contract in endpoint/sink.go)
	DDL    endpoint.DDLSink    // nil when the sink cannot apply DDL
	// Verify starts incremental verification for the run (ended with its ctx); nil, or a
	// nil verifier, when off.
	Verify func(ctx context.Context) (*verify.IncrVerifier, error)
	// Derived: Plan is derived from the project's plan (the reverse stream's, see
	// plan.Plan.Reversed) and must never be re-resolved or persisted: a change that would
	// need a new plan version fails the stream instead.
	Derived bool
}

// Run applies the stream's change store to the sink from P0 on, in parallel by key, and
// never returns nil while ctx lives (it calls Host.Detach once caught up). It returns the
// first worker or dispatch error, or ctx's error.
func Run(ctx context.Context, cfg Config) error {
	a, release, err := newApplier(ctx, cfg)
	if err != nil {
		return err
	}
	defer release()
	return a.run(ctx)
}

// applier is one replay run's state.
type applier struct {
	host    Host
	project *model.Project
	store   state.Store
	source  endpoint.Endpoint
	now     func() time.Time
	verify  func(ctx context.Context) (*verify.IncrVerifier, error)
	cfg     model.IncrTransferConfig
	sink    endpoint.StreamSink // the stream's sink (contract in endpoint/sink.go)
	ddl     endpoint.DDLSink    // nil when the sink cannot apply DDL
	rd      endpoint.ChangeReader
	tr      endpoint.DDLTranslator
	srcRd   endpoint.SchemaReader // re-resolves the plan's tables after a DDL
	plan    *plan.Plan            // the persisted plan: row identity, columns, target names
	sel     *plan.Selector
	sh      *stream.Log
	fw      stream.Stream // the stream: state keys and checkpoint rows (stream id)
	stream  string
	p1      string
	pastP1  bool                  // a transaction after P1 was dispatched (dispatcher goroutine only)
	hw      uint64                // highest checkpoint at start: replayed in safe mode up to it
	skip    []uint64              // per worker: seqs <= skip[w] were applied before this run
	types   map[string]bool       // recordTypeWhiteList
	tables  map[string]*tableInfo // by lower-case source "db.table"

	workers []*incrWorker
	notify  chan struct{} // a worker committed (cap 1)
	queued  atomic.Int64  // estimated bytes sent to workers and not yet applied (bounded by incrQueueBytes)
	failed  chan error    // a worker failed (cap len(workers))
	pending map[string]pendingKey
	savedAt time.Time // last saveCommon (dispatcher goroutine only)
	// dataSeq is the last dispatched seq of a transaction with events and savedData the
	// dataSeq the last persisted common checkpoint covered (dispatcher goroutine only): an
	// idle stream whose new transactions are all empty (other tables' writes, or the other
	// stream's marked transactions, see capture.Config.Marker) moves its checkpoints in
	// memory only, so two streams of a project never echo checkpoint writes to each other.
	dataSeq, savedData uint64
	iv                 *incrVerifier // incremental verification; nil when off
	derived            bool          // Config.Derived
	rows               *rate.Limiter
	bytes              *rate.Limiter

	appliedCP endpoint.Checkpoint // the lowest checkpoint at start (the replay start)

	mu        sync.Mutex          // guards the fields below
	lastDisp  endpoint.Checkpoint // the last transaction dispatched (or skipped)
	safeMode  bool
	caughtUp  bool
	current   int64 // estimated commit time (unix ms) of the txn being dispatched (0 when none)
	stats     map[string]*stream.TableCounts
	ddls      atomic.Int64
	rowsDone  atomic.Int64
	conflicts atomic.Int64
	filtered  atomic.Int64 // row changes skipped by a row filter (approximate across restarts)
}

type pendingKey struct {
	worker int
	seq    uint64
}

// tableInfo is the apply-side view of one source table.
type tableInfo struct {
	selected bool
	src      string        // source "db.table"
	target   *schema.Table // the plan's target definition (columns kept, target names)
	key      []string      // row identity from the plan; nil when the table has none
	uniques  [][]string    // every unique key of the target (PK first), for causality
	proj     map[string]*projection
	rows     endpoint.RowFilter // the whereClause compiled by the source; nil = every row
}

// projection maps an event's column list onto the target's written columns.
type projection struct {
	table *schema.Table // the target definition with the event's column types (see logTyped)
	cols  []string
	idx   []int                          // positions in the event row
	match func(change.Row) (bool, error) // the row filter bound to the event's columns; nil = none
}

func newApplier(ctx context.Context, c Config) (*applier, func(), error) {
	tr, _ := c.Source.(endpoint.DDLTranslator)
	cfg := c.Project.IncrTransferConfig
	a := &applier{host: c.Host, project: c.Project, store: c.Store, source: c.Source, now: c.Now, verify: c.Verify,
		cfg: cfg, sink: c.Sink, ddl: c.DDL, rd: c.Reader, tr: tr, srcRd: c.Schema, plan: c.Plan, sel: c.Plan.Selector(c.Project.TransferMapping),
		fw: c.Stream, stream: c.Stream.ID, types: map[string]bool{}, derived: c.Derived,
		tables: map[string]*tableInfo{}, notify: make(chan struct{}, 1),
		pending: map[string]pendingKey{}, stats: map[string]*stream.TableCounts{}}
	for _, t := range cfg.RecordTypeWhiteList {
		a.types[strings.ToUpper(t)] = true
	}
	if cfg.ThrottleRps != nil && *cfg.ThrottleRps > 0 {
		a.rows = rate.NewLimiter(rate.Limit(*cfg.ThrottleRps), max(int(*cfg.ThrottleRps), incrBatchRows))
	}
	if cfg.ThrottleIOPS != nil && *cfg.ThrottleIOPS > 0 {
		a.bytes = rate.NewLimiter(rate.Limit(*cfg.ThrottleIOPS), max(int(*cfg.ThrottleIOPS), incrBatchBytes))
	}
	var p0 stream.Point
	ok, err := state.GetJSON(ctx, a.store, a.project.ID, a.fw.Keys.P0, &p0)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, errs.New(errs.KindState, errs.CodeIncrStore, "no capture start position (P0) is recorded",
			"TRANSFER_INCR_LOG_PULL must run before INCR_TRANSFER; release the project and create it again.")
	}
	if err := a.loadP1(ctx, p0); err != nil {
		return nil, nil, err
	}
	sh, release, err := c.Streams.Open(c.Stream, changestore.Options{Fsync: cfg.StoreFsync})
	if err != nil {
		return nil, nil, err
	}
	a.sh = sh
	a.restoreCounters(ctx)
	if err := a.loadCheckpoints(ctx, p0); err != nil {
		release()
		return nil, nil, err
	}
	return a, release, nil
}

// retry is errs.RetryUnavailable with its warnings in the project log.
func (a *applier) retry(ctx context.Context, what string, fn func() error) error {
	return errs.RetryUnavailable(ctx, func(err error) {
		a.host.Logf(ctx, "WARN", "%s failed, retrying: %s", what, errs.As(err).FullMessage())
	}, fn)
}

// loadP1 records (once) the position where the full copy ended.
func (a *applier) loadP1(ctx context.Context, p0 stream.Point) error {
	var p1 stream.Point
	ok, err := state.GetJSON(ctx, a.store, a.project.ID, a.fw.Keys.P1, &p1)
	if err != nil {
		return err
	}
	if !ok {
		p1 = p0
		if a.project.EnableFullTransfer { // the copy ran: safe mode until its end
			err := a.retry(ctx, "reading the source log position", func() error {
				pos, err := a.rd.CurrentPosition(ctx)
				p1 = stream.Point{Pos: pos, Time: a.now().Unix()}
				return err
			})
			if err != nil {
				return err
			}
		}
		if err := state.PutJSON(ctx, a.store, a.project.ID, a.fw.Keys.P1, p1); err != nil {
			return err
		}
		a.host.Logf(ctx, "INFO", "incremental apply starts at %s; safe mode until %s (end of the full copy)", p0.Pos, p1.Pos)
	}
	a.p1 = p1.Pos
	return nil
}

// loadCheckpoints reads (or creates) the per-worker checkpoints on the target.
func (a *applier) loadCheckpoints(ctx context.Context, p0 stream.Point) error {
	var cps []endpoint.Checkpoint
	err := a.retry(ctx, "reading checkpoints on the target", func() error {
		var err error
		cps, err = a.sink.Acknowledged(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if len(cps) == 0 {
		n := max(a.cfg.IncrSyncConcurrency, 1)
		for i := range n {
			cps = append(cps, endpoint.Checkpoint{Worker: i, Pos: p0.Pos, Time: p0.Time})
		}
		if err := a.retry(ctx, "creating checkpoints on the target", func() error {
			return a.sink.Acknowledge(ctx, cps)
		}); err != nil {
			return err
		}
	} else if len(cps) != a.cfg.IncrSyncConcurrency {
		a.host.Logf(ctx, "INFO", "applying with %d workers, as recorded when incremental sync started (incrSyncConcurrency %d applies to new projects)",
			len(cps), a.cfg.IncrSyncConcurrency)
	}
	a.skip = make([]uint64, len(cps))
	a.appliedCP = cps[0]
	for i, c := range cps {
		if c.Worker != i {
			return errs.New(errs.KindInternal, errs.CodeIncrStore, "the acknowledged positions on the target are not numbered 0..n-1",
				fmt.Sprintf("Inspect the target's checkpoints of stream %s (for SQL targets the checkpoint table in the checkpoint schema).", a.stream))
		}
		a.skip[i] = c.Seq
		a.hw = max(a.hw, c.Seq)
		if c.Seq < a.appliedCP.Seq {
			a.appliedCP = c
		}
	}
	a.sh.Applied.Store(a.appliedCP.Seq)
	return nil
}

// run starts the workers and dispatches the store's transactions until ctx ends or a
// worker fails.
func (a *applier) run(ctx context.Context) error {
	low := a.appliedCP.Seq
	rd, err := a.sh.Store.NewReader(low)
	if err != nil {
		return err
	}
	defer rd.Close()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.failed = make(chan error, len(a.skip))
	if a.iv, err = a.startVerify(wctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	for i := range a.skip {
		w := &incrWorker{id: i, a: a, in: make(chan *incrUnit, incrQueueUnits)}
		w.committed.Store(a.skip[i])
		w.dispatched = a.skip[i]
		a.workers = append(a.workers, w)
		wg.Add(1)
		go func() { defer wg.Done(); w.loop(wctx) }()
	}
	defer wg.Wait()
	defer cancel()
	stopStatus := a.startStatus(ctx)
	defer stopStatus()
	a.mu.Lock()
	a.lastDisp = a.appliedCP
	a.mu.Unlock()
	for {
		t, ok, err := rd.TryNext()
		if err != nil {
			return err
		}
		if !ok {
			if err := a.idle(ctx); err != nil {
				return err
			}
			if t, err = rd.Next(ctx); err != nil {
				return err
			}
		}
		if err := a.dispatch(ctx, t); err != nil {
			return err
		}
	}
}

// idle is called when the store has nothing more to read: once every worker has
// committed, the applier is caught up (MONITORING) and records a common checkpoint.
func (a *applier) idle(ctx context.Context) error {
	if err := a.barrier(ctx); err != nil {
		return err
	}
	a.mu.Lock()
	was := a.caughtUp
	a.caughtUp = true
	a.current = 0
	a.mu.Unlock()
	if !was {
		a.host.Detach()
		if time.Since(a.savedAt) >= time.Second {
			a.savedAt = time.Now()
			a.saveCommon(ctx)
		}
	}
	return nil
}

// saveCommon moves every worker's checkpoint to the last dispatched seq (valid only when
// all workers are idle), so the low-water mark advances for workers without traffic.
func (a *applier) saveCommon(ctx context.Context) {
	a.mu.Lock()
	cp := a.lastDisp
	a.mu.Unlock()
	if cp.Seq == 0 {
		return
	}
	for _, w := range a.workers {
		if w.committed.Load() > cp.Seq {
			return // never move a checkpoint back
		}
	}
	if a.dataSeq <= a.savedData {
		// Only empty transactions since the last save: nothing to persist (a replay after a
		// crash re-reads them, which writes nothing).
		for _, w := range a.workers {
			w.committed.Store(max(w.committed.Load(), cp.Seq))
		}
		a.sh.Applied.Store(cp.Seq)
		return
	}
	cps := make([]endpoint.Checkpoint, len(a.workers))
	for i := range cps {
		cps[i] = endpoint.Checkpoint{Worker: i, Seq: cp.Seq, Pos: cp.Pos, Time: cp.Time}
	}
	if err := a.sink.Acknowledge(ctx, cps); err == nil {
		a.savedData = a.dataSeq
		for _, w := range a.workers {
			w.committed.Store(max(w.committed.Load(), cp.Seq))
		}
		a.sh.Applied.Store(cp.Seq)
	}
}

// barrier waits until every worker has committed everything dispatched to it.
func (a *applier) barrier(ctx context.Context) error {
	for {
		busy := false
		for _, w := range a.workers {
			if w.committed.Load() < w.dispatched {
				busy = true
				break
			}
		}
		if !busy {
			clear(a.pending)
			return nil
		}
		select {
		case <-a.notify:
		case err := <-a.failed:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// dispatch routes one transaction.
func (a *applier) dispatch(ctx context.Context, t *change.Txn) error {
	a.mu.Lock()
	a.current = a.sh.CommitMillis(t.Seq, t.Time)
	a.caughtUp = false
	a.mu.Unlock()
	select {
	case err := <-a.failed:
		return err
	default:
	}
	if len(t.Events) == 1 && t.Events[0].Op == change.OpDDL {
		return a.applyDDL(ctx, t)
	}
	if len(t.Events) > 0 {
		a.dataSeq = t.Seq
	}
	safe := t.Seq <= a.hw
	if !safe && !a.pastP1 { // positions only grow: once past P1, no need to compare again
		c, err := a.rd.ComparePositions(t.Pos, a.p1)
		if err != nil {
			return errs.New(errs.KindInternal, errs.CodeIncrStore, "bad position in the change store: "+err.Error(),
				"The change store is damaged; release the project and start again.")
		}
		safe, a.pastP1 = c <= 0, c > 0
	}
	a.mu.Lock()
	a.safeMode = safe
	a.mu.Unlock()
	// First pass: map, route and key every change. A transaction whose changes share a key
	// value but route to different workers (e.g. a row's key updated twice) goes whole to
	// the worker of its first change, like every transaction with enableSequencingWithinTxn:
	// units of one transaction are sent together, so only one worker can order them. The
	// decision depends on the transaction alone, so a replay routes it the same way.
	type routed struct {
		ti   *tableInfo
		rc   endpoint.RowChange
		w    int
		keys []string
	}
	var rs []routed
	whole := a.cfg.EnableSequencingWithinTxn
	seen := map[string]int{}
	for i := range t.Events {
		ev := &t.Events[i]
		if !a.types[ev.Op.String()] {
			continue
		}
		ti, err := a.table(ctx, ev)
		if err != nil {
			return err
		}
		if !ti.selected {
			continue
		}
		rc, err := ti.change(ev)
		if err != nil {
			return err
		}
		if rc.Op == 0 { // outside the row filter before and after
			if t.Seq > a.hw {
				a.filtered.Add(1)
			}
			continue
		}
		r := routed{ti: ti, rc: rc}
		r.w = a.route(ti, &r.rc)
		r.keys = ti.causalKeys(&r.rc)
		for _, k := range r.keys {
			if w, ok := seen[k]; ok && w != r.w {
				whole = true
			}
			seen[k] = r.w
		}
		rs = append(rs, r)
	}
	// Wait for a barrier first if any change conflicts with another worker's uncommitted
	// work; only then register this transaction's keys (a barrier clears the registry, so
	// registering earlier would lose this transaction's own entries).
	dest := func(r *routed) int {
		if whole {
			return rs[0].w
		}
		return r.w
	}
	conflict := len(a.pending) > incrPendingLimit
	for i := range rs {
		if !conflict && a.heldElsewhere(rs[i].keys, dest(&rs[i]), t.Seq) {
			conflict = true
		}
	}
	if conflict {
		if err := a.barrier(ctx); err != nil {
			return err
		}
	}
	units := map[int]*incrUnit{}
	var order []int
	for i := range rs {
		r := &rs[i]
		w := dest(r)
		for _, k := range r.keys {
			a.pending[k] = pendingKey{worker: w, seq: t.Seq}
		}
		u := units[w]
		if u == nil {
			u = &incrUnit{seq: t.Seq, pos: t.Pos, time: t.Time, safe: safe}
			units[w] = u
			order = append(order, w)
		}
		u.changes = append(u.changes, r.rc)
		u.srcs = append(u.srcs, r.ti.src)
		u.bytes += r.rc.Before.Size() + r.rc.After.Size()
		a.count(r.ti.src, r.rc.Op)
	}
	for _, w := range order {
		if err := a.send(ctx, w, units[w]); err != nil {
			return err
		}
	}
	a.mu.Lock()
	a.lastDisp = endpoint.Checkpoint{Seq: t.Seq, Pos: t.Pos, Time: t.Time}
	a.mu.Unlock()
	return nil
}

// route picks the worker of a change: a hash of the table and the row's key (the before
// image's for updates and deletes), or of the table alone when it has no key. Deterministic,
// so a replay after a crash routes every change to the worker whose checkpoint covers it.
func (a *applier) route(ti *tableInfo, rc *endpoint.RowChange) int {
	n := len(a.workers)
	h := fnv.New64a() // fixed function: the same change routes to the same worker in every process
	h.Write([]byte(strings.ToLower(ti.src)))
	if len(rc.Key) > 0 {
		row := rc.Before
		if rc.Op == change.OpInsert {
			row = rc.After
		}
		if k, ok := keyValues(rc.Cols, rc.Key, row); ok {
			h.Write([]byte(k))
		}
	}
	return int(h.Sum64() % uint64(n))
}

// heldElsewhere reports whether another worker holds uncommitted work of an earlier
// transaction on one of keys (the transaction's own changes sharing a key are all routed to
// one worker: see dispatch).
func (a *applier) heldElsewhere(keys []string, w int, seq uint64) bool {
	for _, k := range keys {
		if p, ok := a.pending[k]; ok && p.worker != w && p.seq < seq && a.workers[p.worker].committed.Load() < p.seq {
			return true
		}
	}
	return false
}

// send queues a unit on its worker unless the worker applied it before this run.
func (a *applier) send(ctx context.Context, w int, u *incrUnit) error {
	if u.seq <= a.skip[w] {
		return nil
	}
	rows := len(u.changes)
	if a.rows != nil {
		if err := a.rows.WaitN(ctx, min(rows, a.rows.Burst())); err != nil {
			return err
		}
	}
	if a.bytes != nil {
		if err := a.bytes.WaitN(ctx, min(u.bytes, a.bytes.Burst())); err != nil {
			return err
		}
	}
	// Memory: the queues hold at most incrQueueBytes (one unit more when it is larger), so a
	// large transaction is held a few parts at a time, not whole.
	for q := a.queued.Load(); q > 0 && q+int64(u.bytes) > incrQueueBytes; q = a.queued.Load() {
		select {
		case <-a.notify:
		case err := <-a.failed:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	a.queued.Add(int64(u.bytes))
	wk := a.workers[w]
	wk.dispatched = u.seq
	wk.dispSeen.Store(u.seq)
	select {
	case wk.in <- u:
		return nil
	case err := <-a.failed:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *applier) count(src string, op change.Op) {
	if !a.cfg.EnableIncrSyncStatistics {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.stats[src]
	if c == nil {
		c = &stream.TableCounts{Table: src}
		a.stats[src] = c
	}
	switch op {
	case change.OpInsert:
		c.Inserts++
	case change.OpUpdate:
		c.Updates++
	case change.OpDelete:
		c.Deletes++
	case change.OpDDL:
		c.DDLs++
	}
}

// restoreCounters continues the published counters of an earlier run of the step.
func (a *applier) restoreCounters(ctx context.Context) {
	var st stream.ApplyStatus
	if ok, err := state.GetJSON(ctx, a.store, a.project.ID, a.fw.Keys.Apply, &st); err != nil || !ok {
		return
	}
	a.rowsDone.Store(st.RowsApplied)
	a.ddls.Store(st.DDLApplied)
	a.conflicts.Store(st.Conflicts)
	a.filtered.Store(st.RowsFiltered)
	for _, t := range st.Tables {
		c := t
		a.stats[t.Table] = &c
	}
}
