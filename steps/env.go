// Package steps holds one file per project step. Each step is a Func that does its work
// against the Env the engine prepares, persists its own resumable state in the metadata store
// (chunk state, table state, project state keys), and returns nil when the step is complete.
//
// Contract with the engine: a step may be interrupted at any instant (context cancelled on
// Stop, or the process killed) and is then run again from the start of the Func; it must
// re-derive its phase from persisted state and redo at most the work that was in flight.
// A returned error stops the project in FAILED; *errs.Error codes and advice reach the user.
//
// The step files are thin: they check the endpoints' capabilities, load the plan and hand
// them with the Env (as the packages' Host: log entries, progress, Detach) to the packages
// that do the work — copier (FULL_TRANSFER), capture (TRANSFER_INCR_LOG_PULL), replay
// (INCR_TRANSFER), verify (FULL_VERIFIER). Those packages never import steps.
package steps

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/stream"
)

// Func runs one step.
type Func func(ctx context.Context, env *Env) error

// Registry maps each step name to its implementation. Steps not present are reported as
// not supported when a project enables them.
func Registry() map[model.StepName]Func {
	return map[model.StepName]Func{
		model.StepPrecheck:    Precheck,
		model.StepStruct:      Struct,
		model.StepFull:        Full,
		model.StepIndex:       Index,
		model.StepFullVerify:  Verify,
		model.StepIncrLogPull: IncrLogPull,
		model.StepIncr:        Incr,
		model.StepAppSwitch:   AppSwitch,
		model.StepReverseIncr: ReverseIncr,
	}
}

// Continuous reports whether a step keeps running after it reached its steady state: it
// calls Env.Detach once there, the engine then records DetachedStatus and goes on with the
// next steps while this one keeps running until the project stops or the step fails.
// After a restart the engine relaunches a continuous step whose status is DetachedStatus
// in the background straight away.
func Continuous(name model.StepName) bool {
	return name == model.StepIncrLogPull || name == model.StepIncr || name == model.StepReverseIncr
}

// DetachedStatus is the status a continuous step shows once detached: the log pull is
// FINISHED (as OMS shows it, capture goes on behind it) and INCR_TRANSFER is MONITORING.
func DetachedStatus(name model.StepName) model.StepStatus {
	if name == model.StepIncr || name == model.StepReverseIncr {
		return model.StepMonitoring
	}
	return model.StepFinished
}

// Env is what a step works with. The engine owns Source and Sink (opens them before the first
// step, closes them after the last); steps must not close them.
type Env struct {
	Project  *model.Project
	Store    meta.Store
	Log      *slog.Logger
	SourceDS model.DataSource
	SinkDS   model.DataSource
	Source   endpoint.Endpoint
	Sink     endpoint.Endpoint
	Now      func() time.Time
	// DataDir is the server's data directory; steps keep local files (the change store) under it.
	DataDir string
	// Streams are the project run's stream resources (open change stores shared by capture
	// and replay), created by the engine for the run; nil outside a run.
	Streams *stream.Resources
	// Detached is closed by Detach; the engine creates it for continuous steps (nil otherwise).
	Detached chan struct{}

	// Step is the step being run; Report persists its progress and info.
	Step *model.Step

	mu         sync.Mutex
	lastReport time.Time
	detachOnce sync.Once
}

// Detach tells the engine a continuous step reached its steady state (see Continuous).
// Calling it more than once, or from a step that is not continuous, is harmless.
func (e *Env) Detach() {
	if e.Detached == nil {
		return
	}
	e.detachOnce.Do(func() { close(e.Detached) })
}

// SetStatus sets the running step's status and progress and persists them; used by the
// engine for detached steps, safe against concurrent Report calls.
func (e *Env) SetStatus(ctx context.Context, st model.StepStatus, progress int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Step.Status, e.Step.Progress = st, progress
	if st == model.StepFinished || st == model.StepMonitoring {
		now := e.Now().UTC()
		e.Step.FinishTime = &now
	}
	if err := e.Store.UpdateStep(ctx, e.Step); err != nil {
		e.Log.Warn("persisting step status failed", "step", e.Step.Name, "err", err)
	}
}

// Snapshot returns a copy of the step under the report lock.
func (e *Env) Snapshot() model.Step {
	e.mu.Lock()
	defer e.mu.Unlock()
	return *e.Step
}

// Report updates the running step's progress (0..99 while running) and info and persists it
// at most twice a second unless force is set. Safe for concurrent use.
func (e *Env) Report(ctx context.Context, progress int, info *model.StepInfo, force bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if progress > 99 {
		progress = 99
	}
	if progress > e.Step.Progress {
		e.Step.Progress = progress
	}
	if info != nil {
		e.Step.Info = *info
	}
	now := e.Now()
	if !force && now.Sub(e.lastReport) < 500*time.Millisecond {
		return
	}
	e.lastReport = now
	if err := e.Store.UpdateStep(ctx, e.Step); err != nil && ctx.Err() == nil {
		e.Log.Warn("persisting step progress failed", "step", e.Step.Name, "err", err)
	}
}

// Logf appends a project log entry (and logs it).
func (e *Env) Logf(ctx context.Context, level, format string, args ...any) {
	msg := sprintf(format, args...)
	switch level { // e.Log already carries the project id
	case "ERROR":
		e.Log.Error(msg, "step", e.Step.Name)
	case "WARN":
		e.Log.Warn(msg, "step", e.Step.Name)
	default:
		e.Log.Info(msg, "step", e.Step.Name)
	}
	_ = e.Store.AppendLog(context.WithoutCancel(ctx), meta.LogEntry{ProjectID: e.Project.ID, Time: e.Now(),
		Level: level, Step: string(e.Step.Name), Message: msg})
}
