package verify

import (
	"context"
	"fmt"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// DBPair is one source database, its target name, and the tables and views selected in it
// (Tables' SourceDB/TargetDB are the pair's). Views are [source name, target name].
type DBPair struct {
	Source, Target string
	Tables         []Table
	Views          [][2]string
}

// ObjectCount is one object type's totals (DRS object_compare overview compare_results).
type ObjectCount struct {
	Type        string `json:"type"` // DB | TABLE | VIEW | INDEX | COLUMN
	SourceCount int64  `json:"sourceCount"`
	TargetCount int64  `json:"targetCount"` // source objects found on the target under their mapped names
	Status      string `json:"status"`      // CONSISTENT | INCONSISTENT
}

// ObjectDiff is one object missing or different on the target (DRS object_compare detail).
type ObjectDiff struct {
	Type     string `json:"type"`
	SourceDB string `json:"sourceDb"`
	TargetDB string `json:"targetDb"`
	Source   string `json:"source"` // "table", "table.column", "table.index"
	Target   string `json:"target"`
	Message  string `json:"message"`
}

// ObjectReport is the outcome of CompareObjects.
type ObjectReport struct {
	Result string        `json:"result"` // CONSISTENT | INCONSISTENT
	Counts []ObjectCount `json:"counts"`
	Diffs  []ObjectDiff  `json:"diffs"`
}

// CompareObjects matches databases, tables, views, columns and indexes of the selection on
// both sides by mapped name: each source object must exist on the target under its mapped
// name, columns with the same full type, indexes with the same uniqueness and (mapped)
// columns. Objects present only on the target are not reported.
func CompareObjects(ctx context.Context, src, dst endpoint.Endpoint, dbs []DBPair) (*ObjectReport, error) {
	srd, ok1 := src.(endpoint.SchemaReader)
	drd, ok2 := dst.(endpoint.SchemaReader)
	if !ok1 || !ok2 {
		return nil, errs.New(errs.KindUnsupported, errs.CodeVerifyFailed, "an endpoint cannot read its schema",
			"Object comparison needs both endpoints to describe their catalogs.")
	}
	counts := map[string]*ObjectCount{}
	order := []string{"DB", "TABLE", "VIEW", "INDEX", "COLUMN"}
	for _, t := range order {
		counts[t] = &ObjectCount{Type: t}
	}
	rep := &ObjectReport{Diffs: []ObjectDiff{}}
	miss := func(typ string, d DBPair, s, t, msg string) {
		rep.Diffs = append(rep.Diffs, ObjectDiff{Type: typ, SourceDB: d.Source, TargetDB: d.Target, Source: s, Target: t, Message: msg})
	}
	tdbs, err := drd.ListDatabases(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range dbs {
		counts["DB"].SourceCount++
		if !containsFold(tdbs, d.Target) {
			miss("DB", d, d.Source, d.Target, "target database does not exist")
			for _, t := range d.Tables {
				counts["TABLE"].SourceCount++
				if st, err := srd.ReadTable(ctx, d.Source, t.SourceName); err == nil {
					counts["COLUMN"].SourceCount += int64(len(st.Columns))
					counts["INDEX"].SourceCount += int64(len(st.Indexes))
				}
			}
			counts["VIEW"].SourceCount += int64(len(d.Views))
			continue
		}
		counts["DB"].TargetCount++
		ttabs, err := drd.ListTables(ctx, d.Target)
		if err != nil {
			return nil, err
		}
		tviews, err := drd.ListViews(ctx, d.Target)
		if err != nil {
			return nil, err
		}
		for i := range d.Tables {
			t := &d.Tables[i]
			counts["TABLE"].SourceCount++
			st := t.Source
			if st == nil {
				if st, err = srd.ReadTable(ctx, d.Source, t.SourceName); err != nil {
					return nil, err
				}
			}
			counts["COLUMN"].SourceCount += int64(len(st.Columns))
			counts["INDEX"].SourceCount += int64(len(st.Indexes))
			if !containsFold(ttabs, t.TargetName) {
				miss("TABLE", d, t.SourceName, t.TargetName, "target table does not exist")
				continue
			}
			counts["TABLE"].TargetCount++
			dt, err := drd.ReadTable(ctx, d.Target, t.TargetName)
			if err != nil {
				return nil, err
			}
			compareColumns(t, st, dt, counts["COLUMN"], func(s, tg, msg string) { miss("COLUMN", d, s, tg, msg) })
			compareIndexes(t, st, dt, counts["INDEX"], func(s, tg, msg string) { miss("INDEX", d, s, tg, msg) })
		}
		for _, v := range d.Views {
			counts["VIEW"].SourceCount++
			if containsFold(tviews, v[1]) {
				counts["VIEW"].TargetCount++
			} else {
				miss("VIEW", d, v[0], v[1], "target view does not exist")
			}
		}
	}
	rep.Result = Consistent
	for _, t := range order {
		c := counts[t]
		c.Status = Consistent
		if c.SourceCount != c.TargetCount {
			c.Status = Inconsistent
		}
		rep.Counts = append(rep.Counts, *c)
	}
	if len(rep.Diffs) > 0 {
		rep.Result = Inconsistent
	}
	return rep, nil
}

func compareColumns(t *Table, st, dt *schema.Table, cnt *ObjectCount, miss func(s, t, msg string)) {
	for _, c := range st.Columns {
		tn := t.targetCol(c.Name)
		dc := dt.Column(tn)
		if dc == nil {
			miss(st.Name+"."+c.Name, dt.Name+"."+tn, "target column does not exist")
			continue
		}
		if !strings.EqualFold(c.ColumnType, dc.ColumnType) || c.Nullable != dc.Nullable {
			miss(st.Name+"."+c.Name, dt.Name+"."+tn, fmt.Sprintf("type %s%s on the source, %s%s on the target",
				c.ColumnType, nullText(c.Nullable), dc.ColumnType, nullText(dc.Nullable)))
			continue
		}
		cnt.TargetCount++
	}
}

func nullText(n bool) string {
	if n {
		return " NULL"
	}
	return " NOT NULL"
}

func compareIndexes(t *Table, st, dt *schema.Table, cnt *ObjectCount, miss func(s, t, msg string)) {
	sig := func(ix schema.Index, mapCols bool) string {
		parts := make([]string, len(ix.Parts))
		for i, p := range ix.Parts {
			c := p.Column
			if mapCols {
				c = t.targetCol(c)
			}
			parts[i] = strings.ToLower(c)
			if p.Length > 0 {
				parts[i] += fmt.Sprintf("(%d)", p.Length)
			}
		}
		return fmt.Sprintf("unique=%v (%s)", ix.Unique, strings.Join(parts, ","))
	}
	for _, ix := range st.Indexes {
		var found *schema.Index
		for i := range dt.Indexes {
			if strings.EqualFold(dt.Indexes[i].Name, ix.Name) {
				found = &dt.Indexes[i]
			}
		}
		switch {
		case found == nil:
			miss(st.Name+"."+ix.Name, dt.Name+"."+ix.Name, "target index does not exist")
		case sig(ix, true) != sig(*found, false):
			miss(st.Name+"."+ix.Name, dt.Name+"."+ix.Name, fmt.Sprintf("index is %s on the source, %s on the target",
				sig(ix, true), sig(*found, false)))
		default:
			cnt.TargetCount++
		}
	}
}
