package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
)

// binlogPos parses "name.000012:345" into comparable parts.
func binlogPos(t *testing.T, s string) (int64, int64) {
	t.Helper()
	i := strings.LastIndexByte(s, ':')
	j := strings.LastIndexByte(s[:max(i, 0)], '.')
	if i < 0 || j < 0 {
		t.Fatalf("bad binlog position %q", s)
	}
	f, err1 := strconv.ParseInt(s[j+1:i], 10, 64)
	p, err2 := strconv.ParseInt(s[i+1:], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("bad binlog position %q", s)
	}
	return f, p
}

// sourcePos reads the source's current binlog position.
func sourcePos(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query("SHOW MASTER STATUS")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	var file, pos string
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if !rows.Next() {
		t.Fatal("SHOW MASTER STATUS: no row (binlog off?)")
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	str := func(v any) string {
		if b, ok := v.([]byte); ok {
			return string(b)
		}
		return fmt.Sprint(v)
	}
	file, pos = str(vals[0]), str(vals[1])
	return file + ":" + pos
}

type incrState struct {
	Phase       string `json:"phase"`
	AppliedPos  string `json:"appliedPos"`
	PulledPos   string `json:"pulledPos"`
	DelayMillis int64  `json:"delayMillis"`
	SafeMode    bool   `json:"safeMode"`
	RowsApplied int64  `json:"rowsApplied"`
	DDLApplied  int64  `json:"ddlApplied"`
}

// waitApplied polls the project's incremental state until it applied the source up to pos.
func waitApplied(t *testing.T, base, id, pos string, timeout time.Duration) incrState {
	t.Helper()
	wf, wp := binlogPos(t, pos)
	deadline := time.Now().Add(timeout)
	var st incrState
	for time.Now().Before(deadline) {
		native(t, base, "GET", "/api/v1/projects/"+id+"/incr", nil, &st)
		if st.AppliedPos != "" {
			f, p := binlogPos(t, st.AppliedPos)
			if f > wf || (f == wf && p >= wp) {
				return st
			}
		}
		if s := projectStatus(t, base, id); s == "FAILED" {
			t.Fatalf("project failed while waiting for %s: %+v", pos, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("not applied up to %s after %s: %+v", pos, timeout, st)
	return st
}

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
	// Wait for MONITORING.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var st incrState
		native(t, base, "GET", "/api/v1/projects/"+id+"/incr", nil, &st)
		if st.Phase == "MONITORING" {
			break
		}
		if ps := projectStatus(t, base, id); ps == "FAILED" || time.Now().After(deadline) {
			var steps any
			native(t, base, "GET", "/api/v1/projects/"+id+"/steps", nil, &steps)
			t.Fatalf("project %s before MONITORING: %+v\nsteps: %s", ps, st, mustJSON(steps))
		}
		time.Sleep(100 * time.Millisecond)
	}
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
	st := waitApplied(t, base, id, sourcePos(t, s), time.Minute)
	t.Logf("incr state: %+v", st)
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
