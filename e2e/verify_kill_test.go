package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
)

// TestKillDuringVerification is verification acceptance 4: a real godwit process is SIGKILLed
// while FULL_VERIFIER runs and started again on the same data dir; the verification resumes
// by itself and does not compare again the tables it had finished. Proof: after the kill a
// row is deleted on the target in a table the verifier had already finished; a verifier
// that redid the table would report it, one that resumed reports CONSISTENT.
func TestKillDuringVerification(t *testing.T) {
	bin := buildGodwit(t)
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	db := testenv.UniqueName("vkill")
	seed(t, src, db, 0.5)
	dataDir := filepath.Join(t.TempDir(), "data")
	port := freePort(t)
	g := startGodwit(t, bin, dataDir, port)
	sid, did := createDS(t, g.base, "s-"+db, src), createDS(t, g.base, "d-"+db, dst)
	mapping := map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db, "mappedName": db + "_t"}}}
	copyID := createProject(t, g.base, map[string]any{"name": "vkc_" + db, "type": "MIGRATION", "sourceEndpointId": sid,
		"sinkEndpointId": did, "transferMapping": mapping, "enableStructTransfer": true, "enableFullTransfer": true})
	action(t, g.base, copyID, "start")
	if s := waitStatus(t, g.base, copyID, "FINISHED", "FAILED"); s != "FINISHED" {
		t.Fatalf("copy project: %s", s)
	}
	id := createProject(t, g.base, map[string]any{"name": "vkv_" + db, "type": "MIGRATION", "sourceEndpointId": sid,
		"sinkEndpointId": did, "transferMapping": mapping, "enableFullVerify": true,
		"fullTransferConfig": map[string]any{"chunkRows": 1000, "readWorkerNum": 1, "fullVerifySpeedMode": "STEADY", "throttleRps": 20000}})
	action(t, g.base, id, "start")

	// Kill once at least one table with rows is finished and others are not.
	type tableRes struct {
		Table      string `json:"table"`
		Target     string `json:"target"`
		Status     string `json:"status"`
		SourceRows int64  `json:"sourceRows"`
	}
	var done tableRes
	deadline := time.Now().Add(2 * time.Minute)
	for done.Table == "" {
		if time.Now().After(deadline) {
			t.Fatal("no verified table seen before the deadline")
		}
		var res struct {
			Items []tableRes `json:"items"`
		}
		native(t, g.base, "GET", "/api/v1/projects/"+id+"/verify/runs/latest/tables", nil, &res)
		finished, open := 0, 0
		var cand tableRes
		for _, r := range res.Items {
			if r.Status == "FINISHED" && r.SourceRows > 0 && cand.Table == "" {
				cand = r
			}
			if r.Status == "FINISHED" {
				finished++
			} else {
				open++
			}
		}
		if cand.Table != "" && (open > 0 || len(res.Items) < 8) {
			done = cand
			break
		}
		if s := projectStatus(t, g.base, id); s == "FINISHED" || s == "FAILED" {
			t.Fatalf("verification ended (%s) before a kill point was found; make it slower", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	g.kill()
	t.Logf("killed godwit with %s verified", done.Table)
	exec(t, dst, fmt.Sprintf("DELETE FROM %s LIMIT 1", quoteDotted(done.Target)))

	g = startGodwit(t, bin, dataDir, port)
	if s := waitStatus(t, g.base, id, "FINISHED", "FAILED"); s != "FINISHED" {
		t.Fatalf("verification project after restart: %s", s)
	}
	var steps struct {
		Items []struct {
			Name     string `json:"name"`
			StepInfo struct {
				VerifyResult string `json:"verifyResult"`
				Message      string `json:"message"`
			} `json:"stepInfo"`
		} `json:"items"`
	}
	native(t, g.base, "GET", "/api/v1/projects/"+id+"/steps", nil, &steps)
	for _, s := range steps.Items {
		if s.Name == "FULL_VERIFIER" && s.StepInfo.VerifyResult != "CONSISTENT" {
			t.Errorf("after the restart FULL_VERIFIER says %s (%s): it compared %s again instead of resuming",
				s.StepInfo.VerifyResult, s.StepInfo.Message, done.Table)
		}
	}
	// Control: a fresh verification run does see the deleted row.
	var started struct {
		RunID string `json:"runId"`
	}
	if code := native(t, g.base, "POST", "/api/v1/projects/"+id+"/verify/runs", map[string]any{}, &started); code != 202 {
		t.Fatalf("start verify run: HTTP %d", code)
	}
	var run struct {
		Status string `json:"status"`
		Result string `json:"result"`
		Diffs  int64  `json:"diffs"`
	}
	for end := time.Now().Add(2 * time.Minute); run.Status != "FINISHED" && run.Status != "FAILED"; {
		if time.Now().After(end) {
			t.Fatalf("control run still %s", run.Status)
		}
		time.Sleep(100 * time.Millisecond)
		native(t, g.base, "GET", "/api/v1/projects/"+id+"/verify/runs/"+started.RunID, nil, &run)
	}
	if run.Result != "INCONSISTENT" || run.Diffs != 1 {
		t.Errorf("control run after deleting one target row: %+v, want INCONSISTENT with 1 difference", run)
	}
}

// quoteDotted quotes "db.table" as `db`.`table`.
func quoteDotted(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return "`" + s[:i] + "`.`" + s[i+1:] + "`"
		}
	}
	return "`" + s + "`"
}
