package precheck

import (
	"context"
	"fmt"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
)

// Guard refuses target objects godwit must not write into: databases that are system
// schemas of the target's type or the project's checkpoint schema, and (through
// endpoint.ObjectInspector, when the target offers it) existing objects of the wrong kind:
// rows are only ever written into base tables (a view passes them on to its base tables, a
// sequence or a system-versioned table does not hold what was written), and a view is only
// created where no object or a view of that name exists.
//
// Precheck reports the same conditions as FAILED items; STRUCT_TRANSFER and FULL_TRANSFER
// check again right before they write (precheck may be older than the target's catalog).
type Guard struct {
	sinkType   model.DataSourceType
	oi         endpoint.ObjectInspector // nil: kinds are not checked
	checkpoint string
}

// NewGuard returns the guard of a project's target: sink of type sinkType, and the project's
// checkpoint schema ("" when none is reserved).
func NewGuard(sink endpoint.Endpoint, sinkType model.DataSourceType, checkpoint string) *Guard {
	oi, _ := sink.(endpoint.ObjectInspector)
	return &Guard{sinkType: sinkType, oi: oi, checkpoint: checkpoint}
}

// schemaProblem says why nothing may be written into database db, or "".
func (g *Guard) schemaProblem(db string) string {
	switch {
	case endpoint.SystemSchema(g.sinkType, db):
		return fmt.Sprintf("%s is a system database of the target", db)
	case g.checkpoint != "" && strings.EqualFold(db, g.checkpoint):
		return fmt.Sprintf("%s is the project's checkpoint schema (incrTransferConfig.checkpointSchema)", db)
	}
	return ""
}

// kind returns what db.name is on the target (ObjectAbsent when the target cannot tell).
func (g *Guard) kind(ctx context.Context, db, name string) (endpoint.ObjectKind, error) {
	if g.oi == nil {
		return endpoint.ObjectAbsent, nil
	}
	return g.oi.ObjectKind(ctx, db, name)
}

// kindProblem says why a mapped target of kind k cannot be used (view: the mapped source
// object is a view), or "".
func kindProblem(key string, k endpoint.ObjectKind, view bool) string {
	switch {
	case k == endpoint.ObjectAbsent:
		return ""
	case view && k != endpoint.ObjectView:
		return fmt.Sprintf("%s is a %s on the target, not a view", key, k)
	case !view && !k.IsTable():
		return fmt.Sprintf("%s is a %s on the target, not a base table", key, k)
	}
	return ""
}

// Check returns an error of code CodeTargetObject when db.name may not be written by
// step (a table's rows, or a view's definition when view is set), and the object's kind.
func (g *Guard) Check(ctx context.Context, step, db, name string, view bool) (endpoint.ObjectKind, error) {
	key := db + "." + name
	if p := g.schemaProblem(db); p != "" {
		return endpoint.ObjectAbsent, errs.New(errs.KindInvalid, errs.CodeTargetObject,
			fmt.Sprintf("%s refuses to write %s: %s", step, key, p),
			"Map the database to a user database (transferMapping.databases[].mappedName).").
			With("table", key)
	}
	k, err := g.kind(ctx, db, name)
	if err != nil {
		return k, err
	}
	if p := kindProblem(key, k, view); p != "" {
		advice := "Drop or rename the target object, or map the table to another name; godwit writes rows only into base tables."
		if view {
			advice = "Drop or rename the target object, or map the view to another name."
		}
		return k, errs.New(errs.KindInvalid, errs.CodeTargetObject, step+" refuses to write "+key+": "+p, advice).
			With("table", key).With("kind", string(k))
	}
	return k, nil
}

// targetKinds judges every mapped target object for precheck: TARGET_SYSTEM_SCHEMA (no
// table or view in a system or checkpoint schema) and TARGET_OBJECT_TYPE (no mapped table
// that exists as anything but a base table, no mapped view that exists as anything but a
// view), both FAILED and not skippable when violated. It also returns the target keys of
// mapped tables that are not usable, which the other target checks leave out.
func targetKinds(ctx context.Context, g *Guard, objs *plan.Plan) ([]endpoint.CheckItem, map[string]bool, error) {
	bad := map[string]bool{}
	var sys, kinds []string
	seen := map[string]bool{}
	addSys := func(db string) {
		if p := g.schemaProblem(db); p != "" && !seen[strings.ToLower(db)] {
			seen[strings.ToLower(db)] = true
			sys = append(sys, p)
		}
	}
	for _, t := range objs.Tables {
		addSys(t.Dst.Schema)
		if g.schemaProblem(t.Dst.Schema) != "" {
			bad[t.TargetKey()] = true
			continue
		}
		k, err := g.kind(ctx, t.Dst.Schema, t.Dst.Name)
		if err != nil {
			return nil, nil, err
		}
		if p := kindProblem(t.TargetKey(), k, false); p != "" {
			kinds = append(kinds, p)
			bad[t.TargetKey()] = true
		}
	}
	for _, v := range objs.Views {
		addSys(v.DstDB)
		if g.schemaProblem(v.DstDB) != "" {
			continue
		}
		k, err := g.kind(ctx, v.DstDB, v.Dst)
		if err != nil {
			return nil, nil, err
		}
		if p := kindProblem(v.DstDB+"."+v.Dst, k, true); p != "" {
			kinds = append(kinds, p)
		}
	}
	sysItem := endpoint.CheckItem{Name: "TARGET_SYSTEM_SCHEMA", Side: "DEST", Status: endpoint.CheckPassed,
		Message: "no target object lies in a system database or the checkpoint schema"}
	if len(sys) > 0 {
		sysItem.Status, sysItem.Message = endpoint.CheckFailed, "godwit does not write into these databases: "+list(sys)
		sysItem.Advice = "Map the databases to user databases (transferMapping.databases[].mappedName)."
	}
	kindItem := endpoint.CheckItem{Name: "TARGET_OBJECT_TYPE", Side: "DEST", Status: endpoint.CheckPassed,
		Message: "every existing target object is of the mapped kind (base table or view)"}
	if g.oi == nil {
		kindItem.Message = "the target cannot report object kinds"
	}
	if len(kinds) > 0 {
		kindItem.Status, kindItem.Message = endpoint.CheckFailed, "target objects of the wrong kind: "+list(kinds)
		kindItem.Advice = "Drop or rename these target objects, or map the tables to other names: godwit writes rows only into base tables."
	}
	return []endpoint.CheckItem{sysItem, kindItem}, bad, nil
}
