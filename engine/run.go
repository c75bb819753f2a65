package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/steps"
)

// runProject executes the project's unfinished steps in order. It owns the project's status
// while it runs: FINISHED after the last step, FAILED on a step error, SUSPEND when stopped.
// When the engine itself closes, the status stays RUNNING so the next boot resumes it.
//
// Continuous steps (steps.Continuous: log pull, incremental apply) run in the foreground
// until they call Env.Detach, then keep running in the background while the next steps run;
// the project then stays RUNNING after the last step until it is stopped or a background
// step fails (which cancels everything and fails the project).
func (e *Engine) runProject(ctx context.Context, id string) {
	bg := context.WithoutCancel(ctx) // for bookkeeping writes that must land even when cancelled
	p, err := e.store.GetProject(bg, id)
	if err != nil {
		e.log.Error("loading project failed", "project", id, "err", err)
		return
	}
	list, err := e.store.ListSteps(bg, id)
	if err != nil {
		e.log.Error("loading steps failed", "project", id, "err", err)
		return
	}
	var first *model.Step
	for i := range list {
		if list[i].Status != model.StepFinished || steps.Continuous(list[i].Name) {
			first = &list[i]
			break
		}
	}
	if first == nil {
		e.finishProject(bg, p)
		return
	}
	src, dst, sds, dds, err := e.openWithRetry(ctx, p)
	if err != nil {
		if e.interrupted(ctx, p, first) {
			return
		}
		e.failStep(bg, p, first, err)
		return
	}
	defer src.Close()
	defer dst.Close()

	rctx, rcancel := context.WithCancelCause(ctx)
	defer rcancel(nil)
	r := &projectRun{e: e, ctx: ctx, rctx: rctx, cancel: rcancel, p: p, bgDone: make(chan bgResult, len(list))}
	defer r.wait()
	newEnv := func(s *model.Step) *steps.Env {
		env := &steps.Env{Project: p, Store: e.store, Log: e.log.With("project", id), SourceDS: *sds, SinkDS: *dds,
			Source: src, Sink: dst, Now: e.now, Step: s, DataDir: e.dataDir}
		if steps.Continuous(s.Name) {
			env.Detached = make(chan struct{})
		}
		return env
	}
	for i := range list {
		s := &list[i]
		cont := steps.Continuous(s.Name)
		if s.Status == model.StepFinished && !cont {
			continue
		}
		fn := e.funcs[s.Name]
		if fn == nil {
			r.fail(s, errs.New(errs.KindUnsupported, errs.CodeStepNotSupported,
				fmt.Sprintf("step %s is not implemented in this godwit version", s.Name),
				"Disable the corresponding enable* flag of the project, or upgrade godwit."))
			return
		}
		env := newEnv(s)
		if cont && s.Status == steps.DetachedStatus(s.Name) {
			e.audit(bg, id, "INFO", s.Name, "step resumed in the background")
			r.background(fn, env)
			continue
		}
		now := e.now().UTC()
		s.Status, s.Error = model.StepRunning, nil
		if s.StartTime == nil {
			s.StartTime = &now
		}
		s.FinishTime = nil
		if err := e.store.UpdateStep(bg, s); err != nil {
			e.log.Error("persisting step failed", "project", id, "err", err)
			return
		}
		e.audit(bg, id, "INFO", s.Name, "step started")
		done := make(chan error, 1)
		go func() { done <- e.runStep(rctx, fn, env) }()
		select {
		case err := <-done:
			if r.stopped(s) {
				return
			}
			if err != nil {
				r.fail(s, err)
				return
			}
			fin := e.now().UTC()
			env.SetStatus(bg, model.StepFinished, 100)
			e.audit(bg, id, "INFO", s.Name, fmt.Sprintf("step finished in %s", fin.Sub(*s.StartTime).Round(time.Millisecond)))
		case <-env.Detached: // nil (blocks forever) for steps that are not continuous
			env.SetStatus(bg, steps.DetachedStatus(s.Name), 100)
			e.audit(bg, id, "INFO", s.Name, "step reached its steady state and goes on in the background")
			r.adopt(env, done)
		case res := <-r.bgDone:
			r.bgCount--
			rcancel(errBackground)
			<-done
			r.bgFailed(res)
			return
		}
	}
	if r.bgCount == 0 {
		e.finishProject(bg, p)
		return
	}
	// Only background steps are left: the project stays RUNNING until one fails or it stops.
	select {
	case res := <-r.bgDone:
		r.bgCount--
		r.bgFailed(res)
	case <-ctx.Done():
		r.wait()
		if errors.Is(context.Cause(ctx), errStopped) {
			e.suspendProject(bg, p, "")
		}
	}
}

// errBackground cancels the foreground step when a background step failed.
var errBackground = errors.New("a background step failed")

// projectRun tracks the background (detached continuous) steps of one run.
type projectRun struct {
	e       *Engine
	ctx     context.Context // the run's context (Stop / shutdown)
	rctx    context.Context // child cancelled when a background step fails
	cancel  context.CancelCauseFunc
	p       *model.Project
	bgDone  chan bgResult
	bgCount int
	bgEnvs  []*steps.Env
}

type bgResult struct {
	env *steps.Env
	err error
}

// background starts fn as a detached step.
func (r *projectRun) background(fn steps.Func, env *steps.Env) {
	done := make(chan error, 1)
	go func() { done <- r.e.runStep(r.rctx, fn, env) }()
	r.adopt(env, done)
}

// adopt forwards a detached step's result to bgDone.
func (r *projectRun) adopt(env *steps.Env, done <-chan error) {
	r.bgCount++
	r.bgEnvs = append(r.bgEnvs, env)
	go func() {
		err := <-done
		if err == nil && r.rctx.Err() == nil {
			err = errs.New(errs.KindInternal, errs.CodeInternal, fmt.Sprintf("step %s ended while the project runs", env.Step.Name),
				"This is a godwit bug: report it with the log. Resume restarts the step.")
		}
		r.bgDone <- bgResult{env: env, err: err}
	}()
}

// bgFailed handles a background step that ended: a stop or shutdown is an interruption,
// anything else fails the project after the other steps have exited.
func (r *projectRun) bgFailed(res bgResult) {
	if r.ctx.Err() != nil {
		return // stopped or shutting down; wait/stopped handle the statuses
	}
	r.cancelAll()
	r.wait()
	s := res.env.Snapshot()
	r.e.failStep(context.WithoutCancel(r.ctx), r.p, &s, res.err)
}

func (r *projectRun) cancelAll() { r.cancel(errBackground) }

// wait waits for every background step to exit and records SUSPEND for detached steps
// when the user stopped the project.
func (r *projectRun) wait() {
	for r.bgCount > 0 {
		<-r.bgDone
		r.bgCount--
	}
	if r.ctx.Err() != nil && errors.Is(context.Cause(r.ctx), errStopped) {
		bg := context.WithoutCancel(r.ctx)
		for _, env := range r.bgEnvs {
			if st := env.Snapshot(); st.Status == model.StepMonitoring {
				env.SetStatus(bg, model.StepSuspend, st.Progress)
			}
		}
	}
}

// stopped reports whether the run was interrupted (stop or shutdown) and records it.
func (r *projectRun) stopped(s *model.Step) bool {
	return r.e.interrupted(r.ctx, r.p, s)
}

// fail fails step s after the background steps have exited.
func (r *projectRun) fail(s *model.Step, err error) {
	r.cancelAll()
	r.wait()
	r.e.failStep(context.WithoutCancel(r.ctx), r.p, s, err)
}

// runStep calls fn, turning a panic into an internal error so one bad step cannot take the
// whole server down.
func (e *Engine) runStep(ctx context.Context, fn steps.Func, env *steps.Env) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("step panicked", "project", env.Project.ID, "step", env.Step.Name, "panic", r)
			err = errs.New(errs.KindInternal, errs.CodeInternal, fmt.Sprintf("step %s crashed: %v", env.Step.Name, r),
				"This is a godwit bug: report it with the log. Resume retries the step.")
		}
	}()
	return fn(ctx, env)
}

// interrupted handles a cancelled run: Stop → step and project SUSPEND; engine shutdown →
// leave everything RUNNING for the next boot. Reports whether the run was interrupted.
func (e *Engine) interrupted(ctx context.Context, p *model.Project, s *model.Step) bool {
	if ctx.Err() == nil {
		return false
	}
	if !errors.Is(context.Cause(ctx), errStopped) {
		return true
	}
	bg := context.WithoutCancel(ctx)
	s.Status = model.StepSuspend
	_ = e.store.UpdateStep(bg, s)
	e.suspendProject(bg, p, s.Name)
	return true
}

// suspendProject records SUSPEND after a user stop.
func (e *Engine) suspendProject(ctx context.Context, p *model.Project, step model.StepName) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if cur, err := e.store.GetProject(ctx, p.ID); err == nil {
		cur.Status = model.StatusSuspend
		cur.GmtModified = e.now().UTC()
		_ = e.store.UpdateProject(ctx, cur)
	}
	e.audit(ctx, p.ID, "INFO", step, "project suspended by user")
}

func (e *Engine) failStep(ctx context.Context, p *model.Project, s *model.Step, err error) {
	ee := errs.As(err)
	now := e.now().UTC()
	s.Status = model.StepFailed
	s.Error = &model.StepError{Code: ee.Code, Message: ee.FullMessage(), Advice: ee.Advice, Params: ee.Params, FailedTime: now}
	_ = e.store.UpdateStep(ctx, s)
	e.mu.Lock()
	defer e.mu.Unlock()
	if cur, gerr := e.store.GetProject(ctx, p.ID); gerr == nil {
		cur.Status = model.StatusFailed
		cur.GmtModified = now
		_ = e.store.UpdateProject(ctx, cur)
	}
	e.log.Error("step failed", "project", p.ID, "step", s.Name, "code", ee.Code, "err", ee.FullMessage())
	e.audit(ctx, p.ID, "ERROR", s.Name, fmt.Sprintf("[%s] %s", ee.Code, ee.FullMessage()))
}

func (e *Engine) finishProject(ctx context.Context, p *model.Project) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cur, err := e.store.GetProject(ctx, p.ID)
	if err != nil {
		return
	}
	now := e.now().UTC()
	cur.Status, cur.GmtFinish, cur.GmtModified = model.StatusFinished, &now, now
	if err := e.store.UpdateProject(ctx, cur); err != nil {
		e.log.Error("persisting project failed", "project", p.ID, "err", err)
	}
	e.audit(ctx, p.ID, "INFO", "", "project finished")
}

// openWithRetry opens both endpoints, retrying unreachable servers with backoff for up to a
// minute before giving up (a failed project can be resumed later).
func (e *Engine) openWithRetry(ctx context.Context, p *model.Project) (src, dst endpoint.Endpoint, sds, dds *model.DataSource, err error) {
	delay := 500 * time.Millisecond
	deadline := e.now().Add(time.Minute)
	for {
		src, dst, sds, dds, err = e.openEndpoints(ctx, p)
		if err == nil || errs.As(err).Kind != errs.KindUnavailable || e.now().After(deadline) {
			return
		}
		e.log.Warn("data source unreachable, retrying", "project", p.ID, "err", err)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, nil, nil, nil, ctx.Err()
		}
		delay = min(delay*2, 8*time.Second)
	}
}
