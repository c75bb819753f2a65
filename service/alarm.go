package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
)

// Alarm rules. SYNC_DELAY follows the project's AlarmRule (or the default threshold) and
// the hold time; the others trigger at the first observation and clear when the condition
// is gone.
const (
	AlarmRuleSyncDelay      = "SYNC_DELAY"             // incremental sync delay at or above the threshold
	AlarmRuleStepFailed     = "STEP_FAILED"            // a step of the project is FAILED
	AlarmRuleProjectFailed  = "PROJECT_FAILED"         // the project is FAILED
	AlarmRuleStoreRetention = "CHANGE_STORE_RETENTION" // the oldest unapplied change nears storeLogKeptHour
)

// alarmRules is the order rules are reported in (Target is the first active one).
var alarmRules = []string{AlarmRuleProjectFailed, AlarmRuleStepFailed, AlarmRuleLogPurge, AlarmRuleStoreRetention, AlarmRuleSyncDelay}

// StoreRetentionAlarmRatio is the share of storeLogKeptHour the oldest unapplied change may
// reach before CHANGE_STORE_RETENTION triggers: past it, retention will soon drop changes
// that were never applied.
const StoreRetentionAlarmRatio = 0.8

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

// AlarmEvent is the webhook payload. DelaySeconds and ThresholdSeconds are the observed
// value and the threshold of the rule (seconds for SYNC_DELAY and CHANGE_STORE_RETENTION, 0
// for the failure rules); Content says what happened.
type AlarmEvent struct {
	ProjectID        string `json:"projectId"`
	ProjectName      string `json:"projectName"`
	Rule             string `json:"rule"`
	State            string `json:"state"` // TRIGGERED | CLEARED
	DelaySeconds     int64  `json:"delaySeconds"`
	ThresholdSeconds int64  `json:"thresholdSeconds"`
	HeldSeconds      int64  `json:"heldSeconds"`
	Content          string `json:"content,omitempty"`
	Time             string `json:"time"` // UTC, OMS layout
}

// Alarms evaluates alarm rules per project. Its state (alarming or not, since when, how
// many times each rule triggered) is persisted by the service after each evaluation
// (EvaluateAlarms) and restored at start (LoadAlarms), so an alarm survives a restart: it
// is neither triggered nor notified a second time, and the hold time keeps running. Safe for
// concurrent use.
type Alarms struct {
	cfg AlarmConfig
	log *slog.Logger

	mu    sync.Mutex
	state map[alarmKey]*alarmState

	retention retentionCache // source log retention per project (alarm_binlog.go)
}

type alarmKey struct{ project, rule string }

// alarmState is one rule's state for one project; its JSON is the persisted document.
type alarmState struct {
	AboveSince time.Time `json:"aboveSince"` // zero when the condition does not hold
	Alarming   bool      `json:"alarming"`
	Triggered  int       `json:"triggered"`
	Threshold  int64     `json:"threshold"`
	Content    string    `json:"content,omitempty"`
	Changed    time.Time `json:"changed"` // last trigger or clear
	dirty      bool
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
	return &Alarms{cfg: cfg, log: log, state: map[alarmKey]*alarmState{}}
}

// Observe feeds one delay observation of a project (delay nil = unknown, treated as below the
// threshold) with its threshold (0 = no alarm) and returns the event to notify, if any.
func (a *Alarms) Observe(projectID, name string, delay *int64, threshold int64) *AlarmEvent {
	d := int64(0)
	if delay != nil {
		d = *delay
	}
	above := threshold > 0 && delay != nil && *delay >= threshold
	return a.observe(projectID, name, AlarmRuleSyncDelay, above, d, threshold, a.cfg.HoldFor,
		fmt.Sprintf("sync delay %d s is at or above the threshold of %d s", d, threshold))
}

// ObserveRule feeds one observation of a rule that triggers without hold time: holds says
// whether the condition is true now, content describes it.
func (a *Alarms) ObserveRule(projectID, name, rule string, holds bool, value, threshold int64, content string) *AlarmEvent {
	return a.observe(projectID, name, rule, holds, value, threshold, 0, content)
}

func (a *Alarms) observe(projectID, name, rule string, holds bool, value, threshold int64, hold time.Duration, content string) *AlarmEvent {
	now := a.cfg.Now().UTC()
	a.mu.Lock()
	defer a.mu.Unlock()
	k := alarmKey{projectID, rule}
	st := a.state[k]
	if st == nil {
		st = &alarmState{}
		a.state[k] = st
	}
	if st.Threshold != threshold {
		st.Threshold, st.dirty = threshold, true
	}
	ev := func(state string) *AlarmEvent {
		held := int64(0)
		if !st.AboveSince.IsZero() {
			held = int64(now.Sub(st.AboveSince) / time.Second)
		}
		return &AlarmEvent{ProjectID: projectID, ProjectName: name, Rule: rule, State: state, DelaySeconds: value,
			ThresholdSeconds: threshold, HeldSeconds: held, Content: st.Content, Time: now.Format(model.TimeLayout)}
	}
	if !holds {
		if !st.AboveSince.IsZero() {
			st.AboveSince, st.dirty = time.Time{}, true
		}
		if st.Alarming {
			e := ev("CLEARED")
			st.Alarming, st.Content, st.Changed, st.dirty = false, "", now, true
			return e
		}
		return nil
	}
	if st.AboveSince.IsZero() {
		st.AboveSince, st.dirty = now, true
	}
	if st.Alarming || now.Sub(st.AboveSince) < hold {
		return nil
	}
	st.Alarming, st.Changed, st.dirty = true, now, true
	st.Triggered++
	st.Content = content
	return ev("TRIGGERED")
}

// Stats returns a project's alarm summary over every rule.
func (a *Alarms) Stats(projectID string) AlarmStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := AlarmStats{RuleToRecentlyTriggerCount: map[string]int{}}
	for _, rule := range alarmRules {
		st := a.state[alarmKey{projectID, rule}]
		if st == nil {
			continue
		}
		if rule == AlarmRuleSyncDelay {
			out.OpenMonitor = st.Threshold > 0
		}
		out.RecentlyTriggerCount += st.Triggered
		if st.Triggered > 0 {
			out.RuleToRecentlyTriggerCount[rule] = st.Triggered
		}
		if st.Alarming {
			if !out.Alarming {
				out.Target, out.AlarmContent = rule, st.Content
			}
			out.Alarming = true
			out.Active = append(out.Active, rule)
		}
	}
	return out
}

// Forget drops a project's state (deleted projects).
func (a *Alarms) Forget(projectID string) {
	a.mu.Lock()
	for k := range a.state {
		if k.project == projectID {
			delete(a.state, k)
		}
	}
	a.mu.Unlock()
}

// dirtyStates returns the states changed since the last call, as documents to persist.
func (a *Alarms) dirtyStates() map[alarmKey][]byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[alarmKey][]byte{}
	for k, st := range a.state {
		if st.dirty {
			b, _ := json.Marshal(st)
			out[k] = b
			st.dirty = false
		}
	}
	return out
}

// restore sets a state read back from the store.
func (a *Alarms) restore(k alarmKey, doc []byte) error {
	var st alarmState
	if err := json.Unmarshal(doc, &st); err != nil {
		return err
	}
	a.mu.Lock()
	a.state[k] = &st
	a.mu.Unlock()
	return nil
}

// Notify posts ev to the webhook, if one is configured. Failures are logged, not retried.
func (a *Alarms) Notify(ctx context.Context, ev *AlarmEvent) {
	if ev == nil {
		return
	}
	a.log.Warn("alarm "+ev.State, "project", ev.ProjectID, "rule", ev.Rule, "value", ev.DelaySeconds, "threshold", ev.ThresholdSeconds, "content", ev.Content)
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

// kindAlarmState is the OpsStore kind of persisted alarm states (id "<project>/<rule>").
const kindAlarmState = "alarm_state"

// forgetAlarms drops a deleted project's alarm states, in memory and stored.
func (s *Service) forgetAlarms(ctx context.Context, projectID string) {
	s.alarms.Forget(projectID)
	objs, _, err := s.store.ListObjects(ctx, meta.ObjectFilter{Kind: kindAlarmState, ProjectID: projectID})
	if err != nil {
		s.log.Warn("listing the alarm states of a deleted project failed", "project", projectID, "err", err)
		return
	}
	for _, o := range objs {
		if err := s.store.DeleteObject(ctx, o.Kind, o.ID); err != nil {
			s.log.Warn("deleting an alarm state failed", "id", o.ID, "err", err)
		}
	}
}

// LoadAlarms restores the persisted alarm states (call once before RunAlarms).
func (s *Service) LoadAlarms(ctx context.Context) error {
	objs, _, err := s.store.ListObjects(ctx, meta.ObjectFilter{Kind: kindAlarmState})
	if err != nil {
		return err
	}
	for _, o := range objs {
		rule := o.Name
		if err := s.alarms.restore(alarmKey{o.ProjectID, rule}, o.Doc); err != nil {
			s.log.Warn("ignoring an unreadable alarm state", "id", o.ID, "err", err)
		}
	}
	return nil
}

// EvaluateAlarms observes every live project once — sync delay (threshold from its
// AlarmRule or the default), failed steps, a failed project, change-store age against its
// retention — sends the resulting notifications and persists the changed states. A
// notification is sent after its state is stored, so a crash in between can repeat a
// notification but never lose an alarm.
func (s *Service) EvaluateAlarms(ctx context.Context) error {
	views, _, err := s.ListProjects(ctx, meta.ProjectFilter{}) // every stored project: alarms of finished ones clear
	if err != nil {
		return err
	}
	now := s.now()
	var events []*AlarmEvent
	add := func(e *AlarmEvent) {
		if e != nil {
			events = append(events, e)
		}
	}
	for i := range views {
		v := &views[i]
		threshold := s.alarms.cfg.DefaultDelaySeconds
		if r, err := s.GetAlarmRule(ctx, v.ID); err == nil && r != nil {
			threshold = r.DelaySeconds
		}
		delay := v.Extra.SyncDelay
		if v.Status != model.StatusRunning {
			delay = nil // a stopped project has no live delay
		}
		add(s.alarms.Observe(v.ID, v.Name, delay, threshold))
		var failed []string
		for _, st := range v.Steps {
			if st.Status == model.StepFailed {
				msg := string(st.Name)
				if st.Error != nil {
					msg += " (" + st.Error.Code + ": " + st.Error.Message + ")"
				}
				failed = append(failed, msg)
			}
		}
		add(s.alarms.ObserveRule(v.ID, v.Name, AlarmRuleStepFailed, len(failed) > 0, int64(len(failed)), 0,
			"step failed: "+strings.Join(failed, "; ")))
		add(s.alarms.ObserveRule(v.ID, v.Name, AlarmRuleProjectFailed, v.Status == model.StatusFailed, 0, 0,
			"project "+v.Name+" is FAILED"))
		if v.EnableIncrTransfer {
			keep := int64(v.IncrTransferConfig.StoreLogKeptHour) * 3600
			age := int64(0)
			if st, err := s.IncrStatus(ctx, v.ID); err == nil && st.AppliedSeq < st.PulledSeq && st.AppliedTime > 0 {
				age = max(0, now.Unix()-st.AppliedTime)
			}
			limit := int64(float64(keep) * StoreRetentionAlarmRatio)
			add(s.alarms.ObserveRule(v.ID, v.Name, AlarmRuleStoreRetention, keep > 0 && age >= limit, age, keep,
				fmt.Sprintf("the oldest unapplied change is %d s old; the change store keeps %d s (storeLogKeptHour)", age, keep)))
			add(s.observeLogPurge(ctx, v, now))
		}
	}
	for k, doc := range s.alarms.dirtyStates() {
		o := &meta.Object{Kind: kindAlarmState, ID: k.project + "/" + k.rule, ProjectID: k.project, Name: k.rule, Doc: doc,
			GmtCreate: now, GmtModified: now}
		if err := s.store.PutObject(ctx, o); err != nil {
			return err
		}
	}
	for _, e := range events {
		s.alarms.Notify(ctx, e)
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
