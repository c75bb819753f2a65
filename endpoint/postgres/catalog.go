package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.SchemaReader = (*Endpoint)(nil)

// Catalog reads describe PostgreSQL objects in the neutral model with PostgreSQL's own type
// names: DataType is information_schema.columns.data_type ("integer", "timestamp with time
// zone", "USER-DEFINED"), ColumnType is format_type ("numeric(20,0)", "bit(8)",
// "interval(6)"). A schema plays the part of a MySQL database.

func readErr(what string, err error) error { return pgErr(errs.CodeSchemaRead, what, err) }

// ListDatabases lists the user schemas of the connected database.
func (e *Endpoint) ListDatabases(ctx context.Context) ([]string, error) {
	return e.strings(ctx, `SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' ORDER BY 1`)
}

// ListTables lists the ordinary and partitioned tables of schema db.
func (e *Endpoint) ListTables(ctx context.Context, db string) ([]string, error) {
	return e.strings(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`, db)
}

// ListViews lists the views of schema db.
func (e *Endpoint) ListViews(ctx context.Context, db string) ([]string, error) {
	return e.strings(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('v', 'm') ORDER BY 1`, db)
}

func (e *Endpoint) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := e.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, readErr("reading the catalog", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, readErr("reading the catalog", err)
		}
		out = append(out, s)
	}
	return out, readErr("reading the catalog", rows.Err())
}

// ReadTable reads db.name.
func (e *Endpoint) ReadTable(ctx context.Context, db, name string) (*schema.Table, error) {
	t := &schema.Table{Schema: db, Name: name}
	var comment *string
	var est float64
	err := e.pool.QueryRow(ctx, `SELECT obj_description(c.oid, 'pg_class'), c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`, db, name).Scan(&comment, &est)
	if err != nil {
		if strings.Contains(err.Error(), "no rows") {
			return nil, errs.New(errs.KindNotFound, errs.CodeSchemaRead, fmt.Sprintf("table %s.%s does not exist", db, name),
				"Check the schema and table names.").With("table", db+"."+name)
		}
		return nil, readErr("reading table "+db+"."+name, err)
	}
	if comment != nil {
		t.Comment = *comment
	}
	if est > 0 {
		t.RowsEstimate = int64(est)
	}
	rows, err := e.pool.Query(ctx, `SELECT a.attname, c.data_type, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
  pg_get_expr(d.adbin, d.adrelid), a.attgenerated::text, a.attidentity::text, col_description(a.attrelid, a.attnum)
FROM pg_attribute a
JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace
JOIN information_schema.columns c ON c.table_schema = n.nspname AND c.table_name = r.relname AND c.column_name = a.attname
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = $1 AND r.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, db, name)
	if err != nil {
		return nil, readErr("reading columns of "+db+"."+name, err)
	}
	for rows.Next() {
		var c schema.Column
		var def, ccomment *string
		var gen, ident string
		if err := rows.Scan(&c.Name, &c.DataType, &c.ColumnType, &c.Nullable, &def, &gen, &ident, &ccomment); err != nil {
			rows.Close()
			return nil, readErr("reading columns of "+db+"."+name, err)
		}
		switch {
		case gen == "s":
			c.Generated, c.Stored = derefOr(def), true
		case ident != "":
			c.AutoIncrement = true
		case def != nil:
			c.Default = def
			if strings.HasPrefix(*def, "nextval(") {
				c.AutoIncrement = true
			}
		}
		if ccomment != nil {
			c.Comment = *ccomment
		}
		t.Columns = append(t.Columns, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, readErr("reading columns of "+db+"."+name, err)
	}
	irows, err := e.pool.Query(ctx, `SELECT i.relname, x.indisprimary, x.indisunique,
  ARRAY(SELECT CASE WHEN k.attnum = 0 THEN '' ELSE (SELECT attname FROM pg_attribute WHERE attrelid = x.indrelid AND attnum = k.attnum) END
        FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ORDER BY k.ord)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class r ON r.oid = x.indrelid JOIN pg_namespace n ON n.oid = r.relnamespace
WHERE n.nspname = $1 AND r.relname = $2 ORDER BY x.indisprimary DESC, i.relname`, db, name)
	if err != nil {
		return nil, readErr("reading indexes of "+db+"."+name, err)
	}
	defer irows.Close()
	for irows.Next() {
		var iname string
		var primary, unique bool
		var cols []string
		if err := irows.Scan(&iname, &primary, &unique, &cols); err != nil {
			return nil, readErr("reading indexes of "+db+"."+name, err)
		}
		expr := false
		for _, c := range cols {
			expr = expr || c == ""
		}
		if primary {
			t.PrimaryKey = cols
			continue
		}
		ix := schema.Index{Name: iname, Unique: unique && !expr, Kind: "BTREE"}
		for _, c := range cols {
			if c != "" {
				ix.Parts = append(ix.Parts, schema.IndexPart{Column: c})
			}
		}
		t.Indexes = append(t.Indexes, ix)
	}
	return t, readErr("reading indexes of "+db+"."+name, irows.Err())
}

func derefOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ReadView reads db.name's definition.
func (e *Endpoint) ReadView(ctx context.Context, db, name string) (*schema.View, error) {
	v := &schema.View{Schema: db, Name: name, CheckOption: "NONE", Security: "INVOKER"}
	err := e.pool.QueryRow(ctx, `SELECT pg_get_viewdef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('v', 'm')`, db, name).Scan(&v.Definition)
	if err != nil {
		return nil, readErr("reading view "+db+"."+name, err)
	}
	return v, nil
}

// pgKindOf is the kind of a column read from a PostgreSQL catalog (ReadTable).
func pgKindOf(c *schema.Column) colMap {
	cm := colMap{Name: c.Name, Nullable: c.Nullable, PGType: c.ColumnType}
	switch strings.ToLower(c.DataType) {
	case "smallint":
		cm.Kind = kInt2
	case "integer":
		cm.Kind = kInt4
	case "bigint":
		cm.Kind = kInt8
	case "numeric":
		cm.Kind = kNumeric
	case "real":
		cm.Kind = kFloat4
	case "double precision":
		cm.Kind = kFloat8
	case "boolean":
		cm.Kind = kBool
	case "text", "character varying", "character", "name":
		cm.Kind = kText
	case "bytea":
		cm.Kind = kBytea
	case "bit", "bit varying":
		cm.Kind = kBit
		cm.Bits = 1
		if a := typeArgs(c.ColumnType); len(a) == 1 {
			cm.Bits = a[0]
		}
	case "jsonb":
		cm.Kind = kJSONB
	case "json":
		cm.Kind = kJSON
	case "date":
		cm.Kind = kDate
	case "timestamp without time zone":
		cm.Kind = kTimestamp
	case "timestamp with time zone":
		cm.Kind = kTimestamptz
	case "interval":
		cm.Kind = kInterval
	case "time without time zone":
		cm.Kind = kTime
	default:
		cm.Kind = kOther
	}
	return cm
}
