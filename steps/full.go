package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
)

// Copy tuning. Memory held per worker is at most one write batch.
const (
	chunkTargetBytes = 16 << 20 // bytes of source data per chunk
	chunkMinRows     = 1000
	chunkMaxRows     = 50000
	batchMaxRows     = 2000
	batchMaxBytes    = 4 << 20
)

// Table state statuses.
const (
	tablePlanned  = "PLANNED"
	tableFinished = "FINISHED"
)

// chunkJob is one pending chunk of one table, handed from the planner to copy workers.
type chunkJob struct {
	plan  *TablePlan
	state meta.ChunkState
	chunk change.Chunk
	keyed bool
}

// tableExtra is FULL_TRANSFER's per-table JSON in TableState.Extra.
type tableExtra struct {
	Chunks        int `json:"chunks"`
	ChunksDone    int `json:"chunksDone"`
	ResumedChunks int `json:"resumedChunks"` // chunks found done when this run started
}

// Full runs FULL_TRANSFER: every selected table is split into key-range chunks (persisted
// before any row moves), and readWorkerNum workers copy chunks concurrently, each chunk as a
// stream of idempotent batches (REPLACE by key). A chunk is marked done only after its last
// batch committed; after a crash, done chunks are skipped and in-flight ones redone. Tables
// without a primary or unique key are copied as one chunk and truncated on the target before
// every (re)start of that chunk.
func Full(ctx context.Context, env *Env) error {
	objs, err := ResolveObjects(ctx, env.Project, env.Source)
	if err != nil {
		return err
	}
	planner, err := need[endpoint.ChunkPlanner](env.Source, "source", "plan a chunked copy")
	if err != nil {
		return err
	}
	reader, err := need[endpoint.RowReader](env.Source, "source", "read rows")
	if err != nil {
		return err
	}
	writer, err := need[endpoint.RowWriter](env.Sink, "target", "write rows")
	if err != nil {
		return err
	}
	c := &copier{env: env, reader: reader, writer: writer, meter: &rateMeter{},
		limiter: throttle(env.Project.FullTransferConfig.ThrottleRps)}
	c.sw, _ = env.Sink.(endpoint.SchemaWriter)

	states, err := env.Store.ListTables(ctx, env.Project.ID, model.StepFull)
	if err != nil {
		return err
	}
	byTable := map[string]meta.TableState{}
	for _, s := range states {
		byTable[s.Table] = s
	}
	var jobs []chunkJob
	for i := range objs.Tables {
		tp := &objs.Tables[i]
		st, ok := byTable[tp.Key]
		if ok && st.Status == tableFinished {
			c.meter.processed.Add(st.Done)
			c.meter.capacity.Add(st.Done)
			continue
		}
		if !ok || st.Status == "" || st.Status == "INIT" {
			if st, err = c.plan(ctx, planner, tp); err != nil {
				return err
			}
		}
		js, err := c.pending(ctx, tp, &st)
		if err != nil {
			return err
		}
		jobs = append(jobs, js...)
	}
	env.Logf(ctx, "INFO", "full copy: %d tables, %d chunks to copy", len(objs.Tables), len(jobs))
	return c.run(ctx, jobs)
}

type copier struct {
	env     *Env
	reader  endpoint.RowReader
	writer  endpoint.RowWriter
	sw      endpoint.SchemaWriter
	meter   *rateMeter
	limiter *rate.Limiter

	tables tableBook
}

// plan splits a table into chunks and persists the plan before any row is copied.
func (c *copier) plan(ctx context.Context, planner endpoint.ChunkPlanner, tp *TablePlan) (meta.TableState, error) {
	rows := chunkRows(tp)
	if n := c.env.Project.FullTransferConfig.ChunkRows; n > 0 {
		rows = n
	}
	var chunks []change.Chunk
	if tp.KeyCols == nil {
		chunks = []change.Chunk{{Seq: 0}}
	} else {
		var err error
		if chunks, err = planner.PlanChunks(ctx, tp.Src, tp.KeyCols, tp.Where, rows); err != nil {
			return meta.TableState{}, err
		}
	}
	cs := make([]meta.ChunkState, len(chunks))
	for i, ch := range chunks {
		lo, err := change.EncodeKey(ch.Lower)
		if err != nil {
			return meta.TableState{}, err
		}
		hi, err := change.EncodeKey(ch.Upper)
		if err != nil {
			return meta.TableState{}, err
		}
		cs[i] = meta.ChunkState{Table: tp.Key, Seq: i, Lower: lo, Upper: hi, Status: meta.ChunkPending}
	}
	if err := c.env.Store.SaveChunks(ctx, c.env.Project.ID, model.StepFull, tp.Key, cs); err != nil {
		return meta.TableState{}, err
	}
	extra, _ := json.Marshal(tableExtra{Chunks: len(cs)})
	st := meta.TableState{ProjectID: c.env.Project.ID, Step: model.StepFull, Table: tp.Key, Target: tp.TargetKey(),
		Status: tablePlanned, Capacity: tp.Src.RowsEstimate, Extra: string(extra), Updated: c.env.Now()}
	if err := c.env.Store.PutTable(ctx, &st); err != nil {
		return st, err
	}
	if tp.KeyCols == nil {
		c.env.Logf(ctx, "WARN", "table %s has no primary or unique key: copied as one stream, truncated on the target before each (re)start", tp.Key)
	}
	return st, nil
}

// chunkRows picks rows per chunk from the table's average row width.
func chunkRows(tp *TablePlan) int {
	avg := int64(256)
	if tp.Src.RowsEstimate > 0 && tp.Src.DataLength > 0 {
		avg = max(16, tp.Src.DataLength/tp.Src.RowsEstimate)
	}
	return int(min(chunkMaxRows, max(chunkMinRows, chunkTargetBytes/avg)))
}

// pending loads the table's chunk states and returns the chunks still to copy.
func (c *copier) pending(ctx context.Context, tp *TablePlan, st *meta.TableState) ([]chunkJob, error) {
	cs, err := c.env.Store.ListChunks(ctx, c.env.Project.ID, model.StepFull, tp.Key)
	if err != nil {
		return nil, err
	}
	var jobs []chunkJob
	var done int64
	doneChunks := 0
	for _, s := range cs {
		if s.Status == meta.ChunkDone {
			done += s.Rows
			doneChunks++
			continue
		}
		lo, err := change.DecodeKey(s.Lower)
		if err != nil {
			return nil, err
		}
		hi, err := change.DecodeKey(s.Upper)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, chunkJob{plan: tp, state: s, chunk: change.Chunk{Seq: s.Seq, Lower: lo, Upper: hi}, keyed: tp.KeyCols != nil})
	}
	c.meter.processed.Add(done)
	c.meter.capacity.Add(max(st.Capacity, done))
	c.tables.add(tp.Key, st, tableExtra{Chunks: len(cs), ChunksDone: doneChunks, ResumedChunks: doneChunks}, done)
	if doneChunks > 0 {
		c.env.Logf(ctx, "INFO", "table %s: resuming, %d of %d chunks already copied (%d rows) are skipped", tp.Key, doneChunks, len(cs), done)
	}
	if len(jobs) == 0 {
		return nil, c.tables.finishIfDone(ctx, c.env, tp.Key)
	}
	return jobs, nil
}

// run copies the jobs with readWorkerNum workers and reports metrics once a second.
func (c *copier) run(ctx context.Context, jobs []chunkJob) error {
	workers := max(1, c.env.Project.FullTransferConfig.ReadWorkerNum)
	g, gctx := errgroup.WithContext(ctx)
	queue := make(chan chunkJob) // owned by the feeder goroutine below, which closes it
	g.Go(func() error {
		defer close(queue)
		for _, j := range jobs {
			select {
			case queue <- j:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for range workers {
		g.Go(func() error {
			for j := range queue {
				if err := c.copyChunk(gctx, j); err != nil {
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
				info := c.meter.sample(now)
				c.env.Report(ctx, c.meter.progress(), &info, true)
			}
		}
	}()
	err := g.Wait()
	close(stop)
	<-reported
	info := c.meter.sample(c.env.Now())
	if err == nil {
		p := c.meter.processed.Load()
		info.ProcessedRecords, info.Capacity = model.Int64(p), model.Int64(p)
	}
	c.env.Report(context.WithoutCancel(ctx), c.meter.progress(), &info, true)
	return err
}

// copyChunk streams one chunk from source to target in idempotent batches, with retries
// of transient failures, then marks it done.
func (c *copier) copyChunk(ctx context.Context, j chunkJob) error {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			c.env.Logf(ctx, "WARN", "table %s chunk %d: retrying after: %v", j.plan.Key, j.chunk.Seq, err)
			select {
			case <-time.After(time.Duration(attempt*attempt) * time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		var rows, bytes int64
		if rows, bytes, err = c.copyOnce(ctx, j); err == nil {
			if err := c.env.Store.FinishChunk(ctx, c.env.Project.ID, model.StepFull, j.plan.Key, j.chunk.Seq, rows, bytes, ""); err != nil {
				return err
			}
			return c.tables.chunkDone(ctx, c.env, j.plan.Key, rows, bytes)
		}
		if ctx.Err() != nil || !retryable(err) {
			return err
		}
	}
	return err
}

func (c *copier) copyOnce(ctx context.Context, j chunkJob) (int64, int64, error) {
	if !j.keyed {
		if c.sw == nil {
			return 0, 0, errs.Unsupported("copying tables without a key into this target")
		}
		if err := c.sw.TruncateTable(ctx, j.plan.Dst.Schema, j.plan.Dst.Name); err != nil {
			return 0, 0, err
		}
	}
	var total, totalBytes int64
	batch := make([]change.Row, 0, 256)
	batchBytes := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if c.limiter != nil {
			if err := c.limiter.WaitN(ctx, len(batch)); err != nil {
				return err
			}
		}
		t0 := time.Now()
		n, err := c.writer.WriteRows(ctx, endpoint.WriteRequest{Table: j.plan.Dst, Columns: j.plan.Copy, Rows: batch})
		if err != nil {
			return errs.New(errs.KindUnavailable, errs.CodeCopyWrite,
				fmt.Sprintf("writing %d rows into %s failed", len(batch), j.plan.TargetKey()),
				"Check the target's error log and free space; the chunk is retried on resume.").Wrap(err)
		}
		c.meter.wrote(int64(len(batch)), n, time.Since(t0))
		c.meter.processed.Add(int64(len(batch)))
		total += int64(len(batch))
		totalBytes += n
		batch = batch[:0]
		batchBytes = 0
		return nil
	}
	t0 := time.Now()
	var readRows int64
	nb, err := c.reader.ReadChunk(ctx, endpoint.ReadRequest{Table: j.plan.Src, Columns: j.plan.Copy, Key: j.plan.KeyCols,
		Where: j.plan.Where, Chunk: j.chunk}, func(r change.Row) error {
		row := make(change.Row, len(r))
		copy(row, r)
		batch = append(batch, row)
		batchBytes += row.Size()
		readRows++
		if len(batch) >= batchMaxRows || batchBytes >= batchMaxBytes {
			return flush()
		}
		return nil
	})
	if err != nil {
		c.meter.processed.Add(-total) // this attempt's rows will be counted again by the retry
		var e *errs.Error
		if errors.As(err, &e) {
			return 0, 0, err
		}
		return 0, 0, errs.New(errs.KindUnavailable, errs.CodeCopyRead,
			fmt.Sprintf("reading %s chunk %d failed", j.plan.Key, j.chunk.Seq),
			"Check that the source is reachable; the chunk is retried on resume.").Wrap(err)
	}
	c.meter.read(readRows, nb, time.Since(t0))
	if err := flush(); err != nil {
		c.meter.processed.Add(-total)
		return 0, 0, err
	}
	return total, totalBytes, nil
}

func throttle(rps *int64) *rate.Limiter {
	if rps == nil || *rps <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(*rps), max(int(*rps), batchMaxRows))
}
