// Package copier is the full-copy engine of FULL_TRANSFER (as Vitess's vcopier): it splits
// every table of the plan into key-range chunks, persists them, and copies them through a
// pipeline of readers and writers joined by a bounded queue.
//
// Contract:
//   - Goroutines and channels: Run owns every goroutine it starts (the feeder, the readers,
//     the writers, the once-a-second reporter) and returns only after all have ended; the
//     feeder owns and closes the job channel, the last reader closes the batch queue (see
//     pipeline.go). Nothing outlives Run.
//   - Position: a chunk is a half-open key range [Lower, Upper) of one table; a resumed read
//     within a chunk starts after the last key already batched.
//   - Retries: transient (errs.KindUnavailable) read failures of a keyed chunk are retried in
//     place from the last key batched, write failures in place (writes are idempotent by
//     key), each at most 3 more times; anything else ends Run with the error.
//   - Persistence: a table's chunks are saved (PENDING) before any of its rows move; a chunk
//     is marked DONE exactly once, after its last batch committed, and the table's state is
//     updated with it (FINISHED with its last chunk). After a crash DONE chunks are skipped
//     and the others redone.
//
// The package keeps no package-level mutable state; everything it uses comes in Config.
package copier

import (
	"context"
	"encoding/json"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
)

// Chunk sizing: a chunk holds about chunkTargetBytes of source data, within
// [chunkMinRows, chunkMaxRows] rows (see chunkRows).
const (
	chunkTargetBytes = 16 << 20
	chunkMinRows     = 1000
	chunkMaxRows     = 50000
)

// Table state statuses.
const (
	tablePlanned  = "PLANNED"
	tableFinished = "FINISHED"
)

// Store is the part of the metadata store the copy persists its chunk and table state in.
type Store interface {
	ListTables(ctx context.Context, projectID string, step model.StepName) ([]meta.TableState, error)
	PutTable(ctx context.Context, t *meta.TableState) error
	SaveChunks(ctx context.Context, projectID string, step model.StepName, table string, chunks []meta.ChunkState) error
	ListChunks(ctx context.Context, projectID string, step model.StepName, table string) ([]meta.ChunkState, error)
	FinishChunk(ctx context.Context, projectID string, step model.StepName, table string, seq int, rows, bytes int64, result string) error
}

// Host is the step the copy runs in: project log entries and persisted progress. Report is
// called from one goroutine at a time; Logf from any.
type Host interface {
	Logf(ctx context.Context, level, format string, args ...any)
	Report(ctx context.Context, progress int, info *model.StepInfo, force bool)
}

// Config is what one copy run works with.
type Config struct {
	ProjectID string
	Transfer  model.FullTransferConfig
	Store     Store
	Host      Host
	Now       func() time.Time
	Planner   endpoint.ChunkPlanner
	Reader    endpoint.RowReader
	Writer    endpoint.RowWriter
	// Truncater empties a keyless table's target before its copy (re)starts; nil when the
	// target cannot, and then such tables fail.
	Truncater endpoint.SchemaWriter
	// Check is called for every table still to copy before any of its rows move (and before
	// a keyless target is truncated); an error ends Run.
	Check func(ctx context.Context, t *plan.Table) error
}

// Run copies the tables of p: every selected table is split into key-range chunks
// (persisted before any row moves), and a pipeline of readWorkerNum readers and
// writeWorkerNum writers joined by a bounded queue copies the chunks of all tables
// concurrently (pipeline.go), each chunk as a stream of idempotent batches (LOAD DATA …
// REPLACE, or REPLACE statements). A chunk is marked done only after its last batch
// committed; after a crash, done chunks are skipped and in-flight ones redone.
//
// Tables without a primary key or a NOT NULL unique key cannot be written idempotently:
// each is copied as one chunk (one stream) and its target table is truncated before every
// (re)start of that chunk, so a restart never duplicates rows.
//
// Control: throttleRps (rows/s), throttleIOPS (bytes/s) and speedLimit windows hold the read
// rate, which the bounded queue passes on to the writes; fullTransferSpeedMode shapes the
// pipeline (tuning.go).
func Run(ctx context.Context, cfg Config, objs *plan.Plan) error {
	for _, w := range cfg.Transfer.SpeedLimit {
		if err := w.Validate(); err != nil {
			return errs.Invalid("fullTransferConfig.%v", err)
		}
	}
	tu := tuningFor(cfg.Transfer)
	c := &copier{cfg: cfg.Transfer, pid: cfg.ProjectID, store: cfg.Store, host: cfg.Host, now: cfg.Now,
		reader: cfg.Reader, writer: cfg.Writer, sw: cfg.Truncater, meter: &Meter{}, tuning: tu,
		throttle: newThrottler(cfg.Transfer, tu, cfg.Now), started: cfg.Now()}

	states, err := c.store.ListTables(ctx, c.pid, model.StepFull)
	if err != nil {
		return err
	}
	byTable := map[string]meta.TableState{}
	for _, s := range states {
		byTable[s.Table] = s
	}
	var perTable [][]chunkJob
	for i := range objs.Tables {
		tp := &objs.Tables[i]
		st, ok := byTable[tp.Key]
		if ok && st.Status == tableFinished {
			c.meter.Processed.Add(st.Done)
			c.meter.Capacity.Add(st.Done)
			c.meter.processedBytes.Add(st.Bytes)
			c.tables.add(tp.Key, &st, tableExtra{}, st.Done, TableWeight(tp))
			continue
		}
		if cfg.Check != nil {
			if err := cfg.Check(ctx, tp); err != nil {
				return err
			}
		}
		if !ok || st.Status == "" || st.Status == "INIT" {
			if st, err = c.plan(ctx, cfg.Planner, tp); err != nil {
				return err
			}
		}
		js, err := c.pending(ctx, tp, &st)
		if err != nil {
			return err
		}
		if len(js) > 0 {
			perTable = append(perTable, js)
		}
	}
	jobs := interleave(perTable)
	c.progress0 = c.tables.progress()
	c.host.Logf(ctx, "INFO", "full copy: %d tables, %d chunks to copy with %d readers and %d writers (%s mode)",
		len(objs.Tables), len(jobs), tu.readers, tu.writers, cfg.Transfer.FullTransferSpeedMode)
	return c.run(ctx, jobs)
}

// chunkJob is one pending chunk of one table, handed from the planner to copy workers.
type chunkJob struct {
	plan  *plan.Table
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

// interleave orders the chunks so that several tables are copied at once: tables without a
// key (one long stream each) first, then the chunks of all tables round-robin.
func interleave(perTable [][]chunkJob) []chunkJob {
	sort.SliceStable(perTable, func(i, j int) bool { return !perTable[i][0].keyed && perTable[j][0].keyed })
	var out []chunkJob
	for k := 0; ; k++ {
		added := false
		for _, js := range perTable {
			if k < len(js) {
				out = append(out, js[k])
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

type copier struct {
	cfg      model.FullTransferConfig
	pid      string
	store    Store
	host     Host
	now      func() time.Time
	reader   endpoint.RowReader
	writer   endpoint.RowWriter
	sw       endpoint.SchemaWriter
	meter    *Meter
	tuning   copyTuning
	throttle *throttler

	mem       *semaphore.Weighted // bytes of batches queued or being written (see pipeline.go)
	memBudget int64
	encs      sync.Map // *plan.Table → endpoint.Encoding, or false for rows (encoded.go)

	tables    tableBook
	started   time.Time // this run's start
	progress0 float64   // weighted progress when this run started
}

// plan splits a table into chunks and persists the plan before any row is copied.
func (c *copier) plan(ctx context.Context, planner endpoint.ChunkPlanner, tp *plan.Table) (meta.TableState, error) {
	rows := chunkRows(tp)
	if n := c.cfg.ChunkRows; n > 0 {
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
	if err := c.store.SaveChunks(ctx, c.pid, model.StepFull, tp.Key, cs); err != nil {
		return meta.TableState{}, err
	}
	extra, _ := json.Marshal(tableExtra{Chunks: len(cs)})
	st := meta.TableState{ProjectID: c.pid, Step: model.StepFull, Table: tp.Key, Target: tp.TargetKey(),
		Status: tablePlanned, Capacity: tp.Src.RowsEstimate, Extra: string(extra), Updated: c.now()}
	if err := c.store.PutTable(ctx, &st); err != nil {
		return st, err
	}
	if tp.KeyCols == nil {
		c.host.Logf(ctx, "WARN", "table %s has no primary or unique key: copied as one stream, truncated on the target before each (re)start", tp.Key)
	}
	return st, nil
}

// chunkRows picks rows per chunk from the table's average row width.
func chunkRows(tp *plan.Table) int {
	avg := int64(256)
	if tp.Src.RowsEstimate > 0 && tp.Src.DataLength > 0 {
		avg = max(16, tp.Src.DataLength/tp.Src.RowsEstimate)
	}
	return int(min(chunkMaxRows, max(chunkMinRows, chunkTargetBytes/avg)))
}

// pending loads the table's chunk states and returns the chunks still to copy.
func (c *copier) pending(ctx context.Context, tp *plan.Table, st *meta.TableState) ([]chunkJob, error) {
	cs, err := c.store.ListChunks(ctx, c.pid, model.StepFull, tp.Key)
	if err != nil {
		return nil, err
	}
	var jobs []chunkJob
	var done, doneBytes int64
	doneChunks := 0
	for _, s := range cs {
		if s.Status == meta.ChunkDone {
			done += s.Rows
			doneBytes += s.Bytes
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
	c.meter.Processed.Add(done)
	c.meter.Capacity.Add(max(st.Capacity, done))
	c.meter.processedBytes.Add(doneBytes)
	c.tables.add(tp.Key, st, tableExtra{Chunks: len(cs), ChunksDone: doneChunks, ResumedChunks: doneChunks}, done, TableWeight(tp))
	if doneChunks > 0 {
		c.host.Logf(ctx, "INFO", "table %s: resuming, %d of %d chunks already copied (%d rows) are skipped", tp.Key, doneChunks, len(cs), done)
	}
	if len(jobs) == 0 {
		return nil, c.tables.finishIfDone(ctx, c, tp.Key)
	}
	return jobs, nil
}

// TableWeight is a table's share of the copy for the byte-weighted progress: its data size
// from the catalog, or its estimated rows × 256 when the size is unknown.
func TableWeight(tp *plan.Table) int64 {
	if tp.Src.DataLength > 0 {
		return tp.Src.DataLength
	}
	return max(1, tp.Src.RowsEstimate) * 256
}
