package e2e

import (
	"context"

	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
)

// TestIncrDDL is acceptance 4: ADD COLUMN (at the end and in the middle), CREATE TABLE,
// ADD INDEX / CREATE INDEX and MODIFY COLUMN issued on the source during incremental sync
// reach the target under the mapped database name, while a writer keeps changing the table
// (so row events before and after each DDL are decoded with the schema in force at their
// position). Rows written before and after each DDL using the new shape are identical on
// both sides, and so are the column lists and indexes.
func TestIncrDDL(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	sdb, ddb := incrPool(t, src), incrPool(t, dst)
	ctx := context.Background()
	name := testenv.UniqueName("ddl")
	dstName := name + "_m"
	must := func(q string) {
		t.Helper()
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	must("CREATE DATABASE " + name)
	must("CREATE TABLE " + name + ".t1 (id INT NOT NULL PRIMARY KEY, a VARCHAR(20) NOT NULL, b INT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
	var vals []string
	for i := 1; i <= 200; i++ {
		vals = append(vals, fmt.Sprintf("(%d,'r%d',%d)", i, i, i*7))
	}
	must("INSERT INTO " + name + ".t1 VALUES " + strings.Join(vals, ","))

	base := inProcess(t)
	c := incrClient(base)
	sid, did := createDS(t, base, "s-"+name, src), createDS(t, base, "d-"+name, dst)
	body := incrProjectBody("ddl_"+name, sid, did, name, dstName, nil, nil)
	incrDropLater(t, src, name)
	incrDropLater(t, dst, dstName, incrCheckpointSchema(body))
	id := createProject(t, base, body)
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.StopProject(context.Background(), id) })
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "MONITORING")

	// A writer changes t1 through (id, a, b) all along, across every DDL (it leaves the rows
	// 5000..5999 that the test writes in the new shapes alone).
	seedVal := incrSeed()
	t.Logf("seed %d", seedVal)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var writerErr error
	var writes atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(seedVal, 1))
		next := 10000
		for !stop.Load() {
			var q string
			switch r.IntN(4) {
			case 0, 1:
				next++
				q = fmt.Sprintf("INSERT INTO %s.t1 (id, a, b) VALUES (%d, 'w%d', %d)", name, next, next, r.IntN(1000))
			case 2:
				q = fmt.Sprintf("UPDATE %s.t1 SET b = %d, a = CONCAT('u', id) WHERE id >= %d AND id NOT BETWEEN 5000 AND 5999 ORDER BY id LIMIT 1", name, r.IntN(1000), 1+r.IntN(next))
			default:
				q = fmt.Sprintf("DELETE FROM %s.t1 WHERE id >= %d AND id NOT BETWEEN 5000 AND 5999 ORDER BY id LIMIT 1", name, 1+r.IntN(next))
			}
			if _, err := sdb.ExecContext(ctx, q); err != nil {
				writerErr = fmt.Errorf("%s: %w", q, err)
				return
			}
			writes.Add(1)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	// some waits for the writer to make progress between DDLs, so that row events of
	// both shapes are interleaved with each DDL.
	some := func() {
		t.Helper()
		incrWaitTxnsFn(t, writes.Load, 20, 30*time.Second)
	}

	some()
	must("ALTER TABLE " + name + ".t1 ADD COLUMN c VARCHAR(30) NOT NULL DEFAULT 'dflt'") // ADD_COLUMN
	must("INSERT INTO " + name + ".t1 (id, a, b, c) VALUES (5001, 'after add c', 1, 'c1'), (5002, 'after add c', 2, 'c2')")
	must("UPDATE " + name + ".t1 SET c = CONCAT('c', id) WHERE id BETWEEN 10 AND 20")
	some()
	must("ALTER TABLE " + name + ".t1 ADD COLUMN d DECIMAL(12,3) NULL AFTER id") // ADD_COLUMN in the middle
	must("INSERT INTO " + name + ".t1 (id, d, a, b, c) VALUES (5003, 123456789.125, 'after add d', 3, 'c3')")
	must("UPDATE " + name + ".t1 SET d = id / 8 WHERE id BETWEEN 30 AND 40")
	some()
	must("CREATE TABLE " + name + ".t2 (k BIGINT NOT NULL PRIMARY KEY, u VARCHAR(40) NULL, v JSON NULL, UNIQUE KEY uk_u (u)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4") // CREATE_TABLE
	must("INSERT INTO " + name + ".t2 VALUES (1, 'one', '{\"a\": 1}'), (2, 'two', NULL), (3, NULL, '[1,2]')")
	must("UPDATE " + name + ".t2 SET u = 'uno' WHERE k = 1")
	must("DELETE FROM " + name + ".t2 WHERE k = 2")
	must("INSERT INTO " + name + ".t2 VALUES (4, 'one', '{}')") // takes the unique value k=1 gave up
	some()
	must("ALTER TABLE " + name + ".t1 ADD INDEX idx_b (b)")              // ADD_INDEX
	must("CREATE INDEX idx_c_b ON " + name + ".t1 (c, b)")               // CREATE_INDEX
	must("ALTER TABLE " + name + ".t1 ADD UNIQUE INDEX uk_d_id (d, id)") // ADD_INDEX, unique
	must("INSERT INTO " + name + ".t1 (id, d, a, b, c) VALUES (5004, 4.5, 'after indexes', 4, 'c4')")
	some()
	must("ALTER TABLE " + name + ".t1 MODIFY COLUMN a VARCHAR(200) NOT NULL") // MODIFY_COLUMN: wider
	must("ALTER TABLE " + name + ".t1 MODIFY COLUMN b BIGINT NULL")           // MODIFY_COLUMN: another type
	long := strings.Repeat("ü", 150)
	must(fmt.Sprintf("INSERT INTO %s.t1 (id, d, a, b, c) VALUES (5005, 5.5, '%s', 9000000000, 'c5')", name, long))
	must(fmt.Sprintf("UPDATE %s.t1 SET a = CONCAT('%s', id), b = b + 5000000000 WHERE id BETWEEN 50 AND 60", name, long[:40]))
	some()

	stop.Store(true)
	wg.Wait()
	if writerErr != nil {
		t.Fatalf("writer: %v", writerErr)
	}
	final := incrMasterPos(t, sdb)
	st := incrWaitCaughtUp(t, c, id, final, 2*time.Minute)
	t.Logf("%d writer statements; incr: rowsApplied %d, ddlApplied %d", writes.Load(), st.RowsApplied, st.DDLApplied)
	if st.DDLApplied < 8 {
		t.Errorf("ddlApplied %d, want >= 8", st.DDLApplied)
	}
	for _, tb := range []string{"t1", "t2"} {
		sc, si := incrSchemaOf(t, sdb, name, tb)
		dc, di := incrSchemaOf(t, ddb, dstName, tb)
		if strings.Join(sc, "\n") != strings.Join(dc, "\n") {
			t.Errorf("%s columns differ:\nsource:\n  %s\ntarget:\n  %s", tb, strings.Join(sc, "\n  "), strings.Join(dc, "\n  "))
		}
		if strings.Join(si, "\n") != strings.Join(di, "\n") {
			t.Errorf("%s indexes differ:\nsource:\n  %s\ntarget:\n  %s", tb, strings.Join(si, "\n  "), strings.Join(di, "\n  "))
		}
	}
	incrCompareDBs(t, sdb, name, ddb, dstName)
	checkRow := func(q string, want int) {
		t.Helper()
		var n int
		if err := ddb.QueryRowContext(ctx, q).Scan(&n); err != nil || n != want {
			t.Errorf("%s on the target = %d (%v), want %d", q, n, err, want)
		}
	}
	checkRow(fmt.Sprintf("SELECT COUNT(*) FROM %s.t1 WHERE id = 5005 AND b = 9000000000 AND CHAR_LENGTH(a) = 150", dstName), 1)
	checkRow(fmt.Sprintf("SELECT COUNT(*) FROM %s.t2 WHERE u = 'one' AND k = 4", dstName), 1)
}

// incrWaitTxnsFn polls until counter() grew by n.
func incrWaitTxnsFn(t *testing.T, counter func() int64, n int64, timeout time.Duration) {
	t.Helper()
	from := counter()
	deadline := time.Now().Add(timeout)
	for counter() < from+n {
		if time.Now().After(deadline) {
			t.Fatalf("writer made %d of %d statements in %s", counter()-from, n, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
