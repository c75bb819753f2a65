package steps

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

// Full runs FULL_TRANSFER: every selected table is split into key-range chunks (persisted
// before any row moves), and a pipeline of readWorkerNum readers and writeWorkerNum writers
// joined by a bounded queue copies the chunks of all tables concurrently (copy_pipeline.go),
// each chunk as a stream of idempotent batches (LOAD DATA … REPLACE, or REPLACE statements).
// A chunk is marked done only after its last batch committed; after a crash, done chunks
// are skipped and in-flight ones redone.
//
// Tables without a primary key or a NOT NULL unique key cannot be written idempotently:
// each is copied as one chunk (one stream) and its target table is truncated before every
// (re)start of that chunk, so a restart never duplicates rows (precheck reports such tables
// and the truncation; see nonePkUkTruncateDstTable).
//
// Every table still to copy is checked first: a target that is not a base table (a view
// would pass the rows on to its base tables) or lies in a system or checkpoint schema fails
// the step before any row moves (errs.CodeTargetObject), even when precheck did not see it.
//
// Control: throttleRps (rows/s), throttleIOPS (bytes/s) and speedLimit windows hold the read
// rate, which the bounded queue passes on to the writes; fullTransferSpeedMode shapes the
// pipeline (copy_tuning.go).
func Full(ctx context.Context, env *Env) error {
	objs, err := loadPlan(ctx, env)
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
	cfg := env.Project.FullTransferConfig
	for _, w := range cfg.SpeedLimit {
		if err := w.Validate(); err != nil {
			return errs.Invalid("fullTransferConfig.%v", err)
		}
	}
	tu := tuningFor(cfg)
	c := &copier{env: env, reader: reader, writer: writer, meter: &rateMeter{}, tuning: tu,
		throttle: newThrottler(cfg, tu, env.Now), started: env.Now()}
	c.sw, _ = env.Sink.(endpoint.SchemaWriter)

	states, err := env.Store.ListTables(ctx, env.Project.ID, model.StepFull)
	if err != nil {
		return err
	}
	byTable := map[string]meta.TableState{}
	for _, s := range states {
		byTable[s.Table] = s
	}
	guard := newTargetGuard(env)
	var perTable [][]chunkJob
	for i := range objs.Tables {
		tp := &objs.Tables[i]
		st, ok := byTable[tp.Key]
		if ok && st.Status == tableFinished {
			c.meter.processed.Add(st.Done)
			c.meter.capacity.Add(st.Done)
			c.meter.processedBytes.Add(st.Bytes)
			c.tables.add(tp.Key, &st, tableExtra{}, st.Done, tableWeight(tp))
			continue
		}
		// Before any row of this table moves (and before a keyless table is truncated): the
		// target must be a base table outside the system and checkpoint schemas.
		if _, err := guard.check(ctx, string(model.StepFull), tp.Dst.Schema, tp.Dst.Name, false); err != nil {
			return err
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
		if len(js) > 0 {
			perTable = append(perTable, js)
		}
	}
	jobs := interleave(perTable)
	c.progress0 = c.tables.progress()
	env.Logf(ctx, "INFO", "full copy: %d tables, %d chunks to copy with %d readers and %d writers (%s mode)",
		len(objs.Tables), len(jobs), tu.readers, tu.writers, cfg.FullTransferSpeedMode)
	return c.run(ctx, jobs)
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
	env      *Env
	reader   endpoint.RowReader
	writer   endpoint.RowWriter
	sw       endpoint.SchemaWriter
	meter    *rateMeter
	tuning   copyTuning
	throttle *throttler

	mem       *semaphore.Weighted // bytes of batches queued or being written (see copy_pipeline.go)
	memBudget int64
	encs      sync.Map // *plan.Table → endpoint.Encoding, or false for rows (copy_encoded.go)

	tables    tableBook
	started   time.Time // this run's start
	progress0 float64   // weighted progress when this run started
}

// plan splits a table into chunks and persists the plan before any row is copied.
func (c *copier) plan(ctx context.Context, planner endpoint.ChunkPlanner, tp *plan.Table) (meta.TableState, error) {
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
func chunkRows(tp *plan.Table) int {
	avg := int64(256)
	if tp.Src.RowsEstimate > 0 && tp.Src.DataLength > 0 {
		avg = max(16, tp.Src.DataLength/tp.Src.RowsEstimate)
	}
	return int(min(chunkMaxRows, max(chunkMinRows, chunkTargetBytes/avg)))
}

// pending loads the table's chunk states and returns the chunks still to copy.
func (c *copier) pending(ctx context.Context, tp *plan.Table, st *meta.TableState) ([]chunkJob, error) {
	cs, err := c.env.Store.ListChunks(ctx, c.env.Project.ID, model.StepFull, tp.Key)
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
	c.meter.processed.Add(done)
	c.meter.capacity.Add(max(st.Capacity, done))
	c.meter.processedBytes.Add(doneBytes)
	c.tables.add(tp.Key, st, tableExtra{Chunks: len(cs), ChunksDone: doneChunks, ResumedChunks: doneChunks}, done, tableWeight(tp))
	if doneChunks > 0 {
		c.env.Logf(ctx, "INFO", "table %s: resuming, %d of %d chunks already copied (%d rows) are skipped", tp.Key, doneChunks, len(cs), done)
	}
	if len(jobs) == 0 {
		return nil, c.tables.finishIfDone(ctx, c.env, tp.Key)
	}
	return jobs, nil
}

// tableWeight is a table's share of the copy for the byte-weighted progress: its data size
// from the catalog, or its estimated rows × 256 when the size is unknown.
func tableWeight(tp *plan.Table) int64 {
	if tp.Src.DataLength > 0 {
		return tp.Src.DataLength
	}
	return max(1, tp.Src.RowsEstimate) * 256
}
