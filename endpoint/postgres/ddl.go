package postgres

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

var (
	_ endpoint.SchemaWriter    = (*Endpoint)(nil)
	_ endpoint.SchemaNoter     = (*Endpoint)(nil)
	_ endpoint.ObjectInspector = (*Endpoint)(nil)
)

func schemaErr(what string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "42P07" || pe.Code == "42710") { // duplicate table / object
		return errs.New(errs.KindConflict, errs.CodeSchemaCreate, what+": "+pe.Message, "The object exists already.").Wrap(err)
	}
	return pgErr(errs.CodeSchemaCreate, what, err)
}

// CreateDatabase creates the schema a MySQL database maps to (charset and collation have
// no per-schema meaning in PostgreSQL: the database's encoding is checked at precheck).
func (e *Endpoint) CreateDatabase(ctx context.Context, name, _, _ string) error {
	_, err := e.pool.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(name))
	return schemaErr("creating schema "+name, err)
}

// TableNotes lists what CreateTable does not reproduce of t (implements endpoint.SchemaNoter).
func (e *Endpoint) TableNotes(t *schema.Table) []string {
	cols, err := translateTable(t, e.m)
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range cols {
		for _, n := range c.Notes {
			out = append(out, "column "+c.Name+": "+n)
		}
	}
	for _, ix := range t.Indexes {
		if why := indexSkipped(ix); why != "" {
			out = append(out, "index "+ix.Name+" not created: "+why)
		}
	}
	if !strings.EqualFold(t.Engine, "") && !strings.EqualFold(t.Engine, "InnoDB") {
		out = append(out, "engine "+t.Engine+" has no PostgreSQL meaning (a heap table is created)")
	}
	return out
}

// CreateTableSQL renders the statements creating t (enum types first), for tests and tools.
func (e *Endpoint) CreateTableSQL(t *schema.Table, deferIndexes bool) ([]string, error) {
	cols, err := translateTable(t, e.m)
	if err != nil {
		return nil, err
	}
	var stmts []string
	var defs []string
	for i := range cols {
		pre, d := columnDef(t, &cols[i])
		stmts = append(stmts, pre...)
		defs = append(defs, d)
	}
	if len(t.PrimaryKey) > 0 {
		defs = append(defs, "PRIMARY KEY ("+identList(t.PrimaryKey)+")")
	}
	stmts = append(stmts, "CREATE TABLE IF NOT EXISTS "+quoteTable(t.Schema, t.Name)+" (\n  "+strings.Join(defs, ",\n  ")+"\n)")
	for _, c := range cols {
		if c.Identity && !(c.Kind == kInt2 || c.Kind == kInt4 || c.Kind == kInt8) {
			stmts = append(stmts, "ALTER SEQUENCE "+quoteTable(t.Schema, seqName(t.Name, c.Name))+" OWNED BY "+quoteTable(t.Schema, t.Name)+"."+quoteIdent(c.Name))
		}
	}
	if t.Comment != "" {
		stmts = append(stmts, "COMMENT ON TABLE "+quoteTable(t.Schema, t.Name)+" IS "+quoteLiteral(t.Comment))
	}
	for _, c := range t.Columns {
		if c.Comment != "" {
			stmts = append(stmts, "COMMENT ON COLUMN "+quoteTable(t.Schema, t.Name)+"."+quoteIdent(c.Name)+" IS "+quoteLiteral(c.Comment))
		}
	}
	if len(t.PrimaryKey) == 0 {
		// The row identity the copy and the replay rely on: the unique key KeyColumns chose,
		// created with the table even when the other indexes are deferred.
		if key := t.KeyColumns(); key != nil {
			for _, ix := range t.Indexes {
				if ix.Unique && sameCols(ix, key) {
					stmts = append(stmts, indexSQL(t, ix))
				}
			}
		}
	}
	if !deferIndexes {
		for _, ix := range t.Indexes {
			if indexSkipped(ix) == "" {
				stmts = append(stmts, indexSQL(t, ix))
			}
		}
	}
	return stmts, nil
}

func sameCols(ix schema.Index, key []string) bool {
	if len(ix.Parts) != len(key) {
		return false
	}
	for i, p := range ix.Parts {
		if !strings.EqualFold(p.Column, key[i]) || p.Length > 0 {
			return false
		}
	}
	return true
}

// CreateTable creates t with its primary key (and the identity unique key of a table
// without one); with deferIndexes the other indexes wait for CreateIndexes.
func (e *Endpoint) CreateTable(ctx context.Context, t *schema.Table, deferIndexes bool) error {
	stmts, err := e.CreateTableSQL(t, deferIndexes)
	if err != nil {
		return err
	}
	exists, _, err := e.TableExists(ctx, t.Schema, t.Name)
	if err != nil {
		return err
	}
	if exists {
		return errs.New(errs.KindConflict, errs.CodeSchemaCreate, "table "+t.Schema+"."+t.Name+" exists", "Kept as is.")
	}
	return e.inTx(ctx, func(tx pgx.Tx) error {
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q); err != nil {
				return schemaErr(fmt.Sprintf("creating table %s.%s (%s)", t.Schema, t.Name, clip(q)), err)
			}
		}
		return nil
	})
}

type pgxTx = pgx.Tx

func (e *Endpoint) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return pgErr(errs.CodeSchemaCreate, "beginning a transaction", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	return pgErr(errs.CodeSchemaCreate, "committing", tx.Commit(ctx))
}

// columnDef renders one column's definition and the statements it needs first (its enum
// type, its sequence).
func columnDef(t *schema.Table, c *colMap) (pre []string, def string) {
	if c.EnumType != "" {
		lits := []string{quoteLiteral("")}
		for _, l := range c.Labels {
			if l != "" {
				lits = append(lits, quoteLiteral(l))
			}
		}
		pre = append(pre, fmt.Sprintf(`DO $godwit$ BEGIN CREATE TYPE %s AS ENUM (%s); EXCEPTION WHEN duplicate_object THEN NULL; END $godwit$`,
			c.EnumType, strings.Join(lits, ", ")))
	}
	d := quoteIdent(c.Name) + " " + c.PGType
	switch {
	case c.Gen != "":
		d += " GENERATED ALWAYS AS (" + c.Gen + ") STORED"
	case c.Identity && (c.Kind == kInt2 || c.Kind == kInt4 || c.Kind == kInt8):
		d += " GENERATED BY DEFAULT AS IDENTITY"
	case c.Identity:
		seq := quoteTable(t.Schema, seqName(t.Name, c.Name))
		pre = append(pre, "CREATE SEQUENCE IF NOT EXISTS "+seq)
		d += " DEFAULT nextval(" + quoteLiteral(seq) + "::regclass)"
	case c.Default != "":
		d += " DEFAULT " + c.Default
	}
	if !c.Nullable {
		d += " NOT NULL"
	}
	if c.Check != "" {
		d += " CONSTRAINT " + quoteIdent(checkName(t.Name, c.Name)) + " CHECK (" + c.Check + ")"
	}
	return pre, d
}

func checkName(table, col string) string { return indexName(table, col+"_check") }

// indexSkipped says why ix has no PostgreSQL counterpart godwit creates ("" when it has).
func indexSkipped(ix schema.Index) string {
	switch strings.ToUpper(ix.Kind) {
	case "FULLTEXT":
		return "FULLTEXT indexes have no direct PostgreSQL equivalent (use a GIN index on to_tsvector)"
	case "SPATIAL":
		return "SPATIAL indexes need PostGIS types"
	}
	return ""
}

// indexName is a schema-unique name for ix (PostgreSQL index names are per schema, MySQL's
// per table): <table>_<index>, shortened with a hash past 63 bytes.
func indexName(table, index string) string {
	n := table + "_" + index
	if len(n) <= 63 {
		return n
	}
	h := sha1.Sum([]byte(n))
	return n[:54] + "_" + hex.EncodeToString(h[:4])
}

func seqName(table, col string) string { return indexName(table, col+"_seq") }

func indexSQL(t *schema.Table, ix schema.Index) string {
	parts := make([]string, len(ix.Parts))
	for i, p := range ix.Parts {
		s := quoteIdent(p.Column)
		if p.Length > 0 {
			col := t.Column(p.Column)
			if col != nil && isBinaryType(col) {
				s = fmt.Sprintf("(substring(%s from 1 for %d))", s, p.Length)
			} else {
				s = fmt.Sprintf("(left(%s, %d))", s, p.Length)
			}
		}
		if p.Desc {
			s += " DESC"
		}
		parts[i] = s
	}
	u := ""
	if ix.Unique {
		u = "UNIQUE "
	}
	return fmt.Sprintf("CREATE %sINDEX IF NOT EXISTS %s ON %s (%s)", u, quoteIdent(indexName(t.Name, ix.Name)), quoteTable(t.Schema, t.Name), strings.Join(parts, ", "))
}

func isBinaryType(c *schema.Column) bool {
	switch strings.ToLower(c.DataType) {
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return true
	}
	return strings.EqualFold(c.Charset, "binary")
}

func identList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = quoteIdent(c)
	}
	return strings.Join(q, ", ")
}

// CreateIndexes creates t's secondary indexes that are missing (IF NOT EXISTS), and moves
// every identity sequence past the copied maximum.
func (e *Endpoint) CreateIndexes(ctx context.Context, t *schema.Table) error {
	for _, ix := range t.Indexes {
		if indexSkipped(ix) != "" {
			continue
		}
		if _, err := e.pool.Exec(ctx, indexSQL(t, ix)); err != nil {
			return schemaErr(fmt.Sprintf("creating index %s on %s.%s", ix.Name, t.Schema, t.Name), err)
		}
	}
	return nil
}

// CreateView creates or replaces v, its MySQL definition rewritten for PostgreSQL (quoted
// identifiers). A definition PostgreSQL refuses is reported with endpoint.ErrUntranslatable.
func (e *Endpoint) CreateView(ctx context.Context, v *schema.View) error {
	def := translateExpr(v.Definition, quoteIdent)
	q := "CREATE OR REPLACE VIEW " + quoteTable(v.Schema, v.Name) + " AS " + def
	if _, err := e.pool.Exec(ctx, q); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "42") || strings.HasPrefix(pe.Code, "0A")) {
			return fmt.Errorf("%w: PostgreSQL refused the definition (%s): %s", endpoint.ErrUntranslatable, pe.Message, clip(def))
		}
		return schemaErr("creating view "+v.Schema+"."+v.Name, err)
	}
	return nil
}

// TableExists reports whether db.name is a table and whether it holds a row.
func (e *Endpoint) TableExists(ctx context.Context, db, name string) (bool, bool, error) {
	k, err := e.ObjectKind(ctx, db, name)
	if err != nil || k != endpoint.ObjectTable {
		return false, false, err
	}
	var has bool
	if err := e.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+quoteTable(db, name)+")").Scan(&has); err != nil {
		return true, false, pgErr(errs.CodeSchemaRead, "reading "+db+"."+name, err)
	}
	return true, has, nil
}

// TruncateTable empties db.name.
func (e *Endpoint) TruncateTable(ctx context.Context, db, name string) error {
	_, err := e.pool.Exec(ctx, "TRUNCATE TABLE "+quoteTable(db, name))
	return pgErr(errs.CodeCopyWrite, "truncating "+db+"."+name, err)
}

// ObjectKind tells what db.name is (pg_class.relkind).
func (e *Endpoint) ObjectKind(ctx context.Context, db, name string) (endpoint.ObjectKind, error) {
	var rk string
	err := e.pool.QueryRow(ctx, `SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2`, db, name).Scan(&rk)
	if errors.Is(err, pgx.ErrNoRows) {
		return endpoint.ObjectAbsent, nil
	}
	if err != nil {
		return "", pgErr(errs.CodeSchemaRead, "reading the catalog", err)
	}
	switch rk {
	case "r", "p":
		return endpoint.ObjectTable, nil
	case "v", "m":
		return endpoint.ObjectView, nil
	case "S":
		return endpoint.ObjectSequence, nil
	case "f":
		return "FOREIGN TABLE", nil
	}
	return endpoint.ObjectKind("RELKIND " + rk), nil
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
