package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
	"github.com/godwit/godwit/workload"
)

// TestIncrFaults is acceptance 3 (faults): with writers running, the source server is
// restarted in the middle of incremental sync, then the target server is stopped for 30 s
// and started again. godwit recovers by itself (no API call) and the final state is
// identical, w_seq holding exactly 1..N.
func TestIncrFaults(t *testing.T) {
	src := testenv.MariaDBT(t, testenv.MariaDBOptions{}) // private: both get restarted
	dst := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	sdb, ddb := incrPool(t, src), incrPool(t, dst)
	ctx := context.Background()
	name := testenv.UniqueName("fault")
	seed(t, src, name, 0.05)
	if err := workload.Prepare(ctx, sdb, name); err != nil {
		t.Fatal(err)
	}
	base := inProcess(t)
	c := incrClient(base)
	sid, did := createDS(t, base, "s-"+name, src), createDS(t, base, "d-"+name, dst)
	id := createProject(t, base, incrProjectBody("fault_"+name, sid, did, name, name, nil, nil))
	seedVal := incrSeed()
	w := incrWorkload(t, sdb, name, seedVal, 3, 60)
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.StopProject(context.Background(), id) })
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "MONITORING")
	incrWaitTxns(t, w, w.Stats().Txns, 60, time.Minute)

	// Source restart mid-stream (the writers lose their connections and retry).
	t0 := time.Now()
	if err := src.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := src.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("source restarted in %s", time.Since(t0).Round(time.Millisecond))
	incrWaitTxns(t, w, w.Stats().Txns, 60, time.Minute)
	afterSrc := incrMasterPos(t, sdb)
	incrWaitApplied(t, c, id, afterSrc, 2*time.Minute, false)
	t.Logf("applied past %s after the source restart", afterSrc)

	// Target down for 30 s while the writers go on; godwit must wait and reconnect.
	if err := dst.Stop(); err != nil {
		t.Fatal(err)
	}
	outage := 30 * time.Second
	t.Logf("target stopped for %s", outage)
	observed := map[string]int{}
	for end := time.Now().Add(outage); time.Now().Before(end); time.Sleep(time.Second) {
		p, err := c.GetProject(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		observed[p.Status]++
	}
	t.Logf("project status during the outage (1 s samples): %v", observed)
	if err := dst.Start(ctx); err != nil {
		t.Fatal(err)
	}
	incrWaitTxns(t, w, w.Stats().Txns, 30, time.Minute)
	stats := w.Stop()
	t.Logf("workload: %s", stats)
	if stats.Err != nil {
		t.Fatal(stats.Err)
	}
	if stats.ConnErrors == 0 {
		t.Error("the writers never lost their connection: the source restart did not happen mid-stream")
	}
	final := incrMasterPos(t, sdb)
	st := incrWaitCaughtUp(t, c, id, final, 3*time.Minute)
	incrCompareDBs(t, sdb, name, ddb, name)
	incrCheckNumbers(t, sdb, name, ddb, name, map[string]int64{"w_seq": stats.Seq})
	checkIncrInfo(t, c, id, st, time.Now())
}

// TestIncrPurgedBinlog is acceptance 3 (purged log): godwit is killed, the source writes
// on and purges its binlog past the position godwit stored; when godwit comes back the
// project ends FAILED with GODWIT-INCR-0001 and advice, and stays so on resume — the rows
// of the purged range, and those after it, never reach the target (no silent gap).
func TestIncrPurgedBinlog(t *testing.T) {
	bin := buildGodwit(t)
	src := testenv.MariaDBT(t, testenv.MariaDBOptions{}) // private: its binlog gets purged
	dst := testenv.SharedMariaDB(t, "target")
	sdb, ddb := incrPool(t, src), incrPool(t, dst)
	ctx := context.Background()
	name := testenv.UniqueName("purge")
	mustExec := func(db *sql.DB, q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(sdb, "CREATE DATABASE "+name)
	mustExec(sdb, "CREATE TABLE "+name+".t (id INT PRIMARY KEY, v VARCHAR(20))")
	mustExec(sdb, "INSERT INTO "+name+".t VALUES (1,'copied'),(2,'copied')")

	dataDir := filepath.Join(t.TempDir(), "data")
	port := freePort(t)
	g := startGodwit(t, bin, dataDir, port)
	c := incrClient(g.base)
	sid, did := createDS(t, g.base, "s-"+name, src), createDS(t, g.base, "d-"+name, dst)
	body := incrProjectBody("purge_"+name, sid, did, name, name, nil, nil)
	incrDropLater(t, dst, name, incrCheckpointSchema(body))
	id := createProject(t, g.base, body)
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "MONITORING")
	mustExec(sdb, "INSERT INTO "+name+".t VALUES (3,'streamed')")
	incrWaitCaughtUp(t, c, id, incrMasterPos(t, sdb), time.Minute)

	g.kill()
	mustExec(sdb, "INSERT INTO "+name+".t VALUES (4,'purged')")
	mustExec(sdb, "FLUSH BINARY LOGS")
	mustExec(sdb, "INSERT INTO "+name+".t VALUES (5,'purged')")
	mustExec(sdb, "FLUSH BINARY LOGS")
	mustExec(sdb, "INSERT INTO "+name+".t VALUES (6,'after the gap')")
	cur := incrMasterPos(t, sdb)
	// The binlog dump thread of the killed godwit may hold the old file a moment longer.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mustExec(sdb, fmt.Sprintf("PURGE BINARY LOGS TO '%s'", cur.File))
		var first string
		var size any
		rows, err := sdb.QueryContext(ctx, "SHOW BINARY LOGS")
		if err != nil {
			t.Fatal(err)
		}
		if rows.Next() {
			rows.Scan(&first, &size)
		}
		rows.Close()
		if first == cur.File {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("could not purge up to %s: first binlog is still %s", cur.File, first)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("purged binary logs before %s", cur.File)

	g = startGodwit(t, bin, dataDir, port) // the project resumes by itself
	c = incrClient(g.base)
	checkPurgeFailure := func(when string) {
		t.Helper()
		if s := waitStatus(t, g.base, id, "FAILED"); s != "FAILED" {
			t.Fatalf("%s: project %s", when, s)
		}
		found := false
		for _, name := range []string{"TRANSFER_INCR_LOG_PULL", "INCR_TRANSFER"} {
			st := incrSteps(t, c, id)[name]
			if st.Status != "FAILED" {
				continue
			}
			code, msg, advice := st.StepError()
			t.Logf("%s: %s FAILED: %s: %s (advice: %s)", when, name, code, msg, advice)
			if code == "GODWIT-INCR-0001" && advice != "" && msg != "" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no incremental step FAILED with GODWIT-INCR-0001:\n%s", when, incrDescribe(c, id))
		}
	}
	checkPurgeFailure("after restart")
	if _, err := c.ResumeProject(ctx, id); err != nil {
		t.Fatalf("resume: %v", err)
	}
	checkPurgeFailure("after resume")

	var n int
	if err := ddb.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+name+".t WHERE id >= 4").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows of or after the purged range reached the target: a silent gap", n)
	}
	if err := ddb.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+name+".t WHERE id <= 3").Scan(&n); err != nil || n != 3 {
		t.Errorf("rows before the kill on the target: %d (%v), want 3", n, err)
	}
}
