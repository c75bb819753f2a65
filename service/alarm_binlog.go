package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/stream"
)

// AlarmRuleLogPurge warns that a project whose capture is not running will soon lose its
// place in the source's change log: capture stopped for at least LogPurgeAlarmRatio of the
// source's log retention (endpoint.LogRetainer; MySQL-family binlog_expire_logs_seconds).
const AlarmRuleLogPurge = "BINLOG_PURGE"

// LogPurgeAlarmRatio is the share of the source's log retention a stopped capture may wait.
const LogPurgeAlarmRatio = 0.8

// retentionTTL is how long a source's log retention is cached between evaluations.
const retentionTTL = 5 * time.Minute

// retentionCache remembers the log retention of each project's source.
type retentionCache struct {
	mu sync.Mutex
	m  map[string]cachedRetention
}

type cachedRetention struct {
	d  time.Duration
	ok bool // the source reports a retention
	at time.Time
}

// sourceRetention returns the log retention of the project's source (cached), and whether
// the source reports one.
func (s *Service) sourceRetention(ctx context.Context, p *model.Project, now time.Time) (time.Duration, bool) {
	c := &s.alarms.retention
	c.mu.Lock()
	r, hit := c.m[p.ID]
	c.mu.Unlock()
	if hit && now.Sub(r.at) < retentionTTL {
		return r.d, r.ok
	}
	r = cachedRetention{at: now}
	if ds, err := s.store.GetDataSource(ctx, p.SourceEndpointID); err == nil {
		octx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if ep, err := endpoint.Open(octx, *ds, endpoint.Options{MaxConns: 1}); err == nil {
			if lr, ok := ep.(endpoint.LogRetainer); ok {
				if d, err := lr.LogRetention(octx); err == nil {
					r.d, r.ok = d, true
				}
			}
			ep.Close()
		}
		cancel()
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cachedRetention{}
	}
	c.m[p.ID] = r
	c.mu.Unlock()
	return r.d, r.ok
}

// observeLogPurge evaluates BINLOG_PURGE for a project with incremental sync. The condition
// is "capture has started (P0 recorded) and the project is stopped"; it must hold for
// LogPurgeAlarmRatio of the source's retention. Since when it holds is part of the persisted
// alarm state, so the wait survives a restart of godwit.
func (s *Service) observeLogPurge(ctx context.Context, v *ProjectView, now time.Time) *AlarmEvent {
	var p0 struct {
		Pos string `json:"pos"`
	}
	started := s.loadState(ctx, v.ID, stream.ForwardOf(v.ID).Keys.P0, &p0) && p0.Pos != ""
	stopped := v.Status == model.StatusSuspend || v.Status == model.StatusFailed
	holds, limit := false, time.Duration(0)
	if started && stopped {
		if d, ok := s.sourceRetention(ctx, &v.Project, now); ok && d > 0 {
			limit = time.Duration(float64(d) * LogPurgeAlarmRatio)
			holds = true
		}
	}
	return s.alarms.observe(v.ID, v.Name, AlarmRuleLogPurge, holds, int64(limit/time.Second), int64(limit/time.Second), limit,
		fmt.Sprintf("capture has been stopped for %.0f s or more; the source purges its binlogs after %.0f s: resume the project before its position is purged",
			limit.Seconds(), (time.Duration(float64(limit)/LogPurgeAlarmRatio)).Seconds()))
}
