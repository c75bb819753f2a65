package steps

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/godwit/godwit/copier"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/state"
	"github.com/godwit/godwit/stream"
	"github.com/godwit/godwit/verify"
)

// Verification results.
const (
	ResultConsistent   = verify.Consistent
	ResultInconsistent = verify.Inconsistent
)

// VerifyTableExtra is FULL_VERIFIER's per-table JSON in TableState.Extra (the run's table
// result, for the progress views; the full result and the differences are in the run).
type VerifyTableExtra struct {
	RunID  string `json:"runId"`
	Result string `json:"result"` // CONSISTENT | INCONSISTENT
	// ResultType is the table's verify result type (TARGET_TABLE_NOT_EXIST, …) and Message
	// its explanation; Compared is false when the rows could not be compared at all.
	ResultType     string `json:"resultType"`
	Message        string `json:"message,omitempty"`
	Compared       bool   `json:"compared"`
	SrcRows        int64  `json:"srcRows"`
	DstRows        int64  `json:"dstRows"`
	OnlyInSource   int64  `json:"onlyInSource"`
	OnlyInTarget   int64  `json:"onlyInTarget"`
	Different      int64  `json:"different"`
	Chunks         int    `json:"chunks"`
	MismatchChunks []int  `json:"mismatchChunks"`
}

// Verify runs FULL_VERIFIER with package verify: chunked hashes on both sides, bisection of
// mismatching chunks down to rows, differences with their SQL and corrections, persisted in
// a verification run whose id is kept in project state (state.VerifyRun) so that a
// restarted step resumes it. The step finishes with stepInfo.verifyResult CONSISTENT or
// INCONSISTENT; per-table results also go to the step's table states.
func Verify(ctx context.Context, env *Env) error {
	objs, err := loadPlan(ctx, env)
	if err != nil {
		return err
	}
	pid := env.Project.ID
	runID, err := env.Store.GetState(ctx, pid, state.VerifyRun)
	if err != nil {
		return err
	}
	if runID == nil {
		if err := noteVerifyFrom(ctx, env); err != nil {
			return err
		}
		runID = []byte(model.NewID("vr"))
		if err := env.Store.PutState(ctx, pid, state.VerifyRun, runID); err != nil {
			return err
		}
	}
	opt := verify.ProjectOptions(env.Project)
	opt.Now = env.Now
	opt.Log = env.Log
	if env.Project.EnableIncrTransfer {
		// Under live sync a difference is re-checked after the current delay before it counts.
		opt.Recheck = &verify.Rechecker{Delay: func() time.Duration { return incrDelay(ctx, env) }}
	}
	meter := &copier.Meter{}
	opt.Progress = func(pr verify.Progress) {
		meter.Capacity.Store(pr.RowsTotal)
		meter.Processed.Store(pr.RowsDone)
		info := meter.Sample(env.Now())
		env.Report(ctx, meter.Progress(), &info, false)
	}
	v, err := verify.New(env.Source, env.Sink, env.Store, opt)
	if err != nil {
		return err
	}
	run, err := v.Run(ctx, string(runID), pid, "FULL", verify.TablesOf(objs))
	if err != nil {
		return err
	}
	if err := putVerifyTableStates(ctx, env, run.ID); err != nil {
		return err
	}
	info := meter.Sample(env.Now())
	p := meter.Processed.Load()
	info.ProcessedRecords, info.Capacity = model.Int64(p), model.Int64(p)
	info.VerifyResult = run.Result
	info.Message = run.Message
	level := "INFO"
	if run.Result != verify.Consistent {
		level = "WARN"
	}
	env.Logf(ctx, level, "verification %s: %s", run.ID, run.Message)
	env.Report(ctx, 99, &info, true)
	return nil
}

// putVerifyTableStates mirrors the run's table results into the step's table states.
func putVerifyTableStates(ctx context.Context, env *Env, runID string) error {
	ts, _, err := env.Store.ListVerifyTables(ctx, meta.VerifyTableFilter{RunID: runID})
	if err != nil {
		return err
	}
	for _, t := range ts {
		x := VerifyTableExtra{RunID: runID, Result: t.Result, ResultType: t.Result, Message: t.Message,
			Compared: verify.Compared(t.Result), SrcRows: t.SourceRows, DstRows: t.TargetRows,
			OnlyInSource: t.OnlyInSource, OnlyInTarget: t.OnlyInTarget, Different: t.Different, Chunks: t.Chunks,
			MismatchChunks: []int{}}
		if !verify.IsConsistent(t.Result) {
			x.Result = ResultInconsistent
			cs, err := env.Store.ListVerifyChunks(ctx, runID, t.Table)
			if err != nil {
				return err
			}
			for _, c := range cs {
				if c.Mismatch || c.OnlyInSource+c.OnlyInTarget+c.Different > 0 {
					x.MismatchChunks = append(x.MismatchChunks, c.Seq)
				}
			}
		} else {
			x.Result = ResultConsistent
		}
		b, _ := json.Marshal(x)
		st := meta.TableState{ProjectID: env.Project.ID, Step: model.StepFullVerify, Table: t.Table, Target: t.Target,
			Status: tableFinished, Capacity: t.SourceRows, Done: t.SourceRows, Extra: string(b), Updated: env.Now()}
		if err := env.Store.PutTable(ctx, &st); err != nil {
			return err
		}
	}
	return nil
}

// noteVerifyFrom records the forward stream's applied seq as a new verification run starts
// (state.VerifyFromSeq): the switchover's final check re-compares the keys changed after it.
func noteVerifyFrom(ctx context.Context, env *Env) error {
	if !env.Project.EnableIncrTransfer {
		return nil
	}
	var ap stream.ApplyStatus
	if _, err := state.GetJSON(ctx, env.Store, env.Project.ID, forward(env).Keys.Apply, &ap); err != nil {
		return err
	}
	return env.Store.PutState(ctx, env.Project.ID, state.VerifyFromSeq, []byte(strconv.FormatUint(ap.AppliedSeq, 10)))
}
