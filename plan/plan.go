// Package plan holds a project's plan: the tables and views it moves, resolved once from the
// source catalog through the transfer mapping (the Selector), versioned and persisted in the
// metadata store, and read by every step, the service, the verifier and the CLI.
//
// A plan entry per table carries the source and target names and definitions (the target
// definition is the source's under its mapped names: columns and their types as the target
// is to hold them), the columns kept (filterColumns), the row filter (the validated,
// re-rendered whereClause), the row identity (primary key, else a NOT NULL unique key) and
// the columns the copy writes and verification compares.
//
// Contract: the plan changes only on an explicit event, each making a new version — the
// precheck (re-)run, a DDL the replayer applied (Refresh of the tables it touched), a
// configuration modification (MarkStale; the next reader re-resolves). Readers never
// re-resolve from the live catalog on their own.
//
// The package is pure: it reaches the source only through endpoint interfaces and the
// metadata only through StateStore.
package plan

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/schema"
)

// Format is the persisted plan's format number; a reader accepts every format up to it.
const Format = 1

// Plan is the resolved selection of a project.
type Plan struct {
	Format  int    `json:"format"`
	Version int    `json:"version"` // 1 for the first resolution, +1 for every new one
	Reason  string `json:"reason"`  // the event that made this version
	// Stale is set by MarkStale: the next Ensure re-resolves. StaleReason says why.
	Stale       bool    `json:"stale,omitempty"`
	StaleReason string  `json:"staleReason,omitempty"`
	Tables      []Table `json:"tables"`
	Views       []View  `json:"views"`
	// Databases maps every selected source database (lower case) to its target database.
	Databases map[string]string `json:"databases"`
	// Renames maps every selected source "db.object" (lower case) to its target [db, name].
	Renames map[string][2]string `json:"renames"`
}

// Table is one table to move. Column names are the same on both sides unless ColumnMap
// renames them (only the standalone verifier does: godwit projects rename databases and
// tables, not columns).
type Table struct {
	Key     string        `json:"key"`               // source "db.table"
	Src     *schema.Table `json:"source"`            // source table restricted to the moved columns
	Dst     *schema.Table `json:"target"`            // the same table under its target database and name
	KeyCols []string      `json:"identity"`          // columns identifying a row; nil when the table has no PK/UK
	Where   string        `json:"where,omitempty"`   // validated, re-rendered source filter; "" for none
	Copy    []string      `json:"copy"`              // columns written by the copy (moved minus generated)
	Compare []string      `json:"compare"`           // columns compared by verification (all moved columns)
	Columns []string      `json:"columns,omitempty"` // filterColumns as configured (nil = all)
	// ColumnMap maps source column names (lower case) to target names; absent = same name.
	ColumnMap map[string]string `json:"columnMap,omitempty"`
}

// TargetKey is the target "db.table".
func (t *Table) TargetKey() string { return t.Dst.Schema + "." + t.Dst.Name }

// View is one view to create on the target.
type View struct {
	Src   *schema.View `json:"source"`
	DstDB string       `json:"targetDb"`
	Dst   string       `json:"target"`
}

// Request is what a resolution needs besides the catalog.
type Request struct {
	Mapping model.TransferMapping
	// Incr: the plan is replayed incrementally, so a row filter must also compile into a
	// predicate the source evaluates (RowFilters).
	Incr       bool
	Filter     endpoint.Filter            // renders row filters; nil = row filters unsupported
	RowFilters endpoint.RowFilterCompiler // nil = incremental row filters unsupported
}

// ForProject is the resolution request of a project whose source is src.
func ForProject(p *model.Project, src endpoint.Endpoint) Request {
	r := Request{Mapping: p.TransferMapping, Incr: p.EnableIncrTransfer}
	r.Filter, _ = src.(endpoint.Filter)
	if r.Incr {
		r.RowFilters, _ = src.(endpoint.RowFilterCompiler)
	}
	return r
}

// Selector returns the plan's selector for mapping tm: the mapping's rules with the
// database names this plan resolved.
func (p *Plan) Selector(tm model.TransferMapping) *Selector {
	return NewSelector(tm).WithDatabases(p.Databases)
}

// Table returns the entry of source table db.name (case-insensitive), or nil.
func (p *Plan) Table(db, name string) *Table {
	k := strings.ToLower(db + "." + name)
	for i := range p.Tables {
		if strings.ToLower(p.Tables[i].Key) == k {
			return &p.Tables[i]
		}
	}
	return nil
}

// Resolve reads the source catalog through rd and applies the request's mapping:
// selection, renames, column filters and row filters. Unknown objects and bad filters are
// errors; with Incr a row filter must also be one the source evaluates in Go.
func Resolve(ctx context.Context, rd endpoint.SchemaReader, req Request) (*Plan, error) {
	tm := req.Mapping
	if len(tm.Databases) == 0 {
		return nil, errs.Invalid("transferMapping.databases is empty: nothing to migrate")
	}
	all, err := rd.ListDatabases(ctx)
	if err != nil {
		return nil, err
	}
	p := &Plan{Format: Format, Databases: map[string]string{}, Renames: map[string][2]string{}}
	for _, d := range tm.Databases {
		names := []string{d.Name}
		if IsPattern(d.Name) {
			names = matchAll(all, d.Name)
		} else if !containsFold(all, d.Name) {
			return nil, errs.New(errs.KindNotFound, errs.CodeSchemaRead,
				fmt.Sprintf("source database %s does not exist", d.Name),
				"Check transferMapping.databases[].name against the source.")
		}
		for _, db := range names {
			dstDB := model.TargetName(db, d.MappedName)
			if len(names) > 1 {
				dstDB = db
			}
			if _, ok := p.Databases[strings.ToLower(db)]; !ok {
				p.Databases[strings.ToLower(db)] = dstDB
			}
		}
	}
	sel := p.Selector(tm)
	for _, d := range tm.Databases {
		names := []string{d.Name}
		if IsPattern(d.Name) {
			names = matchAll(all, d.Name)
		}
		for _, db := range names {
			if err := p.addDatabase(ctx, rd, req, sel, d, db); err != nil {
				return nil, err
			}
		}
	}
	p.sort()
	return p, nil
}

func (p *Plan) sort() {
	sort.SliceStable(p.Tables, func(i, j int) bool { return p.Tables[i].Key < p.Tables[j].Key })
}

func (p *Plan) addDatabase(ctx context.Context, rd endpoint.SchemaReader, req Request, sel *Selector, d model.DbObject, db string) error {
	tables, views := names(d.Tables), names(d.Views)
	if len(tables) == 0 && len(views) == 0 {
		var err error
		if tables, err = rd.ListTables(ctx, db); err != nil {
			return err
		}
		if views, err = rd.ListViews(ctx, db); err != nil {
			return err
		}
	}
	for _, n := range tables {
		s, ok := sel.Table(db, n)
		if !ok || p.has(db, n) {
			continue
		}
		t, err := resolveTable(ctx, rd, req, db, n, s)
		if err != nil {
			return err
		}
		p.Tables = append(p.Tables, *t)
		p.Renames[lowerKey(db, n)] = [2]string{t.Dst.Schema, t.Dst.Name}
	}
	for _, n := range views {
		dst, ok := sel.View(db, n)
		if !ok || p.has(db, n) {
			continue
		}
		v, err := rd.ReadView(ctx, db, n)
		if err != nil {
			return sourceKindErr(ctx, rd, db, n, true, err)
		}
		p.Views = append(p.Views, View{Src: v, DstDB: dst.Schema, Dst: dst.Name})
		p.Renames[lowerKey(db, n)] = [2]string{dst.Schema, dst.Name}
	}
	return nil
}

// has reports whether the object db.name is already in the plan.
func (p *Plan) has(db, name string) bool {
	_, ok := p.Renames[lowerKey(db, name)]
	return ok
}

func names(objs []model.TableObject) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Name)
	}
	return out
}

// resolveTable reads one selected table and builds its entry.
func resolveTable(ctx context.Context, rd endpoint.SchemaReader, req Request, db, name string, s Selection) (*Table, error) {
	full, err := rd.ReadTable(ctx, db, name)
	if err != nil {
		return nil, sourceKindErr(ctx, rd, db, name, false, err)
	}
	for _, c := range s.Columns {
		if full.Column(c) == nil {
			return nil, errs.Invalid("filterColumns of %s.%s names column %q, which does not exist", db, name, c)
		}
	}
	src := full.Project(s.Columns)
	dst := *src
	dst.Schema, dst.Name = s.Target.Schema, s.Target.Name
	t := &Table{Key: db + "." + full.Name, Src: src, Dst: &dst, KeyCols: src.KeyColumns(), Columns: s.Columns}
	for _, c := range src.Columns {
		t.Compare = append(t.Compare, c.Name)
		if c.Generated == "" {
			t.Copy = append(t.Copy, c.Name)
		}
	}
	if s.Where != "" {
		if req.Filter == nil {
			return nil, errs.Unsupported("row filters (whereClause) on this source type")
		}
		// The filter is validated against the full table: it may use columns that are not moved.
		w, err := req.Filter.RenderFilter(full, s.Where)
		if err != nil {
			return nil, err
		}
		t.Where = w
		if req.Incr {
			if req.RowFilters == nil {
				return nil, errs.Unsupported("row filters (whereClause) with incremental sync on this source type")
			}
			if _, err := req.RowFilters.CompileRowFilter(full, s.Where); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// sourceKindErr explains a selected source object that was not found as the kind it was
// listed as (a view under tables, a table under views, a sequence, …) when the source can
// tell what it is; any other error is returned as is.
func sourceKindErr(ctx context.Context, rd endpoint.SchemaReader, db, name string, view bool, err error) error {
	oi, ok := rd.(endpoint.ObjectInspector)
	if !ok || errs.As(err).Kind != errs.KindNotFound {
		return err
	}
	k, kerr := oi.ObjectKind(ctx, db, name)
	if kerr != nil || k == endpoint.ObjectAbsent {
		return err
	}
	key := db + "." + name
	switch {
	case !view && k == endpoint.ObjectView:
		return errs.New(errs.KindInvalid, errs.CodeSchemaRead,
			fmt.Sprintf("source object %s is a VIEW, listed under tables: godwit copies rows of base tables only", key),
			"List it under views (transferMapping.databases[].views) to create the view on the target, or select its base tables.").
			With("table", key)
	case view && k.IsTable():
		return errs.New(errs.KindInvalid, errs.CodeSchemaRead,
			fmt.Sprintf("source object %s is a BASE TABLE, listed under views", key),
			"List it under tables (transferMapping.databases[].tables).").With("view", key)
	}
	return errs.New(errs.KindInvalid, errs.CodeSchemaRead,
		fmt.Sprintf("source object %s is a %s: godwit migrates base tables and views only", key, k),
		"Remove it from the project.").With("table", key).With("kind", string(k))
}

func lowerKey(db, name string) string { return strings.ToLower(db + "." + name) }
