package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
)

// TestIncrSmoke: changes made on the source before, during and after the copy reach the
// target, including a primary-key update and an ADD COLUMN.
func TestIncrSmoke(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	base := inProcess(t)
	db := testenv.UniqueName("cdc")
	seed(t, src, db, 0.05)
	s, err := src.DB(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sid, did := createDS(t, base, "s-"+db, src), createDS(t, base, "d-"+db, dst)
	id := createProject(t, base, map[string]any{"name": "cdc_" + db, "type": "MIGRATION", "sourceEndpointId": sid, "sinkEndpointId": did,
		"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db, "mappedName": db + "_t"}}},
		"enableStructTransfer": true, "enableFullTransfer": true, "enableIncrTransfer": true,
		"enableIncrVerify":   true,
		"incrTransferConfig": map[string]any{"incrSyncConcurrency": 4, "enableIncrSyncStatistics": true}})
	action(t, base, id, "start")
	ctx := context.Background()
	must := func(q string, args ...any) {
		t.Helper()
		if _, err := s.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for i := range 50 {
		must("UPDATE customers SET name = CONCAT(name, '!') WHERE id = ?", i+1)
	}
	c := incrClient(base)
	incrWaitStep(t, c, id, "INCR_TRANSFER", 2*time.Minute, "MONITORING")
	must("UPDATE customers SET id = id + 1000000 WHERE id = 7")
	must("DELETE FROM customers WHERE id = 9")
	must("ALTER TABLE customers ADD COLUMN nickname VARCHAR(40) NULL")
	must("UPDATE customers SET nickname = CONCAT('n', id) WHERE id < 30")
	tx, _ := s.BeginTx(ctx, nil)
	for i := range 20 {
		if _, err := tx.ExecContext(ctx, "UPDATE customers SET name = ? WHERE id = ?", fmt.Sprintf("tx%d", i), 100+i); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	st := incrWaitCaughtUp(t, c, id, incrMasterPos(t, s), time.Minute)
	t.Logf("incr state: %+v", *st)
	if st.DDLApplied < 1 {
		t.Errorf("DDL not applied: %+v", st)
	}
	compareAll(t, src, dst, db, db+"_t")
	// Incremental verification re-compared the applied keys into a run of kind INCR.
	var runs struct {
		Items []struct {
			ID    string `json:"id"`
			Kind  string `json:"kind"`
			Diffs int64  `json:"diffs"`
		} `json:"items"`
	}
	native(t, base, "GET", "/api/v1/projects/"+id+"/verify/runs", nil, &runs)
	found := false
	for _, r := range runs.Items {
		if r.Kind == "INCR" {
			found = true
			if r.Diffs != 0 {
				t.Errorf("incremental verification run %s reports %d differences on identical data", r.ID, r.Diffs)
			}
		}
	}
	if !found {
		t.Errorf("no incremental verification run: %s", mustJSON(runs))
	}
	d, _ := dst.DB(db + "_t")
	defer d.Close()
	if n := count(t, d, "SELECT COUNT(*) FROM customers WHERE nickname IS NOT NULL"); n == 0 {
		t.Errorf("added column has no values on the target")
	}
}
