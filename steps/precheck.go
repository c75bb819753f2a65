package steps

import (
	"context"
	"encoding/json"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/precheck"
	"github.com/godwit/godwit/state"
)

// Precheck runs TRANSFER_PRECHECK: it re-resolves the project's plan (a new version only if
// it changed), runs package precheck's checks over it and persists the items; any FAILED item
// fails the step with CodePrecheckFailed.
func Precheck(ctx context.Context, env *Env) error {
	p := env.Project
	objs, err := plan.Reresolve(ctx, env.Store, p.ID, "precheck", func(ctx context.Context) (*plan.Plan, error) {
		return plan.ResolveProject(ctx, p, env.Source)
	})
	var items []endpoint.CheckItem
	if err != nil {
		items = []endpoint.CheckItem{precheck.ObjectsFailed(err)}
	} else if items, err = precheck.Run(ctx, precheck.Input{Project: p, Source: env.Source, Sink: env.Sink,
		SinkType: env.SinkDS.Type, Plan: objs}); err != nil {
		return err
	}
	b, _ := json.Marshal(items)
	if err := env.Store.PutState(ctx, p.ID, state.Precheck, b); err != nil {
		return err
	}
	if err := precheck.Failed(items); err != nil {
		return err
	}
	env.Logf(ctx, "INFO", "precheck passed with %d items", len(items))
	return nil
}

// newTargetGuard is the project's target guard (see precheck.Guard).
func newTargetGuard(env *Env) *precheck.Guard {
	return precheck.NewGuard(env.Sink, env.SinkDS.Type, env.Project.IncrTransferConfig.CheckpointSchema)
}
