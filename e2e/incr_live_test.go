package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
	"github.com/godwit/godwit/workload"
)

// TestIncrLiveWrites is acceptance 1 of incremental sync: writer goroutines run random
// inserts, updates (primary- and unique-key updates included), deletes and multi-table
// transactions on the sample tables (customers has a secondary unique key, all_types every
// column type, w_seq is numbered 1..N) before, during and after the full copy. After the
// writers stop and the target caught up, every row of every table is identical and w_seq
// holds exactly 1..N. A table without any key, created on the source while INCR_TRANSFER is
// MONITORING, receives numbered rows: on the target each number appears exactly once.
func TestIncrLiveWrites(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	sdb, ddb := incrPool(t, src), incrPool(t, dst)
	ctx := context.Background()
	name := testenv.UniqueName("live")
	dstName := name + "_copy"
	scale, rate, writers := 0.25, 150.0, 4
	if incrSoak() {
		scale, rate, writers = 1, 400, 8
	}
	counts := seed(t, src, name, scale)
	if err := workload.Prepare(ctx, sdb, name); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, n := range counts {
		total += n
	}

	base := inProcess(t)
	c := incrClient(base)
	sid, did := createDS(t, base, "s-"+name, src), createDS(t, base, "d-"+name, dst)
	// Throttled so that the copy lasts a few seconds while the writers run.
	body := incrProjectBody("live_"+name, sid, did, name, dstName, nil, map[string]any{"throttleRps": 15000, "chunkRows": 2000})
	incrDropLater(t, src, name)
	incrDropLater(t, dst, dstName, incrCheckpointSchema(body))
	id := createProject(t, base, body)

	seedVal := incrSeed()
	w := incrWorkload(t, sdb, name, seedVal, writers, rate)
	incrWaitTxns(t, w, 0, 50, 30*time.Second) // writes before the project starts (before P0)
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.StopProject(context.Background(), id) })

	// Writes during the copy.
	full := incrWaitStep(t, c, id, "FULL_TRANSFER", 2*time.Minute, "RUNNING", "FINISHED")
	if full.Status != "RUNNING" {
		t.Fatalf("the copy of %d rows ended before it was seen running: not a handoff test", total)
	}
	copyStart, txnsAtCopy := time.Now(), w.Stats().Txns
	incrWaitStep(t, c, id, "FULL_TRANSFER", 3*time.Minute, "FINISHED")
	duringCopy := w.Stats().Txns - txnsAtCopy
	t.Logf("full copy of %d rows took ~%s; %d writer transactions committed meanwhile", total, time.Since(copyStart).Round(100*time.Millisecond), duringCopy)
	if duringCopy < 20 {
		t.Errorf("only %d transactions during the copy", duringCopy)
	}
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "MONITORING")

	// Writes after the copy, and a keyless table created during incremental sync.
	incrWaitTxns(t, w, w.Stats().Txns, 100, time.Minute)
	if err := workload.CreateNumberedTable(ctx, sdb, name, "nokey_numbers"); err != nil {
		t.Fatal(err)
	}
	app, err := workload.StartAppender(ctx, workload.AppenderConfig{DB: sdb, Database: name, Table: "nokey_numbers", Seed: seedVal, Rate: 100})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for app.N() < 300 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if incrSoak() {
		incrWaitTxns(t, w, w.Stats().Txns, 20000, 10*time.Minute)
	}
	stats := w.Stop()
	nNoKey, appErr := app.Stop()
	lastWrite := time.Now()
	t.Logf("workload: %s; keyless table: 1..%d", stats, nNoKey)
	if stats.Err != nil || appErr != nil {
		t.Fatalf("writers failed: %v / %v", stats.Err, appErr)
	}
	if nNoKey < 300 {
		t.Fatalf("appender wrote only %d numbers", nNoKey)
	}

	final := incrMasterPos(t, sdb)
	st := incrWaitCaughtUp(t, c, id, final, 2*time.Minute)
	incrCompareDBs(t, sdb, name, ddb, dstName)
	incrCheckNumbers(t, sdb, name, ddb, dstName, map[string]int64{"w_seq": stats.Seq, "nokey_numbers": nNoKey})
	checkIncrInfo(t, c, id, st, lastWrite)
	if st.DDLApplied < 1 {
		t.Errorf("ddlApplied %d, want >= 1 (CREATE TABLE nokey_numbers)", st.DDLApplied)
	}
	t.Logf("incr: rowsApplied %d, ddlApplied %d, p0 %s, p1 %s, applied %s", st.RowsApplied, st.DDLApplied, st.P0, st.P1, st.AppliedPos)
}

// TestIncrUniqueKeyHandoff pins down the unique-key case of the handoff: while the copy
// runs, a unique value moves from a row already copied to a row not copied yet (a delete
// plus an insert of the value, and an update freeing the value plus an update taking it).
// The copy then holds the value twice until incremental sync replays the changes; the
// target must still end with the unique index and the source's rows.
func TestIncrUniqueKeyHandoff(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	sdb, ddb := incrPool(t, src), incrPool(t, dst)
	ctx := context.Background()
	name := testenv.UniqueName("ukh")
	must := func(q string) {
		t.Helper()
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	must("CREATE DATABASE " + name)
	must("CREATE TABLE " + name + ".u (id INT NOT NULL PRIMARY KEY, email VARCHAR(64) NOT NULL, v INT NULL, UNIQUE KEY uk_email (email))")
	must("INSERT INTO " + name + ".u SELECT seq, CONCAT('e', seq), seq FROM " + name + ".seq_1_to_20000")
	base := inProcess(t)
	c := incrClient(base)
	sid, did := createDS(t, base, "s-"+name, src), createDS(t, base, "d-"+name, dst)
	body := incrProjectBody("ukh_"+name, sid, did, name, name, nil, map[string]any{"readWorkerNum": 1, "chunkRows": 1000, "throttleRps": 4000})
	incrDropLater(t, src, name)
	incrDropLater(t, dst, name, incrCheckpointSchema(body))
	id := createProject(t, base, body)
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.StopProject(context.Background(), id) })
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var done int64
		for _, tp := range tables(t, base, id, "FULL_TRANSFER") {
			done += tp.Done
		}
		if done >= 3000 {
			break
		}
		if time.Now().After(deadline) || incrSteps(t, c, id)["FULL_TRANSFER"].Status == "FINISHED" {
			t.Fatalf("copy not seen between 3000 rows and its end:\n%s", incrDescribe(c, id))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Rows 1..3000 are copied, rows 19000+ are not yet.
	must("DELETE FROM " + name + ".u WHERE id = 1")
	must("INSERT INTO " + name + ".u VALUES (1000000, 'e1', -1)")
	must("UPDATE " + name + ".u SET email = 'moved-e5' WHERE id = 5")
	must("UPDATE " + name + ".u SET email = 'e5' WHERE id = 19000")
	if s := incrSteps(t, c, id)["FULL_TRANSFER"].Status; s != "RUNNING" {
		t.Fatalf("the copy ended before the unique values moved (FULL_TRANSFER %s): not a handoff test", s)
	}
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "MONITORING")
	incrWaitCaughtUp(t, c, id, incrMasterPos(t, sdb), time.Minute)
	incrCompareDBs(t, sdb, name, ddb, name)
	sc, si := incrSchemaOf(t, sdb, name, "u")
	dc, di := incrSchemaOf(t, ddb, name, "u")
	if fmt.Sprint(sc, si) != fmt.Sprint(dc, di) {
		t.Errorf("table u differs:\nsource %v %v\ntarget %v %v", sc, si, dc, di)
	}
}
