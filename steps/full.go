package steps

import (
	"context"

	"github.com/godwit/godwit/copier"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
)

// tableFinished is the status of a table state whose step is done with the table.
const tableFinished = "FINISHED"

// Full runs FULL_TRANSFER with package copier: every table of the plan is copied in
// persisted key-range chunks through a bounded reader/writer pipeline, resumably and
// idempotently (see the copier package doc).
//
// Tables without a primary key or a NOT NULL unique key are copied as one chunk each and
// their target table is truncated before every (re)start of that chunk (precheck reports
// such tables and the truncation; see nonePkUkTruncateDstTable).
//
// Every table still to copy is checked first: a target that is not a base table (a view
// would pass the rows on to its base tables) or lies in a system or checkpoint schema fails
// the step before any row moves (errs.CodeTargetObject), even when precheck did not see it.
func Full(ctx context.Context, env *Env) error {
	objs, err := loadPlan(ctx, env)
	if err != nil {
		return err
	}
	planner, err := need[endpoint.ChunkPlanner](env.Source, "source", "plan a chunked copy")
	if err != nil {
		return err
	}
	reader, err := need[endpoint.RowReader](env.Source, "source", "read rows")
	if err != nil {
		return err
	}
	writer, err := need[endpoint.RowWriter](env.Sink, "target", "write rows")
	if err != nil {
		return err
	}
	sw, _ := env.Sink.(endpoint.SchemaWriter)
	guard := newTargetGuard(env)
	return copier.Run(ctx, copier.Config{ProjectID: env.Project.ID, Transfer: env.Project.FullTransferConfig,
		Store: env.Store, Host: env, Now: env.Now, Planner: planner, Reader: reader, Writer: writer, Truncater: sw,
		Check: func(ctx context.Context, tp *plan.Table) error {
			// Before any row of this table moves (and before a keyless table is truncated): the
			// target must be a base table outside the system and checkpoint schemas.
			_, err := guard.Check(ctx, string(model.StepFull), tp.Dst.Schema, tp.Dst.Name, false)
			return err
		}}, objs)
}
