package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godwit/godwit/client"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/testenv"
)

// TestLifecycleHammerLive: 50 API clients send random stop / resume / start to one
// incremental project at once while rows are written to the source, round after round. After
// each round the project's status must describe what actually runs, checked on the servers:
// SUSPEND → no binlog dump thread of godwit on the source, no row reaching the target, and
// /incr and the step say so;
// RUNNING → exactly one dump thread and new rows arriving; /incr agrees. Every round ends with a
// transition that must be accepted (nothing stuck). At the end the target equals the source.
func TestLifecycleHammerLive(t *testing.T) {
	src := testenv.MariaDBT(t, testenv.MariaDBOptions{}) // private: its dump threads are all ours
	dst := testenv.SharedMariaDB(t, "target")
	base := inProcess(t)
	ctx := context.Background()
	db := testenv.UniqueName("hammer")
	sdb, err := src.CreateDatabase(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	mustExec(t, sdb, "CREATE TABLE t (id BIGINT PRIMARY KEY, v INT NOT NULL)")
	mustExec(t, sdb, "INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)")
	sid, did := createDS(t, base, "s-"+db, src), createDS(t, base, "d-"+db, dst)
	id := createProject(t, base, incrProjectBody("hammer_"+db, sid, did, db, db, nil, nil))
	if code, e := action(t, base, id, "start"); code/100 != 2 {
		t.Fatalf("start: HTTP %d %+v", code, e)
	}
	c := incrClient(base)
	incrWaitStep(t, c, id, "INCR_TRANSFER", 2*time.Minute, "MONITORING")
	ddb, err := dst.DB(db)
	if err != nil {
		t.Fatal(err)
	}
	defer ddb.Close()

	// The writer inserts rows with increasing ids until the test ends.
	var lastID atomic.Int64
	lastID.Store(3)
	wctx, stopWriter := context.WithCancel(ctx)
	var wwg sync.WaitGroup
	wwg.Add(1)
	go func() {
		defer wwg.Done()
		for wctx.Err() == nil {
			n := lastID.Load() + 1
			if _, err := sdb.ExecContext(wctx, "INSERT INTO t VALUES (?, ?)", n, n%97); err == nil {
				lastID.Store(n)
			}
			time.Sleep(2 * time.Millisecond) // pacing of the load, not synchronisation
		}
	}()
	defer func() { stopWriter(); wwg.Wait() }()

	// A lost capture connection: the reconnect log line names where capture resumes — past
	// what was captured, not P0.
	waitRowArrives(t, ddb, lastID.Load(), "before the hammer")
	killDumpThreads(t, src)
	waitDumpThreads(t, src, 1, "after the capture connection was killed")
	checkReconnectLine(t, c, id)

	rounds := 6
	if raceEnabled {
		rounds = 4
	}
	if incrSoak() {
		rounds = 30
	}
	verbs := []string{"stop", "resume", "start"}
	for round := 0; round < rounds; round++ {
		var wg sync.WaitGroup
		var bad atomic.Value
		gate := make(chan struct{})
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				for k := 0; k < 3; k++ {
					verb := verbs[rand.IntN(len(verbs))]
					if msg := hammerAction(base, id, verb); msg != "" {
						bad.Store(msg)
					}
					time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond) // spread the requests
				}
			}()
		}
		close(gate)
		wg.Wait()
		if m := bad.Load(); m != nil {
			t.Fatalf("round %d: %v", round, m)
		}
		switch st := projectStatus(t, base, id); st {
		case "SUSPEND":
			waitDumpThreads(t, src, 0, "round %d: SUSPEND", round)
			n1 := countRows(t, ddb)
			// Rows keep being written; a running apply would deliver them within ~100 ms.
			time.Sleep(1500 * time.Millisecond) // an observation window for a negative check
			if n2 := countRows(t, ddb); n2 != n1 {
				t.Fatalf("round %d: SUSPEND but %d rows reached the target in 1.5 s", round, n2-n1)
			}
			if st, err := c.IncrStatus(ctx, id); err != nil || st.Phase != "SUSPENDED" || st.EventsPerSec != 0 {
				t.Fatalf("round %d: SUSPEND but /incr says %+v (err %v)", round, st, err)
			}
			if s := incrSteps(t, c, id)["INCR_TRANSFER"]; s.Status != "SUSPEND" {
				t.Fatalf("round %d: SUSPEND but INCR_TRANSFER is %s", round, s.Status)
			}
			if code, e := action(t, base, id, "resume"); code/100 != 2 {
				t.Fatalf("round %d: resume from SUSPEND: HTTP %d %+v", round, code, e)
			}
		case "RUNNING":
			waitDumpThreads(t, src, 1, "round %d: RUNNING", round)
			waitRowArrives(t, ddb, lastID.Load(), "round %d: RUNNING", round)
			deadline := time.Now().Add(30 * time.Second) // the apply step publishes its state about once a second
			for {
				st, err := c.IncrStatus(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if st.Phase == "MONITORING" || st.Phase == "CATCHING_UP" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("round %d: RUNNING but /incr says %s", round, st.Phase)
				}
				time.Sleep(20 * time.Millisecond)
			}
		default:
			t.Fatalf("round %d: project %s:\n%s", round, st, incrDescribe(c, id))
		}
	}
	if st := projectStatus(t, base, id); st != "RUNNING" {
		t.Fatalf("after the rounds: %s", st)
	}
	stopWriter()
	wwg.Wait()
	// The source's own maximum: an insert cut off by the writer's cancellation may still have
	// committed without lastID knowing.
	var maxID int64
	if err := sdb.QueryRow("SELECT MAX(id) FROM t").Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	waitRowArrives(t, ddb, maxID, "after the writer stopped")
	d, err := testenv.CompareTables(ctx, sdb, "t", ddb, "t", []string{"id"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Same() {
		t.Fatalf("target differs from source: %s", d)
	}
}

// hammerAction sends one lifecycle action; it returns a message for anything but success
// or a project-state refusal (which the race makes normal).
func hammerAction(base, id, verb string) string {
	req, _ := http.NewRequest("POST", base+"/api/v1/projects/"+id+"/"+verb, nil)
	req.SetBasicAuth(apiUser, apiPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Sprintf("%s: %v", verb, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return ""
	}
	var e apiErr
	_ = json.NewDecoder(resp.Body).Decode(&e)
	if e.Error.Code == errs.CodeProjectState {
		return ""
	}
	return fmt.Sprintf("%s: HTTP %d %+v", verb, resp.StatusCode, e)
}

// waitDumpThreads polls the source until godwit holds want binlog dump connections. A dump
// thread whose client left ends when it next sends an event, which the writer provokes.
func waitDumpThreads(t *testing.T, m *testenv.MariaDB, want int, format string, args ...any) {
	t.Helper()
	db, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf(format+": %d binlog dump threads on the source, want %d", append(args, n, want)...)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRowArrives polls the target until the row with id exists.
func waitRowArrives(t *testing.T, db *sql.DB, id int64, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM t WHERE id = ?", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf(format+": row %d never reached the target", append(args, id)...)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countRows(t *testing.T, db *sql.DB) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// killDumpThreads kills every binlog dump connection on the source.
func killDumpThreads(t *testing.T, m *testenv.MariaDB) {
	t.Helper()
	db, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		t.Fatal("no binlog dump thread to kill")
	}
	for _, id := range ids {
		if _, err := db.Exec(fmt.Sprintf("KILL %d", id)); err != nil {
			t.Fatal(err)
		}
	}
}

// checkReconnectLine finds the project's "reconnecting from POS" log line and checks that
// POS is not P0 (rows were captured since).
func checkReconnectLine(t *testing.T, c interface {
	Logs(context.Context, string, client.LogQuery) (*client.LogList, error)
	IncrStatus(context.Context, string) (*client.IncrStatus, error)
}, id string) {
	t.Helper()
	ctx := context.Background()
	st, err := c.IncrStatus(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		l, err := c.Logs(ctx, id, client.LogQuery{Level: "WARN", Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range l.Items {
			_, rest, ok := strings.Cut(e.Message, "reconnecting from ")
			if !ok {
				continue
			}
			pos, _, _ := strings.Cut(rest, " ")
			if pos == st.P0 || pos == "" {
				t.Fatalf("reconnect line names P0 %s, not where capture resumes: %q", st.P0, e.Message)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reconnect line in the project log: %+v", l.Items)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
