package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/state"
	"github.com/godwit/godwit/stream"
)

// AppSwitch runs TRANSFER_APP_SWITCH, the forward switchover. It is reached once
// INCR_TRANSFER is MONITORING (detached) and FULL_VERIFIER, when enabled, finished; it then
// waits for the user's request (state.SwitchRequestKey, written by the service: OMS
// AdvanceProject, DRS switchover, native POST …/switchover, `godwit project switchover`).
//
// A SWITCH request runs, each phase persisted (state.SwitchKey) and shown in the step info:
//  1. FENCING: writes on the source stop — fenceMode READ_ONLY: endpoint.Fencer (read_only,
//     open write transactions waited out then killed); USER: the source log position must
//     not move for quietSeconds.
//  2. CATCHING_UP: Ps, the source position after the fence, is sampled, then a beacon
//     transaction is written on the source after it (one row in the source's checkpoint
//     table, through the change-sink contract): once the forward replayer's applied
//     position passes the beacon, every source transaction before Ps is on the target.
//  3. CHECKING: every key changed since the last full verification is re-compared on both
//     sides (all tables with fullChecksum); then the source log must still end at the
//     applied position (no write slipped through the fence, e.g. from a SUPER account).
//  4. SWITCHED: Pt, the target's log position, becomes the reverse stream's start, and the
//     state is committed. This write is the commit point.
//
// Any refused gate answers a typed error naming it (Params gate = fence | lag | diff |
// verify | state), recorded as the state's lastError, and the source is un-fenced; the step
// goes back to WAITING (the forward sync never stops). A PREPARE request checks the
// readiness gates and holds (PREPARED) until a SWITCH request releases it.
//
// Crash safety: the fence intent is persisted before the fence is set. A step that starts
// in FENCING, CATCHING_UP or CHECKING was interrupted before the commit: it un-fences the
// source (when godwit fenced it) and waits again. A step that starts SWITCHED finishes.
// The forward streams keep running after the switch: the fenced source receives only the
// reverse stream's writes, whose transactions carry the loop marker and are stored empty.
func AppSwitch(ctx context.Context, env *Env) error {
	cfg := env.Project.SwitchoverConfig.Normalized()
	var st model.SwitchState
	if _, err := state.GetJSON(ctx, env.Store, env.Project.ID, state.SwitchKey, &st); err != nil {
		return err
	}
	switch st.Phase {
	case model.SwitchSwitched:
		publishSwitch(ctx, env, &st)
		return nil
	case model.SwitchFencing, model.SwitchCatchUp, model.SwitchChecking:
		gerr := errs.New(errs.KindState, errs.CodeSwitchState,
			fmt.Sprintf("the switchover was interrupted in phase %s (godwit stopped or restarted) and rolled back", st.Phase),
			"Ask for the switchover again.").With("gate", "interrupted")
		if err := rollbackSwitch(ctx, env, &st, gerr); err != nil {
			return err
		}
	case "":
		st.Phase = model.SwitchWaiting
	}
	st.FenceMode = cfg.FenceMode
	if err := saveSwitch(ctx, env, &st); err != nil {
		return err
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		var req model.SwitchRequest
		ok, err := state.GetJSON(ctx, env.Store, env.Project.ID, state.SwitchRequestKey, &req)
		if err != nil {
			return err
		}
		if ok && req.ID != "" && req.ID != st.RequestID {
			st.RequestID = req.ID
			switch req.Action {
			case model.SwitchCancel:
				st.Phase, st.LastError = model.SwitchWaiting, nil
				env.Logf(ctx, "INFO", "prepared switchover cancelled")
			case model.SwitchPrepare:
				if err := switchReady(ctx, env); err != nil {
					st.Phase, st.LastError = model.SwitchWaiting, switchErr(env, err)
					env.Logf(ctx, "WARN", "switchover not prepared: %s", errs.As(err).FullMessage())
				} else {
					st.Phase, st.LastError = model.SwitchPrepared, nil
					env.Logf(ctx, "INFO", "switchover prepared: the gates pass; it runs when released")
				}
			default:
				err := runSwitch(ctx, env, cfg, &st)
				if err == nil {
					return nil
				}
				if ctx.Err() != nil {
					rerr := errs.New(errs.KindState, errs.CodeSwitchState, "the switchover was interrupted by a stop and rolled back",
						"Resume the project and ask for the switchover again.").With("gate", "interrupted")
					_ = rollbackSwitch(ctx, env, &st, rerr)
					return ctx.Err()
				}
				if isLeaseErr(err) {
					return err
				}
				if rerr := rollbackSwitch(ctx, env, &st, err); rerr != nil {
					return rerr
				}
			}
			if err := saveSwitch(ctx, env, &st); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func isLeaseErr(err error) bool { return errs.As(err).Code == errs.CodeLeaseLost }

// switchReady checks the readiness gates: INCR_TRANSFER reached MONITORING (it caught up
// once and runs), its current delay is within the catch-up budget, and the last full
// verification (when enabled) is CONSISTENT.
func switchReady(ctx context.Context, env *Env) error {
	list, err := env.Store.ListSteps(ctx, env.Project.ID)
	if err != nil {
		return err
	}
	var ap stream.ApplyStatus
	if _, err := state.GetJSON(ctx, env.Store, env.Project.ID, forward(env).Keys.Apply, &ap); err != nil {
		return err
	}
	budget := time.Duration(env.Project.SwitchoverConfig.Normalized().CatchUpSeconds) * time.Second
	for _, s := range list {
		switch {
		case s.Name == model.StepIncr && s.Status != model.StepMonitoring:
			return errs.New(errs.KindState, errs.CodeSwitchLag,
				fmt.Sprintf("INCR_TRANSFER is %s, not MONITORING", s.Status),
				"Wait until incremental sync has caught up (MONITORING) and ask again.").With("gate", "lag")
		case s.Name == model.StepIncr && time.Duration(ap.DelayMillis)*time.Millisecond > budget:
			return errs.New(errs.KindState, errs.CodeSwitchLag,
				fmt.Sprintf("incremental sync is %d ms behind, more than the catch-up budget %s", ap.DelayMillis, budget),
				"Wait until the delay is lower (or raise switchoverConfig.catchUpSeconds) and ask again.").With("gate", "lag")
		case s.Name == model.StepFullVerify && env.Project.EnableFullVerify && s.Info.VerifyResult != ResultConsistent:
			res := s.Info.VerifyResult
			if res == "" {
				res = string(s.Status)
			}
			return errs.New(errs.KindState, errs.CodeSwitchState,
				fmt.Sprintf("the full verification is %s, not CONSISTENT", res),
				"Correct the differences (the verification lists them with correction SQL), verify again and ask for the switchover again.").
				With("gate", "verify")
		}
	}
	return nil
}

// runSwitch runs one switchover attempt; nil means committed (SWITCHED).
func runSwitch(ctx context.Context, env *Env, cfg model.SwitchoverConfig, st *model.SwitchState) error {
	if err := switchReady(ctx, env); err != nil {
		return err
	}
	rd, err := need[endpoint.ChangeReader](env.Source, "source", "report its log position")
	if err != nil {
		return err
	}
	trd, err := need[endpoint.ChangeReader](env.Sink, "target", "report its log position (the reverse stream starts there)")
	if err != nil {
		return err
	}
	beacon, err := sourceSink(ctx, env, env.Project.ID+".switch")
	if err != nil {
		return err
	}
	if _, err := beacon.Acknowledged(ctx); err != nil { // creates the checkpoint table, before the fence
		return errs.New(errs.KindState, errs.CodeSwitchFence, "preparing the checkpoint table on the source failed: "+errs.As(err).FullMessage(),
			"godwit's source account needs to create and write the checkpoint schema on the source (the reverse stream writes there too).").
			With("gate", "fence").Wrap(err)
	}
	*st = model.SwitchState{Phase: model.SwitchFencing, RequestID: st.RequestID, FenceMode: cfg.FenceMode}
	env.Logf(ctx, "INFO", "switchover started: fencing the source (%s)", cfg.FenceMode)

	// 1. Fence. The intent is persisted first, so a crash in between still un-fences.
	fencedAt := env.Now()
	if cfg.FenceMode == model.FenceUser {
		if err := saveSwitch(ctx, env, st); err != nil {
			return err
		}
		if err := proveQuiet(ctx, rd, time.Duration(cfg.QuietSeconds)*time.Second); err != nil {
			return err
		}
		fencedAt = env.Now()
	} else {
		f, err := need[endpoint.Fencer](env.Source, "source", "be fenced (made read-only)")
		if err != nil {
			return err
		}
		was, err := f.Fenced(ctx)
		if err != nil {
			return err
		}
		st.Fenced = !was
		if err := saveSwitch(ctx, env, st); err != nil {
			return err
		}
		fencedAt = env.Now()
		rep, err := f.Fence(ctx, endpoint.FenceOptions{Wait: time.Duration(cfg.FenceWaitSeconds) * time.Second, Kill: *cfg.KillOpenTransactions})
		if err != nil {
			return err
		}
		st.Killed, st.Bypass = rep.Killed, rep.Bypass
		if rep.Killed > 0 {
			env.Logf(ctx, "WARN", "fence: %d session(s) with open write transactions were killed", rep.Killed)
		}
		if len(rep.Bypass) > 0 {
			env.Logf(ctx, "WARN", "fence: connected accounts %v can write through read_only; godwit refuses the switch if any of them writes", rep.Bypass)
		}
	}
	st.FencedAt = fencedAt.UnixMilli()

	// 2. Ps, the beacon after it, and the wait until the target applied past the beacon.
	ps, err := rd.CurrentPosition(ctx)
	if err != nil {
		return err
	}
	st.Phase, st.Ps = model.SwitchCatchUp, ps
	if err := saveSwitch(ctx, env, st); err != nil {
		return err
	}
	if err := beacon.Acknowledge(ctx, []endpoint.Checkpoint{{Worker: 0, Seq: uint64(env.Now().UnixMilli()), Pos: ps, Time: env.Now().Unix()}}); err != nil {
		return errs.New(errs.KindState, errs.CodeSwitchFence, "writing the switchover beacon on the source failed: "+errs.As(err).FullMessage(),
			"godwit's source account needs write access to the checkpoint schema on the source (the reverse stream writes there too).").
			With("gate", "fence").Wrap(err)
	}
	end, err := rd.CurrentPosition(ctx) // at or after the beacon's end
	if err != nil {
		return err
	}
	if err := waitApplied(ctx, env, rd, end, time.Duration(cfg.CatchUpSeconds)*time.Second); err != nil {
		return err
	}
	st.CaughtUpAt = env.Now().UnixMilli()

	// 3. The final check.
	st.Phase = model.SwitchChecking
	if err := saveSwitch(ctx, env, st); err != nil {
		return err
	}
	n, err := finalCheck(ctx, env, cfg.FullChecksum)
	st.KeysChecked = n
	if err != nil {
		return err
	}
	now, err := rd.CurrentPosition(ctx)
	if err != nil {
		return err
	}
	if c, err := rd.ComparePositions(now, end); err != nil {
		return err
	} else if c > 0 {
		return errs.New(errs.KindState, errs.CodeSwitchFence,
			fmt.Sprintf("the source accepted writes after the fence (log position %s, fenced at %s)", now, end),
			fmt.Sprintf("Stop the sessions that write through the fence (accounts that bypass read_only: %v) and ask again.", st.Bypass)).
			With("gate", "fence")
	}

	// 4. Pt and the commit.
	pt, err := trd.CurrentPosition(ctx)
	if err != nil {
		return err
	}
	sampled := env.Now()
	rev := stream.ReverseOf(env.Project.ID)
	pt0 := stream.Point{Pos: pt, Time: sampled.Unix()}
	if err := state.PutJSON(ctx, env.Store, env.Project.ID, rev.Keys.P0, pt0); err != nil {
		return err
	}
	if err := state.PutJSON(ctx, env.Store, env.Project.ID, rev.Keys.P1, pt0); err != nil {
		return err
	}
	st.Phase, st.Pt, st.SwitchedAt, st.LastError = model.SwitchSwitched, pt, sampled.UnixMilli(), nil
	st.DowntimeMillis = sampled.UnixMilli() - st.FencedAt
	if err := saveSwitch(ctx, env, st); err != nil {
		return err
	}
	env.Logf(ctx, "INFO", "switchover done: source fenced at %s, target position %s, downtime %d ms, %d changed keys re-verified",
		st.Ps, st.Pt, st.DowntimeMillis, st.KeysChecked)
	return nil
}

// proveQuiet waits d and fails unless the log position did not move meanwhile.
func proveQuiet(ctx context.Context, rd endpoint.ChangeReader, d time.Duration) error {
	p1, err := rd.CurrentPosition(ctx)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
	}
	p2, err := rd.CurrentPosition(ctx)
	if err != nil {
		return err
	}
	if c, err := rd.ComparePositions(p2, p1); err != nil {
		return err
	} else if c != 0 {
		return errs.New(errs.KindState, errs.CodeSwitchFence,
			fmt.Sprintf("the source is still written to: its log moved from %s to %s within %s (fenceMode USER)", p1, p2, d),
			"Stop every writer of the source (or use fenceMode READ_ONLY) and ask again.").With("gate", "fence")
	}
	return nil
}

// waitApplied waits until the forward stream's published applied position reaches pos.
func waitApplied(ctx context.Context, env *Env, rd endpoint.ChangeReader, pos string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		var ap stream.ApplyStatus
		if _, err := state.GetJSON(ctx, env.Store, env.Project.ID, forward(env).Keys.Apply, &ap); err != nil {
			return err
		}
		if ap.AppliedPos != "" {
			if c, err := rd.ComparePositions(ap.AppliedPos, pos); err == nil && c >= 0 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return errs.New(errs.KindState, errs.CodeSwitchLag,
				fmt.Sprintf("the target did not catch up with the fenced source within %s (applied %s, source %s, delay %d ms)", limit, ap.AppliedPos, pos, ap.DelayMillis),
				"Let incremental sync catch up (see its delay), or raise switchoverConfig.catchUpSeconds, and ask again.").
				With("gate", "lag").With("applied", ap.AppliedPos).With("source", pos)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rollbackSwitch un-fences the source when godwit fenced it and records gerr as the
// refusal; the step goes back to WAITING.
func rollbackSwitch(ctx context.Context, env *Env, st *model.SwitchState, gerr error) error {
	bg := context.WithoutCancel(ctx)
	if st.Fenced {
		f, err := need[endpoint.Fencer](env.Source, "source", "be un-fenced")
		if err == nil {
			err = errs.RetryUnavailable(bg, func(err error) {
				env.Logf(bg, "WARN", "un-fencing the source failed, retrying: %s", errs.As(err).FullMessage())
			}, func() error { return f.Unfence(bg) })
		}
		if err != nil {
			env.Logf(bg, "ERROR", "THE SOURCE IS STILL READ-ONLY: un-fencing failed: %s", errs.As(err).FullMessage())
			return err
		}
		env.Logf(bg, "INFO", "source un-fenced (read_only=OFF)")
	}
	req := st.RequestID
	*st = model.SwitchState{Phase: model.SwitchWaiting, RequestID: req, FenceMode: st.FenceMode, LastError: switchErr(env, gerr)}
	env.Logf(bg, "WARN", "switchover refused: [%s] %s", st.LastError.Code, st.LastError.Message)
	return saveSwitch(bg, env, st)
}

func switchErr(env *Env, err error) *model.SwitchError {
	e := errs.As(err)
	gate := e.Params["gate"]
	if gate == "" {
		gate = "state"
	}
	return &model.SwitchError{Gate: gate, Code: e.Code, Message: e.FullMessage(), Advice: e.Advice, Time: env.Now().UnixMilli()}
}

// saveSwitch persists the state and shows it in the step info.
func saveSwitch(ctx context.Context, env *Env, st *model.SwitchState) error {
	st.Updated = env.Now().UnixMilli()
	if err := state.PutJSON(ctx, env.Store, env.Project.ID, state.SwitchKey, st); err != nil {
		return err
	}
	publishSwitch(ctx, env, st)
	return nil
}

func publishSwitch(ctx context.Context, env *Env, st *model.SwitchState) {
	c := *st
	info := model.StepInfo{Switch: &c, Message: c.Phase}
	if c.SwitchedAt > 0 {
		info.CheckpointSampleTimestamp = model.Int64(c.SwitchedAt / 1000)
	}
	if c.LastError != nil {
		info.Message = c.Phase + ": last request refused: " + c.LastError.Message
	}
	progress := map[string]int{model.SwitchWaiting: 0, model.SwitchPrepared: 10, model.SwitchFencing: 25,
		model.SwitchCatchUp: 50, model.SwitchChecking: 75, model.SwitchSwitched: 99}[c.Phase]
	env.Report(context.WithoutCancel(ctx), progress, &info, true)
}

// sourceSink opens a stream sink on the source in the reverse checkpoint schema (the
// reverse stream's positions and the switchover beacon live there).
func sourceSink(ctx context.Context, env *Env, id string) (endpoint.StreamSink, error) {
	if cs, ok := env.Source.(endpoint.CheckpointSchemaSink); ok {
		return cs.SinkStreamIn(ctx, reverseCheckpointSchema(env.Project), id)
	}
	cs, err := need[endpoint.ChangeSink](env.Source, "source", "accept changes (reverse sync)")
	if err != nil {
		return nil, err
	}
	return cs.SinkStream(ctx, id)
}

// reverseCheckpointSchema is where the reverse stream keeps its positions on the source.
func reverseCheckpointSchema(p *model.Project) string {
	if s := p.ReverseIncrTransferConfig.CheckpointSchema; s != "" {
		return s
	}
	return p.IncrTransferConfig.CheckpointSchema
}
