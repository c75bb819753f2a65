package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// Row reads of PostgreSQL tables (verification today; the source's copy later). Every
// query runs with binary parameters encoded by godwit and binary results decoded by
// decodeValue; a column of a type godwit does not decode is selected as ::text. Key ranges
// compare text keys with COLLATE "C" (byte order), the order godwit's chunk bounds follow
// on this side.

// readCols resolves the kinds of cols (all when empty) of a catalog-read table.
func readCols(t *schema.Table, cols []string) ([]colMap, error) {
	if len(cols) == 0 {
		cols = t.ColumnNames()
	}
	out := make([]colMap, len(cols))
	for i, n := range cols {
		c := t.Column(n)
		if c == nil {
			return nil, errs.New(errs.KindInvalid, errs.CodeVerifyFailed, fmt.Sprintf("column %s is not in table %s.%s", n, t.Schema, t.Name),
				"Check the compared columns.")
		}
		out[i] = pgKindOf(c)
	}
	return out, nil
}

func selectExpr(cm colMap) string {
	if cm.Kind == kOther {
		return quoteIdent(cm.Name) + "::text"
	}
	return quoteIdent(cm.Name)
}

func keyExpr(cm colMap) string {
	if cm.Kind == kText {
		return quoteIdent(cm.Name) + ` COLLATE "C"`
	}
	return quoteIdent(cm.Name)
}

// query is a statement with binary parameters.
type query struct {
	sql  strings.Builder
	args [][]byte
}

func (q *query) param(cm *colMap, v any) error {
	p, err := encodeParam(cm, v)
	if err != nil {
		return err
	}
	q.args = append(q.args, p)
	fmt.Fprintf(&q.sql, "$%d", len(q.args))
	return nil
}

// rangeWhere appends "(k…) > (lower…) AND (k…) <= (upper…)" for a chunk.
func rangeWhere(q *query, keys []colMap, c change.Chunk) error {
	tuple := func() string {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = keyExpr(k)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	bound := func(op string, k change.Key) error {
		if len(k) != len(keys) {
			return errs.New(errs.KindInternal, errs.CodeVerifyFailed, "chunk bounds do not match the key", "Re-plan the chunks.")
		}
		q.sql.WriteString(tuple() + " " + op + " (")
		for i := range keys {
			if i > 0 {
				q.sql.WriteString(", ")
			}
			if err := q.param(&keys[i], k[i]); err != nil {
				return err
			}
		}
		q.sql.WriteString(")")
		return nil
	}
	q.sql.WriteString("TRUE")
	if c.Lower != nil {
		q.sql.WriteString(" AND ")
		if err := bound(">", c.Lower); err != nil {
			return err
		}
	}
	if c.Upper != nil {
		q.sql.WriteString(" AND ")
		if err := bound("<=", c.Upper); err != nil {
			return err
		}
	}
	return nil
}

func (e *Endpoint) run(ctx context.Context, q *query, cols []colMap, fn func(change.Row) error) (int64, error) {
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return 0, readErr("connecting", err)
	}
	defer conn.Release()
	oids := make([]uint32, len(q.args))
	pf := make([]int16, len(q.args))
	for i := range pf {
		pf[i] = 1
	}
	rr := conn.Conn().PgConn().ExecParams(ctx, q.sql.String(), q.args, oids, pf, []int16{1})
	var total int64
	for rr.NextRow() {
		vals := rr.Values()
		row := make(change.Row, len(cols))
		for i := range cols {
			v, err := decodeValue(&cols[i], vals[i])
			if err != nil {
				rr.Close()
				return total, err
			}
			row[i] = v
		}
		total += int64(row.Size())
		if err := fn(row); err != nil {
			rr.Close()
			return total, err
		}
	}
	_, err = rr.Close()
	return total, readErr("reading rows", err)
}

func (e *Endpoint) rangeQuery(req endpoint.ReadRequest, ordered bool) (*query, []colMap, error) {
	t := req.Table
	cols, err := readCols(t, req.Columns)
	if err != nil {
		return nil, nil, err
	}
	keys, err := readCols(t, req.Key)
	if err != nil {
		return nil, nil, err
	}
	if len(req.Key) == 0 {
		keys = nil
	}
	q := &query{}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = selectExpr(c)
	}
	q.sql.WriteString("SELECT " + strings.Join(sel, ", ") + " FROM " + quoteTable(t.Schema, t.Name) + " WHERE ")
	if err := rangeWhere(q, keys, req.Chunk); err != nil {
		return nil, nil, err
	}
	if req.Where != "" {
		q.sql.WriteString(" AND (" + req.Where + ")")
	}
	if ordered && len(keys) > 0 {
		ord := make([]string, len(keys))
		for i, k := range keys {
			ord[i] = keyExpr(k)
		}
		q.sql.WriteString(" ORDER BY " + strings.Join(ord, ", "))
	}
	return q, cols, nil
}

// ReadChunk streams a chunk's rows in key order (endpoint.RowReader).
func (e *Endpoint) ReadChunk(ctx context.Context, req endpoint.ReadRequest, fn func(change.Row) error) (int64, error) {
	q, cols, err := e.rangeQuery(req, true)
	if err != nil {
		return 0, err
	}
	return e.run(ctx, q, cols, fn)
}

// ReadRange streams a range's rows (verify.RangeReader).
func (e *Endpoint) ReadRange(ctx context.Context, req endpoint.ReadRequest, fn func(change.Row) error) error {
	q, cols, err := e.rangeQuery(req, false)
	if err != nil {
		return err
	}
	_, err = e.run(ctx, q, cols, fn)
	return err
}

// SplitRange returns the keys cutting a range into pieces of about every rows (verify.Splitter).
func (e *Endpoint) SplitRange(ctx context.Context, req endpoint.ReadRequest, every int) ([]change.Key, error) {
	t := req.Table
	keys, err := readCols(t, req.Key)
	if err != nil || len(req.Key) == 0 {
		return nil, err
	}
	every = max(every, 1)
	sel := make([]string, len(keys))
	ord := make([]string, len(keys))
	for i, k := range keys {
		sel[i] = selectExpr(k)
		ord[i] = keyExpr(k)
	}
	q := &query{}
	fmt.Fprintf(&q.sql, "SELECT %s FROM (SELECT %s, row_number() OVER (ORDER BY %s) AS godwit_rn FROM %s WHERE ",
		identList(req.Key), strings.Join(sel, ", "), strings.Join(ord, ", "), quoteTable(t.Schema, t.Name))
	if err := rangeWhere(q, keys, req.Chunk); err != nil {
		return nil, err
	}
	if req.Where != "" {
		q.sql.WriteString(" AND (" + req.Where + ")")
	}
	fmt.Fprintf(&q.sql, ") s WHERE godwit_rn %% %d = 0 ORDER BY godwit_rn", every)
	var out []change.Key
	_, err = e.run(ctx, q, keys, func(r change.Row) error {
		out = append(out, change.Key(r))
		return nil
	})
	return out, err
}

// FetchKeys streams the rows with the given keys (verify.KeyFetcher).
func (e *Endpoint) FetchKeys(ctx context.Context, req endpoint.ReadRequest, keys []change.Key, fn func(change.Row) error) error {
	t := req.Table
	cols, err := readCols(t, req.Columns)
	if err != nil {
		return err
	}
	kc, err := readCols(t, req.Key)
	if err != nil {
		return err
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = selectExpr(c)
	}
	for len(keys) > 0 {
		n := min(len(keys), 200)
		q := &query{}
		q.sql.WriteString("SELECT " + strings.Join(sel, ", ") + " FROM " + quoteTable(t.Schema, t.Name) + " WHERE ")
		for i, k := range keys[:n] {
			if i > 0 {
				q.sql.WriteString(" OR ")
			}
			q.sql.WriteString("(")
			for j := range kc {
				if j > 0 {
					q.sql.WriteString(" AND ")
				}
				q.sql.WriteString(quoteIdent(kc[j].Name) + " = ")
				if err := q.param(&kc[j], k[j]); err != nil {
					return err
				}
			}
			q.sql.WriteString(")")
		}
		if _, err := e.run(ctx, q, cols, fn); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}
