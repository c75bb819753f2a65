package mysql

import (
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/filter"
	"github.com/godwit/godwit/schema"
)

var (
	_ endpoint.Filter            = (*Endpoint)(nil)
	_ endpoint.RowFilterCompiler = (*Endpoint)(nil)
)

// RenderFilter validates where against t's columns and returns it re-rendered (see
// ValidateWhere). It implements endpoint.Filter.
func (e *Endpoint) RenderFilter(t *schema.Table, where string) (string, error) {
	return filter.ValidateWhere(t.ColumnNames(), where)
}

// CompileRowFilter implements endpoint.RowFilterCompiler: where (validated as by
// RenderFilter) compiled over t's columns into a predicate evaluated in Go with the server's
// semantics (see filter.CompileRowFilter). Filters outside the supported subset fail with
// CodeBadFilter, KindInvalid, naming the table and the construct.
func (e *Endpoint) CompileRowFilter(t *schema.Table, where string) (endpoint.RowFilter, error) {
	return filter.CompileRowFilter(t, where)
}

// CompileRowFilter is Endpoint.CompileRowFilter without an endpoint.
func CompileRowFilter(t *schema.Table, where string) (endpoint.RowFilter, error) {
	return filter.CompileRowFilter(t, where)
}

// ValidateWhere checks and re-renders a whereClause over the columns cols (nil: syntax and
// safety only); see filter.ValidateWhere. It needs no server.
func ValidateWhere(cols []string, where string) (string, error) {
	return filter.ValidateWhere(cols, where)
}

// CheckRowFilterSyntax checks, without a table, that where uses only constructs the Go
// row-filter evaluator implements (see filter.CheckRowFilterSyntax).
func CheckRowFilterSyntax(where string) error { return filter.CheckRowFilterSyntax(where) }
