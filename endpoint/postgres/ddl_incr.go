package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// DDL of incremental sync. The replayer hands ExecDDL the source's statement in MySQL
// syntax with the target names already substituted; it is parsed (Vitess) and translated:
// ALTER TABLE ADD/DROP/MODIFY/CHANGE/RENAME COLUMN, ADD/DROP INDEX, ADD PRIMARY KEY,
// RENAME TO, RENAME TABLE, TRUNCATE, DROP TABLE, CREATE TABLE, CREATE INDEX. The translated
// statements run in one transaction (PostgreSQL DDL is transactional), written with
// IF [NOT] EXISTS where PostgreSQL has it, so a re-run after a crash converges. Anything
// else returns an error wrapping endpoint.ErrUntranslatable, which the replayer handles
// per ddlPolicy (skip with a WARN entry, or stop).

func (e *Endpoint) parser() (*sqlparser.Parser, error) {
	e.parserOnce.Do(func() {
		e.sqlp, e.sqlpErr = sqlparser.New(sqlparser.Options{MySQLServerVersion: "8.0.30"})
	})
	return e.sqlp, e.sqlpErr
}

func untranslatable(why, stmt string) error {
	return fmt.Errorf("%w: %s (%s)", endpoint.ErrUntranslatable, why, clip(stmt))
}

// TranslateDDLSQL translates a MySQL DDL statement into PostgreSQL statements.
func (e *Endpoint) TranslateDDLSQL(stmt string) ([]string, error) {
	p, err := e.parser()
	if err != nil {
		return nil, err
	}
	st, err := p.Parse(stmt)
	if err != nil {
		return nil, untranslatable("it cannot be parsed: "+err.Error(), stmt)
	}
	switch s := st.(type) {
	case *sqlparser.AlterTable:
		return e.alterTable(s, stmt)
	case *sqlparser.TruncateTable:
		return []string{"TRUNCATE TABLE " + tableName(s.Table)}, nil
	case *sqlparser.DropTable:
		var out []string
		for _, t := range s.FromTables {
			out = append(out, "DROP TABLE IF EXISTS "+tableName(t))
		}
		return out, nil
	case *sqlparser.RenameTable:
		var out []string
		for _, pr := range s.TablePairs {
			out = append(out, renameTable(pr.FromTable, pr.ToTable)...)
		}
		return out, nil
	case *sqlparser.CreateTable:
		if s.TableSpec == nil {
			return nil, untranslatable("CREATE TABLE … LIKE/SELECT is not translated", stmt)
		}
		t := &schema.Table{Schema: s.Table.Qualifier.String(), Name: s.Table.Name.String()}
		for _, cd := range s.TableSpec.Columns {
			t.Columns = append(t.Columns, columnOf(cd))
		}
		for _, ix := range s.TableSpec.Indexes {
			if ix.Info.Type == sqlparser.IndexTypePrimary {
				for _, c := range ix.Columns {
					t.PrimaryKey = append(t.PrimaryKey, c.Column.String())
				}
				continue
			}
			t.Indexes = append(t.Indexes, indexOf(ix))
		}
		for _, cd := range s.TableSpec.Columns {
			if cd.Type.Options != nil && cd.Type.Options.KeyOpt == sqlparser.ColKeyPrimary {
				t.PrimaryKey = []string{cd.Name.String()}
			}
		}
		return e.CreateTableSQL(t, false)
	}
	return nil, untranslatable("this statement has no PostgreSQL translation in godwit", stmt)
}

func tableName(t sqlparser.TableName) string {
	if t.Qualifier.IsEmpty() {
		return quoteIdent(t.Name.String())
	}
	return quoteTable(t.Qualifier.String(), t.Name.String())
}

func renameTable(from, to sqlparser.TableName) []string {
	var out []string
	cur := from
	if !to.Qualifier.IsEmpty() && to.Qualifier.String() != from.Qualifier.String() {
		out = append(out, "ALTER TABLE "+tableName(from)+" SET SCHEMA "+quoteIdent(to.Qualifier.String()))
		cur = sqlparser.TableName{Qualifier: to.Qualifier, Name: from.Name}
	}
	if to.Name.String() != from.Name.String() {
		out = append(out, "ALTER TABLE "+tableName(cur)+" RENAME TO "+quoteIdent(to.Name.String()))
		sch := cur.Qualifier.String()
		if sch == "" {
			sch = "public"
		}
		out = append(out, renameDerived(sch, from.Name.String(), to.Name.String()))
	}
	return out
}

// renameDerived renames the indexes and constraints godwit named after a table
// (<table>_<index>, <table>_<column>_check, <table>_pkey) when the table is renamed, so
// later DDL finds them under the names it derives from the new table name.
func renameDerived(sch, oldName, newName string) string {
	l := func(s string) string { return quoteLiteral(s) }
	return fmt.Sprintf(`DO $godwit$ DECLARE r record; BEGIN
  FOR r IN SELECT c.conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = %[1]s AND t.relname = %[3]s AND left(c.conname, length(%[2]s) + 1) = %[2]s || '_' LOOP
    EXECUTE format('ALTER TABLE %%I.%%I RENAME CONSTRAINT %%I TO %%I', %[1]s, %[3]s, r.conname, left(%[3]s || substr(r.conname, length(%[2]s) + 1), 63));
  END LOOP;
  FOR r IN SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = %[1]s AND t.relname = %[3]s AND left(i.relname, length(%[2]s) + 1) = %[2]s || '_'
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) LOOP
    EXECUTE format('ALTER INDEX %%I.%%I RENAME TO %%I', %[1]s, r.relname, left(%[3]s || substr(r.relname, length(%[2]s) + 1), 63));
  END LOOP;
END $godwit$`, l(sch), l(oldName), l(newName))
}

// columnOf reads a column definition into the neutral model with its MySQL type.
func columnOf(cd *sqlparser.ColumnDefinition) schema.Column {
	ct := cd.Type
	c := schema.Column{Name: cd.Name.String(), DataType: strings.ToLower(ct.Type), Nullable: true, Unsigned: ct.Unsigned}
	typ := c.DataType
	switch {
	case len(ct.EnumValues) > 0:
		typ += "(" + strings.Join(ct.EnumValues, ",") + ")"
	case ct.Length != nil && ct.Scale != nil:
		typ += "(" + strconv.Itoa(*ct.Length) + "," + strconv.Itoa(*ct.Scale) + ")"
	case ct.Length != nil:
		typ += "(" + strconv.Itoa(*ct.Length) + ")"
	}
	if ct.Unsigned {
		typ += " unsigned"
	}
	c.ColumnType = typ
	if ct.Charset.Binary || strings.EqualFold(ct.Charset.Name, "binary") {
		c.Charset = "binary"
	}
	if o := ct.Options; o != nil {
		if o.Null != nil {
			c.Nullable = *o.Null
		}
		if o.KeyOpt == sqlparser.ColKeyPrimary {
			c.Nullable = false
		}
		c.AutoIncrement = o.Autoincrement
		if o.Default != nil {
			d := sqlparser.String(o.Default)
			c.Default = &d
		}
		if o.As != nil {
			c.Generated = sqlparser.String(o.As)
			c.Stored = true
		}
		if o.OnUpdate != nil {
			c.OnUpdate = sqlparser.String(o.OnUpdate)
		}
		if o.Comment != nil {
			c.Comment = o.Comment.Val
		}
	}
	return c
}

func indexOf(ix *sqlparser.IndexDefinition) schema.Index {
	out := schema.Index{Name: ix.Info.Name.String(), Unique: ix.Info.Type == sqlparser.IndexTypeUnique, Kind: "BTREE"}
	switch ix.Info.Type {
	case sqlparser.IndexTypeFullText:
		out.Kind = "FULLTEXT"
	case sqlparser.IndexTypeSpatial:
		out.Kind = "SPATIAL"
	}
	for _, c := range ix.Columns {
		p := schema.IndexPart{Column: c.Column.String(), Desc: c.Direction == sqlparser.DescOrder}
		if c.Length != nil {
			p.Length = *c.Length
		}
		out.Parts = append(out.Parts, p)
	}
	return out
}

func (e *Endpoint) alterTable(at *sqlparser.AlterTable, stmt string) ([]string, error) {
	t := &schema.Table{Schema: at.Table.Qualifier.String(), Name: at.Table.Name.String()}
	tbl := tableName(at.Table)
	var out, after []string
	alterCol := func(oldName string, cd *sqlparser.ColumnDefinition) error {
		c := columnOf(cd)
		if oldName != "" && oldName != c.Name {
			out = append(out, "ALTER TABLE "+tbl+" RENAME COLUMN "+quoteIdent(oldName)+" TO "+quoteIdent(c.Name))
		}
		t.Columns = []schema.Column{c}
		cm, err := translateColumn(t, &t.Columns[0], e.m)
		if err != nil {
			return untranslatable(err.Error(), stmt)
		}
		if cm.Gen != "" || cm.Identity {
			return untranslatable("changing a column into a generated or AUTO_INCREMENT column is not translated", stmt)
		}
		pre, _ := columnDef(t, &cm)
		out = append(out, pre...)
		col := quoteIdent(cm.Name)
		out = append(out, "ALTER TABLE "+tbl+" DROP CONSTRAINT IF EXISTS "+quoteIdent(checkName(t.Name, cm.Name)))
		out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::text::%s", tbl, col, cm.PGType, col, cm.PGType))
		if cm.Nullable {
			out = append(out, "ALTER TABLE "+tbl+" ALTER COLUMN "+col+" DROP NOT NULL")
		} else {
			out = append(out, "ALTER TABLE "+tbl+" ALTER COLUMN "+col+" SET NOT NULL")
		}
		if cm.Default != "" {
			out = append(out, "ALTER TABLE "+tbl+" ALTER COLUMN "+col+" SET DEFAULT "+cm.Default)
		} else {
			out = append(out, "ALTER TABLE "+tbl+" ALTER COLUMN "+col+" DROP DEFAULT")
		}
		if cm.Check != "" {
			out = append(out, "ALTER TABLE "+tbl+" ADD CONSTRAINT "+quoteIdent(checkName(t.Name, cm.Name))+" CHECK ("+cm.Check+")")
		}
		return nil
	}
	for _, opt := range at.AlterOptions {
		switch o := opt.(type) {
		case *sqlparser.AddColumns:
			for _, cd := range o.Columns {
				c := columnOf(cd)
				t.Columns = []schema.Column{c}
				cm, err := translateColumn(t, &t.Columns[0], e.m)
				if err != nil {
					return nil, untranslatable(err.Error(), stmt)
				}
				pre, def := columnDef(t, &cm)
				out = append(out, pre...)
				out = append(out, "ALTER TABLE "+tbl+" ADD COLUMN IF NOT EXISTS "+def)
				if cd.Type.Options != nil && cd.Type.Options.KeyOpt == sqlparser.ColKeyUnique {
					after = append(after, indexSQL(t, schema.Index{Name: c.Name, Unique: true, Parts: []schema.IndexPart{{Column: c.Name}}}))
				}
			}
		case *sqlparser.DropColumn:
			out = append(out, "ALTER TABLE "+tbl+" DROP COLUMN IF EXISTS "+quoteIdent(o.Name.Name.String()))
		case *sqlparser.ModifyColumn:
			if err := alterCol("", o.NewColDefinition); err != nil {
				return nil, err
			}
		case *sqlparser.ChangeColumn:
			if err := alterCol(o.OldColumn.Name.String(), o.NewColDefinition); err != nil {
				return nil, err
			}
		case *sqlparser.RenameColumn:
			out = append(out, "ALTER TABLE "+tbl+" RENAME COLUMN "+quoteIdent(o.OldName.Name.String())+" TO "+quoteIdent(o.NewName.Name.String()))
		case *sqlparser.AddIndexDefinition:
			ix := o.IndexDefinition
			if ix.Info.Type == sqlparser.IndexTypePrimary {
				var cols []string
				for _, c := range ix.Columns {
					cols = append(cols, c.Column.String())
				}
				out = append(out, "ALTER TABLE "+tbl+" ADD PRIMARY KEY ("+identList(cols)+")")
				continue
			}
			si := indexOf(ix)
			if why := indexSkipped(si); why != "" {
				return nil, untranslatable(why, stmt)
			}
			after = append(after, indexSQL(t, si))
		case *sqlparser.DropKey:
			if o.Type == sqlparser.PrimaryKeyType {
				out = append(out, "ALTER TABLE "+tbl+" DROP CONSTRAINT IF EXISTS "+quoteIdent(t.Name+"_pkey"))
				continue
			}
			out = append(out, "DROP INDEX IF EXISTS "+quoteTable(t.Schema, indexName(t.Name, o.Name.String())))
		case *sqlparser.RenameTableName:
			out = append(out, renameTable(at.Table, o.Table)...)
		default:
			return nil, untranslatable(fmt.Sprintf("the ALTER TABLE clause %q is not translated", sqlparser.String(opt)), stmt)
		}
	}
	if len(at.AlterOptions) == 0 {
		return nil, untranslatable("ALTER TABLE with table options only has no PostgreSQL meaning", stmt)
	}
	return append(out, after...), nil
}

// ExecDDL translates a MySQL DDL statement and runs it in one transaction. Statements that
// already took effect (a re-run after a crash) succeed.
func (e *Endpoint) ExecDDL(ctx context.Context, stmt string) error {
	stmts, err := e.TranslateDDLSQL(stmt)
	if err != nil {
		return err
	}
	err = e.inTx(ctx, func(tx pgxTx) error {
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q); err != nil {
				var pe *pgconn.PgError
				if errors.As(err, &pe) && strings.Contains(q, " RENAME ") && (pe.Code == "42P01" || pe.Code == "42703" || pe.Code == "42701" || pe.Code == "42P07") {
					return errDDLDone
				}
				return errs.New(errs.KindInvalid, errs.CodeIncrDDL, "applying DDL on the target failed: "+err.Error()+" ("+clip(q)+")",
					"Check the statement against the target; fix the target table by hand and resume, or drop the DDL type from supportDDLTypes.").
					With("statement", clip(stmt)).Wrap(err)
			}
		}
		return nil
	})
	if errors.Is(err, errDDLDone) {
		return nil
	}
	return err
}

var errDDLDone = errors.New("rename already applied")
