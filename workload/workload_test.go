package workload

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/sampledb"
	"github.com/godwit/godwit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// sampleDB creates a small sample database plus the workload tables.
func sampleDB(t *testing.T, db *sql.DB, prefix string) string {
	t.Helper()
	name := testenv.UniqueName(prefix)
	ctx := context.Background()
	if _, err := sampledb.Create(ctx, db, name, sampledb.Options{Scale: 0.02}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP DATABASE IF EXISTS " + qi(name)) })
	if err := Prepare(ctx, db, name); err != nil {
		t.Fatal(err)
	}
	return name
}

func rootDB(t *testing.T) *sql.DB {
	t.Helper()
	m := testenv.SharedMariaDB(t, "source")
	db, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestWorkloadRuns runs every kind of operation and leaves w_seq numbered 1..Seq.
func TestWorkloadRuns(t *testing.T) {
	db := rootDB(t)
	name := sampleDB(t, db, "wl")
	w, err := Start(context.Background(), Config{DB: db, Database: name, Seed: 7, Writers: 3, MaxOps: 250})
	if err != nil {
		t.Fatal(err)
	}
	s := w.Wait()
	t.Log(s)
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	for what, v := range map[string]int64{"txns": s.Txns, "inserts": s.Inserts, "updates": s.Updates, "pk updates": s.PKUpdates,
		"uk updates": s.UKUpdates, "deletes": s.Deletes, "multi-table txns": s.MultiTxns, "rolled back": s.RolledBack, "seq": s.Seq} {
		if v == 0 {
			t.Errorf("no %s in %s", what, s)
		}
	}
	if s.Txns < 3*250-s.Conflicts-s.RolledBack-5 {
		t.Errorf("only %d transactions committed", s.Txns)
	}
	if err := CheckNumbered(context.Background(), db, name, "w_seq", "n", s.Seq); err != nil {
		t.Error(err)
	}
	// The freed-email path really reused addresses: some emails of workload customers are
	// sampledb's (example.com), moved by a delete or an update.
	var reused int64
	db.QueryRow("SELECT COUNT(*) FROM " + qi(name) + ".customers WHERE id >= 100000000 AND email LIKE '%@example.com'").Scan(&reused)
	t.Logf("inserted customers with a reused email: %d", reused)
	// A second instance continues the numbering and uses other keys.
	w2, err := Start(context.Background(), Config{DB: db, Database: name, Seed: 8, Writers: 2, MaxOps: 50, Instance: 1})
	if err != nil {
		t.Fatal(err)
	}
	s2 := w2.Wait()
	if s2.Err != nil || s2.Seq <= s.Seq {
		t.Fatalf("second instance: %s", s2)
	}
	if err := CheckNumbered(context.Background(), db, name, "w_seq", "n", s2.Seq); err != nil {
		t.Error(err)
	}
}

// TestWorkloadDeterministic: one writer, the same seed and the same start data give the
// same end data.
func TestWorkloadDeterministic(t *testing.T) {
	db := rootDB(t)
	a, b := sampleDB(t, db, "wla"), sampleDB(t, db, "wlb")
	for _, name := range []string{a, b} {
		w, err := Start(context.Background(), Config{DB: db, Database: name, Seed: 42, Writers: 1, MaxOps: 300})
		if err != nil {
			t.Fatal(err)
		}
		if s := w.Wait(); s.Err != nil {
			t.Fatal(s.Err)
		}
	}
	for _, ti := range append(sampledb.Tables(), sampledb.TableInfo{Name: "w_seq", Key: []string{"n"}}) {
		var cols [][2]string
		rows, err := db.Query("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA=? AND TABLE_NAME=? ORDER BY ORDINAL_POSITION", a, ti.Name)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c string
			rows.Scan(&c)
			if c != "c_ts_auto" && c != "at" { // set by the server's clock
				cols = append(cols, [2]string{c, c})
			}
		}
		rows.Close()
		d, err := testenv.CompareTables(context.Background(), db, a+"."+ti.Name, db, b+"."+ti.Name, ti.Key, cols)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Same() {
			t.Errorf("%s differs between two runs with the same seed: %s", ti.Name, d)
		}
	}
}

// TestAppenderAndCheck: the appender numbers rows 1..N; CheckNumbered catches a duplicate,
// a gap and a stranger.
func TestAppenderAndCheck(t *testing.T) {
	db := rootDB(t)
	name := sampleDB(t, db, "wlapp")
	ctx := context.Background()
	if err := CreateNumberedTable(ctx, db, name, "nums"); err != nil {
		t.Fatal(err)
	}
	a, err := StartAppender(ctx, AppenderConfig{DB: db, Database: name, Table: "nums", Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for a.N() < 200 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	n, err := a.Stop()
	if err != nil || n < 200 {
		t.Fatalf("appender: n=%d err=%v", n, err)
	}
	if err := CheckNumbered(ctx, db, name, "nums", "n", n); err != nil {
		t.Fatal(err)
	}
	tbl := qi(name) + ".nums"
	for _, c := range []struct{ sql, want string }{
		{"INSERT INTO " + tbl + " SELECT * FROM " + tbl + " WHERE n=5", "duplicated (number×count): 5×2"},
		{"DELETE FROM " + tbl + " WHERE n IN (5, 17)", "missing: 5 17"},
		{"INSERT INTO " + tbl + " VALUES (5, NOW(6), NULL), (17, NOW(6), NULL), (0, NOW(6), NULL)", "not in 1..n: 0"},
	} {
		if _, err := db.Exec(c.sql); err != nil {
			t.Fatal(err)
		}
		err := CheckNumbered(ctx, db, name, "nums", "n", n)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("after %q: CheckNumbered = %v, want %q", c.sql, err, c.want)
		}
	}
}
