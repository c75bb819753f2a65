package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godwit/godwit/client"
)

// script is an in-test server of the native API whose project advances one snapshot per
// GET of the project, so a watch sees every state in order.
type script struct {
	mu     sync.Mutex
	snaps  []snap
	i      int
	tables int // GET /tables calls
}

type snap struct {
	status string
	steps  []client.Step
	tables []client.TableProgress
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/api/v1/projects/np_1":
		cur := s.snaps[min(s.i, len(s.snaps)-1)]
		s.i++
		json.NewEncoder(w).Encode(map[string]any{"id": "np_1", "status": cur.status, "steps": cur.steps})
	case "/api/v1/projects/np_1/tables":
		s.tables++
		if r.URL.Query().Get("step") != stepFull {
			w.WriteHeader(400)
			return
		}
		cur := s.snaps[min(max(s.i-1, 0), len(s.snaps)-1)] // the snapshot last served
		json.NewEncoder(w).Encode(map[string]any{"items": cur.tables})
	default:
		w.WriteHeader(404)
		fmt.Fprint(w, `{"error":{"code":"GHANA-PROJECT000001","message":"project does not exist","advice":"Check the project ID."}}`)
	}
}

func i64(v int64) *int64 { return &v }

func step(order int, name, status string, progress int) client.Step {
	return client.Step{Order: order, Name: name, Status: status, Progress: progress}
}

func fullStep(status string, progress int, done, capacity int64) client.Step {
	s := step(2, stepFull, status, progress)
	s.StepInfo = &client.StepInfo{ProcessedRecords: i64(done), Capacity: i64(capacity)}
	return s
}

func happyScript() *script {
	tbl := func(st string, done int64) []client.TableProgress {
		return []client.TableProgress{
			{Table: "shop.a", Target: "shop.a", Status: st, Capacity: 100, Done: done},
			{Table: "shop.b", Target: "shop.b", Status: "FINISHED", Capacity: 50, Done: 50},
		}
	}
	ver := step(3, "FULL_VERIFIER", "FINISHED", 100)
	ver.StepInfo = &client.StepInfo{VerifyResult: "CONSISTENT"}
	return &script{snaps: []snap{
		{"INIT", []client.Step{step(1, "TRANSFER_PRECHECK", "INIT", 0), fullStep("INIT", 0, 0, 0), step(3, "FULL_VERIFIER", "INIT", 0)}, nil},
		{"RUNNING", []client.Step{step(1, "TRANSFER_PRECHECK", "FINISHED", 100), fullStep("RUNNING", 30, 60, 150), step(3, "FULL_VERIFIER", "INIT", 0)}, tbl("RUNNING", 10)},
		{"RUNNING", []client.Step{step(1, "TRANSFER_PRECHECK", "FINISHED", 100), fullStep("FINISHED", 100, 150, 150), step(3, "FULL_VERIFIER", "RUNNING", 10)}, tbl("FINISHED", 100)},
		{"FINISHED", []client.Step{step(1, "TRANSFER_PRECHECK", "FINISHED", 100), fullStep("FINISHED", 100, 150, 150), ver}, tbl("FINISHED", 100)},
	}}
}

func run(t *testing.T, h http.Handler, plain bool) (*Result, string, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := Watch(ctx, client.New(srv.URL, client.Auth{Token: "t"}), "np_1",
		Options{Interval: 5 * time.Millisecond, Out: &out, Plain: plain})
	return res, out.String(), err
}

func TestWatchPlainFinished(t *testing.T) {
	sc := happyScript()
	res, out, err := run(t, sc, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reason != "FINISHED" || res.Project.Status != "FINISHED" || res.Failed() != nil {
		t.Fatalf("result = %+v", res)
	}
	for _, want := range []string{
		"project np_1 RUNNING", "step 2 FULL_TRANSFER RUNNING 30% 60/150 rows",
		"table shop.a -> shop.a RUNNING 10/100 rows", "table shop.a -> shop.a FINISHED 100/100 rows",
		"step 3 FULL_VERIFIER FINISHED 100% verify=CONSISTENT", "project np_1 FINISHED",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "table shop.b"); n != 1 {
		t.Errorf("unchanged table printed %d times:\n%s", n, out)
	}
	// Tables were read while the copy ran and once after it finished, not afterwards.
	if sc.tables != 2 {
		t.Errorf("tables fetched %d times, want 2", sc.tables)
	}
}

func TestWatchBarsFailed(t *testing.T) {
	failed := fullStep("FAILED", 40, 60, 150)
	failed.ExtraInfo = client.StepExtraInfo{ErrorCode: "GODWIT-FULL-0002", ErrorMsg: "write failed",
		ErrorDetails: client.ErrorDetails{{Code: "GODWIT-FULL-0002", Proposal: "Check the target."}}}
	sc := &script{snaps: []snap{
		{"RUNNING", []client.Step{step(1, "TRANSFER_PRECHECK", "FINISHED", 100), fullStep("RUNNING", 30, 60, 150)},
			[]client.TableProgress{{Table: "shop.a", Status: "RUNNING", Capacity: 100, Done: 10}}},
		{"FAILED", []client.Step{step(1, "TRANSFER_PRECHECK", "FINISHED", 100), failed},
			[]client.TableProgress{{Table: "shop.a", Status: "FAILED", Capacity: 100, Done: 10}}},
	}}
	res, out, err := run(t, sc, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reason != "FAILED" || res.Failed() == nil || res.Failed().Name != stepFull {
		t.Fatalf("result = %+v", res)
	}
	if got, want := FailureText(res.Failed()), "step FULL_TRANSFER failed: GODWIT-FULL-0002: write failed (Check the target.)"; got != want {
		t.Fatalf("FailureText = %q, want %q", got, want)
	}
	if !strings.Contains(out, "TRANSFER_PRECHECK") || !strings.Contains(out, "shop.a") {
		t.Fatalf("bars output lacks step or table:\n%q", out)
	}
}

func TestWatchMonitoring(t *testing.T) {
	sc := &script{snaps: []snap{
		{"RUNNING", []client.Step{step(1, "INCR_TRANSFER", "RUNNING", 0)}, nil},
		{"RUNNING", []client.Step{step(1, "INCR_TRANSFER", "MONITORING", 100)}, nil},
	}}
	res, _, err := run(t, sc, true)
	if err != nil || res.Reason != "MONITORING" || res.Project.Status != "RUNNING" {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
}

func TestWatchUnknownProject(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	h := &script{snaps: []snap{{status: "INIT"}}}
	_, _, err := run(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = "/api/v1/projects/other"
		h.ServeHTTP(w, r)
	}), true)
	if !client.IsStatus(err, 404) || !strings.Contains(err.Error(), "GHANA-PROJECT000001") {
		t.Fatalf("err = %v", err)
	}
}

func TestWatchGivesUpOnServerErrors(t *testing.T) {
	var calls int
	_, _, err := run(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.WriteHeader(502)
	}), true)
	if err == nil || !strings.Contains(err.Error(), "10 polls failed") || calls != 10 {
		t.Fatalf("err = %v after %d calls", err, calls)
	}
}

func TestWatchContextCancel(t *testing.T) {
	sc := &script{snaps: []snap{{"RUNNING", []client.Step{step(1, "TRANSFER_PRECHECK", "RUNNING", 5)}, nil}}}
	srv := httptest.NewServer(sc)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := Watch(ctx, client.New(srv.URL, client.Auth{}), "np_1", Options{Interval: 5 * time.Millisecond, Out: &bytes.Buffer{}})
	if err != context.DeadlineExceeded {
		t.Fatalf("err = %v", err)
	}
}

func TestSettled(t *testing.T) {
	for _, st := range []string{"FINISHED", "FAILED", "SUSPEND", "RELEASED"} {
		if r, ok := Settled(&client.Project{Status: st}, nil); !ok || r != st {
			t.Errorf("%s not settled", st)
		}
	}
	if _, ok := Settled(&client.Project{Status: "RUNNING"}, []client.Step{step(1, "INCR_TRANSFER", "RUNNING", 0)}); ok {
		t.Error("RUNNING settled")
	}
}
