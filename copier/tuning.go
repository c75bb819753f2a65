package copier

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/godwit/godwit/model"
)

// copyTuning is the shape of the copy pipeline: readWorkerNum readers and writeWorkerNum
// writers joined by a queue of queueDepth batches, each batch at most batchRows rows and
// about batchBytes bytes of memory (values plus Go overhead, see rowMem).
//
// Memory held by the pipeline is bounded by configuration, never by table size:
// (readers + queueDepth + 2×writers) × batchBytes — each reader fills one batch, the queue
// holds queueDepth, each writer holds one batch and its encoded form — plus one row when a
// single row is larger than batchBytes. NORMAL with 4+4 workers: 16 × 2 MB = 32 MB.
type copyTuning struct {
	readers, writers int
	batchRows        int
	batchBytes       int
	queueDepth       int
}

// Speed modes (fullTransferSpeedMode). The worker counts are readWorkerNum/writeWorkerNum
// (defaults 4/4); the mode scales around them:
//   - STEADY: at most 2 readers and 2 writers, 1 MB batches, a queue of one batch per writer:
//     light, even load on both servers
//   - NORMAL: the configured workers, 2 MB batches, one queued batch per writer
//   - FAST: the configured workers, 4 MB batches, two queued batches per writer
const (
	speedSteady = "STEADY"
	speedFast   = "FAST"
)

// tuningFor derives the pipeline shape from the project's configuration. Throttles shrink
// batches to a tenth of a second's allowance so the limit holds smoothly (a batch is the
// unit the limiter admits).
func tuningFor(cfg model.FullTransferConfig) copyTuning {
	t := copyTuning{readers: clamp(cfg.ReadWorkerNum, 1, 64), writers: clamp(cfg.WriteWorkerNum, 1, 64),
		batchRows: 10000, batchBytes: 2 << 20}
	t.queueDepth = t.writers
	switch cfg.FullTransferSpeedMode {
	case speedSteady:
		t.readers, t.writers = min(t.readers, 2), min(t.writers, 2)
		t.batchRows, t.batchBytes, t.queueDepth = 5000, 1<<20, t.writers
	case speedFast:
		t.batchRows, t.batchBytes, t.queueDepth = 20000, 4<<20, 2*t.writers
	}
	if r := positive(cfg.ThrottleRps); r > 0 {
		t.batchRows = int(min(int64(t.batchRows), max(1, r/10)))
	}
	if b := minPositive(positive(cfg.ThrottleIOPS), minWindow(cfg.SpeedLimit)); b > 0 {
		t.batchBytes = int(min(int64(t.batchBytes), max(4096, b/10)))
	}
	return t
}

func clamp(v, lo, hi int) int { return min(hi, max(lo, v)) }

func positive(p *int64) int64 {
	if p == nil || *p <= 0 {
		return 0
	}
	return *p
}

func minPositive(a, b int64) int64 {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return min(a, b)
}

func minWindow(ws []model.SpeedLimitWindow) int64 {
	var m int64
	for _, w := range ws {
		m = minPositive(m, w.BytesPerSecond())
	}
	return m
}

// throttler admits batches at throttleRps rows/s and at a byte rate of throttleIOPS bytes/s
// or, while a speedLimit window is active, the lower of the two. Safe for concurrent use.
// A nil *throttler admits everything.
type throttler struct {
	rows    *rate.Limiter // nil: rows unlimited
	bytes   *rate.Limiter // nil: bytes unlimited at all times
	iops    int64
	windows []model.SpeedLimitWindow
	now     func() time.Time

	mu      sync.Mutex
	checked time.Time
}

// newThrottler returns nil when nothing is limited. rowBurst/byteBurst are the largest
// single admissions (a batch), so the limiter never lets through more than one batch ahead.
func newThrottler(cfg model.FullTransferConfig, tu copyTuning, now func() time.Time) *throttler {
	t := &throttler{iops: positive(cfg.ThrottleIOPS), windows: cfg.SpeedLimit, now: now}
	if r := positive(cfg.ThrottleRps); r > 0 {
		t.rows = rate.NewLimiter(rate.Limit(r), tu.batchRows)
	}
	if t.iops > 0 || len(cfg.SpeedLimit) > 0 {
		t.bytes = rate.NewLimiter(rate.Inf, tu.batchBytes)
		t.refresh(now())
	}
	if t.rows == nil && t.bytes == nil {
		return nil
	}
	return t
}

// refresh sets the byte limit for the windows active at now (at most once a second).
func (t *throttler) refresh(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.checked.IsZero() && now.Sub(t.checked) < time.Second {
		return
	}
	t.checked = now
	lim := minPositive(t.iops, model.ActiveSpeedLimit(t.windows, now))
	if lim <= 0 {
		t.bytes.SetLimitAt(now, rate.Inf)
	} else {
		t.bytes.SetLimitAt(now, rate.Limit(lim))
	}
}

// bytesLimit is the byte rate in force (0: unlimited), for the *Ref metrics.
func (t *throttler) bytesLimit() int64 {
	if t == nil || t.bytes == nil || t.bytes.Limit() == rate.Inf {
		return 0
	}
	return int64(t.bytes.Limit())
}

// wait blocks until rows rows and bytes bytes may pass, or ctx ends.
func (t *throttler) wait(ctx context.Context, rows, bytes int) error {
	if t == nil {
		return nil
	}
	if t.rows != nil {
		if err := waitSplit(ctx, t.rows, rows); err != nil {
			return err
		}
	}
	if t.bytes != nil {
		t.refresh(t.now())
		if err := waitSplit(ctx, t.bytes, bytes); err != nil {
			return err
		}
	}
	return nil
}

// waitSplit is WaitN in pieces no larger than the limiter's burst.
func waitSplit(ctx context.Context, l *rate.Limiter, n int) error {
	for n > 0 {
		k := min(n, max(1, l.Burst()))
		if err := l.WaitN(ctx, k); err != nil {
			return err
		}
		n -= k
	}
	return nil
}
