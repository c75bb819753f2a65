// Package schema is godwit's dialect-neutral model of tables, columns, indexes and views.
// Endpoints read their catalog into it and render DDL from it; steps decide what to move
// with it. It performs no I/O.
package schema

import "strings"

// Table is one base table.
type Table struct {
	Schema     string
	Name       string
	Columns    []Column
	PrimaryKey []string // column names in key order; empty when the table has none
	Indexes    []Index  // secondary indexes (unique or not); never the primary key
	Engine     string
	Charset    string
	Collation  string
	Comment    string
	// Options is the remaining table options as the source prints them (e.g. ROW_FORMAT=DYNAMIC),
	// rendered verbatim by same-dialect targets and ignored by others.
	Options string

	RowsEstimate int64 // from the catalog statistics; an estimate only
	DataLength   int64 // bytes, estimate
}

// Column is one column. ColumnType is the full source type (e.g. "int(10) unsigned",
// "enum('a','b')", "decimal(65,30)", "varchar(20)"); DataType its lower-case base name.
type Column struct {
	Name          string
	DataType      string
	ColumnType    string
	Nullable      bool
	Default       *string // SQL expression form: a quoted literal, NULL, or a function; nil = no default
	AutoIncrement bool
	OnUpdate      string // e.g. "current_timestamp(6)"; "" if none
	Generated     string // generation expression; "" if not generated
	Stored        bool   // generated column is STORED (else VIRTUAL)
	Charset       string
	Collation     string
	Comment       string
	Unsigned      bool
	Invisible     bool
}

// Index is a secondary index.
type Index struct {
	Name    string
	Unique  bool
	Kind    string // BTREE | HASH | FULLTEXT | SPATIAL
	Parts   []IndexPart
	Comment string
}

// IndexPart is one key part: a column (optionally a prefix) or an expression.
type IndexPart struct {
	Column string
	Length int // prefix length; 0 for the whole column
	Desc   bool
}

// View is a view with its defining SELECT as the source prints it.
type View struct {
	Schema      string
	Name        string
	Definition  string
	CheckOption string // NONE | CASCADED | LOCAL
	Security    string // DEFINER | INVOKER
}

// Column returns the column named name (case-insensitive), or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Columns {
		if strings.EqualFold(t.Columns[i].Name, name) {
			return &t.Columns[i]
		}
	}
	return nil
}

// ColumnNames lists the column names in table order.
func (t *Table) ColumnNames() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// KeyColumns returns the columns that identify a row: the primary key, else the first unique
// index whose columns are all NOT NULL and unprefixed. nil means the table has neither and
// cannot be chunked or replayed idempotently.
func (t *Table) KeyColumns() []string {
	if len(t.PrimaryKey) > 0 {
		return t.PrimaryKey
	}
	for _, ix := range t.Indexes {
		if !ix.Unique {
			continue
		}
		ok := len(ix.Parts) > 0
		cols := make([]string, 0, len(ix.Parts))
		for _, p := range ix.Parts {
			c := t.Column(p.Column)
			if c == nil || c.Nullable || p.Length > 0 {
				ok = false
				break
			}
			cols = append(cols, c.Name)
		}
		if ok {
			return cols
		}
	}
	return nil
}

// Project returns a copy of t restricted to the named columns (in table order), keeping the
// indexes and key whose columns all survive. An empty list keeps every column.
func (t *Table) Project(cols []string) *Table {
	c := *t
	if len(cols) == 0 {
		return &c
	}
	keep := map[string]bool{}
	for _, n := range cols {
		keep[strings.ToLower(n)] = true
	}
	c.Columns = nil
	for _, col := range t.Columns {
		if keep[strings.ToLower(col.Name)] {
			c.Columns = append(c.Columns, col)
		}
	}
	has := func(n string) bool { return keep[strings.ToLower(n)] }
	c.PrimaryKey = nil
	all := true
	for _, k := range t.PrimaryKey {
		all = all && has(k)
	}
	if all {
		c.PrimaryKey = t.PrimaryKey
	}
	c.Indexes = nil
	for _, ix := range t.Indexes {
		ok := true
		for _, p := range ix.Parts {
			ok = ok && has(p.Column)
		}
		if ok {
			c.Indexes = append(c.Indexes, ix)
		}
	}
	return &c
}
