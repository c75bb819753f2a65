package load

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// The encoded copy path (see endpoint.EncodedWriter): MySQL family → MySQL family, rows
// read with the binary protocol at the driver level and encoded straight from the driver's
// packet buffer into LOAD DATA text for the target's columns. The values and their
// encoding are exactly the row path's (ReadChunk → loadStream): the same query, the same
// driver values, the same per-column rules (Plan.appendField); only the copies of every
// value into a change.Row, and the garbage they leave, are gone.

// Encoding is this package's endpoint.Encoding: LOAD DATA text following a Plan.
type Encoding struct {
	p *Plan
}

// NewEncoding returns the encoding of p's LOAD DATA text.
func NewEncoding(p *Plan) *Encoding { return &Encoding{p: p} }

// EncodingName implements endpoint.Encoding.
func (*Encoding) EncodingName() string { return "MySQL LOAD DATA text" }

// Plan returns the plan the encoding follows.
func (e *Encoding) Plan() *Plan { return e.p }

// Columns is the number of columns a row of this encoding has.
func (e *Encoding) Columns() int { return len(e.p.kinds) }

// Bytes runs p's LOAD DATA statement over data (nil: zero rows, a probe that changes
// nothing) and returns the bytes sent, or an error wrapping ErrRefused.
func Bytes(ctx context.Context, db *sql.DB, req endpoint.WriteRequest, p *Plan, data []byte) (int64, error) {
	if err := exec(ctx, db, req, p, bytes.NewReader(data)); err != nil {
		return 0, err
	}
	return int64(len(data)), nil
}

// ReadEncoded runs the chunk query q (args) as a prepared statement on conn at the driver
// level and calls fn with batches of rows encoded as enc, within lim; cols are the columns q
// selects and key the key columns (whose last values each batch records). Failures of the
// driver are classified with myerr (CodeCopyRead, naming t); fn's errors are returned as is.
func ReadEncoded(ctx context.Context, conn *sql.Conn, t *schema.Table, enc *Encoding, cols, key []string, q string, args []any, lim endpoint.BatchLimit, fn func(*endpoint.EncodedBatch) error) error {
	ce := newChunkEncoder(enc.p, keyPositions(cols, key), lim)
	err := conn.Raw(func(dc any) error {
		return ce.run(ctx, dc, q, args, fn)
	})
	if err != nil {
		var ge *errs.Error
		if errors.As(err, &ge) {
			return err
		}
		return myerr.CopyRead(t.Schema, t.Name, "cannot read a chunk", err)
	}
	return nil
}

// keyPositions returns where each key column is among cols, or nil when one is missing.
func keyPositions(cols, key []string) []int {
	if len(key) == 0 {
		return nil
	}
	pos := make([]int, len(key))
	for i, k := range key {
		pos[i] = -1
		for j, c := range cols {
			if c == k {
				pos[i] = j
				break
			}
		}
		if pos[i] < 0 {
			return nil
		}
	}
	return pos
}

// chunkEncoder turns one chunk's driver rows into encoded batches.
type chunkEncoder struct {
	p   *Plan
	key []int // positions of the key columns, nil: no LastKey
	lim endpoint.BatchLimit

	unsigned []bool   // BIGINT UNSIGNED columns (the driver hands values > MaxInt64 as text)
	keyVals  []any    // the current row's key values (numbers as they are, bytes in keyBufs)
	keyBufs  [][]byte // the current row's []byte key values, copied out of the driver buffer
	row      []any    // the current row's values (driver.Value is a distinct type)
	cur      *endpoint.EncodedBatch
}

func newChunkEncoder(p *Plan, key []int, lim endpoint.BatchLimit) *chunkEncoder {
	return &chunkEncoder{p: p, key: key, lim: lim,
		keyVals: make([]any, len(key)), keyBufs: make([][]byte, len(key))}
}

// run executes q on the driver connection dc and hands full batches to fn.
func (c *chunkEncoder) run(ctx context.Context, dc any, q string, args []any, fn func(*endpoint.EncodedBatch) error) error {
	pc, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return errs.New(errs.KindInternal, errs.CodeCopyRead, "the MySQL driver cannot prepare statements", "Report this.")
	}
	st, err := pc.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	defer st.Close()
	nv, err := namedValues(dc, args)
	if err != nil {
		return err
	}
	sq, ok := st.(driver.StmtQueryContext)
	if !ok {
		return errs.New(errs.KindInternal, errs.CodeCopyRead, "the MySQL driver cannot query statements", "Report this.")
	}
	rows, err := sq.QueryContext(ctx, nv)
	if err != nil {
		return err
	}
	defer rows.Close()
	names := rows.Columns()
	if len(names) != len(c.p.kinds) {
		return errs.New(errs.KindInternal, errs.CodeCopyRead,
			fmt.Sprintf("a chunk read returned %d columns for %d", len(names), len(c.p.kinds)), "Report this.")
	}
	c.unsigned = make([]bool, len(names))
	if tn, ok := rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		for i := range names {
			c.unsigned[i] = tn.ColumnTypeDatabaseTypeName(i) == "UNSIGNED BIGINT"
		}
	}
	dest := make([]driver.Value, len(names))
	for {
		if err := rows.Next(dest); err != nil {
			if err == io.EOF {
				break
			}
			return err
		}
		if err := c.add(dest); err != nil {
			return err
		}
		if c.cur.Rows >= c.lim.Rows || len(c.cur.Data) >= c.lim.Bytes {
			if err := c.flush(fn); err != nil {
				return err
			}
		}
	}
	return c.flush(fn)
}

// add encodes one row (whose values live in the driver's buffer until the next row).
func (c *chunkEncoder) add(dest []driver.Value) error {
	if len(c.row) != len(dest) {
		c.row = make([]any, len(dest))
	}
	row := c.row
	for i, v := range dest {
		row[i] = v
	}
	if c.cur == nil {
		c.cur = &endpoint.EncodedBatch{Data: make([]byte, 0, c.lim.Bytes+c.lim.Bytes/4)}
	}
	for i, v := range row {
		if b, ok := v.([]byte); ok && c.unsigned[i] {
			u, err := strconv.ParseUint(string(b), 10, 64)
			if err != nil {
				return fmt.Errorf("cannot decode a BIGINT UNSIGNED value: %w", err)
			}
			row[i] = u
		}
	}
	data, err := c.p.appendRow(c.cur.Data, row)
	if err != nil {
		return err
	}
	c.cur.Data = data
	c.cur.Rows++
	c.cur.SrcBytes += int64(change.Row(row).Size())
	for i, p := range c.key {
		if b, ok := row[p].([]byte); ok {
			c.keyBufs[i] = append(c.keyBufs[i][:0], b...)
			c.keyVals[i] = nil
		} else {
			c.keyBufs[i] = nil
			c.keyVals[i] = row[p]
		}
	}
	return nil
}

// flush hands the current batch (if any) to fn with the last row's key.
func (c *chunkEncoder) flush(fn func(*endpoint.EncodedBatch) error) error {
	b := c.cur
	if b == nil || b.Rows == 0 {
		return nil
	}
	c.cur = nil
	if c.key != nil {
		b.LastKey = make(change.Key, len(c.key))
		for i := range c.key {
			if c.keyBufs[i] != nil {
				b.LastKey[i] = bytes.Clone(c.keyBufs[i])
			} else {
				b.LastKey[i] = c.keyVals[i]
			}
		}
	}
	return fn(b)
}

// namedValues converts query arguments the way database/sql would, using the driver's
// own checker first.
func namedValues(dc any, args []any) ([]driver.NamedValue, error) {
	chk, _ := dc.(driver.NamedValueChecker)
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		if chk != nil {
			err := chk.CheckNamedValue(&nv[i])
			if err == nil {
				continue
			}
			if !errors.Is(err, driver.ErrSkip) {
				return nil, err
			}
		}
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, err
		}
		nv[i].Value = v
	}
	return nv, nil
}
