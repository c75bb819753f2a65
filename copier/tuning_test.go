package copier

import (
	"context"
	"testing"
	"time"

	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
)

func TestTuningModes(t *testing.T) {
	base := model.FullTransferConfig{ReadWorkerNum: 4, WriteWorkerNum: 6}
	n := tuningFor(base)
	if n.readers != 4 || n.writers != 6 || n.queueDepth != 6 {
		t.Errorf("NORMAL: %+v", n)
	}
	base.FullTransferSpeedMode = "STEADY"
	s := tuningFor(base)
	if s.readers != 2 || s.writers != 2 || s.batchBytes >= n.batchBytes {
		t.Errorf("STEADY: %+v", s)
	}
	base.FullTransferSpeedMode = "FAST"
	f := tuningFor(base)
	if f.batchBytes <= n.batchBytes || f.queueDepth != 12 {
		t.Errorf("FAST: %+v", f)
	}
	// Pipeline memory is bounded by the configuration.
	if mem := (f.readers + f.queueDepth + 2*f.writers) * f.batchBytes; mem > 128<<20 {
		t.Errorf("FAST pipeline may hold %d MB", mem>>20)
	}
	rps := int64(1000)
	base.ThrottleRps = &rps
	if got := tuningFor(base).batchRows; got != 100 {
		t.Errorf("throttled batch rows %d, want 100 (a tenth of a second)", got)
	}
}

func TestThrottleRate(t *testing.T) {
	rps := int64(2000)
	cfg := model.FullTransferConfig{ReadWorkerNum: 1, WriteWorkerNum: 1, ThrottleRps: &rps}
	tu := tuningFor(cfg)
	th := newThrottler(cfg, tu, time.Now)
	t0 := time.Now()
	for range 10 {
		if err := th.wait(context.Background(), tu.batchRows, 100); err != nil {
			t.Fatal(err)
		}
	}
	// 10 batches of 200 rows: the first passes at once (the burst), 9 wait 0.1 s each.
	if d := time.Since(t0); d < 850*time.Millisecond || d > 1200*time.Millisecond {
		t.Errorf("2,000 rows at 2,000 rows/s took %v", d)
	}
	if newThrottler(model.FullTransferConfig{}, tu, time.Now) != nil {
		t.Error("an unlimited configuration has a throttler")
	}
}

func TestThrottleSpeedWindow(t *testing.T) {
	clock := time.Date(2026, 11, 21, 1, 30, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	cfg := model.FullTransferConfig{SpeedLimit: []model.SpeedLimitWindow{{Begin: "01:00", End: "01:59", Speed: 1}}}
	th := newThrottler(cfg, tuningFor(cfg), now)
	if got := th.bytesLimit(); got != 1_000_000 {
		t.Errorf("inside the window: %d B/s", got)
	}
	clock = clock.Add(time.Hour)
	th.refresh(clock)
	if got := th.bytesLimit(); got != 0 {
		t.Errorf("after the window: %d B/s, want unlimited", got)
	}
}

func TestInterleaveAndClaim(t *testing.T) {
	a := &plan.Table{Key: "a"}
	b := &plan.Table{Key: "b"}
	n := &plan.Table{Key: "n"}
	jobs := interleave([][]chunkJob{
		{{plan: a, keyed: true}, {plan: a, keyed: true}, {plan: a, keyed: true}},
		{{plan: b, keyed: true}},
		{{plan: n}},
	})
	var got string
	for _, j := range jobs {
		got += j.plan.Key
	}
	if got != "nabaa" {
		t.Errorf("order %q, want the keyless table first, then round-robin", got)
	}

	r := &chunkRun{}
	r.sent = 2
	if r.commit(10, 1, 1) {
		t.Error("claimed after the first of two batches")
	}
	if r.commit(10, 1, 1) {
		t.Error("claimed before the reader finished")
	}
	if !r.readFinished() {
		t.Error("not claimed when the reader finished after the last commit")
	}
	e := &chunkRun{}
	if !e.readFinished() || e.readFinished() {
		t.Error("an empty chunk must be claimed exactly once")
	}
}
