// Package apply renders and runs a batch of row changes inside the caller's target
// transaction (MySQL family): Upserts applies them idempotently — per table and key only the
// last change counts, deletes-if-exist then REPLACE of the final images, tables without a key
// change by change — and Strict applies them as plain statements under a conflict policy
// (ignore counts conflicts, stop fails on the first). Neither commits: the caller commits the
// batch together with its checkpoint. Errors are classified by Err (myerr.DataPath: lost
// connections, deadlocks and lock timeouts are retryable). No package state.
package apply

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// applyStmtBytes caps one rendered statement; far below any max_allowed_packet default.
const applyStmtBytes = 1 << 20

// upsertGroup collects the compacted changes of one table within a batch: for every key
// only the last change matters in idempotent mode (its after-image, or its absence).
type upsertGroup struct {
	table   *schema.Table
	cols    []string
	kinds   []sqlval.Kind
	keyIdx  []int
	keyKind []sqlval.Kind
	order   []string // keys in first-seen order
	final   map[string]*upsertEntry
}

type upsertEntry struct {
	del bool
	key change.Key
	row change.Row // after-image when !del
}

// Upserts applies changes idempotently: per table and key the last change wins;
// deletes (delete-if-exists) run before upserts (REPLACE), which is correct because the
// final images of a batch are rows that coexist on the source. Tables without a key get
// their changes applied one by one, in order.
func Upserts(ctx context.Context, tx *sql.Tx, changes []endpoint.RowChange) error {
	var groups []*upsertGroup
	byTable := map[string]*upsertGroup{}
	for i := range changes {
		c := &changes[i]
		if len(c.Key) == 0 {
			if err := flushGroups(ctx, tx, groups); err != nil {
				return err
			}
			groups, byTable = nil, map[string]*upsertGroup{}
			if _, err := applyOne(ctx, tx, c, "overwrite"); err != nil {
				return err
			}
			continue
		}
		id := c.Table.Schema + "\x00" + c.Table.Name + "\x00" + strings.Join(c.Cols, "\x00")
		g := byTable[id]
		if g == nil {
			g = &upsertGroup{table: c.Table, cols: c.Cols, kinds: colKinds(c.Table, c.Cols),
				keyIdx: keyIndexes(c.Cols, c.Key), keyKind: colKinds(c.Table, c.Key), final: map[string]*upsertEntry{}}
			byTable[id] = g
			groups = append(groups, g)
		}
		if err := g.add(c); err != nil {
			return err
		}
	}
	return flushGroups(ctx, tx, groups)
}

func (g *upsertGroup) add(c *endpoint.RowChange) error {
	set := func(k change.Key, del bool, row change.Row) {
		ks := keyString(k)
		e := g.final[ks]
		if e == nil {
			e = &upsertEntry{key: k}
			g.final[ks] = e
			g.order = append(g.order, ks)
		}
		e.del, e.row = del, row
	}
	switch c.Op {
	case change.OpInsert:
		k, err := keyOf(c.After, g.keyIdx)
		if err != nil {
			return changeErr(c, err)
		}
		set(k, false, c.After)
	case change.OpUpdate:
		kb, err := keyOf(c.Before, g.keyIdx)
		if err != nil {
			return changeErr(c, err)
		}
		ka, err := keyOf(c.After, g.keyIdx)
		if err != nil {
			return changeErr(c, err)
		}
		if keyString(kb) != keyString(ka) {
			set(kb, true, nil)
		}
		set(ka, false, c.After)
	case change.OpDelete:
		k, err := keyOf(c.Before, g.keyIdx)
		if err != nil {
			return changeErr(c, err)
		}
		set(k, true, nil)
	}
	return nil
}

func flushGroups(ctx context.Context, tx *sql.Tx, groups []*upsertGroup) error {
	for _, g := range groups {
		if err := g.flush(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

func (g *upsertGroup) flush(ctx context.Context, tx *sql.Tx) error {
	tbl := sqlval.QuoteTable(g.table.Schema, g.table.Name)
	// Deletes first.
	var b []byte
	n := 0
	exec := func() error {
		if n == 0 {
			return nil
		}
		b = append(b, ')')
		_, err := tx.ExecContext(ctx, string(b))
		b, n = b[:0], 0
		if err != nil {
			return Err("deleting rows of "+tbl, err)
		}
		return nil
	}
	keyCols := make([]string, len(g.keyIdx))
	for i, j := range g.keyIdx {
		keyCols[i] = sqlval.QuoteIdent(g.cols[j])
	}
	for _, ks := range g.order {
		e := g.final[ks]
		if !e.del {
			continue
		}
		if n == 0 {
			b = append(b, "DELETE FROM "...)
			b = append(b, tbl...)
			b = append(b, " WHERE ("...)
			b = append(b, strings.Join(keyCols, ",")...)
			b = append(b, ") IN ("...)
		} else {
			b = append(b, ',')
		}
		var err error
		if b, err = appendTuple(b, change.Row(e.key), g.keyKind); err != nil {
			return fmt.Errorf("%s: %w", tbl, err)
		}
		n++
		if len(b) >= applyStmtBytes {
			if err := exec(); err != nil {
				return err
			}
		}
	}
	if err := exec(); err != nil {
		return err
	}
	// Then upserts.
	head := "REPLACE INTO " + tbl + " (" + QuoteCols(g.cols) + ") VALUES "
	runReplace := func() error {
		if n == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, string(b))
		b, n = b[:0], 0
		if err != nil {
			return Err("upserting rows of "+tbl, err)
		}
		return nil
	}
	for _, ks := range g.order {
		e := g.final[ks]
		if e.del {
			continue
		}
		if n == 0 {
			b = append(b, head...)
		} else {
			b = append(b, ',')
		}
		var err error
		if b, err = appendTuple(b, e.row, g.kinds); err != nil {
			return fmt.Errorf("%s: %w", tbl, err)
		}
		n++
		if len(b) >= applyStmtBytes {
			if err := runReplace(); err != nil {
				return err
			}
		}
	}
	return runReplace()
}

// Strict applies changes one statement each, detecting conflicts: policy "ignore"
// skips a conflicting change, "stop" fails the batch with CodeIncrConflict.
func Strict(ctx context.Context, tx *sql.Tx, changes []endpoint.RowChange, policy string) (int, error) {
	conflicts := 0
	for i := range changes {
		c, err := applyOne(ctx, tx, &changes[i], policy)
		if err != nil {
			return conflicts, err
		}
		conflicts += c
	}
	return conflicts, nil
}

// applyOne applies one change with plain INSERT/UPDATE/DELETE. Rows are identified by
// c.Key, or by every column (LIMIT 1) for tables without one. It returns 1 for a conflict
// (duplicate insert, update or delete of a missing row) that policy let through.
func applyOne(ctx context.Context, tx *sql.Tx, c *endpoint.RowChange, policy string) (int, error) {
	tbl := sqlval.QuoteTable(c.Table.Schema, c.Table.Name)
	kinds := colKinds(c.Table, c.Cols)
	var b []byte
	var err error
	switch c.Op {
	case change.OpInsert:
		verb := "INSERT INTO "
		if policy == "ignore" {
			verb = "INSERT IGNORE INTO "
		}
		b = append(b, verb+tbl+" ("+QuoteCols(c.Cols)+") VALUES "...)
		if b, err = appendTuple(b, c.After, kinds); err != nil {
			return 0, changeErr(c, err)
		}
		r, err := tx.ExecContext(ctx, string(b))
		if dupKey(err) {
			if policy == "overwrite" {
				b = append([]byte("REPLACE"), b[len("INSERT"):]...)
				_, err = tx.ExecContext(ctx, string(b))
				return 1, stmtErr(c, err)
			}
			return 0, conflictErr(c, "the row already exists on the target")
		}
		if err != nil {
			return 0, stmtErr(c, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return 1, nil
		}
		return 0, nil
	case change.OpUpdate:
		verb := "UPDATE "
		if policy == "ignore" {
			verb = "UPDATE IGNORE "
		}
		b = append(b, verb+tbl+" SET "...)
		for i, col := range c.Cols {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, sqlval.QuoteIdent(col)+"="...)
			if b, err = sqlval.Append(b, kinds[i], c.After[i]); err != nil {
				return 0, changeErr(c, err)
			}
		}
		if b, err = appendMatch(b, c, c.Before, kinds); err != nil {
			return 0, changeErr(c, err)
		}
		r, err := tx.ExecContext(ctx, string(b))
		if err != nil {
			return 0, stmtErr(c, err)
		}
		if n, _ := r.RowsAffected(); n > 0 {
			return 0, nil
		}
		// Nothing changed: the row is missing, or already equal to the after-image.
		exists, err := rowExists(ctx, tx, c, c.After, kinds)
		if err != nil || exists {
			return 0, err
		}
		switch policy {
		case "ignore":
			return 1, nil
		case "overwrite":
			ins := *c
			ins.Op = change.OpInsert
			if _, err := applyOne(ctx, tx, &ins, "overwrite"); err != nil {
				return 0, err
			}
			return 1, nil
		}
		return 0, conflictErr(c, "the row to update does not exist on the target")
	case change.OpDelete:
		b = append(b, "DELETE FROM "+tbl...)
		if b, err = appendMatch(b, c, c.Before, kinds); err != nil {
			return 0, changeErr(c, err)
		}
		r, err := tx.ExecContext(ctx, string(b))
		if err != nil {
			return 0, stmtErr(c, err)
		}
		if n, _ := r.RowsAffected(); n > 0 {
			return 0, nil
		}
		if policy == "stop" {
			return 0, conflictErr(c, "the row to delete does not exist on the target")
		}
		return 1, nil
	}
	return 0, nil
}

// appendMatch appends " WHERE …" identifying row r (by key, or all columns + LIMIT 1).
func appendMatch(b []byte, c *endpoint.RowChange, r change.Row, kinds []sqlval.Kind) ([]byte, error) {
	b = append(b, " WHERE "...)
	var err error
	if len(c.Key) > 0 {
		idx := keyIndexes(c.Cols, c.Key)
		for i, j := range idx {
			if j < 0 {
				return b, errNoKeyCol
			}
			if i > 0 {
				b = append(b, " AND "...)
			}
			b = append(b, sqlval.QuoteIdent(c.Cols[j])+"<=>"...)
			if b, err = sqlval.Append(b, kinds[j], r[j]); err != nil {
				return b, err
			}
		}
		return b, nil
	}
	for i, col := range c.Cols {
		if i > 0 {
			b = append(b, " AND "...)
		}
		b = append(b, sqlval.QuoteIdent(col)+"<=>"...)
		if b, err = sqlval.Append(b, kinds[i], r[i]); err != nil {
			return b, err
		}
	}
	return append(b, " LIMIT 1"...), nil
}

func rowExists(ctx context.Context, tx *sql.Tx, c *endpoint.RowChange, r change.Row, kinds []sqlval.Kind) (bool, error) {
	b := []byte("SELECT 1 FROM " + sqlval.QuoteTable(c.Table.Schema, c.Table.Name))
	b, err := appendMatch(b, c, r, kinds)
	if err != nil {
		return false, changeErr(c, err)
	}
	if len(c.Key) > 0 {
		b = append(b, " LIMIT 1"...)
	}
	var one int
	err = tx.QueryRowContext(ctx, string(b)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, stmtErr(c, err)
	}
	return true, nil
}

func appendTuple(b []byte, r change.Row, kinds []sqlval.Kind) ([]byte, error) {
	b = append(b, '(')
	var err error
	for i, v := range r {
		if i >= len(kinds) {
			return b, fmt.Errorf("row has %d values for %d columns", len(r), len(kinds))
		}
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = sqlval.Append(b, kinds[i], v); err != nil {
			return b, err
		}
	}
	return append(b, ')'), nil
}

func QuoteCols(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = sqlval.QuoteIdent(c)
	}
	return strings.Join(q, ",")
}

// keyString is an exact, type-tagged encoding of a key for map lookups.
func keyString(k change.Key) string {
	var b []byte
	for _, v := range k {
		switch x := v.(type) {
		case nil:
			b = append(b, 'n')
		case int64:
			b = strconv.AppendInt(append(b, 'i'), x, 10)
		case uint64:
			b = strconv.AppendUint(append(b, 'u'), x, 10)
		case float64:
			b = strconv.AppendUint(append(b, 'f'), math.Float64bits(x), 16)
		case float32:
			b = strconv.AppendUint(append(b, 'f'), math.Float64bits(float64(x)), 16)
		case []byte:
			b = strconv.AppendInt(append(b, 'b'), int64(len(x)), 10)
			b = append(append(b, ':'), x...)
		case string:
			b = strconv.AppendInt(append(b, 'b'), int64(len(x)), 10)
			b = append(append(b, ':'), x...)
		default:
			b = fmt.Appendf(append(b, '?'), "%v", x)
		}
		b = append(b, 0)
	}
	return string(b)
}

func dupKey(err error) bool {
	var me *gomysql.MySQLError
	return errors.As(err, &me) && me.Number == 1062
}

func changeErr(c *endpoint.RowChange, err error) error {
	return errs.New(errs.KindInternal, errs.CodeIncrApply,
		fmt.Sprintf("cannot render a %s change of %s.%s: %v", c.Op, c.Table.Schema, c.Table.Name, err),
		"The change does not match the target table's columns; compare the table on both sides and resume.")
}

func stmtErr(c *endpoint.RowChange, err error) error {
	if err == nil {
		return nil
	}
	return Err(fmt.Sprintf("applying a %s change of %s.%s", c.Op, c.Table.Schema, c.Table.Name), err)
}

func conflictErr(c *endpoint.RowChange, what string) error {
	return errs.New(errs.KindState, errs.CodeIncrConflict,
		fmt.Sprintf("conflict applying a %s change of %s.%s: %s", c.Op, c.Table.Schema, c.Table.Name, what),
		"The conflict policy is \"stop\". Fix the target row, or set conflictPolicy to ignore or overwrite, and resume.")
}
