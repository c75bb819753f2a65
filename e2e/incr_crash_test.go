package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
	"github.com/godwit/godwit/workload"
)

// TestIncrCrashes is acceptance 2: a real `godwit serve` subprocess is SIGKILLed at random
// moments spread over TRANSFER_INCR_LOG_PULL, FULL_TRANSFER and INCR_TRANSFER (chosen from
// the observed step statuses plus seeded jitter; the seed is logged, GODWIT_TEST_SEED
// replays it) and restarted on the same data dir each time, while writers run throughout.
// The final state is identical; w_seq (keyed, numbered 1..N) proves nothing was skipped and
// a keyless numbered table written during incremental sync proves nothing was applied twice.
func TestIncrCrashes(t *testing.T) {
	bin := buildGodwit(t)
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	sdb, ddb := incrPool(t, src), incrPool(t, dst)
	ctx := context.Background()
	name := testenv.UniqueName("crash")
	seedVal := incrSeed()
	t.Logf("seed %d (GODWIT_TEST_SEED=%d replays the kill moments and the workload)", seedVal, seedVal)
	rng := rand.New(rand.NewPCG(seedVal, 0xc4a54))
	seed(t, src, name, 0.3)
	if err := workload.Prepare(ctx, sdb, name); err != nil {
		t.Fatal(err)
	}

	dataDir := filepath.Join(t.TempDir(), "data")
	port := freePort(t)
	g := startGodwit(t, bin, dataDir, port)
	c := incrClient(g.base)
	keepLogOnFailure(t, filepath.Join(dataDir, "..", fmt.Sprintf("godwit-%d.log", port)), fmt.Sprintf("godwit-incr-crash-%d.log", seedVal))
	sid, did := createDS(t, g.base, "s-"+name, src), createDS(t, g.base, "d-"+name, dst)
	body := incrProjectBody("crash_"+name, sid, did, name, name, nil, map[string]any{"throttleRps": 12000, "chunkRows": 1000})
	incrDropLater(t, src, name)
	incrDropLater(t, dst, name, incrCheckpointSchema(body))
	id := createProject(t, g.base, body)

	w := incrWorkload(t, sdb, name, seedVal, 3, 100)
	incrWaitTxns(t, w, 0, 30, 30*time.Second)
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}

	type kill struct{ at, observed string }
	var kills []kill
	// killNow SIGKILLs godwit, records what the steps looked like just before, and starts
	// it again on the same data dir (the project resumes by itself).
	killNow := func(why string) {
		t.Helper()
		st := incrSteps(t, c, id)
		obs := fmt.Sprintf("STRUCT=%s LOG_PULL=%s FULL=%s INCR=%s", st["STRUCT_TRANSFER"].Status, st["TRANSFER_INCR_LOG_PULL"].Status,
			st["FULL_TRANSFER"].Status, st["INCR_TRANSFER"].Status)
		g.kill()
		kills = append(kills, kill{why, obs})
		t.Logf("kill %d (%s): %s; workload %d txns", len(kills), why, obs, w.Stats().Txns)
		g = startGodwit(t, bin, dataDir, port)
	}
	jitter := func(maxMs int) { time.Sleep(time.Duration(rng.IntN(maxMs+1)) * time.Millisecond) }

	// 1. While capture starts: as soon as the schema is done (or the log pull is seen).
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st := incrSteps(t, c, id)
		if s := st["TRANSFER_INCR_LOG_PULL"].Status; s == "RUNNING" || s == "FINISHED" || st["STRUCT_TRANSFER"].Status == "FINISHED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log pull never started:\n%s", incrDescribe(c, id))
		}
		time.Sleep(5 * time.Millisecond)
	}
	jitter(20)
	killNow("log pull")

	// 2, 3. During the copy, at random fractions of the rows.
	for _, frac := range []float64{0.1 + 0.3*rng.Float64(), 0.5 + 0.35*rng.Float64()} {
		deadline := time.Now().Add(3 * time.Minute)
		for {
			var done, capacity int64
			for _, tp := range tables(t, g.base, id, "FULL_TRANSFER") {
				done += tp.Done
				capacity += tp.Capacity
			}
			fs := incrSteps(t, c, id)["FULL_TRANSFER"].Status
			if fs == "FINISHED" || capacity > 0 && float64(done) >= frac*float64(capacity) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("copy stuck at %d/%d rows:\n%s", done, capacity, incrDescribe(c, id))
			}
			time.Sleep(10 * time.Millisecond)
		}
		killNow(fmt.Sprintf("copy at %.0f%%", frac*100))
	}

	// 4. While INCR_TRANSFER catches up (or right after).
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "RUNNING", "MONITORING")
	jitter(800)
	killNow("incremental catching up")

	// 5, 6. During incremental sync with a keyless numbered table being appended to.
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "MONITORING")
	if err := workload.CreateNumberedTable(ctx, sdb, name, "nokey_numbers"); err != nil {
		t.Fatal(err)
	}
	app, err := workload.StartAppender(ctx, workload.AppenderConfig{DB: sdb, Database: name, Table: "nokey_numbers", Seed: seedVal, Rate: 80})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Stop()
	nKills := 2
	if incrSoak() {
		nKills = 20
	}
	for i := range nKills {
		target := app.N() + 40 + int64(rng.IntN(160))
		deadline := time.Now().Add(time.Minute)
		for app.N() < target && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		incrWaitStep(t, c, id, "INCR_TRANSFER", 2*time.Minute, "RUNNING", "MONITORING")
		if i%2 == 0 {
			// Kill while it applies the backlog, after it made some progress since the
			// restart (even kills); odd kills land anywhere in the restart and replay.
			st0, _ := c.IncrStatus(ctx, id)
			deadline := time.Now().Add(time.Minute)
			for time.Now().Before(deadline) {
				if st, err := c.IncrStatus(ctx, id); err == nil && st0 != nil && st.AppliedPos != "" && st.AppliedPos != st0.AppliedPos {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		jitter(700)
		killNow(fmt.Sprintf("incremental %d", i+1))
	}
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "RUNNING", "MONITORING")
	incrWaitTxns(t, w, w.Stats().Txns, 50, time.Minute)

	stats := w.Stop()
	nNoKey, appErr := app.Stop()
	lastWrite := time.Now()
	t.Logf("workload: %s; keyless table: 1..%d", stats, nNoKey)
	if stats.Err != nil || appErr != nil {
		t.Fatalf("writers failed: %v / %v", stats.Err, appErr)
	}
	final := incrMasterPos(t, sdb)
	st := incrWaitCaughtUp(t, c, id, final, 3*time.Minute)
	incrCompareDBs(t, sdb, name, ddb, name)
	incrCheckNumbers(t, sdb, name, ddb, name, map[string]int64{"w_seq": stats.Seq, "nokey_numbers": nNoKey})
	checkIncrInfo(t, c, id, st, lastWrite)

	// The kills were spread over the phases.
	var inCopy, inIncr int
	for _, k := range kills {
		if strings.Contains(k.observed, "FULL=RUNNING") {
			inCopy++
		}
		if strings.Contains(k.observed, "INCR=RUNNING") || strings.Contains(k.observed, "INCR=MONITORING") {
			inIncr++
		}
	}
	if len(kills) < 5 || inCopy < 2 || inIncr < 2 || strings.Contains(kills[0].observed, "FULL=FINISHED") {
		t.Errorf("kills not spread over log pull, copy and incremental: %+v", kills)
	}
}
