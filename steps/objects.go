package steps

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/schema"
)

// TablePlan is one table to move, resolved from the project's transfer mapping against the
// source catalog. Column names are the same on both sides (godwit renames databases and
// tables, not columns).
type TablePlan struct {
	Key     string        // source "db.table"
	Src     *schema.Table // source table restricted to the moved columns
	Dst     *schema.Table // the same table under its target database and name
	KeyCols []string      // columns identifying a row; nil when the table has no PK/UK
	Where   string        // validated, re-rendered source filter; "" for none
	Copy    []string      // columns written by the copy (moved minus generated)
	Compare []string      // columns compared by verification (all moved columns)
}

// TargetKey is the target "db.table".
func (t *TablePlan) TargetKey() string { return t.Dst.Schema + "." + t.Dst.Name }

// ViewPlan is one view to create on the target.
type ViewPlan struct {
	Src   *schema.View
	DstDB string
	Dst   string
}

// Objects is the resolved selection of a project.
type Objects struct {
	Tables []TablePlan
	Views  []ViewPlan
	// Renames maps source "db" and "db.table" (lower case) to their targets, for view rewriting.
	DBRename    map[string]string
	TableRename map[string][2]string
}

// ResolveObjects reads the source catalog and applies the transfer mapping: selection,
// renames, column filters and row filters. Unknown objects and bad filters are errors; with
// incremental sync a row filter must also be one the source evaluates in Go
// (endpoint.RowFilterCompiler), since incremental apply judges every change by it.
func ResolveObjects(ctx context.Context, p *model.Project, src endpoint.Endpoint) (*Objects, error) {
	rd, err := need[endpoint.SchemaReader](src, "source", "read its schema")
	if err != nil {
		return nil, err
	}
	pf := planFilters{}
	pf.flt, _ = src.(endpoint.Filter)
	if p.EnableIncrTransfer {
		pf.incr = true
		pf.rfc, _ = src.(endpoint.RowFilterCompiler)
	}
	o := &Objects{DBRename: map[string]string{}, TableRename: map[string][2]string{}}
	tm := p.TransferMapping
	black := blackList(tm)
	dbs := tm.Databases
	if len(dbs) == 0 {
		return nil, errs.Invalid("transferMapping.databases is empty: nothing to migrate")
	}
	all, err := rd.ListDatabases(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range dbs {
		names := []string{d.Name}
		if strings.ContainsAny(d.Name, "*?[") {
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
			o.DBRename[strings.ToLower(db)] = dstDB
			if err := o.addDatabase(ctx, rd, pf, tm, black, d, db, dstDB); err != nil {
				return nil, err
			}
		}
	}
	sort.SliceStable(o.Tables, func(i, j int) bool { return o.Tables[i].Key < o.Tables[j].Key })
	return o, nil
}

func (o *Objects) addDatabase(ctx context.Context, rd endpoint.SchemaReader, pf planFilters,
	tm model.TransferMapping, black map[string]bool, d model.DbObject, db, dstDB string) error {
	tables, views := d.Tables, d.Views
	if len(tables) == 0 && len(views) == 0 {
		names, err := rd.ListTables(ctx, db)
		if err != nil {
			return err
		}
		for _, n := range names {
			if tm.Mode == "WILDCARD" && len(tm.TableAndViewWhiteList) > 0 && !matchesAny(tm.TableAndViewWhiteList, db, n) {
				continue
			}
			tables = append(tables, model.TableObject{Name: n})
		}
		vnames, err := rd.ListViews(ctx, db)
		if err != nil {
			return err
		}
		for _, n := range vnames {
			views = append(views, model.TableObject{Name: n})
		}
	}
	for _, to := range tables {
		if black[strings.ToLower(db+"."+to.Name)] || matchesAny(tm.TableAndViewBlackList, db, to.Name) {
			continue
		}
		tp, err := planTable(ctx, rd, pf, db, dstDB, to)
		if err != nil {
			return err
		}
		o.Tables = append(o.Tables, *tp)
		o.TableRename[strings.ToLower(db+"."+to.Name)] = [2]string{dstDB, tp.Dst.Name}
	}
	for _, vo := range views {
		if black[strings.ToLower(db+"."+vo.Name)] || matchesAny(tm.TableAndViewBlackList, db, vo.Name) {
			continue
		}
		v, err := rd.ReadView(ctx, db, vo.Name)
		if err != nil {
			return sourceKindErr(ctx, rd, db, vo.Name, true, err)
		}
		o.Views = append(o.Views, ViewPlan{Src: v, DstDB: dstDB, Dst: model.TargetName(vo.Name, vo.MappedName)})
		o.TableRename[strings.ToLower(db+"."+vo.Name)] = [2]string{dstDB, model.TargetName(vo.Name, vo.MappedName)}
	}
	return nil
}

// planFilters are the source's row-filter capabilities a plan needs.
type planFilters struct {
	flt  endpoint.Filter
	incr bool                       // the project has incremental sync: filters must compile for Go
	rfc  endpoint.RowFilterCompiler // nil when the source has none
}

func planTable(ctx context.Context, rd endpoint.SchemaReader, pf planFilters, db, dstDB string, to model.TableObject) (*TablePlan, error) {
	full, err := rd.ReadTable(ctx, db, to.Name)
	if err != nil {
		return nil, sourceKindErr(ctx, rd, db, to.Name, false, err)
	}
	for _, c := range to.FilterColumns {
		if full.Column(c) == nil {
			return nil, errs.Invalid("filterColumns of %s.%s names column %q, which does not exist", db, to.Name, c)
		}
	}
	src := full.Project(to.FilterColumns)
	dst := *src
	dst.Schema, dst.Name = dstDB, model.TargetName(to.Name, to.MappedName)
	tp := &TablePlan{Key: db + "." + full.Name, Src: src, Dst: &dst, KeyCols: src.KeyColumns()}
	for _, c := range src.Columns {
		tp.Compare = append(tp.Compare, c.Name)
		if c.Generated == "" {
			tp.Copy = append(tp.Copy, c.Name)
		}
	}
	if strings.TrimSpace(to.WhereClause) != "" {
		if pf.flt == nil {
			return nil, errs.Unsupported("row filters (whereClause) on this source type")
		}
		// The filter is validated against the full table: it may use columns that are not moved.
		w, err := pf.flt.RenderFilter(full, to.WhereClause)
		if err != nil {
			return nil, err
		}
		tp.Where = w
		if pf.incr {
			if pf.rfc == nil {
				return nil, errs.Unsupported("row filters (whereClause) with incremental sync on this source type")
			}
			if _, err := pf.rfc.CompileRowFilter(full, to.WhereClause); err != nil {
				return nil, err
			}
		}
	}
	return tp, nil
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

func blackList(tm model.TransferMapping) map[string]bool {
	m := map[string]bool{}
	for _, d := range tm.DatabasesBlack {
		for _, t := range d.Tables {
			m[strings.ToLower(d.Name+"."+t.Name)] = true
		}
	}
	return m
}

func matchesAny(patterns []string, db, name string) bool {
	full := strings.ToLower(db + "." + name)
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" || p == "null" {
			continue
		}
		if ok, _ := path.Match(p, full); ok {
			return true
		}
	}
	return false
}

func matchAll(names []string, pattern string) []string {
	var out []string
	for _, n := range names {
		if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(n)); ok {
			out = append(out, n)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
