package service

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func delay(n int64) *int64               { return &n }
func newClock() *fakeClock               { return &fakeClock{t: time.Date(2025, 1, 6, 2, 0, 0, 0, time.UTC)} }

func TestAlarmTriggersAfterHoldAndClears(t *testing.T) {
	clk := newClock()
	a := NewAlarms(AlarmConfig{HoldFor: 30 * time.Second, Now: clk.now}, nil)
	const id = "np_1"
	if ev := a.Observe(id, "p", delay(100), 60); ev != nil {
		t.Fatalf("triggered at the first observation: %+v", ev)
	}
	clk.add(20 * time.Second)
	if ev := a.Observe(id, "p", delay(90), 60); ev != nil {
		t.Fatalf("triggered before the hold time: %+v", ev)
	}
	// Dropping below the threshold restarts the hold time.
	clk.add(5 * time.Second)
	a.Observe(id, "p", delay(10), 60)
	clk.add(5 * time.Second)
	if ev := a.Observe(id, "p", delay(70), 60); ev != nil {
		t.Fatalf("hold time not restarted: %+v", ev)
	}
	clk.add(30 * time.Second)
	ev := a.Observe(id, "p", delay(75), 60)
	if ev == nil || ev.State != "TRIGGERED" || ev.DelaySeconds != 75 || ev.ThresholdSeconds != 60 || ev.HeldSeconds != 30 || ev.Time != "2025-01-06T02:01:00" {
		t.Fatalf("event = %+v", ev)
	}
	st := a.Stats(id)
	if !st.Alarming || st.RecentlyTriggerCount != 1 || st.RuleToRecentlyTriggerCount[AlarmRuleSyncDelay] != 1 || !st.OpenMonitor || st.Target != AlarmRuleSyncDelay || st.AlarmContent == "" {
		t.Fatalf("stats = %+v", st)
	}
	clk.add(time.Minute)
	if ev := a.Observe(id, "p", delay(80), 60); ev != nil {
		t.Fatalf("re-triggered while alarming: %+v", ev)
	}
	if ev := a.Observe(id, "p", nil, 60); ev == nil || ev.State != "CLEARED" {
		t.Fatalf("unknown delay did not clear: %+v", ev)
	}
	if st := a.Stats(id); st.Alarming || st.RecentlyTriggerCount != 1 {
		t.Fatalf("stats after clear = %+v", st)
	}
	// Threshold 0 never alarms.
	if ev := a.Observe("np_2", "q", delay(1e6), 0); ev != nil || a.Stats("np_2").OpenMonitor {
		t.Fatalf("threshold 0 alarmed: %+v", ev)
	}
}

func TestAlarmWebhook(t *testing.T) {
	got := make(chan AlarmEvent, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var ev AlarmEvent
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &ev) != nil {
			t.Errorf("webhook got %s %s %s", r.Method, r.Header.Get("Content-Type"), b)
		}
		got <- ev
	}))
	defer hook.Close()
	clk := newClock()
	a := NewAlarms(AlarmConfig{WebhookURL: hook.URL, Now: clk.now}, nil)
	a.Notify(context.Background(), a.Observe("np_1", "orders", delay(120), 60))
	select {
	case ev := <-got:
		if ev.ProjectID != "np_1" || ev.ProjectName != "orders" || ev.State != "TRIGGERED" || ev.Rule != AlarmRuleSyncDelay {
			t.Fatalf("webhook event = %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook call")
	}
	a.Notify(context.Background(), a.Observe("np_1", "orders", delay(0), 60))
	if ev := <-got; ev.State != "CLEARED" {
		t.Fatalf("clear event = %+v", ev)
	}
	a.Notify(context.Background(), nil) // no event: no call
	select {
	case ev := <-got:
		t.Fatalf("unexpected webhook call %+v", ev)
	default:
	}
}
