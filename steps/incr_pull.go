package steps

import (
	"context"
	"sync"
	"time"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/stream"
)

// IncrLogPull runs TRANSFER_INCR_LOG_PULL. On its first run it records P0, the source log
// position before the full copy starts (or the position at incrTransferConfig.startTimestamp
// for an incremental-only project), then detaches and keeps capturing the log from there
// into the project's durable change store for as long as the project runs.
//
// Resumption: the change store's last transaction carries the position just past it, so
// after a stop or crash capture continues exactly there (transactions are appended whole).
// Connection losses are retried with backoff forever (logged); a purged log fails the step
// with CodeIncrPositionGone. Retention: segments older than storeLogKeptHour whose changes
// INCR_TRANSFER has applied are deleted every minute.
func IncrLogPull(ctx context.Context, env *Env) error {
	rd, err := need[endpoint.ChangeReader](env.Source, "source", "capture its change log")
	if err != nil {
		return err
	}
	fw := forward(env)
	var p0 stream.Point
	ok, err := getJSON(ctx, env, fw.Keys.P0, &p0)
	if err != nil {
		return err
	}
	if !ok {
		if p0, err = sampleP0(ctx, env, rd); err != nil {
			return err
		}
		if err := putJSON(ctx, env, fw.Keys.P0, p0); err != nil {
			return err
		}
		env.Logf(ctx, "INFO", "change capture starts at source position %s", p0.Pos)
	}
	sh, release, err := openLog(env)
	if err != nil {
		return err
	}
	defer release()
	env.Detach()

	pl, err := loadPlan(ctx, env)
	if err != nil {
		return err
	}
	sel := pl.Selector(env.Project.TransferMapping)
	keep := time.Duration(env.Project.IncrTransferConfig.StoreLogKeptHour) * time.Hour
	stop := make(chan struct{})
	defer close(stop)
	go pullHousekeeping(ctx, env, fw, sh, keep, stop)

	wait := 200 * time.Millisecond
	for {
		from := p0.Pos
		if _, pos, _, ok := sh.Store.Last(); ok {
			from = pos
		}
		sh.Streaming.Store(true)
		started := time.Now()
		b := newPullBatcher(sh)
		err := rd.StreamChanges(ctx, from, sel.Want, b.add)
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
		env.Logf(ctx, "WARN", "change capture interrupted, reconnecting from %s in %s: %s", next, wait, e.FullMessage())
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// sampleP0 picks where capture starts.
func sampleP0(ctx context.Context, env *Env, rd endpoint.ChangeReader) (stream.Point, error) {
	now := env.Now().Unix()
	cfg := env.Project.IncrTransferConfig
	if cfg.StartTimestamp != nil && *cfg.StartTimestamp > 0 && !env.Project.EnableFullTransfer {
		pos, err := rd.PositionAtTime(ctx, *cfg.StartTimestamp)
		if err != nil {
			return stream.Point{}, err
		}
		return stream.Point{Pos: pos, Time: *cfg.StartTimestamp}, nil
	}
	var pos string
	err := retryUnavailable(ctx, env, "reading the source log position", func() error {
		var err error
		pos, err = rd.CurrentPosition(ctx)
		return err
	})
	return stream.Point{Pos: pos, Time: now}, err
}

// pullHousekeeping persists the capture status every second and trims the store every minute.
func pullHousekeeping(ctx context.Context, env *Env, fw stream.Stream, sh *stream.Log, keep time.Duration, stop <-chan struct{}) {
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
		_ = putJSON(ctx, env, fw.Keys.Pull, st)
		if time.Since(lastTrim) >= time.Minute {
			lastTrim = time.Now()
			if applied := sh.Applied.Load(); applied > 0 {
				if n, err := sh.Store.Trim(applied, time.Now().Add(-keep)); err != nil {
					env.Logf(ctx, "WARN", "change store retention failed: %v", err)
				} else if n > 0 {
					env.Log.Info("change store segments removed", "segments", n)
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

// statusTick is the status sampling period.
const statusTick = 250 * time.Millisecond
