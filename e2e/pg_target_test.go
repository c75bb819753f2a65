package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/godwit/godwit/sampledb"
	"github.com/godwit/godwit/testenv"
)

// createPGDS creates a POSTGRESQL data source on database db with extra options.
func createPGDS(t *testing.T, base, name string, pg *testenv.Postgres, db string, opts map[string]string) string {
	t.Helper()
	o := map[string]any{"database": db}
	for k, v := range opts {
		o[k] = v
	}
	var out struct {
		ID string `json:"id"`
	}
	var e apiErr
	body := map[string]any{"name": name, "type": "POSTGRESQL", "host": pg.Host, "port": pg.Port, "user": pg.User, "password": pg.Password, "options": o}
	if code := native(t, base, "POST", "/api/v1/datasources", body, &out); code != 201 {
		native(t, base, "POST", "/api/v1/datasources", body, &e)
		t.Fatalf("create PostgreSQL data source %s: HTTP %d %+v", name, code, e)
	}
	return out.ID
}

// TestMySQLToPostgresEveryType copies the sample database (every MariaDB type and its edge
// values) into PostgreSQL through the API and compares every value, read independently on
// both sides by the test. The default policies refuse zero dates and NUL bytes in text
// (the copy fails naming the row); with zeroDate=null and nulInText=strip the copy
// finishes and those values are NULL / stripped, everything else exact. Identity
// sequences continue past the copied maximum, the indexes and the view exist, and the
// verification finds no difference.
func TestMySQLToPostgresEveryType(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	pg := testenv.SharedPostgres(t, "target")
	ctx := context.Background()
	myDB := testenv.UniqueName("mypg")
	incrDropLater(t, src, myDB)
	root, err := src.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if _, err := sampledb.Create(ctx, root, myDB, sampledb.Options{Scale: 0.02}); err != nil {
		t.Fatal(err)
	}
	my, err := src.DB(myDB)
	if err != nil {
		t.Fatal(err)
	}
	defer my.Close()
	base := inProcess(t)
	c := incrClient(base)
	sid := createDS(t, base, "mypg_src", src)
	body := func(name, did string) map[string]any {
		return map[string]any{"name": name, "type": "MIGRATION", "sourceEndpointId": sid, "sinkEndpointId": did,
			"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": myDB, "mappedName": "app"}}},
			"enableStructTransfer": true, "structTransferConfig": map[string]any{"deferIndexCreation": true},
			"enableFullTransfer": true, "enableFullVerify": true,
			"fullTransferConfig": map[string]any{"readWorkerNum": 2, "writeWorkerNum": 2}}
	}

	// An option godwit cannot honour is refused at creation, naming the field.
	var e apiErr
	bad := map[string]any{"name": "pg_bad", "type": "POSTGRESQL", "host": pg.Host, "port": pg.Port, "user": pg.User, "password": pg.Password,
		"options": map[string]any{"typeMapping.enum": "set"}}
	if code := native(t, base, "POST", "/api/v1/datasources", bad, &e); code != 400 || !strings.Contains(fmt.Sprintf("%+v", e), "options.typeMapping.enum") {
		t.Errorf("bad typeMapping option: HTTP %d %+v, want 400 naming options.typeMapping.enum", code, e)
	}

	// Defaults: the zero dates and the NUL bytes of all_types are refused, naming the row.
	db1 := testenv.NewPostgresDatabase(t, pg, "pgdef")
	id := createProject(t, base, body("mypg_def", createPGDS(t, base, "pg_def", pg, db1, nil)))
	action(t, base, id, "start")
	if s := waitStatus(t, base, id, "FINISHED", "FAILED"); s != "FAILED" {
		t.Fatalf("copy with zero dates and NULs under the default policies: %s, want FAILED", s)
	}
	full := incrSteps(t, c, id)["FULL_TRANSFER"]
	msg := fmt.Sprintf("%+v", full.ExtraInfo)
	if full.Status != "FAILED" || !strings.Contains(msg, "all_types at key (id=") ||
		!(strings.Contains(msg, "zero date") || strings.Contains(msg, "NUL byte")) {
		t.Fatalf("FULL_TRANSFER = %s %+v, want FAILED naming the all_types row and the refused value", full.Status, full.ExtraInfo)
	}

	// Policies set: everything copies.
	db2 := testenv.NewPostgresDatabase(t, pg, "pgpol")
	did := createPGDS(t, base, "pg_pol", pg, db2, map[string]string{"typeMapping.zeroDate": "null", "typeMapping.nulInText": "strip",
		"typeMapping.json": "json"})
	id = createProject(t, base, body("mypg_pol", did))
	action(t, base, id, "start")
	if s := waitStatus(t, base, id, "FINISHED", "FAILED"); s != "FINISHED" {
		t.Fatalf("project: %s, want FINISHED\n%s", s, incrDescribe(c, id))
	}
	var items struct {
		Items []struct{ Name, Status, Message string } `json:"items"`
	}
	native(t, base, "GET", "/api/v1/projects/"+id+"/precheck", nil, &items)
	got := map[string]string{}
	for _, it := range items.Items {
		got[it.Name] = it.Status
	}
	for name, want := range map[string]string{"DestDbConnectivity": "PASSED", "DestDbEncoding": "PASSED", "DestDbPrivileges": "PASSED",
		"DestDbVersion": "PASSED", "DestTypeMapping": "ALARM", "DestCollation": "ALARM"} {
		if got[name] != want {
			t.Errorf("precheck item %s = %q, want %s (items %+v)", name, got[name], want, items.Items)
		}
	}
	conn, err := pg.Conn(ctx, db2)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ex := pgExpectations{zeroDateNull: true, stripNul: true}
	strip := func(col string, r map[string]*string) *string {
		if col == "c_gen_stored" && r["c_varchar"] != nil { // CHAR_LENGTH of the stripped text
			n := utf8.RuneCountInString(*r["c_varchar"])
			s := strconv.Itoa(n)
			return &s
		}
		return r[col]
	}
	for _, ti := range sampledb.Tables() {
		for _, d := range compareMyPG(t, my, myDB, conn, "app", ti.Name, ti.Key, ex, strip) {
			t.Error(d)
		}
	}
	// AUTO_INCREMENT: the next generated id is past the copied maximum.
	var next, top int64
	if err := conn.QueryRow(ctx, `INSERT INTO app.customers (name, email, country, created_at) VALUES ('n', 'new@example.org', 'DE', now()) RETURNING id`).Scan(&next); err != nil {
		t.Fatal(err)
	}
	if err := my.QueryRow("SELECT MAX(id) FROM customers").Scan(&top); err != nil {
		t.Fatal(err)
	}
	if next <= top {
		t.Errorf("identity gave id %d, not past the copied maximum %d", next, top)
	}
	if _, err := conn.Exec(ctx, "DELETE FROM app.customers WHERE id = $1", next); err != nil {
		t.Fatal(err)
	}
	var nidx int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE schemaname = 'app' AND tablename = 'customers'`).Scan(&nidx); err != nil || nidx != 3 {
		t.Errorf("customers has %d indexes (%v), want 3 (primary key, unique email, country+created)", nidx, err)
	}
	var nview int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM app.v_customer_orders`).Scan(&nview); err != nil || nview == 0 {
		t.Errorf("view v_customer_orders: %d rows, %v", nview, err)
	}

	// The verifier (same chunks and bisection as MySQL↔MySQL, values in a canonical form
	// both engines agree on) reports exactly the rows the lossy policies changed.
	lossy := map[string]bool{}
	lrows, err := my.Query(`SELECT id FROM all_types WHERE c_date = '0000-00-00' OR c_datetime = '0000-00-00 00:00:00' OR
  c_datetime6 = '0000-00-00 00:00:00' OR c_timestamp6 = '0000-00-00 00:00:00' OR
  LOCATE(CHAR(0), CONCAT_WS('', c_char, c_varchar, c_latin1, c_tinytext, c_text, c_mediumtext, c_longtext, c_enum, c_set, c_commented)) > 0`)
	if err != nil {
		t.Fatal(err)
	}
	for lrows.Next() {
		var id string
		if err := lrows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		lossy["id="+id] = true
	}
	lrows.Close()
	if len(lossy) == 0 {
		t.Fatal("the sample has no zero dates or NULs: the policy check would be vacuous")
	}
	checkDiffs := func(runID string, extra map[string]string) []pgDiff {
		t.Helper()
		ds := pgDiffs(t, base, id, runID)
		seen := map[string]bool{}
		for _, d := range ds {
			switch {
			case strings.HasSuffix(d.Table, ".all_types") && lossy[d.Key] && d.Kind == "DIFFERENT":
				seen[d.Key] = true
			case extra[d.Table+" "+d.Key] == d.Kind:
				seen[d.Table+" "+d.Key] = true
			default:
				t.Errorf("unexpected difference %+v", d)
			}
		}
		for k := range lossy {
			if !seen[k] {
				t.Errorf("all_types row %s (zero date or NUL) not reported as different", k)
			}
		}
		for k, kind := range extra {
			if !seen[k] {
				t.Errorf("injected %s %s not located", kind, k)
			}
		}
		return ds
	}
	checkDiffs("latest", nil)

	// Injected differences are located to their rows, and the correction SQL (PostgreSQL
	// dialect) repairs them.
	var ids []int64
	irows, err := my.Query("SELECT id FROM orders ORDER BY id LIMIT 3")
	if err != nil {
		t.Fatal(err)
	}
	for irows.Next() {
		var n int64
		irows.Scan(&n)
		ids = append(ids, n)
	}
	irows.Close()
	for _, q := range []string{
		fmt.Sprintf("UPDATE app.orders SET total = total + 0.000000000000000000000000000001 WHERE id = %d", ids[0]),
		fmt.Sprintf("DELETE FROM app.orders WHERE id = %d", ids[1]),
		"INSERT INTO app.orders (id, customer_id, total) VALUES (-77, 1, 1)",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	ot := myDB + ".orders"
	extra := map[string]string{fmt.Sprintf("%s id=%d", ot, ids[0]): "DIFFERENT", fmt.Sprintf("%s id=%d", ot, ids[1]): "ONLY_IN_SOURCE",
		ot + " id=-77": "ONLY_IN_TARGET"}
	run := pgVerifyRun(t, base, id)
	for _, d := range checkDiffs(run, extra) {
		if strings.HasSuffix(d.Table, ".orders") {
			if _, err := conn.Exec(ctx, d.FixSQL); err != nil {
				t.Errorf("correction %q: %v", d.FixSQL, err)
			}
		}
	}
	checkDiffs(pgVerifyRun(t, base, id), nil)
}

type pgDiff struct {
	Table, Kind, Key, FixSQL string
}

func pgDiffs(t *testing.T, base, id, run string) []pgDiff {
	t.Helper()
	var out struct {
		Items []struct {
			Table, Kind, Key string
			FixSQL           string `json:"fixSql"`
		} `json:"items"`
	}
	native(t, base, "GET", "/api/v1/projects/"+id+"/verify/runs/"+run+"/diffs?size=1000", nil, &out)
	var ds []pgDiff
	for _, d := range out.Items {
		ds = append(ds, pgDiff{d.Table, d.Kind, d.Key, d.FixSQL})
	}
	return ds
}

// pgVerifyRun starts a verification run and waits for it to finish.
func pgVerifyRun(t *testing.T, base, id string) string {
	t.Helper()
	var started struct {
		RunID string `json:"runId"`
	}
	if code := native(t, base, "POST", "/api/v1/projects/"+id+"/verify/runs", map[string]any{}, &started); code != 202 || started.RunID == "" {
		t.Fatalf("start verify run: HTTP %d %+v", code, started)
	}
	var run struct{ Status, Message string }
	deadline := time.Now().Add(2 * time.Minute)
	for run.Status != "FINISHED" && run.Status != "FAILED" {
		if time.Now().After(deadline) {
			t.Fatalf("verify run %s still %s", started.RunID, run.Status)
		}
		time.Sleep(200 * time.Millisecond)
		native(t, base, "GET", "/api/v1/projects/"+id+"/verify/runs/"+started.RunID, nil, &run)
	}
	if run.Status != "FINISHED" {
		t.Fatalf("verify run %s: %+v", started.RunID, run)
	}
	return started.RunID
}
