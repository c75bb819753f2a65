package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/godwit/godwit/api"
	"github.com/godwit/godwit/server"
	"github.com/godwit/godwit/service"
	"github.com/godwit/godwit/testenv"
)

// openAt starts a godwit server over dataDir (reusable across restarts) with a fast metric
// sampler and returns its base URL and a function that stops it.
func openAt(t *testing.T, dataDir string, alarms service.AlarmConfig) (string, func()) {
	t.Helper()
	ctx := context.Background()
	logf, err := os.OpenFile(dataDir+"/test.log", os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.Open(ctx, server.Config{DataDir: dataDir, Users: []api.User{{Name: apiUser, Password: apiPassword, Role: "admin"},
		{Name: "viewer", Password: "viewer-pw", Role: "readonly"}},
		Log: slog.New(slog.NewTextHandler(logf, nil)), History: service.HistoryConfig{Interval: 250 * time.Millisecond},
		Alarms: alarms})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	closed := false
	stop := func() {
		if !closed {
			closed = true
			hs.Close()
			srv.Close()
			logf.Close()
		}
	}
	t.Cleanup(stop)
	return hs.URL, stop
}

type series struct {
	Points []struct {
		T int64   `json:"t"`
		V float64 `json:"v"`
	} `json:"points"`
}

func history(t *testing.T, base, id, step, metric, extra string) series {
	t.Helper()
	var s series
	if code := native(t, base, "GET", "/api/v1/projects/"+id+"/metrics?step="+step+"&metric="+metric+extra, nil, &s); code != 200 {
		t.Fatalf("metrics %s %s: HTTP %d", step, metric, code)
	}
	return s
}

// TestMetricHistorySurvivesRestart: while changes stream, the sampler records the
// incremental rate and delay; OMS
// DescribeProjectStepMetric honours maxPointNum; and every point is still there after the
// server is closed and reopened on the same data directory.
func TestMetricHistorySurvivesRestart(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	dir := t.TempDir()
	base, stop := openAt(t, dir, service.AlarmConfig{})
	db := testenv.UniqueName("hist")
	seed(t, src, db, 0.02)
	s, err := src.DB(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sid, did := createDS(t, base, "s-"+db, src), createDS(t, base, "d-"+db, dst)
	id := createProject(t, base, incrProjectBody("hist_"+db, sid, did, db, db+"_t", nil, nil))
	if code, e := action(t, base, id, "start"); code != 200 {
		t.Fatalf("start: %d %+v", code, e)
	}
	c := incrClient(base)
	incrWaitStep(t, c, id, "INCR_TRANSFER", 2*time.Minute, "MONITORING")

	// Stream updates until the history holds positive rates and the step info shows one.
	deadline := time.Now().Add(time.Minute)
	for i := 0; ; i++ {
		if _, err := s.ExecContext(context.Background(), "UPDATE customers SET name = ? WHERE id = ?", fmt.Sprintf("h%d", i), i%100+1); err != nil {
			t.Fatal(err)
		}
		if i%20 == 0 {
			h := history(t, base, id, "INCR_TRANSFER", "RPS", "")
			pos := 0
			for _, p := range h.Points {
				if p.V > 0 {
					pos++
				}
			}
			if pos >= 5 && len(h.Points) >= 12 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no incremental rate history: %d points", len(history(t, base, id, "INCR_TRANSFER", "RPS", "").Points))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d := history(t, base, id, "INCR_TRANSFER", "DELAY", ""); len(d.Points) == 0 {
		t.Error("no DELAY history")
	}
	now := time.Now().Unix()
	req := map[string]any{"projectId": id, "stepName": "INCR_TRANSFER", "metricType": "RPS", "aggregator": "AVG",
		"beginTimestamp": now - 3600, "endTimestamp": now + 1, "maxPointNum": 5}
	data := omsOK(t, base, "DescribeProjectStepMetric", req).(map[string]any)
	dps := data["metrics"].([]any)[0].(map[string]any)["dataPoints"].([]any)
	if len(dps) == 0 || len(dps) > 5 {
		t.Fatalf("maxPointNum 5: got %d points", len(dps))
	}
	req["maxPointNum"] = 10080
	data = omsOK(t, base, "DescribeProjectStepMetric", req).(map[string]any)
	all := len(data["metrics"].([]any)[0].(map[string]any)["dataPoints"].([]any))
	if all < 12 {
		t.Fatalf("maxPointNum 10080: %d points, want every stored point (≥ 12)", all)
	}

	before := history(t, base, id, "INCR_TRANSFER", "RPS", "&points=10080")
	stop()
	base, _ = openAt(t, dir, service.AlarmConfig{})
	after := history(t, base, id, "INCR_TRANSFER", "RPS", fmt.Sprintf("&points=10080&to=%d", before.Points[len(before.Points)-1].T/1000+1))
	have := map[int64]float64{}
	for _, p := range after.Points {
		have[p.T] = p.V
	}
	for _, p := range before.Points {
		if v, ok := have[p.T]; !ok || v != p.V {
			t.Fatalf("point %d=%v lost or changed across the restart (now %v, present %v)", p.T, p.V, v, ok)
		}
	}
}

// TestVerifierRatesInHistory: a full verification records its source and destination rates
// (rows compared per second, and bytes estimated from the copy's row size) in the history.
func TestVerifierRatesInHistory(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	base, _ := openAt(t, t.TempDir(), service.AlarmConfig{})
	db := testenv.UniqueName("vrate")
	seed(t, src, db, 0.1)
	sid, did := createDS(t, base, "s-"+db, src), createDS(t, base, "d-"+db, dst)
	incrDropLater(t, dst, db+"_t")
	id := createProject(t, base, map[string]any{"name": "vr_" + db, "type": "MIGRATION", "sourceEndpointId": sid, "sinkEndpointId": did,
		"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db, "mappedName": db + "_t"}}},
		"enableStructTransfer": true, "enableFullTransfer": true, "enableFullVerify": true,
		"fullTransferConfig": map[string]any{"fullVerifySpeedMode": "STEADY"}})
	if code, e := action(t, base, id, "start"); code != 200 {
		t.Fatalf("start: %d %+v", code, e)
	}
	if st := waitStatus(t, base, id, "FINISHED", "FAILED"); st != "FINISHED" {
		t.Fatalf("project %s", st)
	}
	for _, m := range []string{"FULL_VERIFY_SOURCE_RPS", "FULL_VERIFY_DEST_RPS", "FULL_VERIFY_SOURCE_READ_IOPS"} {
		h := history(t, base, id, "FULL_VERIFIER", m, "")
		pos := 0
		for _, p := range h.Points {
			if p.V > 0 {
				pos++
			}
		}
		if pos == 0 {
			t.Errorf("%s: no positive point in %d", m, len(h.Points))
		}
	}
}
