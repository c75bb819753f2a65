package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// Change application. Every statement carries its values as binary parameters encoded by
// encode.go for the column types typemap.go created (the server infers each parameter's
// type from its column). Safe mode (and the overwrite policy) upserts after images with
// INSERT … ON CONFLICT (key) DO UPDATE, after deleting rows that hold the same value of
// another unique key (as MySQL's REPLACE does, so unique values moving between rows
// converge); deletes are delete-if-exists. Tables without a key match one row on every
// column (ctid … LIMIT 1).

// stmt is one statement with binary parameters.
type stmt struct {
	sql  string
	args [][]byte
	// conflictIfNone: under a strict policy, affecting no row is a conflict of this change.
	conflictIfNone bool
	change         *endpoint.RowChange
}

// changeCols are a change's written columns (generated ones left out) and their kinds.
type changeCols struct {
	cols []colMap
	pos  []int // positions in RowChange.Cols
	key  []int // positions (into cols) of RowChange.Key; nil without a key
}

func (e *Endpoint) changeCols(c *endpoint.RowChange) (*changeCols, error) {
	all, err := translateTable(c.Table, e.m)
	if err != nil {
		return nil, err
	}
	cc := &changeCols{}
	for i, n := range c.Cols {
		for j := range all {
			if strings.EqualFold(all[j].Name, n) {
				if all[j].Gen == "" {
					cc.cols = append(cc.cols, all[j])
					cc.pos = append(cc.pos, i)
				}
				break
			}
		}
	}
	for _, k := range c.Key {
		found := false
		for i, cm := range cc.cols {
			if strings.EqualFold(cm.Name, k) {
				cc.key = append(cc.key, i)
				found = true
			}
		}
		if !found {
			return nil, errs.New(errs.KindInternal, errs.CodeIncrApply, fmt.Sprintf("key column %s of %s.%s is not in the change", k, c.Table.Schema, c.Table.Name),
				"Re-run the precheck so the plan matches the tables.")
		}
	}
	return cc, nil
}

func (cc *changeCols) value(r change.Row, i int) any { return r[cc.pos[i]] }

type builder struct {
	sb   strings.Builder
	args [][]byte
	c    *endpoint.RowChange
	cc   *changeCols
}

func (b *builder) param(cm *colMap, v any) error {
	p, err := encodeParam(cm, v)
	if err != nil {
		return rowError(errs.CodeIncrApply, b.c.Table, b.cc.cols, nil, err)
	}
	b.args = append(b.args, p)
	fmt.Fprintf(&b.sb, "$%d", len(b.args))
	return nil
}

func (b *builder) stmt() stmt { return stmt{sql: b.sb.String(), args: b.args, change: b.c} }

// keyMatch writes "k1 = $ AND k2 = $" for the key values of row r.
func (b *builder) keyMatch(r change.Row) error {
	for i, k := range b.cc.key {
		if i > 0 {
			b.sb.WriteString(" AND ")
		}
		b.sb.WriteString(quoteIdent(b.cc.cols[k].Name) + " = ")
		if err := b.param(&b.cc.cols[k], b.cc.value(r, k)); err != nil {
			return err
		}
	}
	return nil
}

// rowMatch writes a predicate matching one row equal to r on every column.
func (b *builder) rowMatch(r change.Row) error {
	for i := range b.cc.cols {
		if i > 0 {
			b.sb.WriteString(" AND ")
		}
		cm := b.cc.cols[i]
		v := b.cc.value(r, i)
		col := quoteIdent(cm.Name)
		if cm.Kind == kJSON || cm.Kind == kJSONB {
			col += "::jsonb"
			cm.Kind = kJSONB
		}
		if v == nil {
			b.sb.WriteString(col + " IS NULL")
			continue
		}
		b.sb.WriteString(col + " = ")
		if err := b.param(&cm, v); err != nil {
			return err
		}
	}
	return nil
}

func (e *Endpoint) newBuilder(c *endpoint.RowChange) (*builder, error) {
	cc, err := e.changeCols(c)
	if err != nil {
		return nil, err
	}
	return &builder{c: c, cc: cc}, nil
}

func tableOf(c *endpoint.RowChange) string { return quoteTable(c.Table.Schema, c.Table.Name) }

func (e *Endpoint) insertSQL(c *endpoint.RowChange, r change.Row, tail string) (stmt, error) {
	b, err := e.newBuilder(c)
	if err != nil {
		return stmt{}, err
	}
	names := make([]string, len(b.cc.cols))
	for i, cm := range b.cc.cols {
		names[i] = quoteIdent(cm.Name)
	}
	b.sb.WriteString("INSERT INTO " + tableOf(c) + " (" + strings.Join(names, ", ") + ") VALUES (")
	for i := range b.cc.cols {
		if i > 0 {
			b.sb.WriteString(", ")
		}
		if err := b.param(&b.cc.cols[i], b.cc.value(r, i)); err != nil {
			return stmt{}, err
		}
	}
	b.sb.WriteString(")")
	if tail == "upsert" {
		var sets []string
		isKey := map[int]bool{}
		for _, k := range b.cc.key {
			isKey[k] = true
		}
		for i, cm := range b.cc.cols {
			if !isKey[i] {
				sets = append(sets, quoteIdent(cm.Name)+" = EXCLUDED."+quoteIdent(cm.Name))
			}
		}
		keyNames := make([]string, len(b.cc.key))
		for i, k := range b.cc.key {
			keyNames[i] = quoteIdent(b.cc.cols[k].Name)
		}
		b.sb.WriteString(" ON CONFLICT (" + strings.Join(keyNames, ", ") + ")")
		if len(sets) > 0 {
			b.sb.WriteString(" DO UPDATE SET " + strings.Join(sets, ", "))
		} else {
			b.sb.WriteString(" DO NOTHING")
		}
	} else if tail != "" {
		b.sb.WriteString(" " + tail)
	}
	return b.stmt(), nil
}

func (e *Endpoint) deleteSQL(c *endpoint.RowChange, r change.Row) (stmt, error) {
	b, err := e.newBuilder(c)
	if err != nil {
		return stmt{}, err
	}
	if len(b.cc.key) > 0 {
		b.sb.WriteString("DELETE FROM " + tableOf(c) + " WHERE ")
		err = b.keyMatch(r)
	} else {
		b.sb.WriteString("DELETE FROM " + tableOf(c) + " WHERE ctid = (SELECT ctid FROM " + tableOf(c) + " WHERE ")
		err = b.rowMatch(r)
		b.sb.WriteString(" LIMIT 1)")
	}
	return b.stmt(), err
}

// uniqueClears deletes the rows other than r's key holding r's values of the table's other
// unique keys (REPLACE semantics).
func (e *Endpoint) uniqueClears(c *endpoint.RowChange, r change.Row) ([]stmt, error) {
	var out []stmt
	for _, ix := range c.Table.Indexes {
		if !ix.Unique || sameCols(ix, c.Key) {
			continue
		}
		b, err := e.newBuilder(c)
		if err != nil {
			return nil, err
		}
		pos := make([]int, 0, len(ix.Parts))
		for _, p := range ix.Parts {
			for i, cm := range b.cc.cols {
				if strings.EqualFold(cm.Name, p.Column) && p.Length == 0 {
					pos = append(pos, i)
				}
			}
		}
		if len(pos) != len(ix.Parts) {
			continue
		}
		null := false
		for _, i := range pos {
			null = null || b.cc.value(r, i) == nil
		}
		if null {
			continue // NULLs never conflict
		}
		b.sb.WriteString("DELETE FROM " + tableOf(c) + " WHERE ")
		for j, i := range pos {
			if j > 0 {
				b.sb.WriteString(" AND ")
			}
			b.sb.WriteString(quoteIdent(b.cc.cols[i].Name) + " = ")
			if err := b.param(&b.cc.cols[i], b.cc.value(r, i)); err != nil {
				return nil, err
			}
		}
		b.sb.WriteString(" AND NOT (")
		if err := b.keyMatch(r); err != nil {
			return nil, err
		}
		b.sb.WriteString(")")
		out = append(out, b.stmt())
	}
	return out, nil
}

func sameKey(cc *changeCols, a, b change.Row) bool {
	for _, k := range cc.key {
		if fmt.Sprint(cc.value(a, k)) != fmt.Sprint(cc.value(b, k)) {
			return false
		}
	}
	return true
}

// upserts renders a change in safe mode.
func (e *Endpoint) upserts(c *endpoint.RowChange) ([]stmt, error) {
	cc, err := e.changeCols(c)
	if err != nil {
		return nil, err
	}
	var out []stmt
	add := func(s stmt, err error) error {
		if err == nil {
			out = append(out, s)
		}
		return err
	}
	switch c.Op {
	case change.OpDelete:
		return out, add(e.deleteSQL(c, c.Before))
	case change.OpInsert, change.OpUpdate:
		if len(cc.key) == 0 {
			if c.Op == change.OpUpdate && c.Before != nil {
				if err := add(e.deleteSQL(c, c.Before)); err != nil {
					return nil, err
				}
			}
			return out, add(e.insertSQL(c, c.After, ""))
		}
		if c.Op == change.OpUpdate && c.Before != nil && !sameKey(cc, c.Before, c.After) {
			if err := add(e.deleteSQL(c, c.Before)); err != nil {
				return nil, err
			}
		}
		clears, err := e.uniqueClears(c, c.After)
		if err != nil {
			return nil, err
		}
		out = append(out, clears...)
		return out, add(e.insertSQL(c, c.After, "upsert"))
	}
	return nil, errs.New(errs.KindInternal, errs.CodeIncrApply, "unknown change "+c.Op.String(), "Report this godwit bug.")
}

// stricts renders a change under the ignore/stop policies: plain statements whose
// affecting no row is a conflict.
func (e *Endpoint) stricts(c *endpoint.RowChange) ([]stmt, error) {
	switch c.Op {
	case change.OpInsert:
		s, err := e.insertSQL(c, c.After, "ON CONFLICT DO NOTHING")
		s.conflictIfNone = true
		return []stmt{s}, err
	case change.OpDelete:
		s, err := e.deleteSQL(c, c.Before)
		s.conflictIfNone = true
		return []stmt{s}, err
	case change.OpUpdate:
		b, err := e.newBuilder(c)
		if err != nil {
			return nil, err
		}
		if len(b.cc.key) == 0 {
			d, err := e.deleteSQL(c, c.Before)
			if err != nil {
				return nil, err
			}
			d.conflictIfNone = true
			ins, err := e.insertSQL(c, c.After, "")
			return []stmt{d, ins}, err
		}
		b.sb.WriteString("UPDATE " + tableOf(c) + " SET ")
		for i := range b.cc.cols {
			if i > 0 {
				b.sb.WriteString(", ")
			}
			b.sb.WriteString(quoteIdent(b.cc.cols[i].Name) + " = ")
			if err := b.param(&b.cc.cols[i], b.cc.value(c.After, i)); err != nil {
				return nil, err
			}
		}
		b.sb.WriteString(" WHERE ")
		if err := b.keyMatch(c.Before); err != nil {
			return nil, err
		}
		s := b.stmt()
		s.conflictIfNone = true
		return []stmt{s}, nil
	}
	return nil, errs.New(errs.KindInternal, errs.CodeIncrApply, "unknown change "+c.Op.String(), "Report this godwit bug.")
}

func conflictErr(c *endpoint.RowChange, what string) error {
	return errs.New(errs.KindState, errs.CodeIncrConflict,
		fmt.Sprintf("conflict applying a %s change of %s.%s: %s", c.Op, c.Table.Schema, c.Table.Name, what),
		"The conflict policy is \"stop\". Fix the target row, or set conflictPolicy to ignore or overwrite, and resume.")
}

// Apply executes the batch's changes and its checkpoint row in one transaction.
func (e *Endpoint) Apply(ctx context.Context, ab *endpoint.ApplyBatch) (endpoint.ApplyResult, error) {
	var res endpoint.ApplyResult
	safe := ab.Safe || ab.Policy == "overwrite" || ab.Policy == ""
	var stmts []stmt
	for i := range ab.Changes {
		c := &ab.Changes[i]
		var s []stmt
		var err error
		if safe {
			s, err = e.upserts(c)
		} else {
			s, err = e.stricts(c)
		}
		if err != nil {
			return res, err
		}
		stmts = append(stmts, s...)
	}
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return res, applyErr("beginning a transaction", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	pc := tx.Conn().PgConn()
	const chunk = 500
	for start := 0; start < len(stmts); start += chunk {
		part := stmts[start:min(len(stmts), start+chunk)]
		batch := &pgconn.Batch{}
		for _, s := range part {
			oids := make([]uint32, len(s.args))
			pf := make([]int16, len(s.args))
			for i := range pf {
				pf[i] = 1
			}
			batch.ExecParams(s.sql, s.args, oids, pf, nil)
		}
		results, err := pc.ExecBatch(ctx, batch).ReadAll()
		if err != nil {
			return res, stmtFailure(part, results, err)
		}
		for i, r := range results {
			if r.Err != nil {
				return res, stmtFailure(part[i:i+1], nil, r.Err)
			}
			if part[i].conflictIfNone && r.CommandTag.RowsAffected() == 0 {
				if ab.Policy == "stop" {
					return res, conflictErr(part[i].change, "no row was affected (duplicate key on insert, or the row is missing)")
				}
				res.Conflicts++
			}
		}
	}
	if err := e.bumpChanges(ctx, tx, ab.Changes); err != nil {
		return res, applyErr("moving identity sequences", err)
	}
	if _, err := tx.Exec(ctx, checkpointSQL(ab.Schema), ab.Stream, ab.CP.Worker, fmt.Sprint(ab.CP.Seq), ab.CP.Pos, ab.CP.Time); err != nil {
		return res, applyErr("saving the checkpoint", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return res, applyErr("committing", err)
	}
	return res, nil
}

// stmtFailure names the table of the statement that failed.
func stmtFailure(part []stmt, results []*pgconn.Result, err error) error {
	at := len(results)
	if at >= len(part) {
		at = len(part) - 1
	}
	if at < 0 {
		return applyErr("applying changes", err)
	}
	c := part[at].change
	return applyErr(fmt.Sprintf("applying a %s change of %s.%s", c.Op, c.Table.Schema, c.Table.Name), err)
}

// bumpChanges moves identity sequences past the ids the batch inserted.
func (e *Endpoint) bumpChanges(ctx context.Context, tx pgx.Tx, changes []endpoint.RowChange) error {
	type tc struct {
		t   *schema.Table
		col string
	}
	tops := map[string]int64{}
	tabs := map[string]tc{}
	for i := range changes {
		c := &changes[i]
		if c.After == nil {
			continue
		}
		for j, n := range c.Cols {
			col := c.Table.Column(n)
			if col == nil || !col.AutoIncrement {
				continue
			}
			v, ok, err := intOf(c.After[j])
			if !ok || err != nil {
				continue
			}
			k := c.Table.Schema + "\x00" + c.Table.Name + "\x00" + col.Name
			if v > tops[k] {
				tops[k] = v
				tabs[k] = tc{c.Table, col.Name}
			}
		}
	}
	for k, top := range tops {
		if err := bumpSequence(ctx, tx, tabs[k].t, tabs[k].col, top); err != nil {
			return err
		}
	}
	return nil
}
