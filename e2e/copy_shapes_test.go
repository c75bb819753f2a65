package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/sampledb"
	"github.com/godwit/godwit/testenv"
)

// TestCopyKeyShapes migrates tables of every key shape through the pipelined copy with
// small chunks and deferred indexes: an integer key (customers, orders), a composite key
// (order_items), a string key (products), a unique key only (uk_only, NOT NULL UNIQUE, no
// primary key), no key at all (audit_log, with exact duplicate rows), and every MariaDB type
// (all_types). Every table must come out identical, keyed tables in several chunks, the
// keyless one in one, and the deferred secondary indexes built by INDEX_TRANSFER. Between
// two MariaDB servers the copy takes the encoded LOAD DATA path.
func TestCopyKeyShapes(t *testing.T) {
	dst := testenv.SharedMariaDB(t, "target")
	copyKeyShapes(t, dst)
	if n := globalStatus(t, dst, "Com_load"); n == 0 {
		t.Error("the target ran no LOAD DATA statement")
	}
}

// TestCopyKeyShapesNoLocalInfile is TestCopyKeyShapes into a target that refuses LOAD DATA
// LOCAL (local_infile=OFF, MySQL 8's default): the copy must fall back to multi-row REPLACE
// statements by itself and still copy every shape and type exactly.
func TestCopyKeyShapesNoLocalInfile(t *testing.T) {
	dst := testenv.MariaDBT(t, testenv.MariaDBOptions{ExtraArgs: []string{"--local-infile=0"}})
	copyKeyShapes(t, dst)
	if n := globalStatus(t, dst, "Com_replace"); n == 0 {
		t.Error("the target ran no REPLACE statement: the fallback was not used")
	}
}

// globalStatus reads a numeric global status counter of srv.
func globalStatus(t *testing.T, srv *testenv.MariaDB, name string) int64 {
	t.Helper()
	db, err := srv.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var k string
	var v int64
	if err := db.QueryRow("SHOW GLOBAL STATUS LIKE '"+name+"'").Scan(&k, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func copyKeyShapes(t *testing.T, dst *testenv.MariaDB) {
	src := testenv.SharedMariaDB(t, "source")
	base := inProcess(t)
	db := testenv.UniqueName("shapes")
	seed(t, src, db, 0.2)
	exec(t, src, "CREATE TABLE `"+db+"`.uk_only (code VARCHAR(20) NOT NULL, n INT NOT NULL, note TEXT NULL, UNIQUE KEY uk_code (code, n), KEY idx_n (n))")
	exec(t, src, "INSERT INTO `"+db+"`.uk_only SELECT CONCAT('c', seq % 97), seq, IF(seq % 5 = 0, NULL, REPEAT('\\t\\\\', seq % 7)) FROM `"+db+"`.seq_1_to_6000")

	sid, did := createDS(t, base, "s-"+db, src), createDS(t, base, "d-"+db, dst)
	id := createProject(t, base, map[string]any{"name": "shapes_" + db, "type": "MIGRATION",
		"sourceEndpointId": sid, "sinkEndpointId": did,
		"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db}}},
		"enableStructTransfer": true, "enableFullTransfer": true,
		"structTransferConfig": map[string]any{"deferIndexCreation": true},
		"fullTransferConfig":   map[string]any{"readWorkerNum": 3, "writeWorkerNum": 2, "chunkRows": 700}})
	if code, e := action(t, base, id, "start"); code != 200 {
		t.Fatalf("start: HTTP %d %+v", code, e)
	}
	if s := waitStatus(t, base, id, "FINISHED", "FAILED"); s != "FINISHED" {
		t.Fatalf("project %s", s)
	}
	s, d := pools(t, src, dst)
	keys := map[string][]string{"uk_only": {"code", "n"}}
	for _, ti := range sampledb.Tables() {
		keys[ti.Name] = ti.Key
	}
	var total int64
	for name, key := range keys {
		diff, err := testenv.CompareTables(context.Background(), s, db+"."+name, d, db+"."+name, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !diff.Same() {
			t.Errorf("table %s differs: %s", name, diff)
		}
		total += count(t, s, fmt.Sprintf("SELECT COUNT(*) FROM `%s`.`%s`", db, name))
		if a, b := indexSet(t, s, db, name), indexSet(t, d, db, name); a != b {
			t.Errorf("table %s: source indexes %s, target %s", name, a, b)
		}
	}
	for _, tp := range tables(t, base, id, "FULL_TRANSFER") {
		name := strings.TrimPrefix(tp.Table, db+".")
		switch {
		case tp.Status != "FINISHED":
			t.Errorf("table %s is %s", name, tp.Status)
		case name == "audit_log" && tp.Extra.Chunks != 1:
			t.Errorf("keyless table copied in %d chunks, want 1", tp.Extra.Chunks)
		case name != "audit_log" && tp.Done > 1400 && tp.Extra.Chunks < 2:
			t.Errorf("table %s (%d rows) copied in %d chunk(s), want several", name, tp.Done, tp.Extra.Chunks)
		}
	}
	var steps struct {
		Items []struct {
			Name     string `json:"name"`
			StepInfo struct {
				ProcessedRecords *int64 `json:"processedRecords"`
			} `json:"stepInfo"`
		} `json:"items"`
	}
	native(t, base, "GET", "/api/v1/projects/"+id+"/steps", nil, &steps)
	for _, st := range steps.Items {
		if st.Name == "FULL_TRANSFER" {
			if st.StepInfo.ProcessedRecords == nil || *st.StepInfo.ProcessedRecords != total {
				t.Errorf("processedRecords %v, want %d", st.StepInfo.ProcessedRecords, total)
			}
		}
	}
}

// pools opens root pools on both servers, closed with the test.
func pools(t *testing.T, src, dst *testenv.MariaDB) (*sql.DB, *sql.DB) {
	t.Helper()
	s, err := src.DB("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	d, err := dst.DB("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return s, d
}

// indexSet renders a table's indexes (name, uniqueness, columns) sorted.
func indexSet(t *testing.T, db *sql.DB, schema, table string) string {
	t.Helper()
	var s sql.NullString
	err := db.QueryRow(`SELECT GROUP_CONCAT(ix ORDER BY ix SEPARATOR '; ') FROM (
		SELECT CONCAT(INDEX_NAME, IF(MAX(NON_UNIQUE) = 0, ' unique', ''), '(', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX), ')') AS ix
		FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? GROUP BY INDEX_NAME) x`, schema, table).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s.String
}

// waitFor polls cond every 20 ms until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
