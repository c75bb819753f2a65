package mysql

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
)

// The encoded copy path (see endpoint.EncodedWriter): MySQL family → MySQL family, rows
// read with the binary protocol at the driver level and encoded straight from the driver's
// packet buffer into LOAD DATA text for the target's columns. The values and their
// encoding are exactly the row path's (ReadChunk → loadStream): the same query, the same
// driver values, the same per-column rules (loadPlan.appendField); only the copies of every
// value into a change.Row, and the garbage they leave, are gone.

var (
	_ endpoint.EncodedWriter = (*Endpoint)(nil)
	_ endpoint.EncodedReader = (*Endpoint)(nil)
)

// loadEncoding is this package's endpoint.Encoding: LOAD DATA text following plan p.
type loadEncoding struct {
	p *loadPlan
}

func (*loadEncoding) EncodingName() string { return "MySQL LOAD DATA text" }

// WriteEncoding returns the LOAD DATA encoding for req, or nil when this target refuses
// LOAD DATA LOCAL. The first call per endpoint probes with an empty LOAD DATA into req's
// table (zero rows: nothing changes), so a refusal is known before any row is encoded.
func (e *Endpoint) WriteEncoding(ctx context.Context, req endpoint.WriteRequest) (endpoint.Encoding, error) {
	st := e.writeState()
	if st.noLoad.Load() {
		return nil, nil
	}
	p, err := loadPlanFor(req)
	if err != nil {
		return nil, err
	}
	if !st.loadProbed.Load() {
		if _, err := e.loadBytes(ctx, req, p, nil); err != nil {
			if errors.Is(err, errLoadRefused) {
				st.noLoad.Store(true)
				return nil, nil
			}
			return nil, err
		}
		st.loadProbed.Store(true)
	}
	return &loadEncoding{p: p}, nil
}

// WriteEncoded loads b with one LOAD DATA LOCAL statement (atomic, idempotent by key: see
// WriteRows). A refusal after the probe (local_infile switched off mid-copy) is an error;
// the resumed step then writes rows.
func (e *Endpoint) WriteEncoded(ctx context.Context, req endpoint.WriteRequest, enc endpoint.Encoding, b *endpoint.EncodedBatch) (int64, error) {
	le, ok := enc.(*loadEncoding)
	if !ok {
		return 0, errs.New(errs.KindInternal, errs.CodeCopyWrite,
			fmt.Sprintf("encoding %q is not this target's", enc.EncodingName()), "Report this.")
	}
	if b.Rows == 0 {
		return 0, nil
	}
	n, err := e.loadBytes(ctx, req, le.p, b.Data)
	if errors.Is(err, errLoadRefused) {
		e.writeState().noLoad.Store(true)
		return 0, errs.New(errs.KindUnavailable, errs.CodeCopyWrite,
			fmt.Sprintf("the target stopped accepting LOAD DATA LOCAL while loading %s.%s", req.Table.Schema, req.Table.Name),
			"Nothing is lost: the chunk is copied again with INSERT statements when the step resumes.").Wrap(err)
	}
	return n, err
}

// loadBytes runs p's LOAD DATA statement over data.
func (e *Endpoint) loadBytes(ctx context.Context, req endpoint.WriteRequest, p *loadPlan, data []byte) (int64, error) {
	if err := e.execLoad(ctx, req, p, bytes.NewReader(data)); err != nil {
		return 0, err
	}
	return int64(len(data)), nil
}

// CanEncode reports whether enc is this package's LOAD DATA encoding for as many columns
// as req reads.
func (e *Endpoint) CanEncode(req endpoint.ReadRequest, enc endpoint.Encoding) bool {
	le, ok := enc.(*loadEncoding)
	if !ok {
		return false
	}
	n := len(req.Columns)
	if n == 0 {
		n = len(req.Table.Columns)
	}
	return n == len(le.p.kinds)
}

// ReadChunkEncoded implements endpoint.EncodedReader with ReadChunk's query, run as a
// prepared statement on a connection of the pool at the driver level.
func (e *Endpoint) ReadChunkEncoded(ctx context.Context, req endpoint.ReadRequest, enc endpoint.Encoding, lim endpoint.BatchLimit, fn func(*endpoint.EncodedBatch) error) error {
	le, ok := enc.(*loadEncoding)
	if !ok || !e.CanEncode(req, enc) {
		return errs.New(errs.KindInternal, errs.CodeCopyRead, "the copy asked for an encoding this source cannot produce", "Report this.")
	}
	t := req.Table
	cols := req.Columns
	if len(cols) == 0 {
		cols = t.ColumnNames()
	}
	q, args, err := readChunkSQL(t, selectList(cols), req.Key, req.Where, req.Chunk, true)
	if err != nil {
		return err
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return readErr(t, "cannot read a chunk", err)
	}
	defer conn.Close()
	enc2 := newChunkEncoder(le.p, keyPositions(cols, req.Key), lim)
	err = conn.Raw(func(dc any) error {
		return enc2.run(ctx, dc, q, args, fn)
	})
	if err != nil {
		var ge *errs.Error
		if errors.As(err, &ge) {
			return err
		}
		return readErr(t, "cannot read a chunk", err)
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
	p   *loadPlan
	key []int // positions of the key columns, nil: no LastKey
	lim endpoint.BatchLimit

	unsigned []bool   // BIGINT UNSIGNED columns (the driver hands values > MaxInt64 as text)
	keyVals  []any    // the current row's key values (numbers as they are, bytes in keyBufs)
	keyBufs  [][]byte // the current row's []byte key values, copied out of the driver buffer
	row      []any    // the current row's values (driver.Value is a distinct type)
	cur      *endpoint.EncodedBatch
}

func newChunkEncoder(p *loadPlan, key []int, lim endpoint.BatchLimit) *chunkEncoder {
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
