package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
)

// hugeTxnRSSLimit is the memory bound a godwit process must keep while it captures and
// applies one source transaction several times larger than it (issue 17: ≤ 128 MB whatever
// the data).
const hugeTxnRSSLimit = 128 << 20

// TestIncrHugeTxn: one source transaction of 120,000 rows × 1 KB (≈ 125 MB of row images,
// ≈ 300 MB as decoded events) committed during incremental sync reaches the target exactly
// once while godwit's peak RSS stays under hugeTxnRSSLimit: capture holds at most one part
// of it (--txn-part-bytes, 4 MiB by default) and the change store and replayer stream it.
// godwit is SIGKILLed while the transaction's parts are being stored, so the restarted
// process resumes inside it. Both sides are compared row by row at the end.
func TestIncrHugeTxn(t *testing.T) {
	bin := buildGodwit(t)
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	sdb, ddb := incrPool(t, src), incrPool(t, dst)
	ctx := context.Background()
	name := testenv.UniqueName("huge")
	exec(t, src, "CREATE DATABASE "+name)
	exec(t, src, "CREATE TABLE "+name+".t (id INT NOT NULL PRIMARY KEY, n INT NOT NULL, pad VARCHAR(1100) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
	exec(t, src, "INSERT INTO "+name+".t VALUES (0, 0, 'seed')")

	dataDir := filepath.Join(t.TempDir(), "data")
	port := freePort(t)
	g := startGodwit(t, bin, dataDir, port)
	c := incrClient(g.base)
	keepLogOnFailure(t, filepath.Join(dataDir, "..", fmt.Sprintf("godwit-%d.log", port)), "godwit-incr-huge-txn.log")
	sid, did := createDS(t, g.base, "s-"+name, src), createDS(t, g.base, "d-"+name, dst)
	body := incrProjectBody("huge_"+name, sid, did, name, name, nil, nil)
	incrDropLater(t, src, name)
	incrDropLater(t, dst, name, incrCheckpointSchema(body))
	id := createProject(t, g.base, body)
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "MONITORING")
	st0, err := c.IncrStatus(ctx, id)
	if err != nil {
		t.Fatal(err)
	}

	const rows = 120000
	exec(t, src, fmt.Sprintf("INSERT INTO %s.t SELECT seq, seq %% 97, REPEAT(CHAR(65 + seq %% 26), 1000) FROM %s.seq_1_to_%d", name, name, rows))
	final := incrMasterPos(t, sdb)

	// Kill once capture has stored a few parts of the transaction (pulledSeq moves by one per
	// part), before it has all of it when the timing allows.
	deadline := time.Now().Add(2 * time.Minute)
	inside := false
	for {
		st, err := c.IncrStatus(ctx, id)
		if err == nil && st.PulledSeq >= st0.PulledSeq+3 {
			p, perr := incrParsePos(st.PulledPos)
			inside = perr == nil && p.less(final)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("capture stored no part of the transaction: %+v, %v", st, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	peak1 := peakRSS(t, g.cmd.Process.Pid)
	g.kill()
	t.Logf("killed with capture inside the transaction: %v; peak RSS %d MiB", inside, peak1>>20)
	g = startGodwit(t, bin, dataDir, port)
	c = incrClient(g.base)
	incrWaitCaughtUp(t, c, id, final, 5*time.Minute)
	peak2 := peakRSS(t, g.cmd.Process.Pid)
	t.Logf("restarted process: peak RSS %d MiB", peak2>>20)
	for _, p := range []int64{peak1, peak2} {
		if p > hugeTxnRSSLimit {
			t.Errorf("peak RSS %d MiB, bound %d MiB", p>>20, hugeTxnRSSLimit>>20)
		}
	}
	var n int64
	if err := ddb.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+name+".t").Scan(&n); err != nil || n != rows+1 {
		t.Fatalf("target has %d rows (%v), want %d", n, err, rows+1)
	}
	incrCompareDBs(t, sdb, name, ddb, name)
}

// peakRSS reads a process's peak resident set size (VmHWM) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
