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
		if list[i].Status != model.StepFinished {
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
	for i := range list {
		s := &list[i]
		if s.Status == model.StepFinished {
			continue
		}
		fn := e.funcs[s.Name]
		if fn == nil {
			e.failStep(bg, p, s, errs.New(errs.KindUnsupported, errs.CodeStepNotSupported,
				fmt.Sprintf("step %s is not implemented in this godwit version", s.Name),
				"Disable the corresponding enable* flag of the project, or upgrade godwit."))
			return
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
		env := &steps.Env{Project: p, Store: e.store, Log: e.log.With("project", id), SourceDS: *sds, SinkDS: *dds,
			Source: src, Sink: dst, Now: e.now, Step: s}
		err := e.runStep(ctx, fn, env)
		if e.interrupted(ctx, p, s) {
			return
		}
		if err != nil {
			e.failStep(bg, p, s, err)
			return
		}
		fin := e.now().UTC()
		s.Status, s.Progress, s.FinishTime = model.StepFinished, 100, &fin
		if err := e.store.UpdateStep(bg, s); err != nil {
			e.log.Error("persisting step failed", "project", id, "err", err)
			return
		}
		e.audit(bg, id, "INFO", s.Name, fmt.Sprintf("step finished in %s", fin.Sub(*s.StartTime).Round(time.Millisecond)))
	}
	e.finishProject(bg, p)
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
	e.mu.Lock()
	defer e.mu.Unlock()
	if cur, err := e.store.GetProject(bg, p.ID); err == nil {
		cur.Status = model.StatusSuspend
		cur.GmtModified = e.now().UTC()
		_ = e.store.UpdateProject(bg, cur)
	}
	e.audit(bg, p.ID, "INFO", s.Name, "project suspended by user")
	return true
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
