package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/godwit/godwit/client"
	"github.com/godwit/godwit/testenv"
)

// TestSwitchoverAndReverse is the switchover acceptance test, against a real godwit
// subprocess and two dedicated MariaDB servers (read_only is global, so not the shared
// ones), with an application account that has no SUPER (read_only stops it):
//
//  1. an application writer runs on the source through the whole migration and the switch;
//  2. a difference injected on the target before the switch makes the gate refuse with
//     GODWIT-SWITCH-0003 (gate diff) and the source is left writable;
//  3. godwit is SIGKILLed while the switch waits in FENCING: the restarted godwit rolls the
//     fence back (read_only OFF) and records the interruption;
//  4. the switch then succeeds: the source is read-only, the writer is stopped by it, and
//     source and target are identical (compared by the test);
//  5. the application writes on the target (a counter incremented N times, new rows), godwit
//     is SIGKILLed during reverse sync and restarted: the source ends identical, the counter
//     is N on both sides, and after the writes stop neither server's log moves (no echo).
func TestSwitchoverAndReverse(t *testing.T) {
	bin := buildGodwit(t)
	src := testenv.SharedMariaDB(t, "switch-source")
	dst := testenv.SharedMariaDB(t, "switch-target")
	ctx := context.Background()
	name := testenv.UniqueName("sw")
	ck, rck := testenv.UniqueName("gwck"), testenv.UniqueName("gwrk")
	incrDropLater(t, src, name, rck)
	incrDropLater(t, dst, name, ck)
	for _, m := range []*testenv.MariaDB{src, dst} {
		exec(t, m, "SET GLOBAL read_only = OFF")
	}
	t.Cleanup(func() { exec(t, src, "SET GLOBAL read_only = OFF"); exec(t, dst, "SET GLOBAL read_only = OFF") })
	exec(t, src, "CREATE DATABASE "+name)
	exec(t, src, "CREATE TABLE "+name+".acct (id INT PRIMARY KEY, v INT NOT NULL, note VARCHAR(40))")
	exec(t, src, "CREATE TABLE "+name+".counter (id INT PRIMARY KEY, n INT NOT NULL)")
	exec(t, src, "CREATE TABLE "+name+".hold (id INT PRIMARY KEY)")
	exec(t, src, "INSERT INTO "+name+".counter VALUES (1, 0)")
	for i := 1; i <= 200; i += 50 {
		q := "INSERT INTO " + name + ".acct VALUES "
		for j := i; j < i+50; j++ {
			if j > i {
				q += ","
			}
			q += fmt.Sprintf("(%d, %d, 'seed')", j, j)
		}
		exec(t, src, q)
	}
	sapp, dapp := appUser(t, src, name), appUser(t, dst, name)
	sroot, droot := incrPool(t, src), incrPool(t, dst)

	dataDir := filepath.Join(t.TempDir(), "data")
	port := freePort(t)
	g := startGodwit(t, bin, dataDir, port)
	keepLogOnFailure(t, filepath.Join(dataDir, "..", fmt.Sprintf("godwit-%d.log", port)), "godwit-switch.log")
	c := incrClient(g.base)
	sid, did := createDS(t, g.base, "s-"+name, src), createDS(t, g.base, "d-"+name, dst)
	body := incrProjectBody("sw_"+name, sid, did, name, name, map[string]any{"checkpointSchema": ck}, nil)
	body["enableFullVerify"] = true
	body["enableReverseIncrTransfer"] = true
	body["reverseIncrTransferConfig"] = map[string]any{"checkpointSchema": rck, "incrSyncConcurrency": 4}
	body["switchoverConfig"] = map[string]any{"fenceWaitSeconds": 4, "killOpenTransactions": false, "catchUpSeconds": 30}
	id := createProject(t, g.base, body)
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}

	// 1. The application writer on the source: a write refused by read_only (1290) is
	// retried, like an application waiting out the cut-over; any other error is kept.
	var committed, refused atomic.Int64
	var stoppedBy atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var err error
			if i%3 == 0 {
				_, err = sapp.Exec(fmt.Sprintf("INSERT INTO acct VALUES (%d, %d, 'live')", 10000+i, i))
			} else {
				_, err = sapp.Exec(fmt.Sprintf("UPDATE acct SET v = v + 1, note = 'upd' WHERE id = %d", 2+i%150))
			}
			var me *gomysql.MySQLError
			switch {
			case err == nil:
				committed.Add(1)
			case errors.As(err, &me) && me.Number == 1290:
				refused.Add(1)
				i-- // the same write again
			default:
				stoppedBy.Store(err)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	stopWriter := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopWriter)

	incrWaitStep(t, c, id, "TRANSFER_APP_SWITCH", 3*time.Minute, "RUNNING")
	if s := incrSteps(t, c, id)["FULL_VERIFIER"]; s.StepInfo == nil || s.StepInfo.VerifyResult != "CONSISTENT" {
		t.Fatalf("FULL_VERIFIER not CONSISTENT:\n%s", incrDescribe(c, id))
	}

	// Precheck checked the target's binlog too (reverse sync captures it).
	pcl, err := c.Precheck(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range pcl.Items {
		found = found || it.Name == "DestDbBinlogFormat" && it.Status == "PASSED"
	}
	if !found {
		t.Fatalf("precheck has no PASSED DestDbBinlogFormat item: %+v", pcl.Items)
	}

	// 2. A difference on a key the source changed after the verification: the gate refuses.
	mustExecDB(t, sapp, "UPDATE acct SET v = 777 WHERE id = 1")
	waitValue(t, droot, "SELECT v FROM "+name+".acct WHERE id = 1", 777)
	mustExecDB(t, droot, "UPDATE "+name+".acct SET v = -1 WHERE id = 1")
	st := switchAndWait(t, c, id, func(s *client.SwitchStatus) bool { return s.State.LastError != nil })
	if e := st.State.LastError; e.Gate != "diff" || e.Code != "GODWIT-SWITCH-0003" {
		t.Fatalf("refusal %+v, want gate diff GODWIT-SWITCH-0003", e)
	}
	if readOnly(t, sroot) {
		t.Fatal("the source stayed read-only after the refused switch")
	}
	before := committed.Load()
	deadline := time.Now().Add(10 * time.Second)
	for committed.Load() == before {
		if time.Now().After(deadline) {
			t.Fatalf("the application writer did not write after the refusal: %v", stoppedBy.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustExecDB(t, droot, "UPDATE "+name+".acct SET v = 777 WHERE id = 1") // repair

	// 3. SIGKILL while the fence waits for an open write transaction: rolled back on restart.
	hold, err := sapp.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold.Exec("INSERT INTO hold VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	req, err := c.Switchover(ctx, id, "SWITCH")
	if err != nil {
		t.Fatal(err)
	}
	waitSwitch(t, c, id, 20*time.Second, func(s *client.SwitchStatus) bool {
		return s.State.RequestID == req.Request.ID && s.State.Phase == "FENCING"
	})
	if !readOnly(t, sroot) {
		waitTrue(t, 5*time.Second, func() bool { return readOnly(t, sroot) })
	}
	g.kill()
	if !readOnly(t, sroot) {
		t.Fatal("expected the crash to leave the fence in place (the test would prove nothing)")
	}
	g = startGodwit(t, bin, dataDir, port)
	c = incrClient(g.base)
	st = waitSwitch(t, c, id, 60*time.Second, func(s *client.SwitchStatus) bool {
		return s.State.Phase == "WAITING" && s.State.LastError != nil && s.State.LastError.Gate == "interrupted"
	})
	if readOnly(t, sroot) {
		t.Fatal("the restarted godwit did not un-fence the source")
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	incrWaitStep(t, c, id, "INCR_TRANSFER", time.Minute, "MONITORING")

	// 4. The switch: fenced, caught up, identical.
	st = switchAndWait(t, c, id, func(s *client.SwitchStatus) bool { return s.State.Phase == "SWITCHED" || s.State.LastError != nil })
	if st.State.Phase != "SWITCHED" {
		t.Fatalf("switch refused: %+v\n%s", st.State.LastError, incrDescribe(c, id))
	}
	t.Logf("switched: Ps %s Pt %s downtime %d ms, %d keys re-verified, writer committed %d", st.State.Ps, st.State.Pt,
		st.State.DowntimeMillis, st.State.KeysChecked, committed.Load())
	if !readOnly(t, sroot) {
		t.Fatal("the source is writable after the switch")
	}
	c1, r1 := committed.Load(), refused.Load()
	time.Sleep(500 * time.Millisecond)
	if committed.Load() != c1 || refused.Load() == r1 {
		t.Fatalf("after the switch the source accepted application writes (%d → %d committed, %d → %d refused)", c1, committed.Load(), r1, refused.Load())
	}
	stopWriter()
	if err := stoppedBy.Load(); err != nil {
		t.Fatalf("the application writer failed: %v", err)
	}
	if st.State.DowntimeMillis <= 0 || st.State.Pt == "" {
		t.Fatalf("switch state lacks downtime or Pt: %+v", st.State)
	}
	incrCompareDBs(t, sroot, name, droot, name)

	// 5. Reverse sync: target writes reach the source, exactly once, across a SIGKILL.
	incrWaitStep(t, c, id, "REVERSE_INCR_TRANSFER", time.Minute, "MONITORING")
	const n = 40
	for i := 0; i < n; i++ {
		mustExecDB(t, dapp, "UPDATE counter SET n = n + 1 WHERE id = 1")
		if i%4 == 0 {
			mustExecDB(t, dapp, fmt.Sprintf("INSERT INTO acct VALUES (%d, %d, 'target')", 50000+i, i))
		}
		if i == n/2 {
			waitValue(t, sroot, "SELECT n FROM "+name+".counter WHERE id = 1", n/4) // some applied already
			g.kill()
			g = startGodwit(t, bin, dataDir, port)
			c = incrClient(g.base)
		}
	}
	waitValue(t, sroot, "SELECT n FROM "+name+".counter WHERE id = 1", n)
	waitTrue(t, time.Minute, func() bool {
		return count(t, sroot, "SELECT COUNT(*) FROM "+name+".acct") == count(t, droot, "SELECT COUNT(*) FROM "+name+".acct")
	})
	incrCompareDBs(t, sroot, name, droot, name)
	// No echo: with the writes over, neither log moves (the streams' checkpoint writes are
	// not captured back), and the counter stays N on both sides.
	time.Sleep(2 * time.Second) // let in-flight status and checkpoint writes settle before sampling
	sp, dp := incrMasterPos(t, sroot), incrMasterPos(t, droot)
	time.Sleep(3 * time.Second)
	if sp2, dp2 := incrMasterPos(t, sroot), incrMasterPos(t, droot); sp2 != sp || dp2 != dp {
		t.Fatalf("the logs keep moving without writes (an echo loop): source %s → %s, target %s → %s", sp, sp2, dp, dp2)
	}
	for _, db := range []*sql.DB{sroot, droot} {
		if v := count(t, db, "SELECT n FROM "+name+".counter WHERE id = 1"); v != n {
			t.Fatalf("counter %d, want %d", v, n)
		}
	}
	rs, err := c.SwitchStatus(ctx, id)
	if err != nil || rs.Reverse == nil || rs.Reverse.Phase != "MONITORING" {
		t.Fatalf("reverse status %+v %v", rs, err)
	}
}

// appUser creates an application account without SUPER on m and returns a pool on db.
func appUser(t *testing.T, m *testenv.MariaDB, db string) *sql.DB {
	t.Helper()
	for _, h := range []string{"%", "localhost", "127.0.0.1"} {
		exec(t, m, fmt.Sprintf("CREATE USER IF NOT EXISTS 'swapp'@'%s' IDENTIFIED BY 'swapp-pw'", h))
		exec(t, m, fmt.Sprintf("CREATE DATABASE IF NOT EXISTS %s", db))
		exec(t, m, fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON %s.* TO 'swapp'@'%s'", db, h))
	}
	cfg := m.Config(db)
	cfg.User, cfg.Passwd = "swapp", "swapp-pw"
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := sql.OpenDB(conn)
	p.SetMaxOpenConns(4)
	t.Cleanup(func() { p.Close() })
	return p
}

func mustExecDB(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func readOnly(t *testing.T, db *sql.DB) bool {
	t.Helper()
	return count(t, db, "SELECT @@global.read_only") != 0
}

func waitTrue(t *testing.T, d time.Duration, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitValue(t *testing.T, db *sql.DB, q string, want int64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var v sql.NullInt64
		_ = db.QueryRow(q).Scan(&v)
		if v.Valid && v.Int64 >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v, want %d", q, v, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// switchAndWait asks for the switchover and waits until done reports its outcome.
func switchAndWait(t *testing.T, c *client.Client, id string, done func(*client.SwitchStatus) bool) *client.SwitchStatus {
	t.Helper()
	req, err := c.Switchover(context.Background(), id, "SWITCH")
	if err != nil {
		t.Fatal(err)
	}
	return waitSwitch(t, c, id, 2*time.Minute, func(s *client.SwitchStatus) bool {
		return s.State.RequestID == req.Request.ID && done(s)
	})
}

func waitSwitch(t *testing.T, c *client.Client, id string, d time.Duration, ok func(*client.SwitchStatus) bool) *client.SwitchStatus {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		s, err := c.SwitchStatus(context.Background(), id)
		if err == nil && ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("switch state not reached within %s: %+v %v\n%s", d, s, err, incrDescribe(c, id))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
