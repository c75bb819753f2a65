package mysql

import (
	"context"
	"fmt"
	"strings"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// RenderSelect renders "SELECT cols FROM t WHERE key = literals;" showing one row, with
// identifiers quoted and the key values as literals of their column types.
func (e *Endpoint) RenderSelect(t *schema.Table, cols, key []string, k change.Key) (string, error) {
	if len(cols) == 0 {
		cols = t.ColumnNames()
	}
	w, err := keyWhereLiteral(t, key, k)
	if err != nil {
		return "", err
	}
	return "SELECT " + selectList(cols) + " FROM " + sqlval.QuoteTable(t.Schema, t.Name) + " WHERE " + w + ";", nil
}

// RenderReplace renders "REPLACE INTO t (cols) VALUES (literals);" for row (values in
// change conventions, in cols order). Generated columns are left out (the server computes them).
func (e *Endpoint) RenderReplace(t *schema.Table, cols []string, row change.Row) (string, error) {
	if len(row) != len(cols) {
		return "", errs.New(errs.KindInternal, errs.CodeVerifyFailed,
			fmt.Sprintf("%d values for %d columns of %s.%s", len(row), len(cols), t.Schema, t.Name), "Report this.")
	}
	var names []string
	b := []byte{}
	for i, n := range cols {
		c := t.Column(n)
		if c == nil {
			return "", errs.New(errs.KindInvalid, errs.CodeVerifyFailed,
				fmt.Sprintf("column %s not found in table %s.%s", n, t.Schema, t.Name), "Check the column mapping.")
		}
		if c.Generated != "" {
			continue
		}
		if len(names) > 0 {
			b = append(b, ',')
		}
		names = append(names, c.Name)
		var err error
		if b, err = sqlval.Append(b, sqlval.KindOf(c), row[i]); err != nil {
			return "", errs.New(errs.KindInvalid, errs.CodeVerifyFailed,
				fmt.Sprintf("cannot render column %s of %s.%s: %v", n, t.Schema, t.Name, err), "Check the column types.")
		}
	}
	return "REPLACE INTO " + sqlval.QuoteTable(t.Schema, t.Name) + " (" + selectList(names) + ") VALUES (" + string(b) + ");", nil
}

// RenderDelete renders "DELETE FROM t WHERE key = literals;".
func (e *Endpoint) RenderDelete(t *schema.Table, key []string, k change.Key) (string, error) {
	w, err := keyWhereLiteral(t, key, k)
	if err != nil {
		return "", err
	}
	return "DELETE FROM " + sqlval.QuoteTable(t.Schema, t.Name) + " WHERE " + w + ";", nil
}

func keyWhereLiteral(t *schema.Table, key []string, k change.Key) (string, error) {
	if len(key) == 0 || len(key) != len(k) {
		return "", errs.New(errs.KindInvalid, errs.CodeVerifyFailed,
			fmt.Sprintf("a key of %s.%s has %d values for %d key columns", t.Schema, t.Name, len(k), len(key)),
			"Rows are addressed by the primary or unique key.")
	}
	parts := make([]string, len(key))
	for i, n := range key {
		c := t.Column(n)
		if c == nil {
			return "", errs.New(errs.KindInvalid, errs.CodeVerifyFailed,
				fmt.Sprintf("key column %s not found in table %s.%s", n, t.Schema, t.Name), "Check the column mapping.")
		}
		if k[i] == nil {
			parts[i] = sqlval.QuoteIdent(c.Name) + " IS NULL"
			continue
		}
		lit, err := sqlval.Append(nil, sqlval.KindOf(c), k[i])
		if err != nil {
			return "", errs.New(errs.KindInvalid, errs.CodeVerifyFailed, err.Error(), "Check the key column types.")
		}
		parts[i] = sqlval.QuoteIdent(c.Name) + " = " + string(lit)
	}
	return strings.Join(parts, " AND "), nil
}

// ExecStatements runs stmts (statements rendered by RenderReplace/RenderDelete) in one
// transaction, in order. It returns the number of rows affected.
func (e *Endpoint) ExecStatements(ctx context.Context, stmts []string) (int64, error) {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, myerr.DataPath(errs.CodeVerifyFailed, "cannot begin a correction transaction", "Check the target is reachable.", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var n int64
	for _, s := range stmts {
		res, err := tx.ExecContext(ctx, s)
		if err != nil {
			return 0, myerr.DataPath(errs.CodeVerifyFailed, "a correction statement failed: "+shorten(s, 200),
				"Check the target table definition and privileges; nothing was applied.", err)
		}
		a, _ := res.RowsAffected()
		n += a
	}
	if err := tx.Commit(); err != nil {
		return 0, myerr.DataPath(errs.CodeVerifyFailed, "cannot commit corrections", "Retry; nothing was applied.", err)
	}
	return n, nil
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
