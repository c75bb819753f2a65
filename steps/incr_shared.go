package steps

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godwit/godwit/changestore"
	"github.com/godwit/godwit/errs"
)

// State keys of incremental sync in the metadata store (per project).
const (
	incrP0Key     = "incr.p0"     // incrPoint: where capture started
	incrP1Key     = "incr.p1"     // incrPoint: where the full copy ended (end of safe mode)
	incrPullKey   = "incr.pull"   // IncrPullState, written by TRANSFER_INCR_LOG_PULL
	incrStatusKey = "incr.status" // IncrApplyState, written by INCR_TRANSFER
)

// IncrStateKeys lists the state keys incremental sync keeps, for readers (the service).
var IncrStateKeys = struct{ P0, P1, Pull, Apply string }{incrP0Key, incrP1Key, incrPullKey, incrStatusKey}

// incrPoint is a sampled source position.
type incrPoint struct {
	Pos  string `json:"pos"`
	Time int64  `json:"time"` // when it was sampled, unix seconds
}

// IncrPullState is the capture side's persisted status.
type IncrPullState struct {
	PulledPos  string `json:"pulledPos"`
	PulledSeq  uint64 `json:"pulledSeq"`
	PulledTime int64  `json:"pulledTime"` // source commit time of the last captured txn
	Streaming  bool   `json:"streaming"`
	StoreBytes int64  `json:"storeBytes"`
	Sampled    int64  `json:"sampled"` // unix milliseconds
}

// IncrApplyState is the apply side's persisted status.
type IncrApplyState struct {
	Phase        string            `json:"phase"` // CATCHING_UP | MONITORING
	AppliedPos   string            `json:"appliedPos"`
	AppliedSeq   uint64            `json:"appliedSeq"`
	AppliedTime  int64             `json:"appliedTime"`
	SafeMode     bool              `json:"safeMode"`
	DelayMillis  int64             `json:"delayMillis"`
	EventsPerSec int64             `json:"eventsPerSec"`
	RowsApplied  int64             `json:"rowsApplied"`
	DDLApplied   int64             `json:"ddlApplied"`
	Conflicts    int64             `json:"conflicts"`
	RowsFiltered int64             `json:"rowsFiltered"` // row changes skipped by a whereClause
	Tables       []IncrTableCounts `json:"tables,omitempty"`
	Sampled      int64             `json:"sampled"` // unix milliseconds
}

// IncrTableCounts counts applied changes of one source table.
type IncrTableCounts struct {
	Table   string `json:"table"`
	Inserts int64  `json:"inserts"`
	Updates int64  `json:"updates"`
	Deletes int64  `json:"deletes"`
	DDLs    int64  `json:"ddls"`
}

// incrShared is what the capture and apply steps of one project share in this process:
// the open change store (one writer, the capture step) and live capture facts.
type incrShared struct {
	refs      int
	store     *changestore.Store
	streaming atomic.Bool               // the capture step is connected and reading
	applied   atomic.Uint64             // low-water seq applied on the target (set by apply; read by retention)
	captured  [captureRing]atomic.Int64 // wall time (unix ms) each recent seq was captured, by seq % captureRing
}

const captureRing = 1 << 14

// noteCaptured records when seq was captured.
func (sh *incrShared) noteCaptured(seq uint64, ms int64) {
	sh.captured[seq%captureRing].Store(ms<<1 | 1)
}

// commitMillis estimates a transaction's commit time in milliseconds. Binlog times have a
// one-second resolution; a transaction captured within that second (live sync) was committed
// no later than its capture, so the capture time is the better estimate; for a backlog the
// end of the commit second is. The capture time is known only for recent seqs of this process.
func (sh *incrShared) commitMillis(seq uint64, commitSec int64) int64 {
	est := commitSec*1000 + 999
	if v := sh.captured[seq%captureRing].Load(); v&1 == 1 {
		// The slot may hold a newer seq's time; any capture time is still an upper bound.
		est = min(est, v>>1)
	}
	return est
}

var (
	sharedMu sync.Mutex
	shared   = map[string]*incrShared{}
)

// changeStoreDir is where a project's change store lives.
func changeStoreDir(env *Env) string {
	return filepath.Join(env.DataDir, "changestore", env.Project.ID)
}

// acquireShared opens (or joins) the project's change store. release must be called once.
func acquireShared(env *Env) (*incrShared, func(), error) {
	if env.DataDir == "" {
		return nil, nil, errs.New(errs.KindInternal, errs.CodeIncrStore, "the server has no data directory for the change store",
			"Start godwit serve with --data-dir.")
	}
	dir := changeStoreDir(env)
	sharedMu.Lock()
	defer sharedMu.Unlock()
	sh := shared[dir]
	if sh == nil {
		st, err := changestore.Open(dir, changestore.Options{Fsync: env.Project.IncrTransferConfig.StoreFsync})
		if err != nil {
			return nil, nil, err
		}
		sh = &incrShared{store: st}
		shared[dir] = sh
	}
	sh.refs++
	var once sync.Once
	return sh, func() {
		once.Do(func() {
			sharedMu.Lock()
			defer sharedMu.Unlock()
			sh.refs--
			if sh.refs == 0 {
				_ = sh.store.Close()
				delete(shared, dir)
			}
		})
	}, nil
}

func putJSON(ctx context.Context, env *Env, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return env.Store.PutState(context.WithoutCancel(ctx), env.Project.ID, key, b)
}

// getJSON loads a state key; ok is false when absent.
func getJSON(ctx context.Context, env *Env, key string, v any) (bool, error) {
	b, err := env.Store.GetState(ctx, env.Project.ID, key)
	if err != nil || b == nil {
		return false, err
	}
	return true, json.Unmarshal(b, v)
}

// retryUnavailable runs fn until it succeeds, fails with something other than
// KindUnavailable, or ctx ends; waits grow from 200 ms to 5 s between attempts.
func retryUnavailable(ctx context.Context, env *Env, what string, fn func() error) error {
	wait := 200 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || ctx.Err() != nil {
			if ctx.Err() != nil && err != nil {
				return ctx.Err()
			}
			return err
		}
		if errs.As(err).Kind != errs.KindUnavailable {
			return err
		}
		if attempt == 0 || attempt%10 == 0 {
			env.Logf(ctx, "WARN", "%s failed, retrying: %s", what, errs.As(err).FullMessage())
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// incrDelay is the project's current incremental delay as INCR_TRANSFER last published it
// (0 when unknown).
func incrDelay(ctx context.Context, env *Env) time.Duration {
	var st IncrApplyState
	if ok, err := getJSON(ctx, env, incrStatusKey, &st); err != nil || !ok {
		return 0
	}
	return time.Duration(st.DelayMillis) * time.Millisecond
}
