package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/ddl"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.SchemaWriter = (*Endpoint)(nil)

// MySQL error numbers the DDL code reacts to.
const (
	ddlErrTableExists = 1050 // ER_TABLE_EXISTS_ERROR
	ddlErrDupKeyName  = 1061 // ER_DUP_KEYNAME
)

// CreateDatabase creates name if it does not exist, with the given default charset and
// collation when they are not empty.
func (e *Endpoint) CreateDatabase(ctx context.Context, name, charset, collation string) error {
	q := "CREATE DATABASE IF NOT EXISTS " + sqlval.QuoteIdent(name)
	if charset != "" {
		q += " CHARACTER SET " + ddl.Word(charset)
	}
	if collation != "" {
		q += " COLLATE " + ddl.Word(collation)
	}
	if _, err := e.db.ExecContext(ctx, q); err != nil {
		return ddlErr("create database "+name, err)
	}
	return nil
}

// CreateTable runs RenderCreateTable(t, deferIndexes). A table that already exists is an
// *errs.Error of KindConflict (code errs.CodeSchemaCreate) so the caller can decide; any other
// failure is KindInternal (KindUnavailable for a lost connection) with the same code.
func (e *Endpoint) CreateTable(ctx context.Context, t *schema.Table, deferIndexes bool) error {
	if _, err := e.db.ExecContext(ctx, RenderCreateTable(t, deferIndexes)); err != nil {
		var me *gomysql.MySQLError
		if errors.As(err, &me) && me.Number == ddlErrTableExists {
			return errs.New(errs.KindConflict, errs.CodeSchemaCreate,
				fmt.Sprintf("table %s.%s already exists in the target", t.Schema, t.Name),
				"Drop or rename the target table, or map the table to another name.").
				With("table", t.Schema+"."+t.Name).Wrap(err)
		}
		return ddlErr("create table "+t.Schema+"."+t.Name, err)
	}
	return nil
}

// CreateIndexes adds t's secondary indexes that the target table does not have yet (by
// name), so it may be repeated after a failure. Non-FULLTEXT indexes are added in one ALTER
// TABLE; FULLTEXT ones one per statement, as InnoDB builds only one at a time.
func (e *Endpoint) CreateIndexes(ctx context.Context, t *schema.Table) error {
	have, err := e.srStrings(ctx, "read indexes of "+t.Schema+"."+t.Name,
		"SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
		t.Schema, t.Name)
	if err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, n := range have {
		exists[strings.ToLower(n)] = true
	}
	var adds, fulltext []string
	for i := range t.Indexes {
		ix := &t.Indexes[i]
		if exists[strings.ToLower(ix.Name)] {
			continue
		}
		clause := "ADD " + ddl.IndexDef(ix, t.Engine)
		if strings.EqualFold(ix.Kind, "FULLTEXT") {
			fulltext = append(fulltext, clause)
		} else {
			adds = append(adds, clause)
		}
	}
	alter := "ALTER TABLE " + sqlval.QuoteTable(t.Schema, t.Name) + " "
	var stmts []string
	if len(adds) > 0 {
		stmts = append(stmts, alter+strings.Join(adds, ", "))
	}
	for _, f := range fulltext {
		stmts = append(stmts, alter+f)
	}
	for _, q := range stmts {
		if _, err := e.db.ExecContext(ctx, q); err != nil {
			var me *gomysql.MySQLError
			if errors.As(err, &me) && me.Number == ddlErrDupKeyName {
				continue // created concurrently or by an earlier, interrupted attempt
			}
			return ddlErr("create indexes of "+t.Schema+"."+t.Name, err)
		}
	}
	return nil
}

// CreateView creates or replaces v. v.Definition is used verbatim (already rewritten to
// target names by the caller).
func (e *Endpoint) CreateView(ctx context.Context, v *schema.View) error {
	q := "CREATE OR REPLACE "
	switch strings.ToUpper(v.Security) {
	case "DEFINER", "INVOKER":
		q += "SQL SECURITY " + strings.ToUpper(v.Security) + " "
	}
	q += "VIEW " + sqlval.QuoteTable(v.Schema, v.Name) + " AS " + v.Definition
	switch strings.ToUpper(v.CheckOption) {
	case "CASCADED", "LOCAL":
		q += " WITH " + strings.ToUpper(v.CheckOption) + " CHECK OPTION"
	}
	if _, err := e.db.ExecContext(ctx, q); err != nil {
		return ddlErr("create view "+v.Schema+"."+v.Name, err)
	}
	return nil
}

// TableExists reports whether db.name exists (as a table or a view) and, for a base table,
// whether it holds at least one row.
func (e *Endpoint) TableExists(ctx context.Context, db, name string) (exists, hasRows bool, err error) {
	var typ string
	err = e.db.QueryRowContext(ctx,
		"SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", db, name).
		Scan(&typ)
	if err == sql.ErrNoRows {
		return false, false, nil
	}
	if err != nil {
		return false, false, srErr("look up table "+db+"."+name, err)
	}
	if typ == "VIEW" {
		return true, false, nil
	}
	var one int
	err = e.db.QueryRowContext(ctx, "SELECT 1 FROM "+sqlval.QuoteTable(db, name)+" LIMIT ?", 1).Scan(&one)
	if err == sql.ErrNoRows {
		return true, false, nil
	}
	if err != nil {
		return true, false, srErr("read table "+db+"."+name, err)
	}
	return true, true, nil
}

// TruncateTable empties db.name.
func (e *Endpoint) TruncateTable(ctx context.Context, db, name string) error {
	if _, err := e.db.ExecContext(ctx, "TRUNCATE TABLE "+sqlval.QuoteTable(db, name)); err != nil {
		return ddlErr("truncate table "+db+"."+name, err)
	}
	return nil
}

func ddlErr(what string, err error) *errs.Error {
	return errs.New(myerr.ConnKind(err), errs.CodeSchemaCreate, "cannot "+what,
		"Check the target user's CREATE/ALTER privileges and the server error, then resume the step.").
		Wrap(err).With("object", what)
}
