package copier

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
)

// The copy pipeline: readers take chunks from the job list, stream each chunk's rows into
// batches and push them onto a bounded queue; writers pop batches and write each one as one
// idempotent call (RowWriter.WriteRows). Reading and writing overlap, several chunks (of
// several tables) are in flight at once, and memory is bounded by copyTuning.
//
// Lifecycle: run owns every goroutine. The feeder closes jobs when the list is exhausted
// (or ctx ends); the last reader to finish closes queue; writers return when queue is
// closed and drained. The first error cancels the group's context; run returns it.
//
// Memory: besides the queue's bound in batches, queued and in-write batches hold their
// estimated bytes of a semaphore of (queueDepth + writers) × batchBytes, so batches of very
// wide rows (a batch is at least one row, however large) cannot multiply memory: at most
// that budget is queued or being written, plus one batch being filled per reader.
//
// Chunk completion: a chunk is marked DONE in the store (and its table's state updated)
// exactly once, by whichever goroutine observes "reader finished and every batch it sent
// committed" — the writer committing the last batch, or the reader itself when the chunk
// was empty or its batches were already committed. Until then the chunk stays PENDING, so a
// crash redoes it; every write is idempotent by key, so redoing is harmless.

// batch is a run of rows of one chunk, in key order: change rows, or an encoded batch in
// encoding (encoded.go).
type batch struct {
	run      *chunkRun
	rows     []change.Row
	enc      *endpoint.EncodedBatch
	encoding endpoint.Encoding
	srcBytes int64 // source bytes (change.Row.Size) of rows
	memHeld  int64 // bytes of c.mem this batch holds from queueing until written
}

// count is the number of rows in b.
func (b *batch) count() int {
	if b.enc != nil {
		return b.enc.Rows
	}
	return len(b.rows)
}

// chunkRun tracks one chunk in flight.
type chunkRun struct {
	job chunkJob

	mu        sync.Mutex
	sent      int  // batches queued by the reader
	committed int  // batches written by writers
	readDone  bool // the reader has queued its last batch
	finished  bool // the DONE mark was claimed
	rows      int64
	bytes     int64 // bytes written (as reported by the writer)
	srcBytes  int64
}

// commit records a written batch; it returns true when the caller must finish the chunk.
func (r *chunkRun) commit(rows, bytes, srcBytes int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.committed++
	r.rows += rows
	r.bytes += bytes
	r.srcBytes += srcBytes
	return r.claim()
}

// readFinished records the end of reading; it returns true when the caller must finish.
func (r *chunkRun) readFinished() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.readDone = true
	return r.claim()
}

// claim must be called with r.mu held.
func (r *chunkRun) claim() bool {
	if r.readDone && r.committed == r.sent && !r.finished {
		r.finished = true
		return true
	}
	return false
}

// run copies jobs through the pipeline and reports metrics once a second.
func (c *copier) run(ctx context.Context, jobs []chunkJob) error {
	tu := c.tuning
	c.memBudget = int64(tu.queueDepth+tu.writers) * int64(tu.batchBytes)
	c.mem = semaphore.NewWeighted(c.memBudget)
	g, gctx := errgroup.WithContext(ctx)
	feed := make(chan chunkJob)
	queue := make(chan *batch, tu.queueDepth)
	g.Go(func() error {
		defer close(feed)
		for _, j := range jobs {
			select {
			case feed <- j:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	var readers sync.WaitGroup
	for range min(tu.readers, max(1, len(jobs))) {
		readers.Add(1)
		g.Go(func() error {
			defer readers.Done()
			for j := range feed {
				if err := c.readChunk(gctx, &chunkRun{job: j}, queue); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		readers.Wait()
		close(queue)
		return nil
	})
	for range tu.writers {
		g.Go(func() error {
			for b := range queue {
				if err := gctx.Err(); err != nil {
					return err
				}
				if err := c.writeBatch(gctx, b); err != nil {
					return err
				}
			}
			return nil
		})
	}
	stop := make(chan struct{})
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				info := c.info(now)
				c.host.Report(ctx, c.progress(), &info, true)
			}
		}
	}()
	err := g.Wait()
	close(stop)
	<-reported
	info := c.info(c.now())
	if err == nil {
		p := c.meter.Processed.Load()
		info.ProcessedRecords, info.Capacity = model.Int64(p), model.Int64(p)
		info.RemainingSeconds = model.Int64(0)
	}
	c.host.Report(context.WithoutCancel(ctx), c.progress(), &info, true)
	return err
}

// readChunk streams one chunk into batches on queue. Transient read failures of a keyed
// chunk are retried from the last key already batched (rows arrive in key order), so no
// row is lost or sent twice; a table without a key is one stream and fails the step
// instead (its restart truncates the target and begins again).
func (c *copier) readChunk(ctx context.Context, run *chunkRun, queue chan<- *batch) error {
	j := run.job
	if !j.keyed {
		if c.sw == nil {
			return errs.Unsupported("copying tables without a key into this target")
		}
		if err := c.sw.TruncateTable(ctx, j.plan.Dst.Schema, j.plan.Dst.Name); err != nil {
			return err
		}
	}
	if enc := c.encodingFor(ctx, j.plan); enc != nil {
		return c.readChunkEncoded(ctx, run, enc, queue)
	}
	tu := c.tuning
	cur := &batch{run: run, rows: make([]change.Row, 0, min(tu.batchRows, 1024))}
	curMem := 0
	var blocked time.Duration // time spent waiting on the throttle and the queue
	var readRows, readBytes int64
	t0 := time.Now()
	flushMetrics := func() {
		d := time.Since(t0) - blocked
		c.meter.read(readRows, readBytes, max(0, d))
		readRows, readBytes, blocked, t0 = 0, 0, 0, time.Now()
	}
	send := func() error {
		if len(cur.rows) == 0 {
			return nil
		}
		tb := time.Now()
		if err := c.throttle.wait(ctx, len(cur.rows), int(cur.srcBytes)); err != nil {
			return err
		}
		cur.memHeld = min(int64(curMem), c.memBudget)
		if err := c.mem.Acquire(ctx, cur.memHeld); err != nil {
			return err
		}
		run.mu.Lock()
		run.sent++
		run.mu.Unlock()
		select {
		case queue <- cur:
		case <-ctx.Done():
			c.mem.Release(cur.memHeld)
			return ctx.Err()
		}
		blocked += time.Since(tb)
		flushMetrics()
		cur = &batch{run: run, rows: make([]change.Row, 0, min(tu.batchRows, 1024))}
		curMem = 0
		return nil
	}
	keyIdx := keyPositions(j.plan, c.reader)
	chunk := j.chunk
	var lastRow change.Row
	req := endpoint.ReadRequest{Table: j.plan.Src, Columns: j.plan.Copy, Key: j.plan.KeyCols, Where: j.plan.Where}
	err := c.readWithRetry(ctx, j, keyIdx != nil, func() error {
		if lastRow != nil {
			chunk.Lower = keyOf(lastRow, keyIdx) // resume after the last row already batched
		}
		req.Chunk = chunk
		_, err := c.reader.ReadChunk(ctx, req, func(r change.Row) error {
			cur.rows = append(cur.rows, r)
			sz := r.Size()
			cur.srcBytes += int64(sz)
			curMem += rowMem(r, sz)
			readRows++
			readBytes += int64(sz)
			lastRow = r
			if len(cur.rows) >= tu.batchRows || curMem >= tu.batchBytes {
				return send()
			}
			return nil
		})
		return err
	})
	if err != nil {
		return err
	}
	if err := send(); err != nil {
		return err
	}
	flushMetrics()
	if run.readFinished() {
		return c.finishChunk(ctx, run)
	}
	return nil
}

// readWithRetry runs read, and again after a transient failure (at most 3 more times, with
// a growing pause) when resumable: read must then start after the last row it handed over.
// A failure that is not an *errs.Error becomes a retryable CodeCopyRead error for the chunk.
func (c *copier) readWithRetry(ctx context.Context, j chunkJob, resumable bool, read func() error) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = read()
		if err == nil || ctx.Err() != nil || !retryable(err) || !resumable || attempt >= 3 {
			break
		}
		c.host.Logf(ctx, "WARN", "table %s chunk %d: reading again after the last copied key: %v", j.plan.Key, j.chunk.Seq, err)
		select {
		case <-time.After(time.Duration(attempt+1) * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) || ctx.Err() != nil {
		return err
	}
	return errs.New(errs.KindUnavailable, errs.CodeCopyRead,
		fmt.Sprintf("reading %s chunk %d failed", j.plan.Key, j.chunk.Seq),
		"Check that the source is reachable; the chunk is retried on resume.").Wrap(err)
}

// writeBatch writes one batch, retrying transient failures in place (the write is
// idempotent), and finishes its chunk when it was the chunk's last.
func (c *copier) writeBatch(ctx context.Context, b *batch) error {
	j := b.run.job
	req := endpoint.WriteRequest{Table: j.plan.Dst, Columns: j.plan.Copy, Rows: b.rows}
	rows := int64(b.count())
	var n int64
	var err error
	for attempt := 0; ; attempt++ {
		t0 := time.Now()
		if b.enc != nil {
			n, err = c.writer.(endpoint.EncodedWriter).WriteEncoded(ctx, req, b.encoding, b.enc)
		} else {
			n, err = c.writer.WriteRows(ctx, req)
		}
		if err == nil {
			c.meter.wrote(rows, n, time.Since(t0))
			break
		}
		if ctx.Err() != nil || !retryable(err) || attempt >= 3 {
			return errs.New(errs.KindUnavailable, errs.CodeCopyWrite,
				fmt.Sprintf("writing %d rows into %s failed", rows, j.plan.TargetKey()),
				"Check the target's error log and free space; the chunk is retried on resume.").Wrap(err)
		}
		c.host.Logf(ctx, "WARN", "table %s chunk %d: retrying a batch after: %v", j.plan.Key, j.chunk.Seq, err)
		select {
		case <-time.After(time.Duration((attempt+1)*(attempt+1)) * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.meter.Processed.Add(rows)
	c.meter.processedBytes.Add(b.srcBytes)
	b.rows, b.enc = nil, nil // release the rows before the (possibly slow) store update
	c.mem.Release(b.memHeld)
	if b.run.commit(rows, n, b.srcBytes) {
		return c.finishChunk(ctx, b.run)
	}
	return nil
}

// finishChunk persists the chunk as DONE with its rows and source bytes, then the table's
// progress.
func (c *copier) finishChunk(ctx context.Context, run *chunkRun) error {
	j := run.job
	run.mu.Lock()
	rows, srcBytes := run.rows, run.srcBytes
	run.mu.Unlock()
	if err := c.store.FinishChunk(ctx, c.pid, model.StepFull, j.plan.Key, j.chunk.Seq, rows, srcBytes, ""); err != nil {
		return err
	}
	return c.tables.chunkDone(ctx, c, j.plan.Key, rows, srcBytes)
}

// keyPositions returns the positions of the key columns within the copied columns, or nil
// when a read cannot resume after a key: the table has no key, a key column is not copied
// (a generated key column), or the reader does not say that "col > value" follows the key
// column's index order (endpoint.KeyResumer; a reader without it is never resumed mid-chunk).
func keyPositions(tp *plan.Table, rd endpoint.RowReader) []int {
	kr, _ := rd.(endpoint.KeyResumer)
	if len(tp.KeyCols) == 0 || kr == nil {
		return nil
	}
	idx := make([]int, len(tp.KeyCols))
	for i, k := range tp.KeyCols {
		if c := tp.Src.Column(k); c == nil || !kr.ResumesAfter(c) {
			return nil
		}
		idx[i] = -1
		for p, c := range tp.Copy {
			if c == k {
				idx[i] = p
				break
			}
		}
		if idx[i] < 0 {
			return nil
		}
	}
	return idx
}

func keyOf(r change.Row, idx []int) change.Key {
	k := make(change.Key, len(idx))
	for i, p := range idx {
		k[i] = r[p]
	}
	return k
}

// rowMem estimates the Go heap a row of source size sz occupies: the values plus an
// interface slot and a slice header or boxed number per value.
func rowMem(r change.Row, sz int) int { return sz + 40*len(r) + 24 }
