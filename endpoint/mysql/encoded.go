package mysql

import (
	"context"
	"errors"
	"fmt"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/load"
	"github.com/godwit/godwit/errs"
)

// The encoded copy path (see endpoint.EncodedWriter and package load): rows read with the
// binary protocol at the driver level and encoded straight into LOAD DATA text for the
// target's columns. The endpoint keeps whether its target refused LOAD DATA LOCAL.

var (
	_ endpoint.EncodedWriter = (*Endpoint)(nil)
	_ endpoint.EncodedReader = (*Endpoint)(nil)
)

// WriteEncoding returns the LOAD DATA encoding for req, or nil when this target refuses
// LOAD DATA LOCAL. The first call per endpoint probes with an empty LOAD DATA into req's
// table (zero rows: nothing changes), so a refusal is known before any row is encoded.
func (e *Endpoint) WriteEncoding(ctx context.Context, req endpoint.WriteRequest) (endpoint.Encoding, error) {
	st := e.writeState()
	if st.noLoad.Load() {
		return nil, nil
	}
	p, err := load.PlanFor(req)
	if err != nil {
		return nil, err
	}
	if !st.loadProbed.Load() {
		if _, err := load.Bytes(ctx, e.db, req, p, nil); err != nil {
			if errors.Is(err, load.ErrRefused) {
				st.noLoad.Store(true)
				return nil, nil
			}
			return nil, err
		}
		st.loadProbed.Store(true)
	}
	return load.NewEncoding(p), nil
}

// WriteEncoded loads b with one LOAD DATA LOCAL statement (atomic, idempotent by key: see
// WriteRows). A refusal after the probe (local_infile switched off mid-copy) is an error;
// the resumed step then writes rows.
func (e *Endpoint) WriteEncoded(ctx context.Context, req endpoint.WriteRequest, enc endpoint.Encoding, b *endpoint.EncodedBatch) (int64, error) {
	le, ok := enc.(*load.Encoding)
	if !ok {
		return 0, errs.New(errs.KindInternal, errs.CodeCopyWrite,
			fmt.Sprintf("encoding %q is not this target's", enc.EncodingName()), "Report this.")
	}
	if b.Rows == 0 {
		return 0, nil
	}
	n, err := load.Bytes(ctx, e.db, req, le.Plan(), b.Data)
	if errors.Is(err, load.ErrRefused) {
		e.writeState().noLoad.Store(true)
		return 0, errs.New(errs.KindUnavailable, errs.CodeCopyWrite,
			fmt.Sprintf("the target stopped accepting LOAD DATA LOCAL while loading %s.%s", req.Table.Schema, req.Table.Name),
			"Nothing is lost: the chunk is copied again with INSERT statements when the step resumes.").Wrap(err)
	}
	return n, err
}

// CanEncode reports whether enc is this package's LOAD DATA encoding for as many columns
// as req reads.
func (e *Endpoint) CanEncode(req endpoint.ReadRequest, enc endpoint.Encoding) bool {
	le, ok := enc.(*load.Encoding)
	if !ok {
		return false
	}
	n := len(req.Columns)
	if n == 0 {
		n = len(req.Table.Columns)
	}
	return n == le.Columns()
}

// ReadChunkEncoded implements endpoint.EncodedReader with ReadChunk's query, run as a
// prepared statement on a connection of the pool at the driver level (see load.ReadEncoded).
func (e *Endpoint) ReadChunkEncoded(ctx context.Context, req endpoint.ReadRequest, enc endpoint.Encoding, lim endpoint.BatchLimit, fn func(*endpoint.EncodedBatch) error) error {
	le, ok := enc.(*load.Encoding)
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
	return load.ReadEncoded(ctx, conn, t, le, cols, req.Key, q, args, lim, fn)
}
