package copier

import (
	"sync/atomic"
	"time"

	"github.com/godwit/godwit/model"
)

// Meter accumulates copy/verify counters from many workers (atomics) and turns them into
// the OMS stepInfo rates by sampling: rps = rows/s, rt = ms per record, iops = bytes/s.
// Processed and Capacity are the rows done and the rows expected; FULL_VERIFIER sets them
// from its own progress.
type Meter struct {
	srcRows, srcBytes, srcNanos atomic.Int64
	dstRows, dstBytes, dstNanos atomic.Int64
	Processed                   atomic.Int64
	Capacity                    atomic.Int64
	processedBytes              atomic.Int64 // source bytes of the processed rows

	last     time.Time
	lastSnap [6]int64
	info     model.StepInfo
}

func (m *Meter) read(rows, bytes int64, d time.Duration) {
	m.srcRows.Add(rows)
	m.srcBytes.Add(bytes)
	m.srcNanos.Add(int64(d))
}

func (m *Meter) wrote(rows, bytes int64, d time.Duration) {
	m.dstRows.Add(rows)
	m.dstBytes.Add(bytes)
	m.dstNanos.Add(int64(d))
}

// Sample computes the rates since the previous sample. Called from one goroutine only.
func (m *Meter) Sample(now time.Time) model.StepInfo {
	snap := [6]int64{m.srcRows.Load(), m.srcBytes.Load(), m.srcNanos.Load(),
		m.dstRows.Load(), m.dstBytes.Load(), m.dstNanos.Load()}
	dt := now.Sub(m.last).Seconds()
	info := m.info
	if !m.last.IsZero() && dt > 0.2 {
		d := func(i int) int64 { return snap[i] - m.lastSnap[i] }
		info.SrcRps = model.Int64(int64(float64(d(0)) / dt))
		info.SrcIops = model.Int64(int64(float64(d(1)) / dt))
		info.SrcRt = model.Int64(perRecordMs(d(2), d(0)))
		info.DstRps = model.Int64(int64(float64(d(3)) / dt))
		info.DstIops = model.Int64(int64(float64(d(4)) / dt))
		info.DstRt = model.Int64(perRecordMs(d(5), d(3)))
		m.last, m.lastSnap = now, snap
	} else if m.last.IsZero() {
		m.last, m.lastSnap = now, snap
	}
	info.ProcessedRecords = model.Int64(m.Processed.Load())
	info.Capacity = model.Int64(max(m.Capacity.Load(), m.Processed.Load()))
	m.info = info
	return info
}

func perRecordMs(nanos, rows int64) int64 {
	if rows <= 0 {
		return 0
	}
	return (nanos / rows) / int64(time.Millisecond)
}

// Progress is Processed in percent of Capacity (0..99).
func (m *Meter) Progress() int {
	c := m.Capacity.Load()
	if c <= 0 {
		return 0
	}
	return int(min(99, m.Processed.Load()*100/c))
}

// progress is the copy's byte-weighted progress in percent (0..99 while running).
func (c *copier) progress() int {
	return int(min(99, c.tables.progress()*100))
}

// info samples the copy's metrics: the meter's rates and counters plus the source bytes
// moved and the estimated remaining time, extrapolated from this run's progress rate
// (unset until the run has progressed for a few seconds).
func (c *copier) info(now time.Time) model.StepInfo {
	info := c.meter.Sample(now)
	info.ProcessedBytes = model.Int64(c.meter.processedBytes.Load())
	p := c.tables.progress()
	if el := now.Sub(c.started).Seconds(); el >= 3 && p > c.progress0 {
		rate := (p - c.progress0) / el
		info.RemainingSeconds = model.Int64(int64((1 - p) / rate))
	} else {
		info.RemainingSeconds = nil
	}
	return info
}
