package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.SchemaReader = (*Endpoint)(nil)

// srSystemDBs are the server's own databases, never listed or migrated.
var srSystemDBs = []any{"mysql", "information_schema", "performance_schema", "sys"}

// ListDatabases lists the user databases, sorted; system databases are excluded.
func (e *Endpoint) ListDatabases(ctx context.Context) ([]string, error) {
	return e.srStrings(ctx, "list databases",
		"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?, ?, ?, ?) ORDER BY SCHEMA_NAME",
		srSystemDBs...)
}

// ListTables lists the base tables of db, sorted (views, sequences and system-versioned
// tables are not included).
func (e *Endpoint) ListTables(ctx context.Context, db string) ([]string, error) {
	return e.srStrings(ctx, "list tables of "+db,
		"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = ? ORDER BY TABLE_NAME",
		db, "BASE TABLE")
}

// ListViews lists the views of db, sorted.
func (e *Endpoint) ListViews(ctx context.Context, db string) ([]string, error) {
	return e.srStrings(ctx, "list views of "+db,
		"SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", db)
}

// ReadTable reads db.name from information_schema into the neutral model. Defaults are in
// SQL-expression form on both MariaDB and MySQL; MariaDB JSON columns (LONGTEXT with the
// json_valid check) read back as type json. A missing table is an *errs.Error of KindNotFound
// with code errs.CodeSchemaRead. Check constraints other than MariaDB's JSON check,
// functional (expression) index parts, partitioning and foreign keys are not modelled.
func (e *Endpoint) ReadTable(ctx context.Context, db, name string) (*schema.Table, error) {
	t := &schema.Table{Schema: db, Name: name}
	var engine, coll, comment, opts, charset sql.NullString
	var rows, length sql.NullInt64
	err := e.db.QueryRowContext(ctx, `SELECT t.ENGINE, t.TABLE_COLLATION, t.TABLE_COMMENT, t.CREATE_OPTIONS,
		t.TABLE_ROWS, t.DATA_LENGTH, c.CHARACTER_SET_NAME
		FROM information_schema.TABLES t
		LEFT JOIN information_schema.COLLATION_CHARACTER_SET_APPLICABILITY c ON c.COLLATION_NAME = t.TABLE_COLLATION
		WHERE t.TABLE_SCHEMA = ? AND t.TABLE_NAME = ? AND t.TABLE_TYPE = ?`, db, name, "BASE TABLE").
		Scan(&engine, &coll, &comment, &opts, &rows, &length, &charset)
	if err == sql.ErrNoRows {
		return nil, errs.New(errs.KindNotFound, errs.CodeSchemaRead,
			fmt.Sprintf("table %s.%s does not exist", db, name),
			"Check the database and table names, and that the user can see the table.").
			With("table", db+"."+name)
	}
	if err != nil {
		return nil, srErr("read table "+db+"."+name, err)
	}
	t.Engine, t.Collation, t.Comment = engine.String, coll.String, comment.String
	t.Charset = charset.String
	if t.Charset == "" && t.Collation != "" {
		t.Charset, _, _ = strings.Cut(t.Collation, "_")
	}
	t.Options = srTableOptions(opts.String)
	t.RowsEstimate, t.DataLength = rows.Int64, length.Int64

	if err := e.srColumns(ctx, t); err != nil {
		return nil, err
	}
	if len(t.Columns) == 0 {
		return nil, srErr("read columns of "+db+"."+name, fmt.Errorf("no columns visible"))
	}
	if err := e.srIndexes(ctx, t); err != nil {
		return nil, err
	}
	if e.mariadb {
		if err := e.srMariaJSON(ctx, t); err != nil {
			return nil, err
		}
	}
	if col, err := sqlval.FixMembers(ctx, e.db, t); err != nil {
		return nil, srErr(fmt.Sprintf("read the members of %s.%s.%s", t.Schema, t.Name, col), err)
	}
	return t, nil
}

// srColumns fills t.Columns.
func (e *Endpoint) srColumns(ctx context.Context, t *schema.Table) error {
	rs, err := e.db.QueryContext(ctx, `SELECT COLUMN_NAME, COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE, COLUMN_TYPE,
		CHARACTER_SET_NAME, COLLATION_NAME, EXTRA, GENERATION_EXPRESSION, COLUMN_COMMENT
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
		t.Schema, t.Name)
	if err != nil {
		return srErr("read columns of "+t.Schema+"."+t.Name, err)
	}
	defer rs.Close()
	for rs.Next() {
		var name, nullable, dataType, colType string
		var def, cs, coll, extra, gen, comment sql.NullString
		if err := rs.Scan(&name, &def, &nullable, &dataType, &colType, &cs, &coll, &extra, &gen, &comment); err != nil {
			return srErr("read columns of "+t.Schema+"."+t.Name, err)
		}
		c := schema.Column{
			Name:       name,
			DataType:   strings.ToLower(dataType),
			ColumnType: colType,
			Nullable:   nullable == "YES",
			Charset:    cs.String,
			Collation:  coll.String,
			Comment:    comment.String,
			Unsigned:   strings.Contains(strings.ToLower(colType), "unsigned"),
		}
		x := strings.ToLower(extra.String)
		c.AutoIncrement = strings.Contains(x, "auto_increment")
		c.Invisible = strings.Contains(x, "invisible")
		c.OnUpdate = srOnUpdate(extra.String)
		if g := strings.TrimSpace(gen.String); g != "" && strings.Contains(x, "generated") {
			c.Generated = g
			c.Stored = strings.Contains(x, "stored generated") || strings.Contains(x, "persistent")
		}
		if c.Generated == "" {
			c.Default = srDefault(e.mariadb, &c, def, x)
		}
		t.Columns = append(t.Columns, c)
	}
	if err := rs.Err(); err != nil {
		return srErr("read columns of "+t.Schema+"."+t.Name, err)
	}
	return nil
}

// srDefault turns COLUMN_DEFAULT into SQL-expression form. MariaDB (10.2.7+) already
// reports an expression, with SQL NULL meaning "no default" and the text NULL meaning
// DEFAULT NULL. MySQL reports the raw value and flags expressions with DEFAULT_GENERATED
// in EXTRA; a NULL there is DEFAULT NULL for nullable columns that can have one.
func srDefault(mariadb bool, c *schema.Column, def sql.NullString, extraLower string) *string {
	s := func(v string) *string { return &v }
	if mariadb {
		if !def.Valid {
			return nil
		}
		return s(def.String)
	}
	if !def.Valid {
		if c.Nullable && !c.AutoIncrement && !srNoLiteralDefault(c.DataType) {
			return s("NULL")
		}
		return nil
	}
	v := def.String
	if strings.Contains(extraLower, "default_generated") {
		l := strings.ToLower(v)
		if strings.HasPrefix(l, "current_timestamp") || strings.HasPrefix(l, "now(") ||
			strings.HasPrefix(l, "localtime") {
			return s(v)
		}
		return s("(" + v + ")")
	}
	switch c.DataType {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric",
		"float", "double", "real", "year":
		return s(v)
	case "bit", "binary", "varbinary":
		if strings.HasPrefix(v, "b'") || strings.HasPrefix(v, "0x") {
			return s(v) // MySQL 8 shows these defaults as bit or hex literals
		}
	}
	return s(sqlval.QuoteString(v))
}

// srNoLiteralDefault reports types MySQL shows without DEFAULT NULL.
func srNoLiteralDefault(dataType string) bool {
	switch dataType {
	case "tinyblob", "blob", "mediumblob", "longblob", "tinytext", "text", "mediumtext", "longtext",
		"json", "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
		"multipolygon", "geometrycollection", "geomcollection":
		return true
	}
	return false
}

// srOnUpdate extracts the ON UPDATE expression from EXTRA, e.g. "current_timestamp(6)".
func srOnUpdate(extra string) string {
	l := strings.ToLower(extra)
	i := strings.Index(l, "on update ")
	if i < 0 {
		return ""
	}
	rest := strings.TrimSpace(extra[i+len("on update "):])
	if j := strings.IndexAny(rest, " \t"); j >= 0 {
		rest = rest[:j]
	}
	return strings.ToLower(rest)
}

// srTableOptions keeps CREATE_OPTIONS that a same-dialect target can replay.
func srTableOptions(s string) string {
	var keep []string
	for _, f := range strings.Fields(s) {
		if strings.EqualFold(f, "partitioned") {
			continue
		}
		keep = append(keep, f)
	}
	return strings.Join(keep, " ")
}

// srIndexes fills t.PrimaryKey and t.Indexes from STATISTICS, keeping the server's key order.
func (e *Endpoint) srIndexes(ctx context.Context, t *schema.Table) error {
	rs, err := e.db.QueryContext(ctx, `SELECT INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART,
		COLLATION, INDEX_TYPE, INDEX_COMMENT
		FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, t.Schema, t.Name)
	if err != nil {
		return srErr("read indexes of "+t.Schema+"."+t.Name, err)
	}
	defer rs.Close()
	type part struct {
		seq int
		p   schema.IndexPart
	}
	var order []string
	idx := map[string]*schema.Index{}
	parts := map[string][]part{}
	skip := map[string]bool{}
	for rs.Next() {
		var name, typ string
		var nonUnique, seq int
		var col, coll, comment sql.NullString
		var sub sql.NullInt64
		if err := rs.Scan(&name, &nonUnique, &seq, &col, &sub, &coll, &typ, &comment); err != nil {
			return srErr("read indexes of "+t.Schema+"."+t.Name, err)
		}
		if !col.Valid {
			skip[name] = true // functional key part (MySQL 8): not modelled
		}
		ix := idx[name]
		if ix == nil {
			ix = &schema.Index{Name: name, Unique: nonUnique == 0, Kind: strings.ToUpper(typ), Comment: comment.String}
			idx[name] = ix
			order = append(order, name)
		}
		length := int(sub.Int64)
		if strings.EqualFold(typ, "SPATIAL") {
			length = 0 // MariaDB reports the internal key length (32) of SPATIAL parts
		}
		parts[name] = append(parts[name], part{seq, schema.IndexPart{
			Column: col.String, Length: length, Desc: coll.String == "D"}})
	}
	if err := rs.Err(); err != nil {
		return srErr("read indexes of "+t.Schema+"."+t.Name, err)
	}
	for _, name := range order {
		ps := parts[name]
		sort.Slice(ps, func(i, j int) bool { return ps[i].seq < ps[j].seq })
		if skip[name] {
			slog.Warn("mysql: index with expression parts not migrated", "table", t.Schema+"."+t.Name, "index", name)
			continue
		}
		if name == "PRIMARY" {
			for _, p := range ps {
				t.PrimaryKey = append(t.PrimaryKey, p.p.Column)
			}
			continue
		}
		ix := idx[name]
		for _, p := range ps {
			ix.Parts = append(ix.Parts, p.p)
		}
		t.Indexes = append(t.Indexes, *ix)
	}
	return nil
}

// srMariaJSON marks MariaDB JSON columns: a LONGTEXT with the column-level CHECK
// json_valid(`col`) that MariaDB adds for the JSON alias. They read back as type json,
// whose charset and collation are implied.
func (e *Endpoint) srMariaJSON(ctx context.Context, t *schema.Table) error {
	names, err := e.srStrings(ctx, "read check constraints of "+t.Schema+"."+t.Name,
		"SELECT CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS "+
			"WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ? AND CHECK_CLAUSE = CONCAT(?, CONSTRAINT_NAME, ?)",
		t.Schema, t.Name, "json_valid(`", "`)")
	if err != nil {
		return err
	}
	for _, n := range names {
		c := t.Column(n)
		if c == nil || c.DataType != "longtext" || c.Name != n {
			continue
		}
		c.DataType, c.ColumnType, c.Charset, c.Collation = "json", "json", "", ""
	}
	return nil
}

// ReadView reads a view's definition, check option and security from information_schema.
func (e *Endpoint) ReadView(ctx context.Context, db, name string) (*schema.View, error) {
	v := &schema.View{Schema: db, Name: name}
	err := e.db.QueryRowContext(ctx, `SELECT VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE
		FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, db, name).
		Scan(&v.Definition, &v.CheckOption, &v.Security)
	if err == sql.ErrNoRows {
		return nil, errs.New(errs.KindNotFound, errs.CodeSchemaRead,
			fmt.Sprintf("view %s.%s does not exist", db, name),
			"Check the database and view names, and that the user can see the view.").With("view", db+"."+name)
	}
	if err != nil {
		return nil, srErr("read view "+db+"."+name, err)
	}
	if strings.TrimSpace(v.Definition) == "" {
		return nil, errs.New(errs.KindForbidden, errs.CodeSchemaRead,
			fmt.Sprintf("the definition of view %s.%s is not visible to this user", db, name),
			"Grant SHOW VIEW (and SELECT) on the view's database to the migration user.").With("view", db+"."+name)
	}
	v.CheckOption = strings.ToUpper(v.CheckOption)
	v.Security = strings.ToUpper(v.Security)
	return v, nil
}

// srStrings runs a one-column query and collects the values.
func (e *Endpoint) srStrings(ctx context.Context, what, q string, args ...any) ([]string, error) {
	rs, err := e.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, srErr(what, err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var s string
		if err := rs.Scan(&s); err != nil {
			return nil, srErr(what, err)
		}
		out = append(out, s)
	}
	if err := rs.Err(); err != nil {
		return nil, srErr(what, err)
	}
	return out, nil
}

func srErr(what string, err error) *errs.Error {
	return errs.New(myerr.ConnKind(err), errs.CodeSchemaRead, "cannot "+what,
		"Check that the user can read information_schema and the server is reachable.").Wrap(err)
}
