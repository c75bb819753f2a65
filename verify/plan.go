package verify

import "github.com/godwit/godwit/plan"

// TablesOf turns a plan's tables into verification tables.
func TablesOf(p *plan.Plan) []Table {
	out := make([]Table, len(p.Tables))
	for i, tp := range p.Tables {
		out[i] = Table{SourceDB: tp.Src.Schema, SourceName: tp.Src.Name, TargetDB: tp.Dst.Schema,
			TargetName: tp.Dst.Name, Source: tp.Src, Columns: tp.Compare, Where: tp.Where, ColumnMap: tp.ColumnMap}
	}
	return out
}
