package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/postgres/internal/pgbin"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.RowWriter = (*Endpoint)(nil)

// writeCols resolves the target columns of a write: the translated columns named in cols
// (all when empty), generated ones refused (PostgreSQL computes them).
func (e *Endpoint) writeCols(t *schema.Table, cols []string) ([]colMap, error) {
	all, err := translateTable(t, e.m)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		cols = t.ColumnNames()
	}
	out := make([]colMap, len(cols))
	for i, n := range cols {
		found := false
		for j := range all {
			if strings.EqualFold(all[j].Name, n) {
				out[i], found = all[j], true
				break
			}
		}
		if !found {
			return nil, errs.New(errs.KindInvalid, errs.CodeCopyWrite, fmt.Sprintf("column %s is not in table %s.%s", n, t.Schema, t.Name),
				"Re-run the precheck so the plan matches the tables.")
		}
	}
	return out, nil
}

// rowError turns a valueError into the step's error, naming the table and the row's key.
func rowError(code string, t *schema.Table, cols []colMap, row change.Row, err error) error {
	var ve *valueError
	if !errors.As(err, &ve) {
		return err
	}
	var key []string
	for _, k := range t.KeyColumns() {
		for i, c := range cols {
			if strings.EqualFold(c.Name, k) && i < len(row) {
				s, _ := textOf(row[i])
				key = append(key, k+"="+clip(s))
			}
		}
	}
	where := ""
	if len(key) > 0 {
		where = " at key (" + strings.Join(key, ", ") + ")"
	}
	return errs.New(errs.KindInvalid, code, fmt.Sprintf("table %s.%s%s: %s", t.Schema, t.Name, where, ve.Error()), ve.advice).
		With("table", t.Schema+"."+t.Name).With("column", ve.col)
}

// encodeCopy renders rows as one binary COPY stream.
func encodeCopy(buf []byte, t *schema.Table, cols []colMap, rows []change.Row) ([]byte, error) {
	buf = pgbin.CopyHeader(buf)
	var err error
	for _, r := range rows {
		if len(r) != len(cols) {
			return nil, errs.New(errs.KindInternal, errs.CodeCopyWrite, fmt.Sprintf("a row of %s.%s has %d values for %d columns", t.Schema, t.Name, len(r), len(cols)), "Report this godwit bug.")
		}
		buf = pgbin.Int2(buf, int16(len(cols)))
		for i := range cols {
			if buf, err = appendField(buf, &cols[i], r[i]); err != nil {
				return nil, rowError(errs.CodeCopyWrite, t, cols, r, err)
			}
		}
	}
	return pgbin.CopyTrailer(buf), nil
}

func copySQL(t *schema.Table, cols []colMap) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quoteIdent(c.Name)
	}
	return "COPY " + quoteTable(t.Schema, t.Name) + " (" + strings.Join(names, ", ") + ") FROM STDIN (FORMAT binary)"
}

// WriteRows writes req.Rows with one binary COPY in one transaction. It is idempotent by
// key: when the COPY meets rows whose key is already present (a chunk copied again after a
// crash or a retried batch), the transaction is rolled back and redone with the batch's
// keys deleted first, in the same transaction as the COPY — so a re-copied chunk never
// duplicates and never loses a row. Identity sequences are moved past the batch's maximum
// in the same transaction. Tables without a key are plain appends (the copy truncates them
// before every restart).
func (e *Endpoint) WriteRows(ctx context.Context, req endpoint.WriteRequest) (int64, error) {
	if len(req.Rows) == 0 {
		return 0, nil
	}
	t := req.Table
	cols, err := e.writeCols(t, req.Columns)
	if err != nil {
		return 0, err
	}
	data, err := encodeCopy(make([]byte, 0, 64<<10), t, cols, req.Rows)
	if err != nil {
		return 0, err
	}
	err = e.copyTx(ctx, t, cols, req.Rows, data, false)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && t.KeyColumns() != nil {
		err = e.copyTx(ctx, t, cols, req.Rows, data, true)
	}
	if err != nil {
		return 0, rowCopyErr(t, err)
	}
	return int64(len(data)), nil
}

func rowCopyErr(t *schema.Table, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		msg := fmt.Sprintf("writing rows into %s.%s: %s", t.Schema, t.Name, pe.Message)
		if pe.Detail != "" {
			msg += " (" + pe.Detail + ")"
		}
		if pe.Where != "" {
			msg += " [" + clip(pe.Where) + "]"
		}
		kind := errs.KindInvalid
		if strings.HasPrefix(pe.Code, "08") || pe.Code == "40001" || pe.Code == "40P01" || pe.Code == "57P01" || pe.Code == "53300" {
			kind = errs.KindUnavailable
		}
		return errs.New(kind, errs.CodeCopyWrite, msg, "Check the target table's definition against the source and the values named; then resume.").
			With("sqlstate", pe.Code).Wrap(err)
	}
	return pgErr(errs.CodeCopyWrite, "writing rows into "+t.Schema+"."+t.Name, err)
}

func (e *Endpoint) copyTx(ctx context.Context, t *schema.Table, cols []colMap, rows []change.Row, data []byte, dedupe bool) error {
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if dedupe {
		if err := deleteKeys(ctx, tx, t, cols, rows); err != nil {
			return err
		}
	}
	if _, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(data), copySQL(t, cols)); err != nil {
		return err
	}
	if err := e.bumpIdentities(ctx, tx, t, cols, rows); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// deleteKeys deletes the rows of t whose key — or the value of another unique key — appears
// in rows (MySQL's REPLACE semantics: a stale copy of a row whose unique value has since
// moved to another row gives way, and the replay restores the right rows). The rows'
// key and unique columns are copied into a temporary table (dropped at commit) and joined.
func deleteKeys(ctx context.Context, tx pgx.Tx, t *schema.Table, cols []colMap, rows []change.Row) error {
	key := t.KeyColumns()
	pos := func(name string) int {
		for j, c := range cols {
			if strings.EqualFold(c.Name, name) {
				return j
			}
		}
		return -1
	}
	groups := [][]schema.IndexPart{}
	kp := make([]schema.IndexPart, len(key))
	for i, k := range key {
		kp[i] = schema.IndexPart{Column: k}
	}
	groups = append(groups, kp)
	for _, ix := range t.Indexes {
		if ix.Unique && !sameCols(ix, key) {
			groups = append(groups, ix.Parts)
		}
	}
	var idx []int
	var tcols []colMap
	var names []string
	have := map[int]bool{}
	for gi, g := range groups {
		ok := true
		for _, p := range g {
			ok = ok && pos(p.Column) >= 0
		}
		if !ok {
			if gi == 0 {
				return errs.New(errs.KindInternal, errs.CodeCopyWrite, fmt.Sprintf("a key column of %s.%s is not written", t.Schema, t.Name), "Report this godwit bug.")
			}
			groups[gi] = nil
			continue
		}
		for _, p := range g {
			if j := pos(p.Column); !have[j] {
				have[j] = true
				idx = append(idx, j)
				tcols = append(tcols, cols[j])
				names = append(names, cols[j].Name)
			}
		}
	}
	if _, err := tx.Exec(ctx, "CREATE TEMP TABLE godwit_keys ON COMMIT DROP AS SELECT "+identList(names)+" FROM "+quoteTable(t.Schema, t.Name)+" WITH NO DATA"); err != nil {
		return err
	}
	krows := make([]change.Row, len(rows))
	for i, r := range rows {
		kr := make(change.Row, len(idx))
		for j, x := range idx {
			kr[j] = r[x]
		}
		krows[i] = kr
	}
	kt := &schema.Table{Schema: "pg_temp", Name: "godwit_keys"}
	data, err := encodeCopy(nil, kt, tcols, krows)
	if err != nil {
		return err
	}
	if _, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(data), copySQL(kt, tcols)); err != nil {
		return err
	}
	for _, g := range groups {
		if g == nil {
			continue
		}
		conds := make([]string, len(g))
		for i, p := range g {
			a, b := "t."+quoteIdent(cols[pos(p.Column)].Name), "k."+quoteIdent(cols[pos(p.Column)].Name)
			if p.Length > 0 {
				a, b = fmt.Sprintf("left(%s::text, %d)", a, p.Length), fmt.Sprintf("left(%s::text, %d)", b, p.Length)
			}
			conds[i] = a + " = " + b
		}
		if _, err := tx.Exec(ctx, "DELETE FROM "+quoteTable(t.Schema, t.Name)+" t USING pg_temp.godwit_keys k WHERE "+strings.Join(conds, " AND ")); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, "DROP TABLE pg_temp.godwit_keys")
	return err
}

// bumpIdentities moves the sequence of every identity (AUTO_INCREMENT) column among cols
// past the largest value in rows, under a transaction-scoped advisory lock on the sequence
// so concurrent writers never move it back.
func (e *Endpoint) bumpIdentities(ctx context.Context, tx pgx.Tx, t *schema.Table, cols []colMap, rows []change.Row) error {
	for i, c := range cols {
		if !c.Identity {
			continue
		}
		var top int64
		seen := false
		for _, r := range rows {
			if n, ok, err := intOf(r[i]); ok && err == nil && (!seen || n > top) {
				top, seen = n, true
			}
		}
		if !seen || top < 1 {
			continue
		}
		if err := bumpSequence(ctx, tx, t, c.Name, top); err != nil {
			return err
		}
	}
	return nil
}

func bumpSequence(ctx context.Context, tx pgx.Tx, t *schema.Table, col string, top int64) error {
	var seq *string
	if err := tx.QueryRow(ctx, "SELECT pg_get_serial_sequence($1, $2)", quoteTable(t.Schema, t.Name), col).Scan(&seq); err != nil {
		return err
	}
	if seq == nil {
		return nil
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", *seq); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "SELECT setval($1::regclass, $2) FROM "+*seq+" WHERE last_value < $2 OR (NOT is_called AND last_value <= $2)", *seq, top)
	return err
}
