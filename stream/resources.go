package stream

import (
	"sync"
	"sync/atomic"

	"github.com/godwit/godwit/changestore"
	"github.com/godwit/godwit/errs"
)

// Resources are the per-process resources of one project's streams while the project runs:
// the open change store of each stream, shared by its capture (the one writer) and its
// replayer, and live capture facts. The engine creates one per project run, hands it to
// every step of the run (steps.Env.Streams) and closes nothing itself: each Open is paired
// with its release, and the last release closes the store. There is no package-level state.
type Resources struct {
	dataDir string
	mu      sync.Mutex
	logs    map[string]*Log
}

// NewResources returns the resources of one project run; dataDir is the server's.
func NewResources(dataDir string) *Resources {
	return &Resources{dataDir: dataDir, logs: map[string]*Log{}}
}

// Log is one stream's open change store and what capture and replay share about it.
type Log struct {
	refs      int
	Store     *changestore.Store
	Streaming atomic.Bool               // the capture is connected and reading
	Applied   atomic.Uint64             // low-water seq applied on the sink (set by replay; read by retention)
	captured  [captureRing]atomic.Int64 // wall time (unix ms) each recent seq was captured, by seq % captureRing
}

const captureRing = 1 << 14

// NoteCaptured records when seq was captured.
func (l *Log) NoteCaptured(seq uint64, ms int64) {
	l.captured[seq%captureRing].Store(ms<<1 | 1)
}

// CommitMillis estimates a transaction's commit time in milliseconds. Binlog times have a
// one-second resolution; a transaction captured within that second (live sync) was committed
// no later than its capture, so the capture time is the better estimate; for a backlog the
// end of the commit second is. The capture time is known only for recent seqs of this run.
func (l *Log) CommitMillis(seq uint64, commitSec int64) int64 {
	est := commitSec*1000 + 999
	if v := l.captured[seq%captureRing].Load(); v&1 == 1 {
		// The slot may hold a newer seq's time; any capture time is still an upper bound.
		est = min(est, v>>1)
	}
	return est
}

// Open opens (or joins) stream s's change store. release must be called once.
func (r *Resources) Open(s Stream, opts changestore.Options) (*Log, func(), error) {
	if r == nil || r.dataDir == "" {
		return nil, nil, errs.New(errs.KindInternal, errs.CodeIncrStore, "the server has no data directory for the change store",
			"Start godwit serve with --data-dir.")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.logs[s.ID]
	if l == nil {
		st, err := changestore.Open(s.StoreDir(r.dataDir), opts)
		if err != nil {
			return nil, nil, err
		}
		l = &Log{Store: st}
		r.logs[s.ID] = l
	}
	l.refs++
	var once sync.Once
	return l, func() {
		once.Do(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			l.refs--
			if l.refs == 0 {
				_ = l.Store.Close()
				delete(r.logs, s.ID)
			}
		})
	}, nil
}
