package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
	"github.com/godwit/godwit/workload"
)

// TestVerifyUnderLiveSync is verification acceptance 3: with incremental sync on and writers
// running, FULL_VERIFIER reports no false difference (a difference on a row that changed is
// re-checked after the sync delay); once the writers stop and the target caught up, a new
// verification run reports 0 differences.
func TestVerifyUnderLiveSync(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	sdb := incrPool(t, src)
	name := testenv.UniqueName("vlive")
	seed(t, src, name, 0.2)
	if err := workload.Prepare(context.Background(), sdb, name); err != nil {
		t.Fatal(err)
	}
	base := inProcess(t)
	c := incrClient(base)
	sid, did := createDS(t, base, "s-"+name, src), createDS(t, base, "d-"+name, dst)
	body := incrProjectBody("vlive_"+name, sid, did, name, name+"_t", nil, nil)
	body["enableFullVerify"] = true
	incrDropLater(t, src, name)
	incrDropLater(t, dst, name+"_t", incrCheckpointSchema(body))
	id := createProject(t, base, body)
	ctx := context.Background()
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.StopProject(context.Background(), id) })
	w := incrWorkload(t, sdb, name, incrSeed(), 3, 100) // writes through the copy, catch-up and verification
	incrWaitStep(t, c, id, "FULL_VERIFIER", 3*time.Minute, "RUNNING", "FINISHED")
	atVerify := w.Stats().Txns
	st := incrWaitStep(t, c, id, "FULL_VERIFIER", 3*time.Minute, "FINISHED")
	running := w.Stats().Txns
	if st.StepInfo == nil || st.StepInfo.VerifyResult != "CONSISTENT" {
		var tables any
		native(t, base, http.MethodGet, "/api/v1/projects/"+id+"/verify/runs/latest/tables", nil, &tables)
		t.Errorf("FULL_VERIFIER under live writes: %s (a false difference); tables %s", mustJSON(st.StepInfo), mustJSON(tables))
	}
	stats := w.Stop()
	if stats.Err != nil {
		t.Fatal(stats.Err)
	}
	t.Logf("%d writer transactions while FULL_VERIFIER ran, %d in all", running-atVerify, stats.Txns)
	if running-atVerify == 0 {
		t.Errorf("no write happened while the verifier ran: not a live test")
	}
	incrWaitCaughtUp(t, c, id, incrMasterPos(t, sdb), 2*time.Minute)

	var run struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Result string `json:"result"`
		Diffs  int64  `json:"diffs"`
	}
	var started struct {
		RunID string `json:"runId"`
	}
	if code := native(t, base, http.MethodPost, "/api/v1/projects/"+id+"/verify/runs", map[string]any{}, &started); code != http.StatusAccepted || started.RunID == "" {
		t.Fatalf("start verify run: HTTP %d %+v", code, started)
	}
	run.ID = started.RunID
	deadline := time.Now().Add(2 * time.Minute)
	for run.Status != "FINISHED" && run.Status != "FAILED" {
		if time.Now().After(deadline) {
			t.Fatalf("verify run %s still %s", run.ID, run.Status)
		}
		time.Sleep(200 * time.Millisecond)
		native(t, base, http.MethodGet, "/api/v1/projects/"+id+"/verify/runs/"+run.ID, nil, &run)
	}
	var diffs any
	native(t, base, http.MethodGet, "/api/v1/projects/"+id+"/verify/runs/"+run.ID+"/diffs", nil, &diffs)
	if run.Result != "CONSISTENT" || run.Diffs != 0 {
		t.Errorf("verification after catch-up: %+v; diffs: %s", run, mustJSON(diffs))
	}
	// The verifier's verdict is checked against the data itself.
	incrCompareDBs(t, sdb, name, incrPool(t, dst), name+"_t")
}
