package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/godwit/godwit/testenv"
)

// Row filters under incremental sync (issue 11, part 3).

const (
	rfNumFilter = "k < 500"
	rfStrFilter = "tenant COLLATE utf8mb4_bin IN ('acme', 'globex') AND d >= '2024-01-01'"
)

// TestIncrRowFilters runs a project whose two tables have a whereClause — one on a numeric
// column that the column filter does not even move, one on a string (under a binary
// collation: 'ACME' is out, 'acme ' is in under PAD SPACE) and a date — while writers
// update the filtered columns so rows enter and leave the filter both ways, change primary
// and unique keys, insert and delete on both sides of it. godwit is SIGKILLed twice during
// incremental sync and restarted. At the end each target table must hold exactly
// SELECT <moved columns> FROM source WHERE <filter>, compared row by row, column by column.
func TestIncrRowFilters(t *testing.T) {
	bin := buildGodwit(t)
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	sdb, ddb := incrPool(t, src), incrPool(t, dst)
	ctx := context.Background()
	name := testenv.UniqueName("rowflt")
	seedVal := incrSeed()
	t.Logf("seed %d (GODWIT_TEST_SEED=%d replays the workload)", seedVal, seedVal)
	incrDropLater(t, src, name)
	rfCreate(t, sdb, name, seedVal)

	dataDir := filepath.Join(t.TempDir(), "data")
	port := freePort(t)
	g := startGodwit(t, bin, dataDir, port)
	c := incrClient(g.base)
	keepLogOnFailure(t, filepath.Join(dataDir, "..", fmt.Sprintf("godwit-%d.log", port)), fmt.Sprintf("godwit-rowfilter-%d.log", seedVal))
	sid, did := createDS(t, g.base, "s-"+name, src), createDS(t, g.base, "d-"+name, dst)

	// A filter the evaluator cannot evaluate exactly is refused at creation for incremental
	// projects (the full-copy-only project with the same filter is accepted).
	bad := incrProjectBody("bad_"+name, sid, did, name, name, nil, nil)
	bad["transferMapping"] = rfMapping(name, "k < 500 AND note LIKE 'a%'", rfStrFilter)
	var e apiErr
	if code := native(t, g.base, "POST", "/api/v1/projects", bad, &e); code != 400 || e.Error.Code != "GODWIT-FILTER-0001" ||
		!strings.Contains(e.Error.Message, name+".acct") || !strings.Contains(e.Error.Message, "like") || e.Error.Advice == "" {
		t.Errorf("unsupported filter with incremental sync: HTTP %d %+v", code, e)
	}
	bad["enableIncrTransfer"] = false
	delete(bad, "incrTransferConfig")
	bad["name"] = "fullonly_" + name
	createProject(t, g.base, bad)

	body := incrProjectBody("rf_"+name, sid, did, name, name, nil, map[string]any{"chunkRows": 500})
	body["transferMapping"] = rfMapping(name, rfNumFilter, rfStrFilter)
	incrDropLater(t, dst, name, incrCheckpointSchema(body))
	id := createProject(t, g.base, body)

	w := rfStartWriters(t, sdb, name, seedVal)
	w.waitOps(t, 100, 30*time.Second)
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	incrWaitStep(t, c, id, "INCR_TRANSFER", 2*time.Minute, "RUNNING", "MONITORING")
	for i := range 2 {
		w.waitOps(t, w.ops.Load()+150+int64(i)*100, 30*time.Second)
		st, _ := c.IncrStatus(ctx, id)
		g.kill()
		t.Logf("kill %d during incremental sync (applied %s); %d writes so far", i+1, st.AppliedPos, w.ops.Load())
		g = startGodwit(t, bin, dataDir, port)
		incrWaitStep(t, c, id, "INCR_TRANSFER", time.Minute, "RUNNING", "MONITORING")
	}
	w.waitOps(t, w.ops.Load()+150, 30*time.Second)
	ops := w.stop(t)
	final := incrMasterPos(t, sdb)
	st := incrWaitCaughtUp(t, c, id, final, 2*time.Minute)
	t.Logf("%d source writes; applied %d row changes, %d skipped by the filters", ops, st.RowsApplied, st.RowsFiltered)
	if st.RowsFiltered == 0 {
		t.Error("rowsFiltered is 0: no change was skipped by a filter")
	}

	rfCompare(t, sdb, ddb, name, "acct", "id, note, amount", rfNumFilter)
	rfCompare(t, sdb, ddb, name, "tenant_rows", "id, tenant, d, email, payload", rfStrFilter)
}

// rfMapping selects acct (without its filtered column k) and tenant_rows with filters.
func rfMapping(db, numFilter, strFilter string) map[string]any {
	return map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db, "mappedName": db,
		"tables": []any{
			map[string]any{"name": "acct", "whereClause": numFilter, "filterColumns": []string{"id", "note", "amount"}},
			map[string]any{"name": "tenant_rows", "whereClause": strFilter},
		}}}}
}

var rfTenants = []string{"acme", "ACME", "globex", "initech", "acme ", "Globex", "umbrella"}

func rfTenantRow(r *rand.Rand, id, ver int64) string {
	d := "NULL"
	if r.IntN(8) > 0 {
		d = "'" + time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(365)).Format("2006-01-02") + "'"
	}
	return fmt.Sprintf("(%d, '%s', %s, 'u%d_%d@example.com', 'p%d')", id, rfTenants[r.IntN(len(rfTenants))], d, id, ver, r.IntN(1000))
}

// rfCreate creates and fills the two tables, about half of each inside its filter.
func rfCreate(t *testing.T, db *sql.DB, name string, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	q := func(s string) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s[:min(len(s), 120)], err)
		}
	}
	q("CREATE DATABASE " + name)
	q("CREATE TABLE " + name + `.acct (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, note VARCHAR(40) NULL,
  amount DECIMAL(12,2) NULL, KEY (k)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`)
	q("CREATE TABLE " + name + `.tenant_rows (id BIGINT NOT NULL PRIMARY KEY, tenant VARCHAR(20) NOT NULL, d DATE NULL,
  email VARCHAR(60) NOT NULL, payload VARCHAR(100) NULL, UNIQUE KEY uk_email (email))
  DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`)
	var a, b []string
	for i := int64(1); i <= 2000; i++ {
		a = append(a, fmt.Sprintf("(%d, %d, 'n%d', %d.%02d)", i, r.IntN(1000), i, r.IntN(10000), r.IntN(100)))
		b = append(b, rfTenantRow(r, i, 0))
	}
	q("INSERT INTO " + name + ".acct VALUES " + strings.Join(a, ","))
	q("INSERT INTO " + name + ".tenant_rows VALUES " + strings.Join(b, ","))
}

// rfWriters write to both tables until stopped.
type rfWriters struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	ops    atomic.Int64
	mu     sync.Mutex
	err    error
}

func rfStartWriters(t *testing.T, db *sql.DB, name string, seed uint64) *rfWriters {
	ctx, cancel := context.WithCancel(context.Background())
	w := &rfWriters{cancel: cancel}
	t.Cleanup(func() { cancel(); w.wg.Wait() })
	for i := range 3 {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(100+i)))
			next := int64(1_000_000 * (i + 1)) // fresh ids per writer
			tick := time.NewTicker(4 * time.Millisecond)
			defer tick.Stop()
			for ctx.Err() == nil {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				next++
				if err := rfOneOp(ctx, db, name, r, next); err != nil && ctx.Err() == nil {
					w.mu.Lock()
					w.err = err
					w.mu.Unlock()
					return
				}
				w.ops.Add(1)
			}
		}()
	}
	return w
}

// rfOneOp runs one random write transaction. Duplicate keys (a random key change hitting an
// existing row) roll back and count as a write that did nothing.
func rfOneOp(ctx context.Context, db *sql.DB, name string, r *rand.Rand, fresh int64) error {
	id := 1 + r.Int64N(2200)
	var stmts []string
	acct, tr := name+".acct", name+".tenant_rows"
	switch r.IntN(14) {
	case 0, 1, 2: // move across the numeric filter (or stay)
		stmts = []string{fmt.Sprintf("UPDATE %s SET k = %d WHERE id = %d", acct, r.IntN(1000), id)}
	case 3:
		stmts = []string{fmt.Sprintf("UPDATE %s SET note = 'w%d', amount = amount + 1 WHERE id = %d", acct, fresh, id)}
	case 4:
		stmts = []string{fmt.Sprintf("INSERT INTO %s VALUES (%d, %d, 'i%d', 1.50)", acct, fresh, r.IntN(1000), fresh)}
	case 5:
		stmts = []string{fmt.Sprintf("DELETE FROM %s WHERE id = %d", acct, id)}
	case 6: // primary key change, possibly across the filter
		stmts = []string{fmt.Sprintf("UPDATE %s SET id = %d, k = %d WHERE id = %d", acct, fresh, r.IntN(1000), id)}
	case 7: // many rows at once, out and back in
		stmts = []string{fmt.Sprintf("UPDATE %s SET k = (k + 500) %% 1000 WHERE id BETWEEN %d AND %d", acct, id, id+15)}
	case 8: // leave and come back within one transaction
		stmts = []string{fmt.Sprintf("UPDATE %s SET k = 900 WHERE id = %d", acct, id), fmt.Sprintf("UPDATE %s SET k = 10, note = 'back' WHERE id = %d", acct, id)}
	case 9: // move across the string/date filter
		stmts = []string{fmt.Sprintf("UPDATE %s SET tenant = '%s' WHERE id = %d", tr, rfTenants[r.IntN(len(rfTenants))], id)}
	case 10:
		stmts = []string{fmt.Sprintf("UPDATE %s SET d = %s WHERE id = %d", tr,
			[]string{"'2023-12-31'", "'2024-01-01'", "NULL", "'2024-05-05'"}[r.IntN(4)], id)}
	case 11:
		stmts = []string{"INSERT INTO " + tr + " VALUES " + rfTenantRow(r, fresh, 0)}
	case 12:
		stmts = []string{fmt.Sprintf("DELETE FROM %s WHERE id = %d", tr, id)}
	case 13: // primary and unique key change
		stmts = []string{fmt.Sprintf("UPDATE %s SET id = %d, email = 'moved%d@example.com', tenant = '%s' WHERE id = %d", tr, fresh, fresh,
			rfTenants[r.IntN(len(rfTenants))], id)}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			tx.Rollback()
			var me *gomysql.MySQLError
			if errors.As(err, &me) && me.Number == 1062 {
				return nil
			}
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return tx.Commit()
}

func (w *rfWriters) waitOps(t *testing.T, n int64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for w.ops.Load() < n {
		w.mu.Lock()
		err := w.err
		w.mu.Unlock()
		if err != nil {
			t.Fatalf("writer: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("writers made %d of %d writes in %s", w.ops.Load(), n, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (w *rfWriters) stop(t *testing.T) int64 {
	t.Helper()
	w.cancel()
	w.wg.Wait()
	if w.err != nil {
		t.Fatalf("writer: %v", w.err)
	}
	return w.ops.Load()
}

// rfCompare asserts the target table holds exactly the source rows that satisfy the filter:
// same keys, and every column equal (NULL only equal to NULL), no extra rows.
func rfCompare(t *testing.T, src, dst *sql.DB, db, table, cols, where string) {
	t.Helper()
	want := rfRows(t, src, fmt.Sprintf("SELECT %s FROM %s.%s WHERE %s ORDER BY id", cols, db, table, where))
	got := rfRows(t, dst, fmt.Sprintf("SELECT %s FROM %s.%s ORDER BY id", cols, db, table))
	all := rfRows(t, src, fmt.Sprintf("SELECT %s FROM %s.%s ORDER BY id", cols, db, table))
	if len(want) == 0 || len(want) == len(all) {
		t.Fatalf("%s: %d of %d source rows satisfy %q: the test needs rows on both sides", table, len(want), len(all), where)
	}
	bad := 0
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j >= len(got) || (i < len(want) && rfKeyLess(want[i][0], got[j][0])):
			t.Errorf("%s: row id %s satisfies the filter but is missing on the target", table, want[i][0].s)
			i++
		case i >= len(want) || rfKeyLess(got[j][0], want[i][0]):
			t.Errorf("%s: row id %s is on the target but not in SELECT … WHERE %s (leaked)", table, got[j][0].s, where)
			j++
		default:
			for c := range want[i] {
				if want[i][c] != got[j][c] {
					t.Errorf("%s: row id %s column %d: source %+v, target %+v", table, want[i][0].s, c, want[i][c], got[j][c])
				}
			}
			i++
			j++
		}
		if t.Failed() {
			if bad++; bad > 20 {
				t.Fatalf("%s: more differences left out", table)
			}
		}
	}
	t.Logf("%s: target holds exactly the %d of %d source rows satisfying %q", table, len(want), len(all), where)
}

type rfCell struct {
	s    string
	null bool
}

func rfKeyLess(a, b rfCell) bool {
	return len(a.s) < len(b.s) || len(a.s) == len(b.s) && a.s < b.s // non-negative integer ids
}

func rfRows(t *testing.T, db *sql.DB, q string) [][]rfCell {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]rfCell
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]rfCell, len(cols))
		for i, v := range vals {
			row[i] = rfCell{s: string(v), null: v == nil}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
