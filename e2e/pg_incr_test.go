package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
	"github.com/godwit/godwit/workload"
)

// TestMySQLToPostgresIncrementalKills runs MySQL → PostgreSQL with schema, full copy and
// incremental sync under live writes through a real `godwit serve` subprocess, SIGKILLed
// once during the copy and once during the replay and restarted on the same data dir.
// After the writers stop, DDL (ADD COLUMN with a default, ADD INDEX, MODIFY COLUMN) is replayed
// translated, and once the replay caught up every table is compared value by value
// by the test itself (both sides read independently of godwit): zero differences.
func TestMySQLToPostgresIncrementalKills(t *testing.T) {
	bin := buildGodwit(t)
	src := testenv.SharedMariaDB(t, "source")
	pg := testenv.SharedPostgres(t, "target")
	sdb := incrPool(t, src)
	ctx := context.Background()
	name := testenv.UniqueName("pginc")
	seed(t, src, name, 0.2)
	incrDropLater(t, src, name)
	if err := workload.Prepare(ctx, sdb, name); err != nil {
		t.Fatal(err)
	}
	pgdb := testenv.NewPostgresDatabase(t, pg, "pginc")

	dataDir := filepath.Join(t.TempDir(), "data")
	port := freePort(t)
	g := startGodwit(t, bin, dataDir, port)
	keepLogOnFailure(t, filepath.Join(dataDir, "..", fmt.Sprintf("godwit-%d.log", port)), "godwit-pg-incr.log")
	c := incrClient(g.base)
	sid := createDS(t, g.base, "s-"+name, src)
	did := createPGDS(t, g.base, "p-"+name, pg, pgdb, map[string]string{"typeMapping.zeroDate": "null", "typeMapping.nulInText": "strip",
		"typeMapping.json": "json"})
	body := incrProjectBody("pginc_"+name, sid, did, name, "app", nil, map[string]any{"throttleRps": 15000, "chunkRows": 1000})
	id := createProject(t, g.base, body)

	w := incrWorkload(t, sdb, name, incrSeed(), 3, 100)
	incrWaitTxns(t, w, 0, 30, 30*time.Second)
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	restart := func(why string) {
		t.Helper()
		st := incrSteps(t, c, id)
		t.Logf("SIGKILL (%s): FULL=%s INCR=%s; workload %d txns", why, st["FULL_TRANSFER"].Status, st["INCR_TRANSFER"].Status, w.Stats().Txns)
		g.kill()
		g = startGodwit(t, bin, dataDir, port)
		c = incrClient(g.base)
	}

	// During the copy, with part of the rows written.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var done, capacity int64
		for _, tp := range tables(t, g.base, id, "FULL_TRANSFER") {
			done += tp.Done
			capacity += tp.Capacity
		}
		if capacity > 0 && done >= capacity/3 && incrSteps(t, c, id)["FULL_TRANSFER"].Status == "RUNNING" {
			break
		}
		switch incrSteps(t, c, id)["FULL_TRANSFER"].Status {
		case "FINISHED":
			t.Fatalf("the copy finished before the kill: not a kill during the copy")
		case "FAILED":
			t.Fatalf("the copy failed:\n%s", incrDescribe(c, id))
		}
		if time.Now().After(deadline) {
			t.Fatalf("copy stuck at %d/%d rows:\n%s", done, capacity, incrDescribe(c, id))
		}
		time.Sleep(10 * time.Millisecond)
	}
	restart("copy")

	// During the replay, after it applied something since the restart.
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "MONITORING")
	incrWaitTxns(t, w, w.Stats().Txns, 100, time.Minute)
	st0, _ := c.IncrStatus(ctx, id)
	deadline = time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if st, err := c.IncrStatus(ctx, id); err == nil && st0 != nil && st.AppliedPos != "" && st.AppliedPos != st0.AppliedPos {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	restart("replay")
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "RUNNING", "MONITORING")
	incrWaitTxns(t, w, w.Stats().Txns, 50, time.Minute)

	stats := w.Stop()
	if stats.Err != nil {
		t.Fatalf("writers failed: %v", stats.Err)
	}
	t.Logf("workload: %s", stats)
	// DDL through the replay, translated to PostgreSQL, then rows that use it.
	for _, q := range []string{
		"ALTER TABLE `" + name + "`.w_seq ADD COLUMN extra DECIMAL(10,3) NULL DEFAULT 1.500, ADD INDEX idx_w_note (note)",
		"ALTER TABLE `" + name + "`.customers MODIFY COLUMN note VARCHAR(400) NULL",
		"INSERT INTO `" + name + "`.w_seq (n, writer, at, note, extra) VALUES (-1, 0, '2024-01-02 03:04:05.123456', 'after ddl', -2.25)",
		"UPDATE `" + name + "`.customers SET note = REPEAT('ü', 300) WHERE id = (SELECT MIN(id) FROM (SELECT id FROM `" + name + "`.customers) x)",
	} {
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	incrWaitCaughtUp(t, c, id, incrMasterPos(t, sdb), 3*time.Minute)

	conn, err := pg.Conn(ctx, pgdb)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ex := pgExpectations{zeroDateNull: true, stripNul: true}
	strip := func(col string, r map[string]*string) *string {
		if col == "c_gen_stored" && r["c_varchar"] != nil {
			s := fmt.Sprint(len([]rune(*r["c_varchar"])))
			return &s
		}
		return r[col]
	}
	tbls := incrBaseTables(t, sdb, name)
	if len(tbls) < 8 {
		t.Fatalf("source tables %v: the workload's tables are missing", tbls)
	}
	for _, tb := range tbls {
		diffs := compareMyPG(t, sdb, name, conn, "app", tb, incrTableKey(t, sdb, name, tb), ex, strip)
		for i, d := range diffs {
			if i == 20 {
				t.Errorf("… %d more differences in %s", len(diffs)-20, tb)
				break
			}
			t.Error(d)
		}
	}
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM app.w_seq WHERE n > 0").Scan(&n); err != nil || n != stats.Seq {
		t.Errorf("w_seq holds %d rows (%v), the workload numbered 1..%d", n, err, stats.Seq)
	}
}
