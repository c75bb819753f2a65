// Package precheck holds TRANSFER_PRECHECK's checks: the endpoints' own (connectivity,
// privileges, binlog settings, keys) plus godwit's over the project's plan (objects exist,
// no target object in a system or checkpoint schema, existing target objects of the mapped
// kind, target tables absent or empty unless allowed, tables without a key). Run only reads:
// the step persists its items and the plan, a standalone precheck (service) returns them,
// so both run exactly the same checks. Guard is the same target rule for the steps that write.
package precheck

import (
	"context"
	"fmt"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/schema"
)

// Input is what a precheck looks at: the project, its open endpoints, the sink's type and the
// project's resolved plan.
type Input struct {
	Project  *model.Project
	Source   endpoint.Endpoint
	Sink     endpoint.Endpoint
	SinkType model.DataSourceType
	Plan     *plan.Plan
}

// ObjectsFailed is the item of a plan that could not be resolved (err from plan resolution).
func ObjectsFailed(err error) endpoint.CheckItem {
	e := errs.As(err)
	return endpoint.CheckItem{Name: "OBJECTS", Side: "SOURCE", Status: endpoint.CheckFailed, Message: e.FullMessage(), Advice: e.Advice}
}

// Run runs every check and returns the items (FAILED ones included). An error means a check
// could not run at all (e.g. a catalog read failed).
func Run(ctx context.Context, in Input) ([]endpoint.CheckItem, error) {
	p, objs := in.Project, in.Plan
	var items []endpoint.CheckItem
	add := func(it endpoint.CheckItem) { items = append(items, it) }
	add(endpoint.CheckItem{Name: "OBJECTS", Side: "SOURCE", Status: endpoint.CheckPassed,
		Message: fmt.Sprintf("%d tables and %d views selected", len(objs.Tables), len(objs.Views))})

	var srcTables, dstTables []schema.Table
	var srcDBs []string
	seen := map[string]bool{}
	for _, t := range objs.Tables {
		srcTables = append(srcTables, *t.Src)
		dstTables = append(dstTables, *t.Dst)
		if !seen[t.Src.Schema] {
			seen[t.Src.Schema] = true
			srcDBs = append(srcDBs, t.Src.Schema)
		}
	}
	if pc, ok := in.Source.(endpoint.Prechecker); ok {
		got, err := pc.Precheck(ctx, endpoint.PrecheckRequest{Side: "SOURCE", NeedChangeLog: p.EnableIncrTransfer,
			Tables: srcTables, Databases: srcDBs})
		if err != nil {
			return nil, err
		}
		items = append(items, got...)
	}
	if pc, ok := in.Sink.(endpoint.Prechecker); ok {
		// With reverse sync the target's change log is captured too: its binlog settings count.
		got, err := pc.Precheck(ctx, endpoint.PrecheckRequest{Side: "DEST", Tables: dstTables, NeedChangeLog: p.EnableReverseIncrTransfer})
		if err != nil {
			return nil, err
		}
		for _, it := range got {
			if strings.HasSuffix(it.Name, "TablesExist") {
				continue // the endpoint's verdict on existing target tables; targetPresence decides it below, knowing the project's settings
			}
			items = append(items, it)
		}
	}
	kindItems, unusable, err := targetKinds(ctx, NewGuard(in.Sink, in.SinkType, p.IncrTransferConfig.CheckpointSchema), objs)
	if err != nil {
		return nil, err
	}
	items = append(items, kindItems...)
	if it, err := targetPresence(ctx, in, objs, unusable); err != nil {
		return nil, err
	} else {
		add(it)
	}
	if it, ok, err := noKeyTruncation(ctx, in, objs, unusable); err != nil {
		return nil, err
	} else if ok {
		add(it)
	}
	return items, nil
}

// Failed returns the CodePrecheckFailed error naming every FAILED item, or nil.
func Failed(items []endpoint.CheckItem) error {
	var failed []string
	for _, it := range items {
		if it.Status == endpoint.CheckFailed {
			failed = append(failed, fmt.Sprintf("%s (%s): %s", it.Name, it.Side, it.Message))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return errs.New(errs.KindInvalid, errs.CodePrecheckFailed,
		"precheck failed: "+strings.Join(failed, "; "),
		"Fix the failed items (see the precheck result), then resume the project.")
}

// targetPresence checks the target tables against what the project will do with them.
// Tables in unusable (target keys that targetKinds refused) are left out.
func targetPresence(ctx context.Context, in Input, objs *plan.Plan, unusable map[string]bool) (endpoint.CheckItem, error) {
	p := in.Project
	it := endpoint.CheckItem{Name: "TARGET_OBJECTS", Side: "DEST", Status: endpoint.CheckPassed}
	sw, ok := in.Sink.(endpoint.SchemaWriter)
	if !ok {
		it.Message = "target object check not applicable"
		return it, nil
	}
	var nonEmpty, existing, missing []string
	for _, t := range objs.Tables {
		if unusable[t.TargetKey()] {
			continue
		}
		exists, hasRows, err := sw.TableExists(ctx, t.Dst.Schema, t.Dst.Name)
		if err != nil {
			return it, err
		}
		switch {
		case exists && hasRows:
			nonEmpty = append(nonEmpty, t.TargetKey())
		case exists:
			existing = append(existing, t.TargetKey())
		default:
			missing = append(missing, t.TargetKey())
		}
	}
	copying := p.EnableFullTransfer || p.EnableIncrTransfer
	switch {
	case !copying && len(missing) > 0:
		it.Status, it.Message = endpoint.CheckFailed, "target tables missing: "+list(missing)
		it.Advice = "A verification-only project compares existing tables: create them first, or enable schema and full migration."
	case !p.EnableStructTransfer && copying && len(missing) > 0:
		it.Status, it.Message = endpoint.CheckFailed, "target tables missing and schema migration is off: "+list(missing)
		it.Advice = "Enable enableStructTransfer or create the tables on the target."
	case p.EnableFullTransfer && len(nonEmpty) > 0 && !p.FullTransferConfig.AllowDestTableNotEmpty:
		it.Status, it.Message = endpoint.CheckFailed, "target tables already hold rows: "+list(nonEmpty)
		it.Advice = "Empty them, map to other names, or set fullTransferConfig.allowDestTableNotEmpty=true (existing rows with the same key are overwritten)."
		it.Skippable = true
	case len(nonEmpty)+len(existing) > 0 && copying:
		it.Status = endpoint.CheckAlarm
		it.Message = "target tables already exist and are kept: " + list(append(existing, nonEmpty...))
	default:
		it.Message = "target objects are in the expected state"
	}
	return it, nil
}

// noKeyTruncation judges the tables without a primary or NOT NULL unique key, which the
// full copy cannot write idempotently: it copies each as one stream and truncates its
// target table before every (re)start of that stream. A target table of that kind that
// already holds rows would lose them, so this FAILS (skippable) unless
// fullTransferConfig.nonePkUkTruncateDstTable allows the truncation (then ALARM). With no
// such table the item is absent (ok false).
func noKeyTruncation(ctx context.Context, in Input, objs *plan.Plan, unusable map[string]bool) (endpoint.CheckItem, bool, error) {
	p := in.Project
	it := endpoint.CheckItem{Name: "NONE_PK_UK_TRUNCATE", Side: "DEST", Status: endpoint.CheckAlarm}
	if !p.EnableFullTransfer {
		return it, false, nil
	}
	sw, _ := in.Sink.(endpoint.SchemaWriter)
	var noKey, withRows []string
	for _, t := range objs.Tables {
		if t.KeyCols != nil {
			continue
		}
		noKey = append(noKey, t.TargetKey())
		if sw == nil || unusable[t.TargetKey()] {
			continue
		}
		_, hasRows, err := sw.TableExists(ctx, t.Dst.Schema, t.Dst.Name)
		if err != nil {
			return it, false, err
		}
		if hasRows {
			withRows = append(withRows, t.TargetKey())
		}
	}
	switch {
	case len(noKey) == 0:
		return it, false, nil
	case len(withRows) > 0 && !p.FullTransferConfig.NonePkUkTruncateDstTable:
		it.Status = endpoint.CheckFailed
		it.Skippable = true
		it.Message = "target tables without a primary or unique key already hold rows, and the full copy truncates such tables before it starts and on every restart: " + list(withRows)
		it.Advice = "Empty them or map them to other names, or set fullTransferConfig.nonePkUkTruncateDstTable=true to allow the truncation."
	case len(withRows) > 0:
		it.Message = "target tables without a primary or unique key hold rows and will be truncated (nonePkUkTruncateDstTable): " + list(withRows)
	default:
		it.Message = "tables without a primary or unique key are copied as one stream each and truncated on the target before every (re)start of their copy: " + list(noKey)
		it.Advice = "Add a primary key to make the copy resumable chunk by chunk and idempotent."
	}
	return it, true, nil
}

func list(s []string) string {
	if len(s) > 20 {
		return strings.Join(s[:20], ", ") + fmt.Sprintf(" and %d more", len(s)-20)
	}
	return strings.Join(s, ", ")
}
