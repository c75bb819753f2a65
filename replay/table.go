package replay

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/schema"
)

// table resolves the source table of row event ev to its apply-side info from the plan (the
// cache is dropped whenever the plan changes: after every applied DDL). Row identity, unique
// keys and the columns kept come from the plan, never from the sink. A selected table the plan
// lacks (one the change log names before any DDL of it was applied, e.g. created before P0
// after the plan was resolved) is an explicit event: its entry is resolved and a new version
// persisted. A selected table that the source's catalog no longer has either (created and
// dropped or renamed away later in the log, as online schema-change tools do) is applied
// with the definition the log itself records, when it records column types and a key
// (logTable); otherwise its changes fail the stream.
func (a *applier) table(ctx context.Context, ev *change.Event) (*tableInfo, error) {
	db, name := ev.Schema, ev.Table
	id := strings.ToLower(db + "." + name)
	if ti := a.tables[id]; ti != nil {
		return ti, nil
	}
	sel, ok := a.sel.Table(db, name)
	ti := &tableInfo{selected: ok, src: db + "." + name, proj: map[string]*projection{}}
	if ok {
		entry := a.plan.Table(db, name)
		if entry == nil {
			if err := a.refreshPlan(ctx, []endpoint.TableName{{Schema: db, Name: name}}, "change of a table the plan lacks: "+db+"."+name); err != nil {
				return nil, err
			}
			if entry = a.plan.Table(db, name); entry == nil && sel.Where == "" && logTable(ev, sel.Target) != nil {
				ti.target = logTable(ev, sel.Target)
				ti.key = ti.target.PrimaryKey
				ti.uniques = [][]string{ti.target.PrimaryKey}
				a.host.Logf(ctx, "WARN", "%s.%s is not in the plan and the source no longer has it: its changes are applied "+
					"to %s.%s with the columns, types and primary key the change log records", db, name, sel.Target.Schema, sel.Target.Name)
				a.tables[id] = ti
				return ti, nil
			}
			if entry == nil {
				return nil, errs.New(errs.KindNotFound, errs.CodeIncrApply,
					fmt.Sprintf("changes of %s.%s cannot be applied: the table is not in the project's plan and the source no longer has it (target %s.%s)",
						db, name, sel.Target.Schema, sel.Target.Name),
					"Create the table on the source and target, or remove it from the project, and resume.")
			}
		}
		ti.target = entry.Dst
		if entry.Where != "" {
			var err error
			if ti.rows, err = a.rowFilter(ctx, db, name, sel.Where); err != nil {
				return nil, err
			}
		}
		ti.key = entry.KeyCols
		t := entry.Dst
		if len(t.PrimaryKey) > 0 {
			ti.uniques = append(ti.uniques, t.PrimaryKey)
		}
		for _, ix := range t.Indexes {
			if !ix.Unique {
				continue
			}
			var cols []string
			for _, p := range ix.Parts {
				cols = append(cols, p.Column)
			}
			ti.uniques = append(ti.uniques, cols)
		}
	}
	a.tables[id] = ti
	return ti, nil
}

// refreshPlan re-resolves the given source tables into a new plan version (see
// plan.Plan.Refresh) and drops the per-table cache.
func (a *applier) refreshPlan(ctx context.Context, tables []endpoint.TableName, reason string) error {
	if a.derived {
		return errs.New(errs.KindState, errs.CodeIncrApply, "the stream's plan is derived from the project's and cannot change ("+reason+")",
			"Apply the schema change on both sides by hand; the reverse stream moves the tables the forward plan lists.")
	}
	var np *plan.Plan
	err := a.retry(ctx, "re-resolving the plan", func() error {
		var err error
		np, err = a.plan.Refresh(ctx, a.store, a.project.ID, a.srcRd,
			plan.ForProject(a.project, a.source), tables, reason)
		return err
	})
	if err != nil {
		return err
	}
	a.plan = np
	clear(a.tables)
	return nil
}

// change maps a row event onto the target: the columns written are the event's columns
// that exist on the target, are not generated, and pass the column filter. The RowChange's
// table carries the column types the log recorded for the event (logTyped), so a sink
// renders each value as the type its column had at that point of the log.
func (ti *tableInfo) change(ev *change.Event) (endpoint.RowChange, error) {
	sig := strings.Join(ev.Columns, "\x00") + "\x01" + fmt.Sprint(ev.Types)
	p := ti.proj[sig]
	if p == nil {
		p = &projection{table: logTyped(ti.target, ev)}
		for i, c := range ev.Columns {
			col := ti.target.Column(c)
			if col == nil || col.Generated != "" {
				continue
			}
			p.cols = append(p.cols, col.Name)
			p.idx = append(p.idx, i)
		}
		for _, k := range ti.key {
			if !slices.ContainsFunc(p.cols, func(c string) bool { return strings.EqualFold(c, k) }) {
				return endpoint.RowChange{}, errs.New(errs.KindInternal, errs.CodeIncrApply,
					fmt.Sprintf("a change of %s lacks key column %s of the target table", ti.src, k),
					"The source and target tables differ; compare them and resume.")
			}
		}
		if ti.rows != nil {
			m, err := ti.rows.Bind(ev.Columns)
			if err != nil {
				return endpoint.RowChange{}, errs.New(errs.KindInvalid, errs.CodeBadFilter,
					fmt.Sprintf("the row filter of %s cannot be evaluated on its changes: %v", ti.src, err),
					"The filter must use columns the source's change log records; change the whereClause and resume.").With("table", ti.src)
			}
			p.match = m
		}
		ti.proj[sig] = p
	}
	rc := endpoint.RowChange{Op: ev.Op, Table: p.table, Key: ti.key, Cols: p.cols}
	pick := func(r change.Row) (change.Row, error) {
		if r == nil {
			return nil, nil
		}
		out := make(change.Row, len(p.idx))
		for i, j := range p.idx {
			if j >= len(r) {
				return nil, fmt.Errorf("row image of %s has %d values for %d columns", ti.src, len(r), len(ev.Columns))
			}
			out[i] = r[j]
		}
		return out, nil
	}
	var err error
	if rc.Before, err = pick(ev.Before); err != nil {
		return rc, errs.New(errs.KindInternal, errs.CodeIncrDecode, err.Error(), "The change store is inconsistent; release and restart the project.")
	}
	if rc.After, err = pick(ev.After); err != nil {
		return rc, errs.New(errs.KindInternal, errs.CodeIncrDecode, err.Error(), "The change store is inconsistent; release and restart the project.")
	}
	if p.match != nil {
		return filterChange(ti.src, p.match, ev, rc)
	}
	return rc, nil
}

// causalKeys are the table-qualified values of every unique key in the change's images.
// Tuples with a NULL are left out (they never conflict).
func (ti *tableInfo) causalKeys(rc *endpoint.RowChange) []string {
	if len(ti.uniques) == 0 {
		return []string{"\x01" + ti.src} // a table without keys is one causality domain
	}
	var out []string
	for ui, u := range ti.uniques {
		for _, r := range []change.Row{rc.Before, rc.After} {
			if r == nil {
				continue
			}
			if k, ok := keyValues(rc.Cols, u, r); ok {
				out = append(out, ti.src+"\x00"+strconv.Itoa(ui)+"\x00"+k)
			}
		}
	}
	return out
}

// keyValues encodes the values of cols (by name) in row r; ok is false when a column is
// missing or NULL. Strings compare case-insensitively (MySQL's default collations), which
// can only merge keys — never split one — so ordering stays safe.
func keyValues(rowCols, cols []string, r change.Row) (string, bool) {
	var b []byte
	for _, c := range cols {
		j := -1
		for i, rc := range rowCols {
			if strings.EqualFold(rc, c) {
				j = i
				break
			}
		}
		if j < 0 || j >= len(r) || r[j] == nil {
			return "", false
		}
		switch x := r[j].(type) {
		case int64:
			b = strconv.AppendInt(b, x, 10)
		case uint64:
			b = strconv.AppendUint(b, x, 10)
		case float64:
			b = strconv.AppendUint(b, math.Float64bits(x), 16)
		case float32:
			b = strconv.AppendUint(b, math.Float64bits(float64(x)), 16)
		case []byte:
			b = append(b, strings.ToLower(strings.TrimRight(string(x), " "))...)
		case string:
			b = append(b, strings.ToLower(strings.TrimRight(x, " "))...)
		default:
			b = fmt.Append(b, x)
		}
		b = append(b, 0)
	}
	return string(b), true
}

// logTyped returns t, or a copy of t in which every column whose type the event records
// differently (the catalog the plan was resolved from is ahead of the log: an ALTER later in
// the log changed it) carries the logged type instead: DataType, ColumnType (the bare type
// name: the logged width is unknown), Unsigned, and Charset "binary" for byte strings.
func logTyped(t *schema.Table, ev *change.Event) *schema.Table {
	if len(ev.Types) != len(ev.Columns) {
		return t
	}
	var out *schema.Table
	for i, name := range ev.Columns {
		c := t.Column(name)
		lt := ev.Types[i]
		if c == nil || lt.DataType == "" || lt.Is(c.DataType) && c.Unsigned == lt.Unsigned {
			continue
		}
		if out == nil {
			cp := *t
			cp.Columns = slices.Clone(t.Columns)
			out = &cp
		}
		oc := out.Column(name)
		oc.DataType, oc.ColumnType, oc.Unsigned = lt.Assumed(), lt.Assumed(), lt.Unsigned
		switch {
		case lt.Binary:
			oc.Charset, oc.Collation = "binary", "binary"
		case strings.EqualFold(oc.Charset, "binary"):
			oc.Charset, oc.Collation = "utf8mb4", ""
		}
	}
	if out == nil {
		return t
	}
	return out
}

// logTable builds a target definition from what row event ev records itself: its columns with
// their logged types and its primary key, under the target name dst. It returns nil when the
// log does not record types or a key (the row identity would be unknown).
func logTable(ev *change.Event, dst endpoint.TableName) *schema.Table {
	if len(ev.Types) != len(ev.Columns) || len(ev.Columns) == 0 || len(ev.Key) == 0 {
		return nil
	}
	t := &schema.Table{Schema: dst.Schema, Name: dst.Name}
	for i, name := range ev.Columns {
		lt := ev.Types[i]
		c := schema.Column{Name: name, DataType: lt.Assumed(), ColumnType: lt.Assumed(), Unsigned: lt.Unsigned, Nullable: true}
		if lt.Binary {
			c.Charset, c.Collation = "binary", "binary"
		}
		t.Columns = append(t.Columns, c)
	}
	for _, k := range ev.Key {
		if k < 0 || k >= len(ev.Columns) {
			return nil
		}
		t.PrimaryKey = append(t.PrimaryKey, ev.Columns[k])
	}
	return t
}
