package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
)

// TestIncrBacklogCatalogAhead replays a backlog whose DDLs the source's catalog is already
// past: the project is stopped, the source changes rows and schema, and the project resumes.
// When the replayer applies a DDL it re-resolves the plan from today's catalog, which shows
// the end state of the whole backlog, not the state at that point of the log:
//   - t1.c is VARCHAR when rows (c='65') are logged after the first ALTER, and BIT(64) in the
//     catalog by then. Rendered with the catalog's type, '65' would be written as the BIT
//     integer 13877 into the still-VARCHAR column, and the later MODIFY would turn that text
//     into another BIT value than the source's. The log's own column types must win.
//   - tmp is created, filled and renamed to t2 (as online schema-change tools do): the catalog
//     never has tmp, so its rows can only be applied with the definition the log records;
//     without that the stream fails.
//
// Both sides are compared row by row at the end, and the project must still be RUNNING.
func TestIncrBacklogCatalogAhead(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	sdb, ddb := incrPool(t, src), incrPool(t, dst)
	ctx := context.Background()
	name := testenv.UniqueName("ahead")
	dstName := name + "_m"
	must := func(q string) {
		t.Helper()
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	must("CREATE DATABASE " + name)
	must("CREATE TABLE " + name + ".t1 (id INT NOT NULL PRIMARY KEY, c VARCHAR(8) NULL, b VARBINARY(8) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
	must("INSERT INTO " + name + ".t1 VALUES (1, '7', X'00FF'), (2, '65', X'FF')")

	base := inProcess(t)
	c := incrClient(base)
	sid, did := createDS(t, base, "s-"+name, src), createDS(t, base, "d-"+name, dst)
	ddl := append(append([]string(nil), incrDDLTypes...), "RENAME_TABLE")
	body := incrProjectBody("ahead_"+name, sid, did, name, dstName, map[string]any{"supportDDLTypes": ddl}, nil)
	incrDropLater(t, src, name)
	incrDropLater(t, dst, dstName, incrCheckpointSchema(body))
	id := createProject(t, base, body)
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.StopProject(context.Background(), id) })
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "MONITORING")
	if _, err := c.StopProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, base, id, "SUSPEND")

	// The backlog, written while nothing captures it.
	must("INSERT INTO " + name + ".t1 VALUES (3, '65', X'0102')")
	must("ALTER TABLE " + name + ".t1 ADD COLUMN d INT NULL") // the replayer re-resolves t1 here
	must("INSERT INTO " + name + ".t1 (id, c, b, d) VALUES (4, '65', X'FFFE', 4), (5, '7', NULL, 5)")
	must("UPDATE " + name + ".t1 SET c = '66' WHERE id = 1")
	must("ALTER TABLE " + name + ".t1 MODIFY COLUMN c BIT(64) NULL")
	must("INSERT INTO " + name + ".t1 (id, c, b, d) VALUES (6, b'1000001', X'AA', 6)")
	must("CREATE TABLE " + name + ".tmp (k INT NOT NULL PRIMARY KEY, v VARCHAR(20) NULL, w BLOB NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
	must("INSERT INTO " + name + ".tmp VALUES (1, 'one', X'FF00FF'), (2, 'two', NULL), (3, 'three', '')")
	must("UPDATE " + name + ".tmp SET v = 'uno' WHERE k = 1")
	must("DELETE FROM " + name + ".tmp WHERE k = 2")
	must("RENAME TABLE " + name + ".tmp TO " + name + ".t2")
	must("INSERT INTO " + name + ".t2 VALUES (4, 'four', X'00')")
	final := incrMasterPos(t, sdb)

	if _, err := c.ResumeProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	incrWaitCaughtUp(t, c, id, final, 2*time.Minute)
	if p, err := c.GetProject(ctx, id); err != nil || p.Status != "RUNNING" {
		t.Fatalf("project after the backlog: %+v, %v; want RUNNING", p, err)
	}
	incrCompareDBs(t, sdb, name, ddb, dstName)
	var got string
	if err := ddb.QueryRowContext(ctx, fmt.Sprintf("SELECT GROUP_CONCAT(id, ':', HEX(c) ORDER BY id) FROM %s.t1", dstName)).Scan(&got); err != nil {
		t.Fatal(err)
	}
	var want string
	if err := sdb.QueryRowContext(ctx, fmt.Sprintf("SELECT GROUP_CONCAT(id, ':', HEX(c) ORDER BY id) FROM %s.t1", name)).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if got != want || !strings.Contains(want, "4:41,") {
		t.Errorf("t1.c on the target %s, on the source %s (row 4 must hold '65' converted to BIT by the MODIFY: 41)", got, want)
	}
}
