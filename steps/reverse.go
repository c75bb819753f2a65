package steps

import (
	"context"
	"errors"
	"sync"

	"github.com/godwit/godwit/capture"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/replay"
	"github.com/godwit/godwit/state"
	"github.com/godwit/godwit/stream"
)

// ReverseIncr runs REVERSE_INCR_TRANSFER: the reverse stream (target → source, for
// rollback) from Pt, the target position TRANSFER_APP_SWITCH recorded as the stream's P0,
// with the forward stream's machinery — package capture reads the target's log into the
// reverse stream's own change store (<data-dir>/changestore/<project>.reverse), package
// replay applies it to the source exactly once, its checkpoints committed with the data in
// the source's checkpoint schema (reverseIncrTransferConfig.checkpointSchema).
//
// The stream's plan is the forward plan reversed (plan.Plan.Reversed): the same tables,
// sides swapped, no row filter; it is derived, never persisted, so DDL is not replicated
// back (a DDL on the target is skipped with a warning, or stops the stream with
// ddlPolicy stop). Loops: the capture drops the target transactions that carry the
// forward stream's marker (endpoint.LoopMarker), and the forward capture drops the
// reverse stream's, so nothing godwit applied is captured back.
//
// Like INCR_TRANSFER it detaches as MONITORING once caught up and runs until the project
// stops; a restart resumes both halves from the change store and the source checkpoints.
func ReverseIncr(ctx context.Context, env *Env) error {
	rev := stream.ReverseOf(env.Project.ID)
	var p0 stream.Point
	ok, err := state.GetJSON(ctx, env.Store, env.Project.ID, rev.Keys.P0, &p0)
	if err != nil {
		return err
	}
	if !ok {
		return errs.New(errs.KindState, errs.CodeSwitchState, "reverse sync has no start position: the switchover did not record Pt",
			"Run TRANSFER_APP_SWITCH first (ask for the switchover).")
	}
	trd, err := need[endpoint.ChangeReader](env.Sink, "target", "capture its change log (reverse sync)")
	if err != nil {
		return err
	}
	tsr, err := need[endpoint.SchemaReader](env.Sink, "target", "read its schema")
	if err != nil {
		return err
	}
	fwd, err := loadPlan(ctx, env)
	if err != nil {
		return err
	}
	pl := fwd.Reversed()
	rp := reverseProject(env.Project, pl)
	sink, err := sourceSink(ctx, env, rev.ID)
	if err != nil {
		return err
	}
	var marker *endpoint.TableName
	if lm, ok := env.Sink.(endpoint.LoopMarker); ok {
		m := lm.MarkerTable(env.Project.IncrTransferConfig.CheckpointSchema)
		marker = &m
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var capErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		capErr = capture.Run(cctx, capture.Config{Project: rp, Stream: rev, Streams: env.Streams, Store: env.Store,
			Host: captureHost{env}, Log: env.Log.With("stream", rev.ID), Now: env.Now, Reader: trd, Marker: marker,
			Plan: func(context.Context) (*plan.Plan, error) { return pl, nil }})
		cancel()
	}()
	err = replay.Run(cctx, replay.Config{Project: rp, Stream: rev, Streams: env.Streams, Store: env.Store, Host: env,
		Now: env.Now, Plan: pl, Source: env.Sink, Reader: trd, Schema: tsr, Sink: sink, Derived: true})
	cancel()
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if capErr != nil && !errors.Is(capErr, context.Canceled) {
		return capErr // the capture failed first (the replayer then saw the cancel)
	}
	return err
}

// reverseProject is the project as the reverse stream's capture and replayer see it: the
// reversed mapping and reverseIncrTransferConfig, no DDL replication, no verification.
func reverseProject(p *model.Project, pl *plan.Plan) *model.Project {
	rp := *p
	rp.TransferMapping = pl.ReverseMapping()
	cfg := p.ReverseIncrTransferConfig
	cfg.SupportDDLTypes = []string{}
	cfg.StartTimestamp = nil
	cfg.CheckpointSchema = reverseCheckpointSchema(p)
	rp.IncrTransferConfig = cfg
	rp.EnableIncrVerify = false
	rp.EnableFullTransfer = false
	return &rp
}

// captureHost is the reverse capture's Host: its Detach is the replayer's to give.
type captureHost struct{ env *Env }

func (h captureHost) Logf(ctx context.Context, level, format string, args ...any) {
	h.env.Logf(ctx, level, "reverse capture: "+format, args...)
}
func (h captureHost) Detach() {}
