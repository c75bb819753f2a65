package steps

import (
	"context"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/replay"
	"github.com/godwit/godwit/state"
	"github.com/godwit/godwit/verify"
)

// Incr runs INCR_TRANSFER with package replay: it applies the forward stream's change store
// to the target from P0 on, in parallel by key, exactly once (each worker's batches commit
// with its checkpoint through the change-sink contract, endpoint/sink.go), and never
// finishes while the project runs (it detaches as MONITORING once caught up). Until the
// applied position passes P1 (the end of the full copy) changes are applied idempotently
// (safe mode); then with the project's conflict policy. See the replay package doc.
func Incr(ctx context.Context, env *Env) error {
	sink, err := openSink(ctx, env)
	if err != nil {
		return err
	}
	ddl, _ := env.Sink.(endpoint.DDLSink)
	rd, err := need[endpoint.ChangeReader](env.Source, "source", "capture its change log")
	if err != nil {
		return err
	}
	srcRd, err := need[endpoint.SchemaReader](env.Source, "source", "read its schema")
	if err != nil {
		return err
	}
	pl, err := loadPlan(ctx, env)
	if err != nil {
		return err
	}
	return replay.Run(ctx, replay.Config{Project: env.Project, Stream: forward(env), Streams: env.Streams,
		Store: env.Store, Host: env, Now: env.Now, Plan: pl, Source: env.Source, Reader: rd, Schema: srcRd,
		Sink: sink, DDL: ddl, Verify: func(ctx context.Context) (*verify.IncrVerifier, error) {
			return startIncrVerify(ctx, env)
		}})
}

// startIncrVerify prepares incremental verification when the project enables it (nil
// otherwise): the keys INCR_TRANSFER applied are re-compared on both sides after the sync
// delay and lasting differences stored in a run of kind INCR, whose id is kept in
// state.IncrVerifyRun.
func startIncrVerify(ctx context.Context, env *Env) (*verify.IncrVerifier, error) {
	if !env.Project.EnableIncrVerify {
		return nil, nil
	}
	objs, err := loadPlan(ctx, env)
	if err != nil {
		return nil, err
	}
	opt := verify.ProjectOptions(env.Project)
	opt.Now, opt.Log = env.Now, env.Log
	opt.Recheck = &verify.Rechecker{Delay: func() time.Duration { return incrDelay(ctx, env) }}
	v, err := verify.New(env.Source, env.Sink, env.Store, opt)
	if err != nil {
		return nil, err
	}
	pid := env.Project.ID
	runID, err := env.Store.GetState(ctx, pid, state.IncrVerifyRun)
	if err != nil {
		return nil, err
	}
	if runID == nil {
		runID = []byte(model.NewID("vi"))
		if err := env.Store.PutState(ctx, pid, state.IncrVerifyRun, runID); err != nil {
			return nil, err
		}
	}
	iv, err := v.Incremental(ctx, string(runID), pid, verify.TablesOf(objs), verify.IncrOptions{MaxKeysPerSecond: replay.IncrVerifyRate})
	if err != nil {
		return nil, err
	}
	env.Logf(ctx, "INFO", "incremental verification on (run %s)", runID)
	return iv, nil
}
