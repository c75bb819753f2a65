package replay

import (
	"context"
	"sort"
	"time"

	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/state"
	"github.com/godwit/godwit/stream"
)

// startStatus samples the apply state every second into the step info and the
// incr.status state key. The returned func stops it.
func (a *applier) startStatus(ctx context.Context) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(statusTick)
		defer tick.Stop()
		lastRows := a.rowsDone.Load()
		lastAt := time.Now()
		var rate float64
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			now := time.Now()
			rows := a.rowsDone.Load()
			inst := float64(rows-lastRows) / now.Sub(lastAt).Seconds()
			rate = 0.8*rate + 0.2*inst
			lastRows, lastAt = rows, now
			a.publish(ctx, now, int64(rate+0.5))
		}
	}()
	return func() { close(stop); <-done }
}

// publish computes and persists the state.
func (a *applier) publish(ctx context.Context, now time.Time, eps int64) {
	a.mu.Lock()
	st := stream.ApplyStatus{SafeMode: a.safeMode, RowsApplied: a.rowsDone.Load(), DDLApplied: a.ddls.Load(),
		Conflicts: a.conflicts.Load(), RowsFiltered: a.filtered.Load(), EventsPerSec: eps, Sampled: now.UnixMilli(), Phase: "CATCHING_UP"}
	cp := a.lastDisp
	caught := a.caughtUp
	current := a.current
	for _, c := range a.stats {
		st.Tables = append(st.Tables, *c)
	}
	a.mu.Unlock()
	sort.Slice(st.Tables, func(i, j int) bool { return st.Tables[i].Table < st.Tables[j].Table })
	// The applied frontier: the last dispatched txn when every worker is idle, else the
	// lowest checkpoint of a busy worker (conservative).
	oldest := current
	for _, w := range a.workers {
		if w.committed.Load() >= w.dispSeen.Load() {
			continue
		}
		if c := w.cpPos.Load(); c != nil && c.Seq < cp.Seq {
			cp = *c
		} else if c == nil && a.appliedCP.Seq < cp.Seq {
			cp = a.appliedCP
		}
		if h := w.headTime.Load(); h > 0 && (oldest == 0 || h < oldest) {
			oldest = h
		}
	}
	st.AppliedSeq, st.AppliedPos, st.AppliedTime = cp.Seq, cp.Pos, cp.Time
	a.sh.Applied.Store(cp.Seq)
	streaming := a.sh.Streaming.Load()
	checkpoint := cp.Time
	switch {
	case caught && streaming:
		st.Phase, st.DelayMillis, checkpoint = "MONITORING", 0, now.Unix()
	case caught:
		st.Phase = "MONITORING"
		st.DelayMillis = max(0, now.UnixMilli()-cp.Time*1000)
	case oldest > 0:
		st.DelayMillis = max(0, now.UnixMilli()-oldest)
	default:
		st.DelayMillis = max(0, now.UnixMilli()-cp.Time*1000)
	}
	_ = state.PutJSON(ctx, a.store, a.project.ID, a.fw.Keys.Apply, st)
	info := model.StepInfo{IncrTimestampCheckpoint: model.Int64(checkpoint), CheckpointSampleTimestamp: model.Int64(now.Unix())}
	if a.cfg.EnableIncrSyncStatistics {
		t := true
		info.EnableIncrStatistics = &t
	}
	a.host.Report(ctx, 0, &info, false) // persisted at most twice a second
}
