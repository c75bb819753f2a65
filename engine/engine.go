// Package engine runs projects: it executes a project's enabled steps in order in one
// goroutine per running project, persists every transition, and implements the lifecycle
// (start, stop, resume, release, delete) with OMS's state rules.
//
// Persistence contract: the project's status and each step's status, progress and error are
// written to the metadata store before and after every step. On boot, Start resumes every
// project whose status is RUNNING (the process died while it ran) at the first step that is not
// FINISHED; steps re-derive their own phase from their persisted state.
package engine

import (
	"context"
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

	mu      sync.Mutex
	running map[string]*run // project id → its run; entries removed by the run goroutine
	wg      sync.WaitGroup
	base    context.Context // parent of every run; cancelled by Close
	cancel  context.CancelFunc
}

// run is one project's goroutine. done is closed by that goroutine when it exits.
type run struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// errStopped is the cancel cause used by Stop; a step interrupted by it leaves the project SUSPEND.
var errStopped = errors.New("stopped by user")

// Options configures an Engine.
type Options struct {
	Now   func() time.Time              // defaults to time.Now
	Steps map[model.StepName]steps.Func // defaults to steps.Registry()
	// DataDir is the server's data directory, handed to steps (change store files).
	DataDir string
}

// New returns an engine over store. Call Start to resume projects, Close to stop.
func New(store meta.Store, log *slog.Logger, opts Options) *Engine {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Steps == nil {
		opts.Steps = steps.Registry()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{store: store, log: log, now: opts.Now, funcs: opts.Steps, dataDir: opts.DataDir,
		running: map[string]*run{}, base: ctx, cancel: cancel}
}

// Start resumes every project that was RUNNING (or RELEASING) when the process last stopped.
func (e *Engine) Start(ctx context.Context) error {
	ps, _, err := e.store.ListProjects(ctx, meta.ProjectFilter{Statuses: []string{string(model.StatusRunning), string(model.StatusReleasing)}})
	if err != nil {
		return err
	}
	for i := range ps {
		p := ps[i]
		if p.Status == model.StatusReleasing {
			if err := e.finishRelease(ctx, &p); err != nil {
				e.log.Error("finishing release failed", "project", p.ID, "err", err)
			}
			continue
		}
		e.log.Info("resuming project after restart", "project", p.ID, "name", p.Name)
		e.launch(p.ID)
	}
	return nil
}

// Close stops every run (projects stay RUNNING in the store, so the next Start resumes them)
// and waits for the goroutines to exit.
func (e *Engine) Close() {
	e.cancel()
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
func (e *Engine) transition(ctx context.Context, id, action string, from []model.ProjectStatus, mut func(*model.Project)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, busy := e.running[id]
	now := e.now().UTC()
	if _, err := e.store.ModifyProject(ctx, id, func(p *model.Project) error {
		if !statusIn(p.Status, from) {
			return errs.IllegalState(id, action, string(p.Status), joinStatuses(from))
		}
		if busy { // unreachable while the run-exit contract holds (see launchLocked); kept as a guard
			return errs.IllegalState(id, action, "still stopping", "not running")
		}
		p.Status, p.Desired = model.StatusRunning, model.StatusRunning
		p.GmtModified = now
		p.GmtFinish = nil
		if mut != nil {
			mut(p)
		}
		return nil
	}); err != nil {
		return err
	}
	e.launchLocked(id)
	return nil
}

// StopProject moves RUNNING → SUSPEND. It records the request (Desired SUSPEND) and cancels
// the run in one critical section, then waits for the run to exit; the run itself records
// SUSPEND as it exits (see launchLocked), so the status says SUSPEND only once nothing of the
// project runs any more. A RUNNING project without a run (its run ended without settling, e.g.
// a metadata read failed) is suspended at once. If ctx ends first StopProject returns its
// error; the run still stops.
func (e *Engine) StopProject(ctx context.Context, id string) error {
	e.mu.Lock()
	r := e.running[id]
	now := e.now().UTC()
	_, err := e.store.ModifyProject(ctx, id, func(p *model.Project) error {
		if p.Status != model.StatusRunning {
			return errs.IllegalState(id, "stop", string(p.Status), "RUNNING")
		}
		p.Desired = model.StatusSuspend
		if r == nil {
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

func (e *Engine) launch(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.launchLocked(id)
}

// launchLocked starts the project's run goroutine; e.mu must be held. The run is the one
// owner of the project's RUNNING status: while e.running[id] holds it, no transition but Stop
// applies, and when it exits it settles the project's status (FINISHED, FAILED, SUSPEND after
// a stop, or RUNNING left as is on shutdown) and removes itself from e.running in one critical
// section, before closing done. So every state another transition can observe is true: RUNNING
// with a run, or a final status with nothing of the project running (its steps have returned
// and its endpoints, binlog stream included, are closed).
func (e *Engine) launchLocked(id string) {
	if _, ok := e.running[id]; ok {
		return
	}
	ctx, cancel := context.WithCancelCause(e.base)
	r := &run{cancel: cancel, done: make(chan struct{})}
	e.running[id] = r
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer close(r.done)
		res := e.runProject(ctx, id)
		e.mu.Lock()
		e.settle(context.WithoutCancel(ctx), id, res, errors.Is(context.Cause(ctx), errStopped))
		delete(e.running, id)
		e.mu.Unlock()
		cancel(nil)
	}()
}

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
	_ = e.store.AppendLog(context.WithoutCancel(ctx), meta.LogEntry{ProjectID: id, Time: e.now(), Level: level, Step: string(step), Message: msg})
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
	if src, err = endpoint.Open(ctx, *sds, endpoint.Options{MaxConns: workers + 4}); err != nil {
		err = fmt.Errorf("source: %w", err)
		return
	}
	if dst, err = endpoint.Open(ctx, *dds, endpoint.Options{MaxConns: workers + 4}); err != nil {
		src.Close()
		err = fmt.Errorf("target: %w", err)
	}
	return
}
