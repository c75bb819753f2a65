package plan

import (
	"sort"
	"strconv"
	"strings"

	"github.com/godwit/godwit/model"
)

// Reversed is the plan of the reverse stream (target → source): every table with its sides
// swapped (Key is the target "db.table", Src the target definition, Dst the source's), no
// row filter (the target holds only the rows the forward filter let through, and every
// change of them goes back), no views, and the database and object renames inverted. It
// is derived, never persisted: the forward plan stays the project's one plan.
func (p *Plan) Reversed() *Plan {
	r := &Plan{Format: p.Format, Version: p.Version, Reason: "reverse of version " + strconv.Itoa(p.Version),
		Databases: map[string]string{}, Renames: map[string][2]string{}}
	for _, t := range p.Tables {
		rt := Table{Key: t.Dst.Schema + "." + t.Dst.Name, Src: t.Dst, Dst: t.Src, KeyCols: t.KeyCols,
			Copy: t.Copy, Compare: t.Compare, Columns: t.Columns}
		if len(t.ColumnMap) > 0 {
			rt.ColumnMap = map[string]string{}
			for s, d := range t.ColumnMap {
				rt.ColumnMap[strings.ToLower(d)] = s
			}
		}
		r.Tables = append(r.Tables, rt)
		r.Databases[strings.ToLower(t.Dst.Schema)] = t.Src.Schema
		r.Renames[lowerKey(t.Dst.Schema, t.Dst.Name)] = [2]string{t.Src.Schema, t.Src.Name}
	}
	r.sort()
	return r
}

// ReverseMapping is the transfer mapping of the reverse stream: the plan's tables listed
// one by one under their target names, mapped to their source names. A table created on
// the target after the switch is not moved back (it is not in the plan).
func (p *Plan) ReverseMapping() model.TransferMapping {
	by := map[string]*model.DbObject{}
	var order []string
	for _, t := range p.Tables {
		k := strings.ToLower(t.Dst.Schema)
		d := by[k]
		if d == nil {
			d = &model.DbObject{Name: t.Dst.Schema, MappedName: t.Src.Schema}
			by[k] = d
			order = append(order, k)
		}
		d.Tables = append(d.Tables, model.TableObject{Name: t.Dst.Name, MappedName: t.Src.Name})
	}
	sort.Strings(order)
	tm := model.TransferMapping{Mode: "SPECIFIC"}
	for _, k := range order {
		tm.Databases = append(tm.Databases, *by[k])
	}
	return tm
}
