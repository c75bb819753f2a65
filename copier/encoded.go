package copier

import (
	"context"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/plan"
)

// The encoded variant of the copy pipeline (see endpoint.EncodedWriter): when the writer
// names an encoding for a table and the reader can produce it, readers hand the queue
// batches already in the writer's format instead of change.Rows. Queueing, memory holds,
// throttling, retries, metrics and chunk completion are the row path's; only the batch's
// payload differs.

// encodingFor returns the encoding the table's chunks are copied in, or nil for rows. It
// is decided once per table, on its first chunk; a failure to decide falls back to rows.
func (c *copier) encodingFor(ctx context.Context, tp *plan.Table) endpoint.Encoding {
	er, ok := c.reader.(endpoint.EncodedReader)
	if !ok {
		return nil
	}
	ew, ok := c.writer.(endpoint.EncodedWriter)
	if !ok {
		return nil
	}
	if v, ok := c.encs.Load(tp); ok {
		enc, _ := v.(endpoint.Encoding)
		return enc
	}
	enc, err := ew.WriteEncoding(ctx, endpoint.WriteRequest{Table: tp.Dst, Columns: tp.Copy})
	if err != nil && ctx.Err() == nil {
		c.host.Logf(ctx, "WARN", "table %s: copying rows one by one: %v", tp.Key, err)
	}
	if enc != nil && !er.CanEncode(endpoint.ReadRequest{Table: tp.Src, Columns: tp.Copy, Key: tp.KeyCols, Where: tp.Where}, enc) {
		enc = nil
	}
	if enc == nil {
		c.encs.Store(tp, false)
		return nil
	}
	c.encs.Store(tp, enc)
	return enc
}

// readChunkEncoded is readChunk for an encoded table: the same retries after the last key
// handed over, the same queueing and memory holds.
func (c *copier) readChunkEncoded(ctx context.Context, run *chunkRun, enc endpoint.Encoding, queue chan<- *batch) error {
	j := run.job
	er := c.reader.(endpoint.EncodedReader)
	tu := c.tuning
	lim := endpoint.BatchLimit{Rows: tu.batchRows, Bytes: tu.batchBytes}
	var blocked time.Duration
	t0 := time.Now()
	send := func(eb *endpoint.EncodedBatch) error {
		tb := time.Now()
		if err := c.throttle.wait(ctx, eb.Rows, int(eb.SrcBytes)); err != nil {
			return err
		}
		b := &batch{run: run, enc: eb, encoding: enc, srcBytes: eb.SrcBytes,
			memHeld: min(int64(cap(eb.Data)), c.memBudget)}
		if err := c.mem.Acquire(ctx, b.memHeld); err != nil {
			return err
		}
		run.mu.Lock()
		run.sent++
		run.mu.Unlock()
		select {
		case queue <- b:
		case <-ctx.Done():
			c.mem.Release(b.memHeld)
			return ctx.Err()
		}
		blocked += time.Since(tb)
		c.meter.read(int64(eb.Rows), eb.SrcBytes, max(0, time.Since(t0)-blocked))
		blocked, t0 = 0, time.Now()
		return nil
	}
	chunk := j.chunk
	req := endpoint.ReadRequest{Table: j.plan.Src, Columns: j.plan.Copy, Key: j.plan.KeyCols, Where: j.plan.Where}
	err := c.readWithRetry(ctx, j, keyPositions(j.plan, c.reader) != nil, func() error {
		req.Chunk = chunk
		return er.ReadChunkEncoded(ctx, req, enc, lim, func(eb *endpoint.EncodedBatch) error {
			if err := send(eb); err != nil {
				return err
			}
			if eb.LastKey != nil {
				chunk.Lower = eb.LastKey // a retry resumes after the last row handed over
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	if run.readFinished() {
		return c.finishChunk(ctx, run)
	}
	return nil
}
