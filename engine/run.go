package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/steps"
	"github.com/godwit/godwit/stream"
)

// outcome is how a run ended; Engine.settle turns it into the project's status.
type outcome int

const (
	// outcomeInterrupted: the run was cancelled (or could not load the project): SUSPEND if
	// the user stopped it, else (shutdown) the project stays RUNNING for the next boot.
	outcomeInterrupted outcome = iota
	outcomeFinished            // every step finished: FINISHED
	outcomeFailed              // a step failed (its error is recorded on the step): FAILED
	// outcomeLost: a write was refused because another node took the project's lease over;
	// nothing is settled (the new owner runs the project).
	outcomeLost
)

// runProject executes the project's unfinished steps in order and reports how it ended; it
// records step statuses, never the project's (the run goroutine settles that, see
// launchLocked). When the engine itself closes, the status stays RUNNING so the next boot
// resumes it.
//
// Continuous steps (steps.Continuous: log pull, incremental apply) run in the foreground
// until they call Env.Detach, then keep running in the background while the next steps run;
// the project then stays RUNNING after the last step until it is stopped or a background
// step fails (which cancels everything and fails the project).
//
// st is the run's fenced store: every write of the run and of its steps goes through it, and
// the first write it refuses (another node took the lease) ends the run with outcomeLost.
func (e *Engine) runProject(ctx context.Context, id string, st meta.Store) outcome {
	bg := context.WithoutCancel(ctx) // for bookkeeping writes that must land even when cancelled
	audit := func(level string, step model.StepName, msg string) { auditTo(bg, st, e.now, id, level, step, msg) }
	p, err := e.store.GetProject(bg, id)
	if err != nil {
		e.log.Error("loading project failed", "project", id, "err", err)
		return outcomeInterrupted
	}
	list, err := e.store.ListSteps(bg, id)
	if err != nil {
		e.log.Error("loading steps failed", "project", id, "err", err)
		return outcomeInterrupted
	}
	var first *model.Step
	for i := range list {
		if list[i].Status != model.StepFinished || steps.Continuous(list[i].Name) {
			first = &list[i]
			break
		}
	}
	if first == nil {
		return outcomeFinished
	}
	src, dst, sds, dds, err := e.openWithRetry(ctx, st, p)
	if err != nil {
		if e.interrupted(ctx, st, first) {
			return outcomeInterrupted
		}
		return e.failStep(bg, st, p, first, err)
	}
	defer src.Close()
	defer dst.Close()

	rctx, rcancel := context.WithCancelCause(ctx)
	defer rcancel(nil)
	r := &projectRun{e: e, ctx: ctx, rctx: rctx, cancel: rcancel, p: p, st: st, bgDone: make(chan bgResult, len(list))}
	defer r.wait()
	res := stream.NewResources(e.dataDir) // this run's stream resources, shared by its steps
	newEnv := func(s *model.Step) *steps.Env {
		env := &steps.Env{Project: p, Store: st, Log: e.log.With("project", id), SourceDS: *sds, SinkDS: *dds,
			Source: src, Sink: dst, Now: e.now, Step: s, DataDir: e.dataDir, Streams: res}
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
			return r.fail(s, errs.New(errs.KindUnsupported, errs.CodeStepNotSupported,
				fmt.Sprintf("step %s is not implemented in this godwit version", s.Name),
				"Disable the corresponding enable* flag of the project, or upgrade godwit."))
		}
		env := newEnv(s)
		if cont && s.Status == steps.DetachedStatus(s.Name) {
			audit("INFO", s.Name, "step resumed in the background")
			r.background(fn, env)
			continue
		}
		now := e.now().UTC()
		s.Status, s.Error = model.StepRunning, nil
		if s.StartTime == nil {
			s.StartTime = &now
		}
		s.FinishTime = nil
		if err := st.UpdateStep(bg, s); err != nil {
			e.log.Error("persisting step failed", "project", id, "err", err)
			r.cancelAll()
			r.wait()
			if isLeaseLost(err) {
				return outcomeLost
			}
			return outcomeInterrupted
		}
		audit("INFO", s.Name, "step started")
		done := make(chan error, 1)
		go func() { done <- e.runStep(rctx, fn, env) }()
		select {
		case err := <-done:
			if r.stopped(s) {
				return outcomeInterrupted
			}
			if err != nil {
				return r.fail(s, err)
			}
			fin := e.now().UTC()
			env.SetStatus(bg, model.StepFinished, 100)
			audit("INFO", s.Name, fmt.Sprintf("step finished in %s", fin.Sub(*s.StartTime).Round(time.Millisecond)))
		case <-env.Detached: // nil (blocks forever) for steps that are not continuous
			env.SetStatus(bg, steps.DetachedStatus(s.Name), 100)
			audit("INFO", s.Name, "step reached its steady state and goes on in the background")
			r.adopt(env, done)
		case res := <-r.bgDone:
			r.bgCount--
			rcancel(errBackground)
			<-done
			if r.stopped(s) { // a stop ended the background step first: s is interrupted too
				r.wait()
				return outcomeInterrupted
			}
			return r.bgFailed(res)
		}
	}
	if r.bgCount == 0 {
		return outcomeFinished
	}
	// Only background steps are left: the project stays RUNNING until one fails or it stops.
	select {
	case res := <-r.bgDone:
		r.bgCount--
		return r.bgFailed(res)
	case <-ctx.Done():
		r.wait()
		return outcomeInterrupted
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
	st      meta.Store // the run's fenced store
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
func (r *projectRun) bgFailed(res bgResult) outcome {
	if r.ctx.Err() != nil {
		r.wait()
		return outcomeInterrupted
	}
	r.cancelAll()
	r.wait()
	s := res.env.Snapshot()
	return r.e.failStep(context.WithoutCancel(r.ctx), r.st, r.p, &s, res.err)
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
	return r.e.interrupted(r.ctx, r.st, s)
}

// fail fails step s after the background steps have exited.
func (r *projectRun) fail(s *model.Step, err error) outcome {
	r.cancelAll()
	r.wait()
	return r.e.failStep(context.WithoutCancel(r.ctx), r.st, r.p, s, err)
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

// interrupted reports whether the run was cancelled (stop or shutdown); after a user stop it
// records step s SUSPEND through st (the project's SUSPEND is settled when the run exits).
func (e *Engine) interrupted(ctx context.Context, st meta.Store, s *model.Step) bool {
	if ctx.Err() == nil {
		return false
	}
	if errors.Is(context.Cause(ctx), errStopped) {
		s.Status = model.StepSuspend
		_ = st.UpdateStep(context.WithoutCancel(ctx), s)
	}
	return true
}

// failStep records step s FAILED with err through st and returns outcomeFailed (the project's
// FAILED is settled when the run exits). An error that is a lost lease — the step's own write
// was refused, or this one is — records nothing and returns outcomeLost.
func (e *Engine) failStep(ctx context.Context, st meta.Store, p *model.Project, s *model.Step, err error) outcome {
	if isLeaseLost(err) {
		return outcomeLost
	}
	ee := errs.As(err)
	now := e.now().UTC()
	s.Status = model.StepFailed
	s.Error = &model.StepError{Code: ee.Code, Message: ee.FullMessage(), Advice: ee.Advice, Params: ee.Params, FailedTime: now}
	if werr := st.UpdateStep(ctx, s); isLeaseLost(werr) {
		return outcomeLost
	}
	e.log.Error("step failed", "project", p.ID, "step", s.Name, "code", ee.Code, "err", ee.FullMessage())
	auditTo(ctx, st, e.now, p.ID, "ERROR", s.Name, fmt.Sprintf("[%s] %s", ee.Code, ee.FullMessage()))
	return outcomeFailed
}

// settle records the project status a run ended with; e.mu is held by the caller (the run
// goroutine, just before it leaves e.running). Only a RUNNING project is changed: the run
// owns that status and nothing else can have moved it while the run was registered. The write
// goes through the run's fenced store st, so a run whose lease was lost settles nothing.
func (e *Engine) settle(ctx context.Context, st meta.Store, id string, res outcome, stopped bool) {
	now := e.now().UTC()
	var to model.ProjectStatus
	var msg string
	switch {
	case res == outcomeFinished:
		to, msg = model.StatusFinished, "project finished"
	case res == outcomeFailed:
		to = model.StatusFailed
	case stopped:
		to, msg = model.StatusSuspend, "project suspended by user"
	default:
		return // shutdown: stays RUNNING, resumed at the next boot
	}
	if _, err := st.ModifyProject(ctx, id, func(p *model.Project) error {
		if p.Status != model.StatusRunning {
			return errs.IllegalState(id, "settle", string(p.Status), "RUNNING")
		}
		p.Status, p.GmtModified = to, now
		if to == model.StatusFinished {
			p.GmtFinish = &now
		}
		return nil
	}); err != nil {
		e.log.Error("persisting the project status failed", "project", id, "status", to, "err", err)
		return
	}
	if msg != "" {
		auditTo(ctx, st, e.now, id, "INFO", "", msg)
	}
}

// openWithRetry opens both endpoints, retrying unreachable servers (KindUnavailable) with
// backoff for up to a minute before giving up (a failed project can be resumed later); the
// first retry and every fifth are written to the project log with the cause. Anything else —
// refused credentials (errs.CodeAccessDenied) above all — fails at once: retrying cannot fix
// it. When ctx ends the error is ctx's, which the caller treats as an interruption.
func (e *Engine) openWithRetry(ctx context.Context, st meta.Store, p *model.Project) (src, dst endpoint.Endpoint, sds, dds *model.DataSource, err error) {
	delay := 500 * time.Millisecond
	deadline := e.now().Add(time.Minute)
	for attempt := 0; ; attempt++ {
		src, dst, sds, dds, err = e.openEndpoints(ctx, p)
		if err == nil || ctx.Err() != nil || errs.As(err).Kind != errs.KindUnavailable || e.now().After(deadline) {
			return
		}
		e.log.Warn("data source unreachable, retrying", "project", p.ID, "err", err)
		if attempt%5 == 0 {
			auditTo(ctx, st, e.now, p.ID, "WARN", "", fmt.Sprintf("data source unreachable, retrying for up to a minute: %s", errs.As(err).FullMessage()))
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, nil, nil, nil, ctx.Err()
		}
		delay = min(delay*2, 8*time.Second)
	}
}
