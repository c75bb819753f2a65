package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/schema"
	"github.com/godwit/godwit/state"
)

// Precheck runs TRANSFER_PRECHECK: the endpoints' own checks (connectivity, privileges,
// binlog settings, keys) plus godwit's (objects exist, filters parse, no target object in a
// system or checkpoint schema, existing target objects are base tables (views for mapped
// views), target tables are absent or empty unless allowDestTableNotEmpty). Items are
// persisted; any FAILED item fails the step with CodePrecheckFailed.
func Precheck(ctx context.Context, env *Env) error {
	p := env.Project
	var items []endpoint.CheckItem
	add := func(it endpoint.CheckItem) { items = append(items, it) }

	objs, err := plan.Reresolve(ctx, env.Store, p.ID, "precheck", func(ctx context.Context) (*plan.Plan, error) {
		return plan.ResolveProject(ctx, p, env.Source)
	})
	if err != nil {
		e := errs.As(err)
		add(endpoint.CheckItem{Name: "OBJECTS", Side: "SOURCE", Status: endpoint.CheckFailed,
			Message: e.FullMessage(), Advice: e.Advice})
		return finishPrecheck(ctx, env, items)
	}
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
	if pc, ok := env.Source.(endpoint.Prechecker); ok {
		got, err := pc.Precheck(ctx, endpoint.PrecheckRequest{Side: "SOURCE", NeedBinlog: p.EnableIncrTransfer,
			Tables: srcTables, Databases: srcDBs})
		if err != nil {
			return err
		}
		items = append(items, got...)
	}
	if pc, ok := env.Sink.(endpoint.Prechecker); ok {
		got, err := pc.Precheck(ctx, endpoint.PrecheckRequest{Side: "DEST", Tables: dstTables})
		if err != nil {
			return err
		}
		for _, it := range got {
			if strings.HasSuffix(it.Name, "TablesExist") {
				continue // the endpoint's verdict on existing target tables; targetPresence decides it below, knowing the project's settings
			}
			items = append(items, it)
		}
	}
	kindItems, unusable, err := targetKinds(ctx, env, objs)
	if err != nil {
		return err
	}
	items = append(items, kindItems...)
	if it, err := targetPresence(ctx, env, objs, unusable); err != nil {
		return err
	} else {
		add(it)
	}
	if it, ok, err := noKeyTruncation(ctx, env, objs, unusable); err != nil {
		return err
	} else if ok {
		add(it)
	}
	return finishPrecheck(ctx, env, items)
}

// targetPresence checks the target tables against what the project will do with them.
// Tables in unusable (target keys that targetKinds refused) are left out.
func targetPresence(ctx context.Context, env *Env, objs *plan.Plan, unusable map[string]bool) (endpoint.CheckItem, error) {
	p := env.Project
	it := endpoint.CheckItem{Name: "TARGET_OBJECTS", Side: "DEST", Status: endpoint.CheckPassed}
	sw, ok := env.Sink.(endpoint.SchemaWriter)
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
func noKeyTruncation(ctx context.Context, env *Env, objs *plan.Plan, unusable map[string]bool) (endpoint.CheckItem, bool, error) {
	p := env.Project
	it := endpoint.CheckItem{Name: "NONE_PK_UK_TRUNCATE", Side: "DEST", Status: endpoint.CheckAlarm}
	if !p.EnableFullTransfer {
		return it, false, nil
	}
	sw, _ := env.Sink.(endpoint.SchemaWriter)
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

func finishPrecheck(ctx context.Context, env *Env, items []endpoint.CheckItem) error {
	b, _ := json.Marshal(items)
	if err := env.Store.PutState(ctx, env.Project.ID, state.Precheck, b); err != nil {
		return err
	}
	var failed []string
	for _, it := range items {
		if it.Status == endpoint.CheckFailed {
			failed = append(failed, fmt.Sprintf("%s (%s): %s", it.Name, it.Side, it.Message))
		}
	}
	if len(failed) > 0 {
		return errs.New(errs.KindInvalid, errs.CodePrecheckFailed,
			"precheck failed: "+strings.Join(failed, "; "),
			"Fix the failed items (see the precheck result), then resume the project.")
	}
	env.Logf(ctx, "INFO", "precheck passed with %d items", len(items))
	return nil
}
