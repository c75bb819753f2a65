package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
)

// AlarmRuleSyncDelay is the one alarm rule godwit evaluates: incremental sync delay.
const AlarmRuleSyncDelay = "SYNC_DELAY"

// AlarmConfig configures the alarm evaluator.
type AlarmConfig struct {
	// DefaultDelaySeconds is the delay threshold of projects without their own AlarmRule
	// (0 = such projects never alarm).
	DefaultDelaySeconds int64
	// HoldFor is how long the delay must stay at or above the threshold before the alarm
	// triggers (0 = at the first observation).
	HoldFor time.Duration
	// Interval between evaluations when Run is used (default 10 s).
	Interval time.Duration
	// WebhookURL receives an HTTP POST with a JSON AlarmEvent when an alarm triggers and when
	// it clears ("" = no notification).
	WebhookURL string
	Client     *http.Client     // default: 5 s timeout
	Now        func() time.Time // injected clock; default time.Now
}

// AlarmEvent is the webhook payload.
type AlarmEvent struct {
	ProjectID        string `json:"projectId"`
	ProjectName      string `json:"projectName"`
	Rule             string `json:"rule"`
	State            string `json:"state"` // TRIGGERED | CLEARED
	DelaySeconds     int64  `json:"delaySeconds"`
	ThresholdSeconds int64  `json:"thresholdSeconds"`
	HeldSeconds      int64  `json:"heldSeconds"`
	Time             string `json:"time"` // UTC, OMS layout
}

// Alarms evaluates sync-delay alarms. It keeps its state in memory: after a restart the hold
// time starts again and trigger counts restart from 0. Safe for concurrent use.
type Alarms struct {
	cfg AlarmConfig
	log *slog.Logger

	mu    sync.Mutex
	state map[string]*alarmState
}

type alarmState struct {
	aboveSince time.Time // zero when below the threshold
	alarming   bool
	triggered  int
	threshold  int64
	content    string
}

// NewAlarms returns an evaluator.
func NewAlarms(cfg AlarmConfig, log *slog.Logger) *Alarms {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Alarms{cfg: cfg, log: log, state: map[string]*alarmState{}}
}

// Observe feeds one delay observation of a project (delay nil = unknown, treated as below the
// threshold) with its threshold (0 = no alarm) and returns the event to notify, if any.
func (a *Alarms) Observe(projectID, name string, delay *int64, threshold int64) *AlarmEvent {
	now := a.cfg.Now().UTC()
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.state[projectID]
	if st == nil {
		st = &alarmState{}
		a.state[projectID] = st
	}
	st.threshold = threshold
	ev := func(state string, d int64) *AlarmEvent {
		held := int64(0)
		if !st.aboveSince.IsZero() {
			held = int64(now.Sub(st.aboveSince) / time.Second)
		}
		return &AlarmEvent{ProjectID: projectID, ProjectName: name, Rule: AlarmRuleSyncDelay, State: state,
			DelaySeconds: d, ThresholdSeconds: threshold, HeldSeconds: held, Time: now.Format(model.TimeLayout)}
	}
	if threshold <= 0 || delay == nil || *delay < threshold {
		st.aboveSince = time.Time{}
		if st.alarming {
			st.alarming, st.content = false, ""
			d := int64(0)
			if delay != nil {
				d = *delay
			}
			return ev("CLEARED", d)
		}
		return nil
	}
	if st.aboveSince.IsZero() {
		st.aboveSince = now
	}
	if st.alarming || now.Sub(st.aboveSince) < a.cfg.HoldFor {
		return nil
	}
	st.alarming = true
	st.triggered++
	st.content = fmt.Sprintf("sync delay %d s is at or above the threshold of %d s", *delay, threshold)
	return ev("TRIGGERED", *delay)
}

// Stats returns a project's alarm summary.
func (a *Alarms) Stats(projectID string) AlarmStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := AlarmStats{RuleToRecentlyTriggerCount: map[string]int{}}
	st := a.state[projectID]
	if st == nil {
		return out
	}
	out.OpenMonitor = st.threshold > 0
	out.Alarming = st.alarming
	out.RecentlyTriggerCount = st.triggered
	if st.triggered > 0 {
		out.RuleToRecentlyTriggerCount[AlarmRuleSyncDelay] = st.triggered
	}
	if st.alarming {
		out.Target, out.AlarmContent = AlarmRuleSyncDelay, st.content
		out.Active = []string{AlarmRuleSyncDelay}
	}
	return out
}

// Forget drops a project's state (deleted projects).
func (a *Alarms) Forget(projectID string) {
	a.mu.Lock()
	delete(a.state, projectID)
	a.mu.Unlock()
}

// Notify posts ev to the webhook, if one is configured. Failures are logged, not retried.
func (a *Alarms) Notify(ctx context.Context, ev *AlarmEvent) {
	if ev == nil {
		return
	}
	a.log.Warn("alarm "+ev.State, "project", ev.ProjectID, "rule", ev.Rule, "delay_s", ev.DelaySeconds, "threshold_s", ev.ThresholdSeconds)
	if a.cfg.WebhookURL == "" {
		return
	}
	body, _ := json.Marshal(ev)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		a.log.Warn("alarm webhook: bad URL", "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		a.log.Warn("alarm webhook failed", "err", err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		a.log.Warn("alarm webhook refused the notification", "status", resp.StatusCode)
	}
}

// EvaluateAlarms observes every RUNNING project once (delay from ProjectView.Extra.SyncDelay,
// threshold from its AlarmRule or the default) and sends the resulting notifications.
func (s *Service) EvaluateAlarms(ctx context.Context) error {
	views, _, err := s.ListProjects(ctx, meta.ProjectFilter{Statuses: []string{string(model.StatusRunning)}})
	if err != nil {
		return err
	}
	for i := range views {
		v := &views[i]
		threshold := s.alarms.cfg.DefaultDelaySeconds
		if r, err := s.GetAlarmRule(ctx, v.ID); err == nil && r != nil {
			threshold = r.DelaySeconds
		}
		s.alarms.Notify(ctx, s.alarms.Observe(v.ID, v.Name, v.Extra.SyncDelay, threshold))
	}
	return nil
}

// RunAlarms evaluates alarms every AlarmConfig.Interval until ctx ends.
func (s *Service) RunAlarms(ctx context.Context) {
	t := time.NewTicker(s.alarms.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.EvaluateAlarms(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("alarm evaluation failed", "err", err)
			}
		}
	}
}
