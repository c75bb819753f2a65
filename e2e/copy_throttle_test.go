package e2e

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
)

// TestCopyThrottle copies 12,000 rows with throttleRps=1000 and measures the rate on the
// target itself: the time the committed row count takes to climb from 1,000 to 11,000
// must match 1,000 rows/s within 10 %.
func TestCopyThrottle(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	base := inProcess(t)
	db := testenv.UniqueName("throttle")
	exec(t, src, "CREATE DATABASE `"+db+"`")
	exec(t, src, "CREATE TABLE `"+db+"`.t (id INT PRIMARY KEY, v VARCHAR(64) NOT NULL)")
	exec(t, src, "INSERT INTO `"+db+"`.t SELECT seq, MD5(seq) FROM `"+db+"`.seq_1_to_12000")
	sid, did := createDS(t, base, "s-"+db, src), createDS(t, base, "d-"+db, dst)
	id := createProject(t, base, map[string]any{"name": "thr_" + db, "type": "MIGRATION",
		"sourceEndpointId": sid, "sinkEndpointId": did,
		"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db}}},
		"enableStructTransfer": true, "enableFullTransfer": true,
		"fullTransferConfig": map[string]any{"readWorkerNum": 2, "writeWorkerNum": 2, "chunkRows": 3000, "throttleRps": 1000}})
	if code, e := action(t, base, id, "start"); code != 200 {
		t.Fatalf("start: HTTP %d %+v", code, e)
	}
	_, d := pools(t, src, dst)
	rows := func() int64 {
		var n int64
		if err := d.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM `%s`.t", db)).Scan(&n); err != nil {
			return 0 // the table is created by STRUCT_TRANSFER
		}
		return n
	}
	var n1, n2 int64
	waitFor(t, time.Minute, "1,000 rows on the target", func() bool { n1 = rows(); return n1 >= 1000 })
	t1 := time.Now()
	waitFor(t, time.Minute, "11,000 rows on the target", func() bool { n2 = rows(); return n2 >= 11000 })
	t2 := time.Now()
	rate := float64(n2-n1) / t2.Sub(t1).Seconds()
	t.Logf("measured %.0f rows/s (%d rows in %.2fs)", rate, n2-n1, t2.Sub(t1).Seconds())
	if math.Abs(rate-1000) > 100 {
		t.Errorf("throttleRps=1000 but the copy ran at %.0f rows/s", rate)
	}
	if s := waitStatus(t, base, id, "FINISHED", "FAILED"); s != "FINISHED" {
		t.Fatalf("project %s", s)
	}
	if n := rows(); n != 12000 {
		t.Errorf("target has %d rows, want 12000", n)
	}
}
