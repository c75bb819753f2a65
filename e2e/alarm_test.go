package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/godwit/godwit/service"
	"github.com/godwit/godwit/testenv"
)

// hook records the alarm webhook's notifications.
type hook struct {
	mu     sync.Mutex
	events []service.AlarmEvent
}

func (h *hook) count(rule, state string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.events {
		if e.Rule == rule && e.State == state {
			n++
		}
	}
	return n
}

func waitUntil(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type alarmView struct {
	AlarmStats struct {
		Alarming                   bool           `json:"alarming"`
		Target                     *string        `json:"target"`
		RuleToRecentlyTriggerCount map[string]int `json:"ruleToRecentlyTriggerCount"`
	} `json:"alarmStats"`
	Status string `json:"status"`
}

// TestAlarmsSurviveRestart: a project that fails raises PROJECT_FAILED and STEP_FAILED
// (webhook TRIGGERED, alarmStats); after a restart the alarms are still raised, counted
// once and not notified again; when the cause is fixed and the project resumed and
// finished, they clear (webhook CLEARED).
func TestAlarmsSurviveRestart(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	h := &hook{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var e service.AlarmEvent
		if json.Unmarshal(b, &e) == nil {
			h.mu.Lock()
			h.events = append(h.events, e)
			h.mu.Unlock()
		}
	}))
	defer hs.Close()
	cfg := service.AlarmConfig{Interval: 150 * time.Millisecond, WebhookURL: hs.URL}
	dir := t.TempDir()
	base, stop := openAt(t, dir, cfg)
	db := testenv.UniqueName("alarm") // not created yet: the precheck fails
	sid, did := createDS(t, base, "s-"+db, src), createDS(t, base, "d-"+db, dst)
	id := createProject(t, base, map[string]any{"name": "al_" + db, "type": "MIGRATION", "sourceEndpointId": sid, "sinkEndpointId": did,
		"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db, "mappedName": db + "_t"}}},
		"enableStructTransfer": true, "enableFullTransfer": true})
	if code, e := action(t, base, id, "start"); code != 200 {
		t.Fatalf("start: %d %+v", code, e)
	}
	waitUntil(t, "PROJECT_FAILED and STEP_FAILED notifications", time.Minute, func() bool {
		return h.count(service.AlarmRuleProjectFailed, "TRIGGERED") == 1 && h.count(service.AlarmRuleStepFailed, "TRIGGERED") == 1
	})
	var v alarmView
	native(t, base, "GET", "/api/v1/projects/"+id, nil, &v)
	if v.Status != "FAILED" || !v.AlarmStats.Alarming || v.AlarmStats.RuleToRecentlyTriggerCount[service.AlarmRuleProjectFailed] != 1 {
		t.Fatalf("before the restart: %+v", v)
	}

	stop()
	base, _ = openAt(t, dir, cfg)

	passes := time.Now().Add(time.Second)
	waitUntil(t, "evaluations after the restart", 5*time.Second, func() bool { return time.Now().After(passes) })
	native(t, base, "GET", "/api/v1/projects/"+id, nil, &v)
	if !v.AlarmStats.Alarming || v.AlarmStats.RuleToRecentlyTriggerCount[service.AlarmRuleProjectFailed] != 1 ||
		v.AlarmStats.RuleToRecentlyTriggerCount[service.AlarmRuleStepFailed] != 1 {
		t.Fatalf("after the restart the alarms are lost or counted again: %+v", v.AlarmStats)
	}
	if n := h.count(service.AlarmRuleProjectFailed, "TRIGGERED"); n != 1 {
		t.Fatalf("PROJECT_FAILED notified %d times across the restart, want once", n)
	}

	// Fix the cause, resume: the alarms clear.
	s, err := src.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{"CREATE DATABASE " + db, "CREATE TABLE " + db + ".t (id INT PRIMARY KEY, v INT)", "INSERT INTO " + db + ".t VALUES (1, 1), (2, 2)"} {
		if _, err := s.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	incrDropLater(t, src, db)
	incrDropLater(t, dst, db+"_t")
	if code, e := action(t, base, id, "resume"); code != 200 {
		t.Fatalf("resume: %d %+v", code, e)
	}
	waitUntil(t, "CLEARED notifications", time.Minute, func() bool {
		return h.count(service.AlarmRuleProjectFailed, "CLEARED") == 1 && h.count(service.AlarmRuleStepFailed, "CLEARED") == 1
	})
	native(t, base, "GET", "/api/v1/projects/"+id, nil, &v)
	if v.AlarmStats.Alarming {
		t.Fatalf("alarms still raised after the fix: %+v", v)
	}
}

// TestBinlogPurgeAlarm: a paused project whose capture has been stopped for most of the
// source's binlog retention raises BINLOG_PURGE (webhook, alarmStats); resuming clears it.
func TestBinlogPurgeAlarm(t *testing.T) {
	src := testenv.MariaDBT(t, testenv.MariaDBOptions{}) // private: its binlog retention is changed
	dst := testenv.SharedMariaDB(t, "target")
	s, err := src.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := testenv.UniqueName("purge")
	for _, q := range []string{"SET GLOBAL binlog_expire_logs_seconds = 4", "CREATE DATABASE " + db,
		"CREATE TABLE " + db + ".t (id INT PRIMARY KEY, v INT)", "INSERT INTO " + db + ".t VALUES (1, 1), (2, 2)"} {
		if _, err := s.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	incrDropLater(t, dst, db+"_t")
	h := &hook{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e service.AlarmEvent
		if b, _ := io.ReadAll(r.Body); json.Unmarshal(b, &e) == nil {
			h.mu.Lock()
			h.events = append(h.events, e)
			h.mu.Unlock()
		}
	}))
	defer hs.Close()
	base, _ := openAt(t, t.TempDir(), service.AlarmConfig{Interval: 150 * time.Millisecond, WebhookURL: hs.URL})
	sid, did := createDS(t, base, "s-"+db, src), createDS(t, base, "d-"+db, dst)
	id := createProject(t, base, incrProjectBody("pg_"+db, sid, did, db, db+"_t", nil, nil))
	if code, e := action(t, base, id, "start"); code != 200 {
		t.Fatalf("start: %d %+v", code, e)
	}
	c := incrClient(base)
	incrWaitStep(t, c, id, "INCR_TRANSFER", 2*time.Minute, "MONITORING")
	if h.count(service.AlarmRuleLogPurge, "TRIGGERED") != 0 {
		t.Fatal("BINLOG_PURGE raised while capture runs")
	}
	if code, e := action(t, base, id, "stop"); code != 200 {
		t.Fatalf("stop: %d %+v", code, e)
	}
	stopped := time.Now()
	waitUntil(t, "BINLOG_PURGE", 30*time.Second, func() bool { return h.count(service.AlarmRuleLogPurge, "TRIGGERED") == 1 })
	if time.Since(stopped) < 3*time.Second {
		t.Fatalf("BINLOG_PURGE raised %s after the stop, before 80%% of the 4 s retention", time.Since(stopped))
	}
	var v alarmView
	native(t, base, "GET", "/api/v1/projects/"+id, nil, &v)
	if !v.AlarmStats.Alarming || v.AlarmStats.Target == nil || *v.AlarmStats.Target != service.AlarmRuleLogPurge {
		t.Fatalf("alarmStats = %+v", v.AlarmStats)
	}
	if code, e := action(t, base, id, "resume"); code != 200 {
		t.Fatalf("resume: %d %+v", code, e)
	}
	waitUntil(t, "BINLOG_PURGE cleared", 30*time.Second, func() bool { return h.count(service.AlarmRuleLogPurge, "CLEARED") == 1 })
}
