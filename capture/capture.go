// Package capture is the change capture of TRANSFER_INCR_LOG_PULL: it reads the source's
// change log from P0 on and appends whole transactions, in batches, to the stream's durable
// change store (package changestore), which the replayer (package replay) reads. A source
// transaction larger than the reader's part size arrives and is stored in parts (parts.go).
//
// Contract:
//   - Goroutines: Run owns its goroutines (the batcher's flush timer, the housekeeping
//     loop) and returns after they ended. Capture is the change store's one writer; the
//     batcher's mutex serialises the source's callback and the timer's flush.
//   - Position: P0 is the source position capture started from (sampled once and persisted
//     before anything else); every stored transaction carries the position just past it, so
//     a restart continues at the store's last transaction, never before and never after.
//   - Retries: connection losses (errs.KindUnavailable) reconnect with backoff from 200 ms to
//     5 s, forever, logged; a purged log (CodeIncrPositionGone) or any other error ends Run.
//   - Persistence: P0 in the stream's state key; stored transactions in the change store
//     (appended whole, at most a few milliseconds after capture); stream.CaptureStatus about
//     four times a second; retention trims segments older than storeLogKeptHour that the
//     replayer has applied, every minute.
//
// The package keeps no package-level mutable state; everything it uses comes in Config.
package capture

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/changestore"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/state"
	"github.com/godwit/godwit/stream"
)

// statusTick is the status sampling period.
const statusTick = 250 * time.Millisecond

// Host is the step capture runs in: project log entries and the signal that capture is
// under way (Detach). Safe for concurrent use.
type Host interface {
	Logf(ctx context.Context, level, format string, args ...any)
	Detach()
}

// Config is what one capture run works with.
type Config struct {
	Project *model.Project
	Stream  stream.Stream     // state keys and change store
	Streams *stream.Resources // the run's open change stores (shared with replay)
	Store   state.Store       // project state keys
	Host    Host
	Log     *slog.Logger
	Now     func() time.Time
	Reader  endpoint.ChangeReader
	// Plan loads the persisted plan; capture calls it once it is under way (after Detach)
	// and keeps the changes of the tables the plan's selector wants.
	Plan func(ctx context.Context) (*plan.Plan, error)
	// Marker, when set, is the loop marker table of the endpoint captured
	// (endpoint.LoopMarker): a transaction touching it was applied by godwit (the other
	// stream of the project) and is dropped whole, never stored — no echo, no loop.
	Marker *endpoint.TableName
}

// Run records P0 on its first run (the source log position before the full copy starts,
// or the position at incrTransferConfig.startTimestamp for an incremental-only project),
// then detaches and captures the log from there into the change store until ctx ends or
// capture fails; it never returns nil.
func Run(ctx context.Context, c Config) error {
	rd := c.Reader
	fw := c.Stream
	pid := c.Project.ID
	var p0 stream.Point
	ok, err := state.GetJSON(ctx, c.Store, pid, fw.Keys.P0, &p0)
	if err != nil {
		return err
	}
	if !ok {
		if p0, err = sampleP0(ctx, c); err != nil {
			return err
		}
		if err := state.PutJSON(ctx, c.Store, pid, fw.Keys.P0, p0); err != nil {
			return err
		}
		c.Host.Logf(ctx, "INFO", "change capture starts at source position %s", p0.Pos)
	}
	sh, release, err := c.Streams.Open(fw, changestore.Options{Fsync: c.Project.IncrTransferConfig.StoreFsync})
	if err != nil {
		return err
	}
	defer release()
	c.Host.Detach()

	pl, err := c.Plan(ctx)
	if err != nil {
		return err
	}
	sel := pl.Selector(c.Project.TransferMapping)
	want := sel.Want
	if m := c.Marker; m != nil {
		want = func(db, name string) bool { return isMarker(m, db, name) || sel.Want(db, name) }
	}
	keep := time.Duration(c.Project.IncrTransferConfig.StoreLogKeptHour) * time.Hour
	stop := make(chan struct{})
	defer close(stop)
	go housekeeping(ctx, c, sh, keep, stop)

	wait := 200 * time.Millisecond
	for {
		from := p0.Pos
		if _, pos, _, ok := sh.Store.Last(); ok {
			from = pos
		}
		trim, err := resumeTrim(sh.Store)
		if err != nil {
			return err
		}
		sh.Streaming.Store(true)
		started := time.Now()
		b := newPullBatcher(sh)
		add := b.add
		if trim != nil {
			add = trim.wrap(add)
		}
		if m := c.Marker; m != nil {
			add = markerFilter(m, add)
		}
		err = rd.StreamChanges(ctx, from, want, add)
		if ferr := b.close(); ferr != nil && err == nil {
			err = ferr
		}
		sh.Streaming.Store(false)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e := errs.As(err)
		if e.Kind != errs.KindUnavailable {
			return err
		}
		if time.Since(started) > time.Minute {
			wait = 200 * time.Millisecond
		}
		// Name the position the next attempt starts from: past everything this attempt stored.
		next := p0.Pos
		if _, pos, _, ok := sh.Store.Last(); ok {
			next = pos
		}
		c.Host.Logf(ctx, "WARN", "change capture interrupted, reconnecting from %s in %s: %s", next, wait, e.FullMessage())
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// sampleP0 picks where capture starts.
func sampleP0(ctx context.Context, c Config) (stream.Point, error) {
	now := c.Now().Unix()
	cfg := c.Project.IncrTransferConfig
	if cfg.StartTimestamp != nil && *cfg.StartTimestamp > 0 && !c.Project.EnableFullTransfer {
		pos, err := c.Reader.PositionAtTime(ctx, *cfg.StartTimestamp)
		if err != nil {
			return stream.Point{}, err
		}
		return stream.Point{Pos: pos, Time: *cfg.StartTimestamp}, nil
	}
	var pos string
	what := "reading the source log position"
	err := errs.RetryUnavailable(ctx, func(err error) {
		c.Host.Logf(ctx, "WARN", "%s failed, retrying: %s", what, errs.As(err).FullMessage())
	}, func() error {
		var err error
		pos, err = c.Reader.CurrentPosition(ctx)
		return err
	})
	return stream.Point{Pos: pos, Time: now}, err
}

// housekeeping persists the capture status every statusTick and trims the store every minute.
func housekeeping(ctx context.Context, c Config, sh *stream.Log, keep time.Duration, stop <-chan struct{}) {
	tick := time.NewTicker(statusTick)
	defer tick.Stop()
	lastTrim := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		st := stream.CaptureStatus{Streaming: sh.Streaming.Load(), Sampled: time.Now().UnixMilli()}
		if seq, pos, ts, ok := sh.Store.Last(); ok {
			st.PulledSeq, st.PulledPos, st.PulledTime = seq, pos, ts
		}
		st.StoreBytes = sh.Store.Stats().Bytes
		_ = state.PutJSON(ctx, c.Store, c.Project.ID, c.Stream.Keys.Pull, st)
		if time.Since(lastTrim) >= time.Minute {
			lastTrim = time.Now()
			if applied := sh.Applied.Load(); applied > 0 {
				if n, err := sh.Store.Trim(applied, time.Now().Add(-keep)); err != nil {
					c.Host.Logf(ctx, "WARN", "change store retention failed: %v", err)
				} else if n > 0 {
					c.Log.Info("change store segments removed", "segments", n)
				}
			}
		}
	}
}

// pullBatcher groups captured transactions into store appends: one write per batch instead
// of one per transaction. A batch is appended when it holds pullBatchTxns transactions or
// pullBatchBytes, or every pullFlushEvery, whichever comes first, so capture adds at most a
// few milliseconds of latency.
type pullBatcher struct {
	sh *stream.Log

	mu      sync.Mutex
	pending []*change.Txn
	bytes   int
	err     error
	stop    chan struct{}
	done    chan struct{}
}

const (
	pullBatchTxns  = 256
	pullBatchBytes = 1 << 20
	pullFlushEvery = 2 * time.Millisecond
)

func newPullBatcher(sh *stream.Log) *pullBatcher {
	b := &pullBatcher{sh: sh, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(pullFlushEvery)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.mu.Lock()
				b.flushLocked()
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// add is the StreamChanges callback.
func (b *pullBatcher) add(t *change.Txn) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	b.pending = append(b.pending, t)
	b.bytes += t.Size()
	if len(b.pending) >= pullBatchTxns || b.bytes >= pullBatchBytes {
		b.flushLocked()
	}
	return b.err
}

func (b *pullBatcher) flushLocked() {
	if len(b.pending) == 0 || b.err != nil {
		return
	}
	if err := b.sh.Store.Append(b.pending...); err != nil {
		b.err = err
		return
	}
	now := time.Now().UnixMilli()
	for _, t := range b.pending {
		b.sh.NoteCaptured(t.Seq, now)
	}
	clear(b.pending)
	b.pending, b.bytes = b.pending[:0], 0
}

// close stops the timer and appends what is left.
func (b *pullBatcher) close() error {
	close(b.stop)
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return b.err
}

// isMarker reports whether db.name is the loop marker table (names compared as the
// MySQL family and PostgreSQL fold unquoted identifiers: case-insensitively).
func isMarker(m *endpoint.TableName, db, name string) bool {
	return strings.EqualFold(m.Schema, db) && strings.EqualFold(m.Name, name)
}

// markerFilter stores the transactions godwit itself applied (they write the other stream's
// checkpoint row, the marker) without their events: the position still advances (the
// replayer's applied position reaches every sampled log position) and nothing is echoed
// back. A large transaction arrives in parts; the sinks write the checkpoint row first, so it
// is in the first part, and every later part of a marked transaction is emptied too. An
// emptied part's Offset is moved to its end, so that a restart inside it (partTrim, which
// runs after this filter on the same parts) counts the events it stands for.
func markerFilter(m *endpoint.TableName, add func(*change.Txn) error) func(*change.Txn) error {
	inMarked := false // the previous part was of a marked transaction with more to come
	return func(t *change.Txn) error {
		if (inMarked && t.Offset > 0) || marked(m, t) {
			if t.More || t.Offset > 0 {
				t.Offset += uint64(len(t.Events))
			}
			t.Events = nil
			inMarked = t.More
		} else {
			inMarked = false
		}
		return add(t)
	}
}

// marked reports whether t wrote the loop marker table: a transaction godwit applied.
func marked(m *endpoint.TableName, t *change.Txn) bool {
	for i := range t.Events {
		if e := &t.Events[i]; e.Op != change.OpDDL && isMarker(m, e.Schema, e.Table) {
			return true
		}
	}
	return false
}
