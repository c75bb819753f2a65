// Package engine runs projects: it executes a project's enabled steps in order in one
// goroutine per running project, persists every transition, and implements the lifecycle
// (start, stop, resume, release, delete) with OMS's state rules.
//
// Persistence contract: the project's status and each step's status, progress and error are
// written to the metadata store before and after every step. On boot, Start resumes every
// project whose status is RUNNING (the process died while it ran) at the first step that is not
// FINISHED; steps re-derive their own phase from their persisted state.
//
// Ownership contract (several nodes over one metadata store): the engine runs a project only
// while it holds the project's lease (meta.LeaseStore), acquired before the run starts,
// renewed every Options.LeaseRenew by a goroutine of the run and released when the run exits.
// Every write of the run (steps included, through steps.Env.Store) goes through the lease's
// fenced view, so once another node has taken the lease over nothing of the old run lands;
// a run whose lease is lost is cancelled and does not settle the project's status. The engine
// is a controller: Reconcile (at Start and every Options.ReconcileEvery) launches every RUNNING
// project whose lease it can acquire and stops its own runs whose desired state is SUSPEND.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/steps"
	"github.com/godwit/godwit/stream"
)

// Engine runs projects. Create with New; all methods are safe for concurrent use.
type Engine struct {
	store meta.Store
	log   *slog.Logger
	now   func() time.Time
	funcs map[model.StepName]steps.Func
	// dataDir is where steps keep local files (Env.DataDir).
	dataDir string
	node    string        // lease owner id
	ttl     time.Duration // lease TTL
	renew   time.Duration // lease renewal interval
	recon   time.Duration // reconcile interval (<0: only at Start)
	parts   int           // endpoint.Options.TxnPartBytes of the runs' endpoints

	mu      sync.Mutex
	running map[string]*run // project id → its run; entries removed by the run goroutine
	jobs    map[jobKey]*job // reserved and running standalone jobs (jobs.go)
	jobList []*job          // started jobs, running and recently ended, oldest first
	wg      sync.WaitGroup
	base    context.Context // parent of every run and job; cancelled by Close
	cancel  context.CancelFunc
}

// run is one project's goroutine. done is closed by that goroutine when it exits.
type run struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
	lease  meta.Lease
	store  meta.Store // e.store fenced by lease: every write the run makes
}

// errStopped is the cancel cause used by Stop; a step interrupted by it leaves the project SUSPEND.
var errStopped = errors.New("stopped by user")

// errLeaseLost is the cancel cause of a run whose lease another node took over: the run
// exits without settling the project's status (the new owner runs it).
var errLeaseLost = errors.New("the project's lease was taken over by another node")

// Lease defaults.
const (
	DefaultLeaseTTL       = 30 * time.Second
	DefaultLeaseRenew     = 10 * time.Second
	DefaultReconcileEvery = 10 * time.Second
)

// Options configures an Engine.
type Options struct {
	Now   func() time.Time              // defaults to time.Now
	Steps map[model.StepName]steps.Func // defaults to steps.Registry()
	// DataDir is the server's data directory, handed to steps (change store files).
	DataDir string
	// NodeID names this engine as the owner of the leases it takes; "" = random per process.
	// Two engines sharing a store must have different ids.
	NodeID string
	// LeaseTTL is how long a lease lasts unless renewed (default DefaultLeaseTTL);
	// LeaseRenew how often a run renews it (default DefaultLeaseRenew, at most TTL/2).
	LeaseTTL, LeaseRenew time.Duration
	// ReconcileEvery is the period of the reconcile loop Start launches (default
	// DefaultReconcileEvery; negative: reconcile only at Start and when Reconcile is called).
	ReconcileEvery time.Duration
	// TxnPartBytes is the runs' endpoint.Options.TxnPartBytes (0: the endpoint default).
	TxnPartBytes int
}

// New returns an engine over store. Call Start to resume projects, Close to stop.
func New(store meta.Store, log *slog.Logger, opts Options) *Engine {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Steps == nil {
		opts.Steps = steps.Registry()
	}
	if opts.NodeID == "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		opts.NodeID = "node-" + hex.EncodeToString(b)
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultLeaseTTL
	}
	if opts.LeaseRenew <= 0 {
		opts.LeaseRenew = DefaultLeaseRenew
	}
	opts.LeaseRenew = min(opts.LeaseRenew, opts.LeaseTTL/2)
	if opts.ReconcileEvery == 0 {
		opts.ReconcileEvery = DefaultReconcileEvery
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{store: store, log: log, now: opts.Now, funcs: opts.Steps, dataDir: opts.DataDir,
		node: opts.NodeID, ttl: opts.LeaseTTL, renew: opts.LeaseRenew, recon: opts.ReconcileEvery, parts: opts.TxnPartBytes,
		running: map[string]*run{}, jobs: map[jobKey]*job{}, base: ctx, cancel: cancel}
}

// NodeID returns the id this engine owns leases as.
func (e *Engine) NodeID() string { return e.node }

// Start finishes the releases that were in progress when the process last stopped, resumes
// every RUNNING project whose lease it acquires (see Reconcile) and starts the reconcile loop.
func (e *Engine) Start(ctx context.Context) error {
	ps, _, err := e.store.ListProjects(ctx, meta.ProjectFilter{Statuses: []string{string(model.StatusReleasing)}})
	if err != nil {
		return err
	}
	for i := range ps {
		if err := e.finishRelease(ctx, &ps[i]); err != nil {
			e.log.Error("finishing release failed", "project", ps[i].ID, "err", err)
		}
	}
	if err := e.Reconcile(ctx); err != nil {
		return err
	}
	if e.recon > 0 {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			t := time.NewTicker(e.recon)
			defer t.Stop()
			for {
				select {
				case <-e.base.Done():
					return
				case <-t.C:
					if err := e.Reconcile(e.base); err != nil && e.base.Err() == nil {
						e.log.Warn("reconciling projects failed", "err", err)
					}
				}
			}
		}()
	}
	return nil
}

// Reconcile moves the projects toward their desired state as far as this node may: a RUNNING
// project that runs nowhere (its lease is free or expired) is launched here once its lease is
// acquired, a project held by another live node is left alone, and a run of this node whose
// project's desired state became SUSPEND (a stop requested on another node) is stopped.
func (e *Engine) Reconcile(ctx context.Context) error {
	ps, _, err := e.store.ListProjects(ctx, meta.ProjectFilter{Statuses: []string{string(model.StatusRunning)}})
	if err != nil {
		return err
	}
	for i := range ps {
		e.reconcileOne(ctx, ps[i].ID)
	}
	return nil
}

func (e *Engine) reconcileOne(ctx context.Context, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, err := e.store.GetProject(ctx, id) // re-read under e.mu: transitions cannot interleave
	if err != nil || p.Status != model.StatusRunning {
		return
	}
	if r := e.running[id]; r != nil {
		if p.Desired == model.StatusSuspend {
			r.cancel(errStopped)
		}
		return
	}
	l, err := e.store.AcquireLease(ctx, id, e.node, e.now(), e.ttl)
	if err != nil {
		if errs.As(err).Code != errs.CodeLeaseHeld {
			e.log.Warn("acquiring a project's lease failed", "project", id, "err", err)
		}
		return
	}
	if p.Desired == model.StatusSuspend { // a stop was requested while nobody ran it
		e.suspendIdle(ctx, e.store.Fenced(l), id)
		_ = e.store.ReleaseLease(context.WithoutCancel(ctx), l)
		return
	}
	e.log.Info("resuming project", "project", id, "name", p.Name, "node", e.node, "token", l.Token)
	e.launchLocked(id, l)
}

// Close stops every run (projects stay RUNNING in the store, so the next Start — here or on
// another node — resumes them) and every job, and waits for all their goroutines to exit.
func (e *Engine) Close() {
	e.mu.Lock() // goroutines are added under e.mu only while base is live
	e.cancel()
	e.mu.Unlock()
	e.wg.Wait()
}

// Running reports whether a project's goroutine is active.
func (e *Engine) Running(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.running[id]
	return ok
}

// StartProject moves INIT → RUNNING and starts the steps.
func (e *Engine) StartProject(ctx context.Context, id string) error {
	return e.transition(ctx, id, "start", []model.ProjectStatus{model.StatusInit}, func(p *model.Project) {
		now := e.now().UTC()
		p.GmtStart = &now
	})
}

// ResumeProject moves SUSPEND or FAILED → RUNNING and continues at the step that was not finished.
func (e *Engine) ResumeProject(ctx context.Context, id string) error {
	return e.transition(ctx, id, "resume", []model.ProjectStatus{model.StatusSuspend, model.StatusFailed}, nil)
}

// transition records RUNNING and launches the run in one critical section: no other
// transition can observe the new status without the run, or the run without the status.
// The project's lease is acquired first (refused with errs.CodeLeaseHeld while another node
// holds it) and the RUNNING write goes through its fenced view.
func (e *Engine) transition(ctx context.Context, id, action string, from []model.ProjectStatus, mut func(*model.Project)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, busy := e.running[id]
	cur, err := e.store.GetProject(ctx, id)
	if err != nil {
		return err
	}
	if !statusIn(cur.Status, from) || busy { // checked before the lease is taken: a refused
		// transition must not fence out this node's own run
		return errs.IllegalState(id, action, string(cur.Status), joinStatuses(from))
	}
	l, err := e.store.AcquireLease(ctx, id, e.node, e.now(), e.ttl)
	if err != nil {
		return err
	}
	now := e.now().UTC()
	if _, err := e.store.Fenced(l).ModifyProject(ctx, id, func(p *model.Project) error {
		if !statusIn(p.Status, from) {
			return errs.IllegalState(id, action, string(p.Status), joinStatuses(from))
		}
		p.Status, p.Desired = model.StatusRunning, model.StatusRunning
		p.GmtModified = now
		p.GmtFinish = nil
		if mut != nil {
			mut(p)
		}
		return nil
	}); err != nil {
		_ = e.store.ReleaseLease(context.WithoutCancel(ctx), l)
		return err
	}
	e.launchLocked(id, l)
	return nil
}

// StopProject moves RUNNING → SUSPEND. It records the request (Desired SUSPEND) and cancels
// the run in one critical section, then waits for the run to exit; the run itself records
// SUSPEND as it exits (see launchLocked), so the status says SUSPEND only once nothing of the
// project runs any more. A RUNNING project without a run (its run ended without settling, e.g.
// a metadata read failed) is suspended at once. If ctx ends first StopProject returns its
// error; the run still stops. A project that another live node runs only gets the request:
// that node stops it at its next Reconcile.
func (e *Engine) StopProject(ctx context.Context, id string) error {
	e.mu.Lock()
	r := e.running[id]
	now := e.now().UTC()
	remote := false
	if r == nil {
		l, err := e.store.GetLease(ctx, id)
		if err != nil {
			e.mu.Unlock()
			return err
		}
		remote = l.Owner != "" && l.Owner != e.node && l.Expires.After(e.now())
	}
	_, err := e.store.ModifyProject(ctx, id, func(p *model.Project) error {
		if p.Status != model.StatusRunning {
			return errs.IllegalState(id, "stop", string(p.Status), "RUNNING")
		}
		p.Desired = model.StatusSuspend
		if r == nil && !remote {
			p.Status, p.GmtModified = model.StatusSuspend, now
		}
		return nil
	})
	if err == nil && r != nil {
		r.cancel(errStopped)
	}
	e.mu.Unlock()
	if err != nil {
		return err
	}
	if remote {
		e.audit(ctx, id, "INFO", "", "stop requested; the node running the project stops it")
		return nil
	}
	if r == nil {
		e.audit(ctx, id, "INFO", "", "project suspended by user")
		return nil
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ReleaseProject moves SUSPEND, FAILED or FINISHED → RELEASING → RELEASED, dropping the
// project's working state (chunk plans, checkpoints). Data already on the target is kept.
func (e *Engine) ReleaseProject(ctx context.Context, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	allowed := []model.ProjectStatus{model.StatusSuspend, model.StatusFailed, model.StatusFinished}
	_, busy := e.running[id]
	now := e.now().UTC()
	p, err := e.store.ModifyProject(ctx, id, func(p *model.Project) error {
		if !statusIn(p.Status, allowed) || busy {
			return errs.IllegalState(id, "release", string(p.Status), joinStatuses(allowed))
		}
		p.Status, p.Desired = model.StatusReleasing, model.StatusReleased
		p.GmtModified = now
		return nil
	})
	if err != nil {
		return err
	}
	return e.finishRelease(ctx, p)
}

func (e *Engine) finishRelease(ctx context.Context, p *model.Project) error {
	for _, s := range model.StepOrder {
		if err := e.store.ResetStepState(ctx, p.ID, s); err != nil {
			return err
		}
	}
	if err := stream.RemoveData(e.dataDir, p.ID); err != nil { // the streams' change stores
		e.log.Warn("removing the change store failed", "project", p.ID, "err", err)
	}
	now := e.now().UTC()
	if _, err := e.store.ModifyProject(ctx, p.ID, func(cur *model.Project) error {
		cur.Status, cur.GmtModified = model.StatusReleased, now
		return nil
	}); err != nil {
		return err
	}
	e.audit(ctx, p.ID, "INFO", "", "project released")
	return nil
}

// DeleteProject removes an INIT or RELEASED project.
func (e *Engine) DeleteProject(ctx context.Context, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, err := e.store.GetProject(ctx, id)
	if err != nil {
		return err
	}
	allowed := []model.ProjectStatus{model.StatusInit, model.StatusReleased}
	// Every status change goes through e.mu, so the status read here cannot change before
	// the delete below.
	if !statusIn(p.Status, allowed) || e.running[id] != nil {
		return errs.IllegalState(id, "delete", string(p.Status), joinStatuses(allowed))
	}
	return e.store.DeleteProject(ctx, id)
}

// suspendIdle records SUSPEND for a RUNNING project that nothing runs, through st.
func (e *Engine) suspendIdle(ctx context.Context, st meta.Store, id string) {
	now := e.now().UTC()
	if _, err := st.ModifyProject(ctx, id, func(p *model.Project) error {
		if p.Status != model.StatusRunning {
			return errs.IllegalState(id, "stop", string(p.Status), "RUNNING")
		}
		p.Status, p.GmtModified = model.StatusSuspend, now
		return nil
	}); err == nil {
		e.audit(ctx, id, "INFO", "", "project suspended by user")
	}
}

// launchLocked starts the project's run goroutine; e.mu must be held. The run is the one
// owner of the project's RUNNING status: while e.running[id] holds it, no transition but Stop
// applies, and when it exits it settles the project's status (FINISHED, FAILED, SUSPEND after
// a stop, or RUNNING left as is on shutdown) and removes itself from e.running in one critical
// section, before closing done. So every state another transition can observe is true: RUNNING
// with a run, or a final status with nothing of the project running (its steps have returned
// and its endpoints, binlog stream included, are closed).
//
// The run holds lease l (acquired by the caller): a goroutine renews it while the run lasts;
// when a renewal finds it lost, or a write of the run is refused by its token, the run is
// cancelled (errLeaseLost) and exits without settling. The lease is released as the run leaves
// e.running.
func (e *Engine) launchLocked(id string, l meta.Lease) {
	if _, ok := e.running[id]; ok {
		return
	}
	if e.base.Err() != nil { // closed: nothing may start any more
		_ = e.store.ReleaseLease(context.Background(), l)
		return
	}
	ctx, cancel := context.WithCancelCause(e.base)
	r := &run{cancel: cancel, done: make(chan struct{}), lease: l, store: e.store.Fenced(l)}
	e.running[id] = r
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer close(r.done)
		rctx, stopRenew := context.WithCancel(ctx)
		renewed := make(chan struct{})
		go func() {
			defer close(renewed)
			e.renewLease(rctx, r.lease, func() { r.cancel(errLeaseLost) })
		}()
		res := e.runProject(ctx, id, r.store)
		stopRenew()
		<-renewed
		bg := context.WithoutCancel(ctx)
		e.mu.Lock()
		if res == outcomeLost || errors.Is(context.Cause(ctx), errLeaseLost) {
			e.log.Warn("project lease lost: run stopped without settling", "project", id, "token", l.Token)
		} else {
			e.settle(bg, r.store, id, res, errors.Is(context.Cause(ctx), errStopped))
		}
		if err := e.store.ReleaseLease(bg, l); err != nil {
			e.log.Warn("releasing the project's lease failed", "project", id, "err", err)
		}
		delete(e.running, id)
		e.mu.Unlock()
		cancel(nil)
	}()
}

// renewLease renews l every e.renew until ctx ends; a lost lease calls lost (which cancels
// the run or job holding it) and ends the renewal. Other renewal errors are logged and
// retried at the next tick (the token, not the expiry, protects the project's state).
func (e *Engine) renewLease(ctx context.Context, l meta.Lease, lost func()) {
	t := time.NewTicker(e.renew)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		nl, err := e.store.RenewLease(ctx, l, e.now(), e.ttl)
		switch {
		case err == nil:
			l = nl
		case errs.As(err).Code == errs.CodeLeaseLost:
			lost()
			return
		case ctx.Err() == nil:
			e.log.Warn("renewing a lease failed", "project", l.ProjectID, "lease", l.Name, "err", err)
		}
	}
}

// isLeaseLost reports whether err is a write refused by a stale fencing token.
func isLeaseLost(err error) bool { return err != nil && errs.As(err).Code == errs.CodeLeaseLost }

func statusIn(s model.ProjectStatus, list []model.ProjectStatus) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

func joinStatuses(list []model.ProjectStatus) string {
	out := ""
	for i, s := range list {
		if i > 0 {
			out += " or "
		}
		out += string(s)
	}
	return out
}

func (e *Engine) audit(ctx context.Context, id, level string, step model.StepName, msg string) {
	auditTo(ctx, e.store, e.now, id, level, step, msg)
}

// auditTo appends a project log line through st (a run's fenced store).
func auditTo(ctx context.Context, st meta.Store, now func() time.Time, id, level string, step model.StepName, msg string) {
	_ = st.AppendLog(context.WithoutCancel(ctx), meta.LogEntry{ProjectID: id, Time: now(), Level: level, Step: string(step), Message: msg})
}

// openEndpoints opens the project's source and sink.
func (e *Engine) openEndpoints(ctx context.Context, p *model.Project) (src, dst endpoint.Endpoint, sds, dds *model.DataSource, err error) {
	if sds, err = e.store.GetDataSource(ctx, p.SourceEndpointID); err != nil {
		return
	}
	if dds, err = e.store.GetDataSource(ctx, p.SinkEndpointID); err != nil {
		return
	}
	workers := max(p.FullTransferConfig.ReadWorkerNum, p.FullTransferConfig.WriteWorkerNum)
	if src, err = endpoint.Open(ctx, *sds, endpoint.Options{MaxConns: workers + 4, TxnPartBytes: e.parts}); err != nil {
		err = fmt.Errorf("source: %w", err)
		return
	}
	if dst, err = endpoint.Open(ctx, *dds, endpoint.Options{MaxConns: workers + 4, Project: p}); err != nil {
		src.Close()
		err = fmt.Errorf("target: %w", err)
	}
	return
}
