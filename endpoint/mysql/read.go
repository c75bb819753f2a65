package mysql

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/chunk"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.RowReader = (*Endpoint)(nil)

// ReadChunk streams the rows of req.Chunk (plus req.Where) in key order to fn, as change
// rows holding req.Columns (all columns when empty) in the change package's conventions.
// It always runs a prepared statement (binary protocol), so FLOAT and DOUBLE arrive with
// their exact bits; BIGINT UNSIGNED above MaxInt64 becomes uint64; every []byte is a fresh
// copy, so fn may keep the Row. It returns the bytes read (sum of change.Row.Size).
func (e *Endpoint) ReadChunk(ctx context.Context, req endpoint.ReadRequest, fn func(change.Row) error) (int64, error) {
	t := req.Table
	cols := req.Columns
	if len(cols) == 0 {
		cols = t.ColumnNames()
	}
	q, args, err := readChunkSQL(t, selectList(cols), req.Key, req.Where, req.Chunk, true)
	if err != nil {
		return 0, err
	}
	rows, err := e.db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, readErr(t, "cannot read a chunk", err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return 0, readErr(t, "cannot read a chunk", err)
	}
	unsigned := make([]bool, len(cts))
	for i, ct := range cts {
		unsigned[i] = ct.DatabaseTypeName() == "UNSIGNED BIGINT"
	}
	vals := make([]any, len(cts))
	ptrs := make([]any, len(cts))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var total int64
	for rows.Next() {
		// Scanning into *any clones []byte values out of the driver's buffer.
		if err := rows.Scan(ptrs...); err != nil {
			return total, readErr(t, "cannot decode a row", err)
		}
		row := make(change.Row, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok && unsigned[i] {
				u, perr := strconv.ParseUint(string(b), 10, 64)
				if perr != nil {
					return total, readErr(t, "cannot decode a BIGINT UNSIGNED value", perr)
				}
				v = u
			}
			row[i] = v
		}
		total += int64(row.Size())
		if err := fn(row); err != nil {
			return total, err
		}
	}
	if err := rows.Err(); err != nil {
		return total, readErr(t, "cannot read a chunk", err)
	}
	return total, nil
}

func selectList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = sqlval.QuoteIdent(c)
	}
	return strings.Join(q, ", ")
}

// readChunkSQL builds "SELECT sel FROM t [FORCE INDEX] WHERE range [AND (where)] [ORDER BY
// key]" with at least one argument, so the driver always uses the binary protocol.
func readChunkSQL(t *schema.Table, sel string, key []string, where string, c change.Chunk, ordered bool) (string, []any, error) {
	if (c.Lower != nil && len(c.Lower) != len(key)) || (c.Upper != nil && len(c.Upper) != len(key)) {
		return "", nil, errs.New(errs.KindInternal, errs.CodeCopyRead,
			fmt.Sprintf("chunk %d of %s.%s has bounds that do not match key %v", c.Seq, t.Schema, t.Name, key),
			"Re-plan the table's chunks.")
	}
	cond, args := chunk.KeyRangeWhere(key, c)
	if len(args) == 0 {
		cond, args = "1=?", []any{1}
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(sel)
	b.WriteString(" FROM ")
	b.WriteString(sqlval.QuoteTable(t.Schema, t.Name))
	b.WriteString(chunk.IndexHint(t, key))
	b.WriteString(" WHERE ")
	b.WriteString(cond)
	if where != "" {
		b.WriteString(" AND (")
		b.WriteString(where)
		b.WriteString(")")
	}
	if ordered && len(key) > 0 {
		b.WriteString(" ORDER BY ")
		b.WriteString(selectList(key))
	}
	return b.String(), args, nil
}

// readErr wraps a failure of a read-side query on t.
func readErr(t *schema.Table, what string, err error) error {
	return myerr.CopyRead(t.Schema, t.Name, what, err)
}
