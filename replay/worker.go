package replay

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/godwit/godwit/endpoint"
)

// incrUnit is the part of one source transaction routed to one worker.
type incrUnit struct {
	seq     uint64
	pos     string
	time    int64
	safe    bool
	bytes   int
	changes []endpoint.RowChange
	srcs    []string // source "db.table" of each change (for incremental verification)
}

// incrWorker applies its units in order, several per target transaction, each transaction
// carrying the worker's checkpoint. It owns nothing shared but its atomics; the dispatcher
// owns `in` (sends) and `dispatched`.
type incrWorker struct {
	id         int
	a          *applier
	in         chan *incrUnit
	dispatched uint64        // last seq queued (dispatcher goroutine only)
	dispSeen   atomic.Uint64 // copy of dispatched for status readers
	committed  atomic.Uint64 // last seq committed on the target
	cpPos      atomic.Pointer[endpoint.Checkpoint]
	headTime   atomic.Int64 // estimated commit time (unix ms) of the oldest unit being applied (0 = none)
	rows       atomic.Int64
}

func (w *incrWorker) loop(ctx context.Context) {
	var batch []*incrUnit
	for {
		var u *incrUnit
		select {
		case u = <-w.in:
		case <-ctx.Done():
			return
		}
		batch = append(batch[:0], u)
		rows, bytes := len(u.changes), u.bytes
	drain:
		for rows < incrBatchRows && bytes < incrBatchBytes {
			select {
			case u2 := <-w.in:
				batch = append(batch, u2)
				rows += len(u2.changes)
				bytes += u2.bytes
			default:
				break drain
			}
		}
		w.headTime.Store(w.a.sh.CommitMillis(batch[0].seq, batch[0].time))
		if err := w.apply(ctx, batch, rows); err != nil {
			if ctx.Err() == nil {
				w.a.failed <- err
			}
			return
		}
		w.headTime.Store(0)
		w.a.queued.Add(-int64(bytes))
		select {
		case w.a.notify <- struct{}{}:
		default:
		}
	}
}

// apply commits one batch with the worker's checkpoint, retrying while the target is
// unavailable (the batch is atomic, so a retry after an unknown outcome is safe only
// because the checkpoint is checked first: see alreadyApplied).
func (w *incrWorker) apply(ctx context.Context, batch []*incrUnit, rows int) error {
	last := batch[len(batch)-1]
	b := &endpoint.ChangeBatch{Policy: w.a.cfg.ConflictPolicy,
		End:     endpoint.Checkpoint{Worker: w.id, Seq: last.seq, Pos: last.pos, Time: last.time},
		Changes: make([]endpoint.RowChange, 0, rows)}
	for _, u := range batch {
		b.Safe = b.Safe || u.safe
		n := len(b.Changes)
		b.Changes = append(b.Changes, u.changes...)
		for i := n; i < len(b.Changes); i++ { // the source transaction of each change (message sinks)
			b.Changes[i].Seq, b.Changes[i].Pos, b.Changes[i].Time = u.seq, u.pos, u.time
		}
	}
	first := true
	err := w.a.retry(ctx, "applying changes on the target", func() error {
		if !first {
			// The previous attempt may have committed before the connection dropped.
			if done, err := w.alreadyApplied(ctx, last.seq); err != nil || done {
				return err
			}
		}
		first = false
		res, err := w.a.sink.Push(ctx, b)
		if err == nil && res.Conflicts > 0 {
			w.a.conflicts.Add(int64(res.Conflicts))
		}
		return err
	})
	if err != nil {
		return err
	}
	w.rows.Add(int64(rows))
	w.a.rowsDone.Add(int64(rows))
	for _, u := range batch {
		w.a.iv.offer(u.srcs, u.changes)
	}
	cp := b.End
	w.cpPos.Store(&cp)
	w.committed.Store(last.seq)
	return nil
}

// alreadyApplied reads the worker's checkpoint on the target.
func (w *incrWorker) alreadyApplied(ctx context.Context, seq uint64) (bool, error) {
	cps, err := w.a.sink.Acknowledged(ctx)
	if err != nil {
		return false, err
	}
	for _, c := range cps {
		if c.Worker == w.id {
			return c.Seq >= seq, nil
		}
	}
	return false, nil
}

// statusTick is the status sampling period.
const statusTick = 250 * time.Millisecond
