// Package filter is the row filter (a project's whereClause) in two uses, without I/O.
// ValidateWhere checks a filter for the full copy — one boolean expression over the table's
// own columns, literals, operators and allow-listed pure functions — and returns the text
// the SQL parser re-renders, the only text ever embedded in SQL; everything else is refused
// with errs.CodeBadFilter, KindInvalid. CompileRowFilter (and CheckRowFilterSyntax, without a
// table) compiles a filter into a predicate over captured row images for incremental sync,
// evaluated in Go with exactly the server's semantics for the subset described in
// rowfilter.go, refusing the rest. Both are pure and safe for concurrent use. It depends on
// packages change, endpoint (RowFilter), errs, schema, sqlparse and sqlval only.
package filter
