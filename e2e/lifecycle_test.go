package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
)

type apiErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Advice  string `json:"advice"`
	} `json:"error"`
}

func createDS(t *testing.T, base, name string, m *testenv.MariaDB) string {
	t.Helper()
	var out struct {
		ID string `json:"id"`
	}
	body := map[string]any{"name": name, "type": "MARIADB", "host": m.Host, "port": m.Port, "user": m.User, "password": m.Password}
	if code := native(t, base, "POST", "/api/v1/datasources", body, &out); code != 201 {
		t.Fatalf("create data source %s: HTTP %d", name, code)
	}
	return out.ID
}

func createProject(t *testing.T, base string, body map[string]any) string {
	t.Helper()
	var out struct {
		ID string `json:"id"`
	}
	var e apiErr
	if code := native(t, base, "POST", "/api/v1/projects", body, &out); code != 201 {
		native(t, base, "POST", "/api/v1/projects", body, &e)
		t.Fatalf("create project: HTTP %d %+v", code, e)
	}
	return out.ID
}

func action(t *testing.T, base, id, verb string) (int, apiErr) {
	t.Helper()
	var e apiErr
	code := native(t, base, "POST", "/api/v1/projects/"+id+"/"+verb, nil, &e)
	return code, e
}

func waitStatus(t *testing.T, base, id string, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		s := projectStatus(t, base, id)
		for _, w := range want {
			if s == w {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("project %s stuck in %s, want %v", id, s, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLifecycleStopResumeFailRelease drives the OMS state rules through a real run: stop in
// the middle of the copy (SUSPEND), illegal transitions refused with a state error, resume to
// FINISHED; a precheck failure (target table holds rows) makes the project FAILED with code
// and advice, and resume after the user fixes the cause finishes it.
func TestLifecycleStopResumeFailRelease(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	base := inProcess(t)
	db := testenv.UniqueName("life")
	counts := seed(t, src, db, 0.3)
	sid, did := createDS(t, base, "s-"+db, src), createDS(t, base, "d-"+db, dst)
	id := createProject(t, base, map[string]any{"name": "life_" + db, "type": "MIGRATION",
		"sourceEndpointId": sid, "sinkEndpointId": did,
		"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db}}},
		"enableStructTransfer": true, "enableFullTransfer": true, "enableFullVerify": true,
		"fullTransferConfig": map[string]any{"readWorkerNum": 2, "chunkRows": 1000, "throttleRps": 20000}})

	for _, verb := range []string{"stop", "resume", "release"} {
		if code, e := action(t, base, id, verb); code != 409 || e.Error.Code == "" {
			t.Errorf("%s on INIT: HTTP %d %+v, want 409 with a code", verb, code, e)
		}
	}
	if code, _ := action(t, base, id, "start"); code != 200 {
		t.Fatalf("start: HTTP %d", code)
	}
	// Stop once some rows are copied.
	for {
		var done int64
		for _, tp := range tables(t, base, id, "FULL_TRANSFER") {
			done += tp.Done
		}
		if done > 5000 {
			break
		}
		if s := projectStatus(t, base, id); s != "RUNNING" {
			t.Fatalf("project %s before stop", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, e := action(t, base, id, "stop"); code != 200 {
		t.Fatalf("stop: HTTP %d %+v", code, e)
	}
	if s := projectStatus(t, base, id); s != "SUSPEND" {
		t.Fatalf("after stop: %s", s)
	}
	if code := native(t, base, "DELETE", "/api/v1/projects/"+id, nil, nil); code != 409 {
		t.Errorf("delete while SUSPEND: HTTP %d, want 409", code)
	}
	if code, e := action(t, base, id, "resume"); code != 200 {
		t.Fatalf("resume: HTTP %d %+v", code, e)
	}
	if s := waitStatus(t, base, id, "FINISHED", "FAILED"); s != "FINISHED" {
		t.Fatalf("after resume: %s", s)
	}
	compareAll(t, src, dst, db, db)

	// Second project into the same, now non-empty, target: precheck fails with advice.
	id2 := createProject(t, base, map[string]any{"name": "life2_" + db, "type": "MIGRATION",
		"sourceEndpointId": sid, "sinkEndpointId": did,
		"transferMapping": map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db,
			"tables": []any{map[string]any{"name": "orders"}}}}},
		"enableFullTransfer": true})
	action(t, base, id2, "start")
	if s := waitStatus(t, base, id2, "FINISHED", "FAILED"); s != "FAILED" {
		t.Fatalf("project into a non-empty table: %s", s)
	}
	var steps struct {
		Items []struct {
			Name      string `json:"name"`
			Status    string `json:"status"`
			ExtraInfo struct {
				ErrorCode string `json:"errorCode"`
				ErrorMsg  string `json:"errorMsg"`
			} `json:"extraInfo"`
		} `json:"items"`
	}
	native(t, base, "GET", "/api/v1/projects/"+id2+"/steps", nil, &steps)
	if st := steps.Items[0]; st.Status != "FAILED" || st.ExtraInfo.ErrorCode != "GODWIT-PRECHECK-0001" {
		t.Fatalf("precheck step = %+v", st)
	}
	var items struct {
		Items []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
			Advice string `json:"advice"`
		} `json:"items"`
	}
	native(t, base, "GET", "/api/v1/projects/"+id2+"/precheck", nil, &items)
	found := false
	for _, it := range items.Items {
		if it.Name == "TARGET_OBJECTS" && it.Status == "FAILED" && it.Advice != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("precheck items lack a FAILED TARGET_OBJECTS with advice: %+v", items.Items)
	}
	// The user empties the table; resume retries the failed step and the project finishes.
	d, _ := dst.DB(db)
	defer d.Close()
	if _, err := d.Exec("DELETE FROM orders"); err != nil {
		t.Fatal(err)
	}
	if code, e := action(t, base, id2, "resume"); code != 200 {
		t.Fatalf("resume after fix: HTTP %d %+v", code, e)
	}
	if s := waitStatus(t, base, id2, "FINISHED", "FAILED"); s != "FINISHED" {
		t.Fatalf("after fix and resume: %s", s)
	}
	if n := count(t, d, "SELECT COUNT(*) FROM orders"); n != counts["orders"] {
		t.Errorf("orders on target: %d, want %d", n, counts["orders"])
	}
	for _, pid := range []string{id, id2} {
		if code, e := action(t, base, pid, "release"); code != 200 {
			t.Errorf("release: HTTP %d %+v", code, e)
		}
		if code := native(t, base, "DELETE", "/api/v1/projects/"+pid, nil, nil); code != 204 {
			t.Errorf("delete after release: HTTP %d", code)
		}
	}
}

// TestFiltersRenamesAndVerifyOnly checks row filters, column filters and table renames, then
// a verification-only project over the result (CONSISTENT), and that a difference injected on
// the target turns it INCONSISTENT.
func TestFiltersRenamesAndVerifyOnly(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	base := inProcess(t)
	db := testenv.UniqueName("flt")
	seed(t, src, db, 0.1)
	dstDB := db + "_m"
	sid, did := createDS(t, base, "s-"+db, src), createDS(t, base, "d-"+db, dst)
	mapping := map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db, "mappedName": dstDB,
		"tables": []any{
			map[string]any{"name": "orders", "mappedName": "orders_big", "whereClause": "total > 100 AND status <> 'cancelled'"},
			map[string]any{"name": "customers", "mappedName": "people", "filterColumns": []string{"id", "email", "name"}},
		}}}}
	// A hostile filter is refused at creation with a clear error.
	var e apiErr
	bad := map[string]any{"name": "bad_" + db, "type": "MIGRATION", "sourceEndpointId": sid, "sinkEndpointId": did,
		"enableFullTransfer": true, "transferMapping": map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db,
			"tables": []any{map[string]any{"name": "orders", "whereClause": "1=1; DROP TABLE orders"}}}}}}
	if code := native(t, base, "POST", "/api/v1/projects", bad, &e); code != 400 || e.Error.Code != "GODWIT-FILTER-0001" {
		t.Errorf("hostile filter: HTTP %d %+v", code, e)
	}
	id := createProject(t, base, map[string]any{"name": "flt_" + db, "type": "MIGRATION", "sourceEndpointId": sid, "sinkEndpointId": did,
		"transferMapping": mapping, "enableStructTransfer": true, "enableFullTransfer": true, "enableFullVerify": true})
	action(t, base, id, "start")
	if s := waitStatus(t, base, id, "FINISHED", "FAILED"); s != "FINISHED" {
		t.Fatalf("filter project: %s", s)
	}
	s, _ := src.DB(db)
	defer s.Close()
	d, _ := dst.DB(dstDB)
	defer d.Close()
	ctx := context.Background()
	want := count(t, s, "SELECT COUNT(*) FROM orders WHERE total > 100 AND status <> 'cancelled'")
	if got := count(t, d, "SELECT COUNT(*) FROM orders_big"); got != want || want == 0 {
		t.Errorf("filtered orders: %d on target, %d matching on source", got, want)
	}
	if n := count(t, d, "SELECT COUNT(*) FROM orders_big WHERE NOT (total > 100 AND status <> 'cancelled')"); n != 0 {
		t.Errorf("%d rows outside the filter were copied", n)
	}
	var ncols int64 = count(t, d, fmt.Sprintf("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='%s' AND TABLE_NAME='people'", dstDB))
	if ncols != 3 {
		t.Errorf("people has %d columns, want 3", ncols)
	}
	cols := [][2]string{{"id", "id"}, {"email", "email"}, {"name", "name"}}
	diff, err := testenv.CompareTables(ctx, s, "customers", d, "people", []string{"id"}, cols)
	if err != nil || !diff.Same() {
		t.Errorf("people vs customers: %v %s", err, diff)
	}

	// Verification-only project: compares what is there.
	verify := func() string {
		vid := createProject(t, base, map[string]any{"name": testenv.UniqueName("v"), "type": "MIGRATION", "sourceEndpointId": sid, "sinkEndpointId": did,
			"transferMapping": mapping, "enableFullVerify": true})
		action(t, base, vid, "start")
		if s := waitStatus(t, base, vid, "FINISHED", "FAILED"); s != "FINISHED" {
			t.Fatalf("verify-only project: %s", s)
		}
		var st struct {
			Items []struct {
				Name     string         `json:"name"`
				StepInfo map[string]any `json:"stepInfo"`
			} `json:"items"`
		}
		native(t, base, "GET", "/api/v1/projects/"+vid+"/steps", nil, &st)
		last := st.Items[len(st.Items)-1]
		if last.Name != "FULL_VERIFIER" {
			t.Fatalf("last step %s", last.Name)
		}
		r, _ := last.StepInfo["verifyResult"].(string)
		return r
	}
	if r := verify(); r != "CONSISTENT" {
		t.Fatalf("verify-only on identical data: %s", r)
	}
	if _, err := d.Exec("UPDATE people SET name = CONCAT(name, ' ') ORDER BY id LIMIT 1"); err != nil {
		t.Fatal(err)
	}
	if r := verify(); r != "INCONSISTENT" {
		t.Errorf("verify-only after a trailing space was added: %s", r)
	}
}
