package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/client"
	"github.com/godwit/godwit/testenv"
	"github.com/godwit/godwit/workload"
)

// Helpers of the incremental-sync suites (incr_*_test.go).

// soak reports whether the long variants run (soak/incr.sh sets GODWIT_SOAK=1).
func incrSoak() bool { return os.Getenv("GODWIT_SOAK") == "1" }

// incrDDLTypes is the supportDDLTypes of the incremental projects.
var incrDDLTypes = []string{"CREATE_TABLE", "ADD_COLUMN", "MODIFY_COLUMN", "CHANGE_COLUMN", "ADD_INDEX", "CREATE_INDEX", "DROP_INDEX", "RENAME_INDEX"}

func incrClient(base string) *client.Client {
	return client.New(base, client.Auth{User: apiUser, Password: apiPassword})
}

// incrProjectBody is a project with struct + incremental + full copy + deferred indexes
// (GODWIT_INCR_NODEFER=1 creates the indexes with the tables instead: a diagnosis knob)
// from srcDB to dstDB, with a private checkpoint schema.
func incrProjectBody(name, sid, did, srcDB, dstDB string, incr map[string]any, full map[string]any) map[string]any {
	ic := map[string]any{"incrSyncConcurrency": 4, "enableSequencingWithinTxn": true, "supportDDLTypes": incrDDLTypes,
		"storeLogKeptHour": 24, "checkpointSchema": testenv.UniqueName("gwck"), "enableIncrSyncStatistics": true}
	for k, v := range incr {
		ic[k] = v
	}
	fc := map[string]any{"readWorkerNum": 2, "writeWorkerNum": 2}
	for k, v := range full {
		fc[k] = v
	}
	return map[string]any{"name": name, "type": "MIGRATION", "sourceEndpointId": sid, "sinkEndpointId": did,
		"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": srcDB, "mappedName": dstDB}}},
		"enableStructTransfer": true, "structTransferConfig": map[string]any{"deferIndexCreation": os.Getenv("GODWIT_INCR_NODEFER") == ""},
		"enableFullTransfer": true, "enableIncrTransfer": true,
		"fullTransferConfig": fc, "incrTransferConfig": ic}
}

// steps returns the project's steps by name.
func incrSteps(t *testing.T, c *client.Client, id string) map[string]client.Step {
	t.Helper()
	l, err := c.Steps(context.Background(), id)
	if err != nil {
		t.Fatalf("steps: %v", err)
	}
	m := map[string]client.Step{}
	for _, s := range l.Items {
		m[s.Name] = s
	}
	return m
}

// describe renders the project's status, steps and incremental state for failure messages.
func incrDescribe(c *client.Client, id string) string {
	ctx := context.Background()
	var b strings.Builder
	if p, err := c.GetProject(ctx, id); err == nil {
		fmt.Fprintf(&b, "project %s; extraInfo %s\n", p.Status, mustJSON(p.ExtraInfo))
	} else {
		fmt.Fprintf(&b, "project: %v\n", err)
	}
	if l, err := c.Steps(ctx, id); err == nil {
		for _, s := range l.Items {
			code, msg, adv := s.StepError()
			fmt.Fprintf(&b, "  %-22s %-10s %3d%%", s.Name, s.Status, s.Progress)
			if s.StepInfo != nil {
				fmt.Fprintf(&b, " info %s", mustJSON(s.StepInfo))
			}
			if code != "" || msg != "" {
				fmt.Fprintf(&b, " ERROR %s: %s (advice: %s)", code, msg, adv)
			}
			b.WriteByte('\n')
		}
	}
	if s, err := c.IncrStatus(ctx, id); err == nil {
		s.Tables = nil
		fmt.Fprintf(&b, "incr %s\n", mustJSON(s))
	} else {
		fmt.Fprintf(&b, "incr: %v\n", err)
	}
	return b.String()
}

// waitStep polls until step has one of the statuses want. It fails at the deadline, or
// as soon as the project has been FAILED for 15 s (godwit may retry a step by itself).
func incrWaitStep(t *testing.T, c *client.Client, id, step string, timeout time.Duration, want ...string) client.Step {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var failedSince time.Time
	for {
		s, ok := incrSteps(t, c, id)[step]
		if ok {
			for _, w := range want {
				if s.Status == w {
					return s
				}
			}
		}
		p, err := c.GetProject(context.Background(), id)
		if err != nil {
			t.Fatalf("get project: %v", err)
		}
		if p.Status == "FAILED" {
			if failedSince.IsZero() {
				failedSince = time.Now()
			} else if time.Since(failedSince) > 15*time.Second {
				t.Fatalf("project FAILED while waiting for %s %v:\n%s", step, want, incrDescribe(c, id))
			}
		} else {
			failedSince = time.Time{}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not %v after %s:\n%s", step, want, timeout, incrDescribe(c, id))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logPos is a MariaDB binlog position "file:offset".
type logPos struct {
	File string
	Seq  int    // the file's sequence number (mariadb-bin.000002 → 2)
	Off  uint64 // byte offset
}

func (p logPos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Off) }

// less orders positions by file sequence, then offset.
func (p logPos) less(q logPos) bool {
	return p.Seq < q.Seq || p.Seq == q.Seq && p.Off < q.Off
}

func incrParsePos(s string) (logPos, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return logPos{}, fmt.Errorf("position %q is not file:pos", s)
	}
	file := s[:i]
	off, err := strconv.ParseUint(s[i+1:], 10, 64)
	if err != nil {
		return logPos{}, fmt.Errorf("position %q: %v", s, err)
	}
	j := strings.LastIndexByte(file, '.')
	seq, err := strconv.Atoi(file[j+1:])
	if j < 0 || err != nil {
		return logPos{}, fmt.Errorf("position %q: no file sequence number", s)
	}
	return logPos{File: file, Seq: seq, Off: off}, nil
}

// masterPos reads SHOW MASTER STATUS.
func incrMasterPos(t *testing.T, db *sql.DB) logPos {
	t.Helper()
	rows, err := db.Query("SHOW MASTER STATUS")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		t.Fatal("SHOW MASTER STATUS: no row (binlog off?)")
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	p, err := incrParsePos(string(vals[0]) + ":" + string(vals[1]))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waitCaughtUp polls the incremental state until appliedPos >= target, then until the
// delay is 0 and INCR_TRANSFER is MONITORING (the source must be quiet). It fails at the
// deadline or when the project has been FAILED for 15 s.
func incrWaitCaughtUp(t *testing.T, c *client.Client, id string, target logPos, timeout time.Duration) *client.IncrStatus {
	t.Helper()
	return incrWaitApplied(t, c, id, target, timeout, true)
}

// waitApplied polls until appliedPos >= target; with quiet also until the delay is 0 and
// INCR_TRANSFER is MONITORING.
func incrWaitApplied(t *testing.T, c *client.Client, id string, target logPos, timeout time.Duration, quiet bool) *client.IncrStatus {
	t.Helper()
	ctx := context.Background()
	start := time.Now()
	deadline := start.Add(timeout)
	var failedSince time.Time
	var last *client.IncrStatus
	reached := false
	for {
		s, err := c.IncrStatus(ctx, id)
		if err == nil {
			last = s
			if ap, perr := incrParsePos(s.AppliedPos); s.AppliedPos != "" && perr != nil {
				t.Fatalf("appliedPos: %v", perr)
			} else if perr == nil && !ap.less(target) {
				if !reached {
					reached = true
					t.Logf("applied %s >= source %s after %s", s.AppliedPos, target, time.Since(start).Round(time.Millisecond))
				}
				if !quiet || s.DelayMillis == 0 && s.Phase == "MONITORING" && incrSteps(t, c, id)["INCR_TRANSFER"].Status == "MONITORING" {
					return s
				}
			}
		}
		p, perr := c.GetProject(ctx, id)
		if perr != nil {
			t.Fatalf("get project: %v", perr)
		}
		if p.Status == "FAILED" {
			if failedSince.IsZero() {
				failedSince = time.Now()
			} else if time.Since(failedSince) > 15*time.Second {
				t.Fatalf("project FAILED while catching up to %s:\n%s", target, incrDescribe(c, id))
			}
		} else {
			failedSince = time.Time{}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not caught up to %s after %s (reached position: %v; last status %s, err %v):\n%s",
				target, timeout, reached, mustJSON(last), err, incrDescribe(c, id))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tableKey returns the primary key columns of db.table (nil when it has none).
func incrTableKey(t *testing.T, db *sql.DB, schema, table string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT COLUMN_NAME FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA=? AND TABLE_NAME=? AND INDEX_NAME='PRIMARY' ORDER BY SEQ_IN_INDEX`, schema, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var key []string
	for rows.Next() {
		var c string
		rows.Scan(&c)
		key = append(key, c)
	}
	return key
}

// baseTables lists the base tables of a database, sorted.
func incrBaseTables(t *testing.T, db *sql.DB, schema string) []string {
	t.Helper()
	rows, err := db.Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA=? AND TABLE_TYPE='BASE TABLE' ORDER BY TABLE_NAME", schema)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

// compareDatabases compares every row of every base table of srcDB with dstDB (tables
// without a primary key as multisets) and fails on any difference or missing table.
func incrCompareDBs(t *testing.T, src *sql.DB, srcDB string, dst *sql.DB, dstDB string) {
	t.Helper()
	srcT, dstT := incrBaseTables(t, src, srcDB), incrBaseTables(t, dst, dstDB)
	if strings.Join(srcT, ",") != strings.Join(dstT, ",") {
		t.Errorf("tables differ: source %v, target %v", srcT, dstT)
	}
	for _, tb := range srcT {
		d, err := testenv.CompareTables(context.Background(), src, srcDB+"."+tb, dst, dstDB+"."+tb, incrTableKey(t, src, srcDB, tb), nil)
		if err != nil {
			t.Errorf("comparing %s: %v", tb, err)
			continue
		}
		if !d.Same() {
			t.Errorf("table %s differs: %s", tb, d)
		} else {
			t.Logf("table %s: %d rows identical", tb, d.SrcRows)
		}
	}
}

// schemaOf renders a table's columns and indexes from information_schema, comparable
// across servers.
func incrSchemaOf(t *testing.T, db *sql.DB, schema, table string) (cols, idx []string) {
	t.Helper()
	rows, err := db.Query(`SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COALESCE(COLUMN_DEFAULT,'<none>'), COLLATION_NAME IS NULL
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA=? AND TABLE_NAME=? ORDER BY ORDINAL_POSITION`, schema, table)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, typ, null, def string
		var bin bool
		rows.Scan(&n, &typ, &null, &def, &bin)
		cols = append(cols, fmt.Sprintf("%s %s null=%s default=%s", n, typ, null, def))
	}
	rows.Close()
	rows, err = db.Query(`SELECT INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA=? AND TABLE_NAME=? GROUP BY INDEX_NAME, NON_UNIQUE ORDER BY INDEX_NAME`, schema, table)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, c string
		var nu int
		rows.Scan(&n, &nu, &c)
		idx = append(idx, fmt.Sprintf("%s unique=%t (%s)", n, nu == 0, c))
	}
	rows.Close()
	return cols, idx
}

// startWorkload seeds nothing: it starts writers on a database made by seed + Prepare.
func incrWorkload(t *testing.T, db *sql.DB, dbName string, seed uint64, writers int, rate float64) *workload.Workload {
	t.Helper()
	w, err := workload.Start(context.Background(), workload.Config{DB: db, Database: dbName, Seed: seed, Writers: writers, Rate: rate,
		Logf: func(f string, a ...any) { t.Logf(f, a...) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop() })
	t.Logf("workload seed %d, %d writers at %.0f txn/s", seed, writers, rate)
	return w
}

// waitTxns polls until the workload committed at least n more transactions than from.
func incrWaitTxns(t *testing.T, w *workload.Workload, from, n int64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for w.Stats().Txns < from+n {
		if s := w.Stats(); s.Err != nil {
			t.Fatalf("workload: %v", s.Err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("workload made %d of %d transactions in %s", w.Stats().Txns-from, n, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pool opens a pool on m and closes it at cleanup.
func incrPool(t *testing.T, m *testenv.MariaDB) *sql.DB {
	t.Helper()
	db, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(32)
	t.Cleanup(func() { db.Close() })
	return db
}

// checkIncrInfo checks the reported incremental state of a caught-up project: positions
// ordered P0 <= P1 <= applied, safe mode over, delay and checkpoint timestamps present.
func checkIncrInfo(t *testing.T, c *client.Client, id string, s *client.IncrStatus, lastWrite time.Time) {
	t.Helper()
	// The pull side's figures are sampled: give them a few seconds to pass the applied ones.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		pp, e1 := incrParsePos(s.PulledPos)
		ap, e2 := incrParsePos(s.AppliedPos)
		if e1 == nil && e2 == nil && !pp.less(ap) {
			break
		}
		if ns, err := c.IncrStatus(context.Background(), id); err == nil {
			s = ns
		}
	}
	p0, e0 := incrParsePos(s.P0)
	p1, e1 := incrParsePos(s.P1)
	ap, e2 := incrParsePos(s.AppliedPos)
	pp, e3 := incrParsePos(s.PulledPos)
	if e0 != nil || e1 != nil || e2 != nil || e3 != nil {
		t.Errorf("incr positions: p0 %q (%v), p1 %q (%v), applied %q (%v), pulled %q (%v)", s.P0, e0, s.P1, e1, s.AppliedPos, e2, s.PulledPos, e3)
		return
	}
	if p1.less(p0) || ap.less(p1) || pp.less(ap) {
		t.Errorf("positions out of order: p0 %s p1 %s applied %s pulled %s", p0, p1, ap, pp)
	}
	if s.SafeMode {
		t.Error("still in safe mode after catching up past P1")
	}
	if s.RowsApplied == 0 {
		t.Error("rowsApplied is 0")
	}
	p, err := c.GetProject(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != "RUNNING" {
		t.Errorf("project %s while incremental runs, want RUNNING", p.Status)
	}
	if p.ExtraInfo.SyncDelay == nil || p.ExtraInfo.IncrSyncTimestamp == nil {
		t.Errorf("extraInfo lacks syncDelay/incrSyncTimestamp: %s", mustJSON(p.ExtraInfo))
	} else if ts := *p.ExtraInfo.IncrSyncTimestamp; ts < lastWrite.Unix()-1 {
		t.Errorf("incrSyncTimestamp %d is before the last source write %d", ts, lastWrite.Unix())
	}
	st := incrSteps(t, c, id)["INCR_TRANSFER"]
	if st.StepInfo == nil || st.StepInfo.IncrTimestampCheckpoint == nil {
		t.Errorf("INCR_TRANSFER stepInfo lacks incrTimestampCheckpoint: %s", mustJSON(st.StepInfo))
	}
	if lp := incrSteps(t, c, id)["TRANSFER_INCR_LOG_PULL"]; lp.Status != "FINISHED" {
		t.Errorf("TRANSFER_INCR_LOG_PULL is %s, want FINISHED", lp.Status)
	}
}

// dropLater drops databases on m when the test ends (if m still runs).
func incrDropLater(t *testing.T, m *testenv.MariaDB, names ...string) {
	t.Cleanup(func() {
		if !m.Running() {
			return
		}
		for _, n := range names {
			m.DropDatabase(context.Background(), n)
		}
	})
}

// checkpointSchema returns the checkpoint schema of a body made by incrProjectBody.
func incrCheckpointSchema(body map[string]any) string {
	return body["incrTransferConfig"].(map[string]any)["checkpointSchema"].(string)
}

// testSeed returns GODWIT_TEST_SEED if set, else a fresh seed; the caller logs it.
func incrSeed() uint64 {
	if v, err := strconv.ParseUint(os.Getenv("GODWIT_TEST_SEED"), 10, 64); err == nil {
		return v
	}
	return uint64(time.Now().UnixNano())
}

// checkNumbers checks that each numbered table (name → N) holds exactly 1..N once each, on
// the source and on the target.
func incrCheckNumbers(t *testing.T, src *sql.DB, srcDB string, dst *sql.DB, dstDB string, tables map[string]int64) {
	t.Helper()
	for tb, n := range tables {
		if err := workload.CheckNumbered(context.Background(), src, srcDB, tb, "n", n); err != nil {
			t.Errorf("source (the writer's own account is wrong): %v", err)
		}
		if err := workload.CheckNumbered(context.Background(), dst, dstDB, tb, "n", n); err != nil {
			t.Errorf("target: %v", err)
		}
	}
}

// keepLogOnFailure copies a godwit log (which lives in a temp dir) to os.TempDir()/name when
// the test fails, and says where.
func keepLogOnFailure(t *testing.T, path, name string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return
		}
		dst := filepath.Join(os.TempDir(), name)
		if os.WriteFile(dst, b, 0o600) == nil {
			t.Logf("godwit log kept at %s", dst)
		}
	})
}
