package steps

import (
	"context"

	"github.com/godwit/godwit/plan"
)

// loadPlan returns the project's persisted plan, resolving it once when none is stored
// (see package plan: steps never re-resolve from the live catalog on their own).
func loadPlan(ctx context.Context, env *Env) (*plan.Plan, error) {
	return plan.OfProject(ctx, env.Store, env.Project, env.Source)
}
