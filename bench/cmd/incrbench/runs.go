package main

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type drainResult struct {
	events                 int64
	seconds, eventsPerSec  float64
	markerSeconds          float64 // until the marker row (last change) was seen on the target
	buildTPS               float64
	appliedBefore, applied int64 // godwit's rowsApplied before and after
}

// drain stops the project, builds the backlog, resumes and times the catch-up.
func (r *rig) drain(run int) (drainResult, error) {
	ctx := context.Background()
	var d drainResult
	if _, err := r.c.StopProject(ctx, r.project); err != nil {
		return d, fmt.Errorf("stop: %w", err)
	}
	if err := r.waitProject("SUSPEND", time.Minute); err != nil {
		return d, err
	}
	if st, err := r.c.IncrStatus(ctx, r.project); err == nil {
		d.appliedBefore = st.RowsApplied
	}
	txns := (r.o.drainEvents + 3) / 4
	t0 := time.Now()
	out, err := r.sysbench("run", "--threads="+strconv.Itoa(r.o.threads), "--time=0", "--events="+strconv.FormatInt(txns, 10), "--rate=0")
	if err != nil {
		return d, err
	}
	if d.events, d.buildTPS, err = parseSysbench(out); err != nil {
		return d, err
	}
	marker := int64(run) * 1_000_000_000
	if _, err := r.sdb.Exec("UPDATE sbtest.heartbeat SET seq=?, ts=NOW(6) WHERE id=1", marker); err != nil {
		return d, err
	}
	end, err := masterPos(r.sdb)
	if err != nil {
		return d, err
	}
	fmt.Printf("incrbench: drain %d: backlog of %d row events built in %.1fs (%.0f tps); source at %s; resuming\n",
		run, d.events, time.Since(t0).Seconds(), d.buildTPS, end)

	start := time.Now()
	if _, err := r.c.ResumeProject(ctx, r.project); err != nil {
		return d, fmt.Errorf("resume: %w", err)
	}
	// The marker is the last change; parallel apply may commit it before older changes of
	// other keys, so the drain ends when godwit's applied position passes the source's end.
	markerSeen := make(chan time.Duration, 1)
	stopPoll := make(chan struct{})
	go func() {
		for {
			var seq int64
			if r.ddb.QueryRow("SELECT seq FROM sbtest.heartbeat WHERE id=1").Scan(&seq) == nil && seq >= marker {
				markerSeen <- time.Since(start)
				return
			}
			select {
			case <-stopPoll:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	defer close(stopPoll)
	if err := r.waitApplied(end, 30*time.Minute); err != nil {
		return d, err
	}
	elapsed := time.Since(start)
	d.seconds = elapsed.Seconds()
	d.eventsPerSec = float64(d.events) / d.seconds
	select {
	case m := <-markerSeen:
		d.markerSeconds = m.Seconds()
	case <-time.After(10 * time.Second):
		return d, fmt.Errorf("marker row never reached the target")
	}
	if st, err := r.c.IncrStatus(ctx, r.project); err == nil {
		d.applied = st.RowsApplied
	}
	fmt.Printf("incrbench: drain %d: %d row events applied in %.2fs (marker seen at %.2fs) = %.0f row events/s; godwit's rowsApplied %d (before the resume %d)\n",
		run, d.events, d.seconds, d.markerSeconds, d.eventsPerSec, d.applied, d.appliedBefore)
	return d, checkTables(r)
}

type liveResult struct {
	tps             float64
	sent, seen      int64
	p50, p99, max   time.Duration
	maxReportedMill int64
}

// live runs sysbench at a fixed rate and measures the heartbeat delay.
func (r *rig) live(run int) (liveResult, error) {
	var l liveResult
	if err := r.waitIncr("MONITORING", 10*time.Minute); err != nil {
		return l, err
	}
	var measuring atomic.Bool
	var mu sync.Mutex
	var delays []time.Duration
	var sent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { // heartbeat on the source every 100 ms
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := r.sdb.Exec("UPDATE sbtest.heartbeat SET seq=seq+1, ts=NOW(6) WHERE id=1"); err == nil && measuring.Load() {
				sent.Add(1)
			}
		}
	}()
	go func() { // the target's copy, every 2 ms
		defer wg.Done()
		var last int64 = -1
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			var seq int64
			var ts string
			if err := r.ddb.QueryRow("SELECT seq, ts FROM sbtest.heartbeat WHERE id=1").Scan(&seq, &ts); err != nil {
				continue
			}
			now := time.Now()
			if seq == last {
				continue
			}
			last = seq
			at, err := time.ParseInLocation("2006-01-02 15:04:05.999999", ts, time.UTC)
			if err != nil || !measuring.Load() {
				continue
			}
			mu.Lock()
			delays = append(delays, now.Sub(at))
			mu.Unlock()
		}
	}()
	go func() { // godwit's own delay figure, every second
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			if st, err := r.c.IncrStatus(context.Background(), r.project); err == nil && measuring.Load() && st.DelayMillis > l.maxReportedMill {
				l.maxReportedMill = st.DelayMillis
			}
		}
	}()
	time.Sleep(time.Second) // the heartbeat and poller settle before measuring
	measuring.Store(true)
	out, err := r.sysbench("run", "--threads=16", "--time="+strconv.Itoa(r.o.liveSecs), "--rate="+strconv.Itoa(r.o.liveRate))
	measuring.Store(false)
	close(stop)
	wg.Wait()
	if err != nil {
		return l, err
	}
	if _, l.tps, err = parseSysbench(out); err != nil {
		return l, err
	}
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	l.sent, l.seen = sent.Load(), int64(len(delays))
	l.p50, l.p99 = percentile(delays, 0.5), percentile(delays, 0.99)
	if len(delays) > 0 {
		l.max = delays[len(delays)-1]
	}
	fmt.Printf("incrbench: live %d: %.0f tps; %d/%d heartbeats seen; delay p50 %.1f ms, p99 %.1f ms, max %.1f ms; godwit's max reported delay %d ms\n",
		run, l.tps, l.seen, l.sent, ms(l.p50), ms(l.p99), ms(l.max), l.maxReportedMill)
	end, err := masterPos(r.sdb)
	if err != nil {
		return l, err
	}
	if err := r.waitApplied(end, 10*time.Minute); err != nil {
		return l, err
	}
	return l, checkTables(r)
}

func (r *rig) waitProject(want string, timeout time.Duration) error {
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		p, err := r.c.GetProject(context.Background(), r.project)
		if err != nil {
			return err
		}
		if p.Status == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("project %s, want %s", p.Status, want)
		}
	}
}

// pos is a binlog position.
type pos struct {
	file string
	seq  int
	off  uint64
}

func (p pos) String() string { return fmt.Sprintf("%s:%d", p.file, p.off) }

func parsePos(s string) (pos, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return pos{}, fmt.Errorf("position %q", s)
	}
	off, err := strconv.ParseUint(s[i+1:], 10, 64)
	j := strings.LastIndexByte(s[:i], '.')
	if err != nil || j < 0 {
		return pos{}, fmt.Errorf("position %q", s)
	}
	seq, err := strconv.Atoi(s[j+1 : i])
	if err != nil {
		return pos{}, fmt.Errorf("position %q", s)
	}
	return pos{s[:i], seq, off}, nil
}

func masterPos(db *sql.DB) (pos, error) {
	rows, err := db.Query("SHOW MASTER STATUS")
	if err != nil {
		return pos{}, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if !rows.Next() {
		return pos{}, fmt.Errorf("SHOW MASTER STATUS: no row")
	}
	if err := rows.Scan(ptrs...); err != nil {
		return pos{}, err
	}
	return parsePos(string(vals[0]) + ":" + string(vals[1]))
}

// waitApplied polls godwit's applied position until it reaches end.
func (r *rig) waitApplied(end pos, timeout time.Duration) error {
	ctx := context.Background()
	for deadline := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		st, err := r.c.IncrStatus(ctx, r.project)
		if err == nil && st.AppliedPos != "" {
			if p, err := parsePos(st.AppliedPos); err == nil && (p.seq > end.seq || p.seq == end.seq && p.off >= end.off) {
				return nil
			}
		}
		if p, err := r.c.GetProject(ctx, r.project); err == nil && p.Status == "FAILED" {
			return fmt.Errorf("project FAILED while catching up")
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not caught up to %s after %s", end, timeout)
		}
	}
}
