package replay

import (
	"context"
	"fmt"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// rowFilter compiles a table's whereClause for incremental apply with the source endpoint's
// evaluator, against the source table's current definition. A filter the evaluator cannot
// evaluate exactly fails the step (CodeBadFilter): applying every change instead would move
// rows the filter keeps out.
func (a *applier) rowFilter(ctx context.Context, db, name, where string) (endpoint.RowFilter, error) {
	rc, ok := a.source.(endpoint.RowFilterCompiler)
	if !ok {
		return nil, errs.Unsupported("row filters (whereClause) with incremental sync on this source type")
	}
	rd := a.srcRd
	var t *schema.Table
	if err := a.retry(ctx, "reading the source table "+db+"."+name, func() error {
		var err error
		t, err = rd.ReadTable(ctx, db, name)
		return err
	}); err != nil {
		return nil, err
	}
	return rc.CompileRowFilter(t, where)
}

// filterChange applies a table's row filter to one change, judging its before and after
// images (full source images, before the column filter):
//
//	insert:  in → insert;  out → skipped
//	delete:  in → delete;  out → skipped (the target does not hold the row)
//	update:  in → in: update;  in → out: delete of the before image's key;
//	         out → in: insert of the after image (an upsert in safe mode and with
//	         conflictPolicy overwrite);  out → out: skipped
//
// A skipped change is returned with Op 0. The decision depends on the change alone, so a
// replay after a crash routes and skips exactly as the first run did. Applying the result of
// every change in order leaves the target holding, per key, the source row when it satisfies
// the filter and no row otherwise — the rows the full copy's WHERE selected.
func filterChange(src string, match func(change.Row) (bool, error), ev *change.Event, rc endpoint.RowChange) (endpoint.RowChange, error) {
	in := func(r change.Row, image string) (bool, error) {
		if r == nil {
			return false, nil
		}
		ok, err := match(r)
		if err != nil {
			return false, errs.New(errs.KindInvalid, errs.CodeBadFilter,
				fmt.Sprintf("the row filter of %s cannot be evaluated on the %s image of a %s: %v", src, image, ev.Op, err),
				"The source server would fail this filter too (e.g. an integer overflow); change the whereClause and resume.").With("table", src)
		}
		return ok, nil
	}
	before, err := in(ev.Before, "before")
	if err != nil {
		return rc, err
	}
	after, err := in(ev.After, "after")
	if err != nil {
		return rc, err
	}
	switch ev.Op {
	case change.OpInsert:
		if !after {
			rc.Op = 0
		}
	case change.OpDelete:
		if !before {
			rc.Op = 0
		}
	case change.OpUpdate:
		switch {
		case before && !after:
			rc.Op, rc.After = change.OpDelete, nil
		case !before && after:
			rc.Op, rc.Before = change.OpInsert, nil
		case !before && !after:
			rc.Op = 0
		}
	}
	return rc, nil
}
