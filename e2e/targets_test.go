package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
)

// TestTargetViewAndMissingTableThroughTheAPI drives a real godwit through its APIs: a
// project mapping a table onto a target VIEW over a non-empty table (whose row shares a key
// with the source) FAILS at precheck with a FAILED TARGET_OBJECT_TYPE item and leaves the
// target row untouched; a mapping onto mysql.user is refused at creation; and a
// verification-only project whose target table is missing finishes INCONSISTENT, with the
// table listed, in the native and OMS renderings.
func TestTargetViewAndMissingTableThroughTheAPI(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	ctx := context.Background()
	db, sdb := testenv.NewMariaDBDatabase(t, src, "tv")
	tdbName, tdb := testenv.NewMariaDBDatabase(t, dst, "tvt")
	for _, q := range []string{"CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO t VALUES (1, 'src-1'), (2, 'src-2')",
		"CREATE TABLE gone (id INT PRIMARY KEY)", "INSERT INTO gone VALUES (1)"} {
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{"CREATE TABLE base (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO base VALUES (2, 'target-only')",
		"CREATE VIEW t AS SELECT id, v FROM base"} {
		if _, err := tdb.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	base := inProcess(t)
	sid, did := createDS(t, base, "tv_src", src), createDS(t, base, "tv_dst", dst)
	mapping := func(table string) map[string]any {
		return map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db, "mappedName": tdbName,
			"tables": []any{map[string]any{"name": table}}}}}
	}

	id := createProject(t, base, map[string]any{"name": "tv_" + db, "type": "MIGRATION", "sourceEndpointId": sid, "sinkEndpointId": did,
		"transferMapping": mapping("t"), "enableStructTransfer": true, "enableFullTransfer": true, "enableFullVerify": true})
	action(t, base, id, "start")
	if s := waitStatus(t, base, id, "FINISHED", "FAILED"); s != "FAILED" {
		t.Fatalf("project onto a target view: %s, want FAILED at precheck", s)
	}
	var items struct {
		Items []struct{ Name, Status, Message, Advice string } `json:"items"`
	}
	native(t, base, "GET", "/api/v1/projects/"+id+"/precheck", nil, &items)
	found := false
	for _, it := range items.Items {
		found = found || it.Name == "TARGET_OBJECT_TYPE" && it.Status == "FAILED" && strings.Contains(it.Message, tdbName+".t is a VIEW") && it.Advice != ""
	}
	if !found {
		t.Errorf("precheck items lack a FAILED TARGET_OBJECT_TYPE naming the view: %+v", items.Items)
	}
	rows, err := tdb.QueryContext(ctx, "SELECT id, v FROM base ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		got = append(got, id+":"+v)
	}
	rows.Close()
	if strings.Join(got, ",") != "2:target-only" {
		t.Fatalf("target base table = %v, want only 2:target-only", got)
	}

	// mysql.user as the mapped target: refused when the project is created.
	var e apiErr
	code := native(t, base, "POST", "/api/v1/projects", map[string]any{"name": "tv_user", "type": "MIGRATION", "sourceEndpointId": sid,
		"sinkEndpointId": did, "enableFullTransfer": true, "transferMapping": map[string]any{"mode": "SPECIFIC", "databases": []any{
			map[string]any{"name": db, "mappedName": "mysql", "tables": []any{map[string]any{"name": "t", "mappedName": "user"}}}}}}, &e)
	if code != 400 || e.Error.Code != "PARAM_ERROR" || !strings.Contains(e.Error.Message, "system database") {
		t.Errorf("mapping onto mysql.user: HTTP %d %+v", code, e)
	}

	// A verification of the same mapping (one table missing on the target, one a view):
	// INCONSISTENT, both tables listed as not compared, in the native and OMS renderings.
	both := map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db, "mappedName": tdbName,
		"tables": []any{map[string]any{"name": "gone"}, map[string]any{"name": "t"}}}}}
	vid := createProject(t, base, map[string]any{"name": "tv_verify_" + db, "type": "MIGRATION", "sourceEndpointId": sid,
		"sinkEndpointId": did, "transferMapping": both, "enableFullVerify": true})
	var started struct {
		RunID string `json:"runId"`
	}
	if code := native(t, base, "POST", "/api/v1/projects/"+vid+"/verify/runs", map[string]any{}, &started); code != 202 || started.RunID == "" {
		t.Fatalf("start verification: HTTP %d %+v", code, started)
	}
	var run struct {
		Status  string  `json:"status"`
		Result  *string `json:"result"`
		Message string  `json:"message"`
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		native(t, base, "GET", "/api/v1/projects/"+vid+"/verify/runs/"+started.RunID, nil, &run)
		if run.Status != "RUNNING" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if run.Status != "FINISHED" || run.Result == nil || *run.Result != "INCONSISTENT" ||
		!strings.Contains(run.Message, "2 tables could not be compared") || !strings.Contains(run.Message, db+".gone") ||
		!strings.Contains(run.Message, "it is a VIEW, not a base table") {
		t.Fatalf("verification run = %+v", run)
	}
	var vt struct {
		Items []struct{ Table, Result, DRSStatus, Message string } `json:"items"`
	}
	native(t, base, "GET", "/api/v1/projects/"+vid+"/verify/runs/"+started.RunID+"/tables", nil, &vt)
	if len(vt.Items) != 2 {
		t.Fatalf("verification tables = %+v", vt.Items)
	}
	for _, it := range vt.Items {
		if it.Result != "TARGET_TABLE_NOT_EXIST" || it.DRSStatus != "TARGET_DB_NOT_EXIST" || it.Message == "" {
			t.Errorf("verification table %+v", it)
		}
	}
	res := omsOK(t, base, "ListProjectFullVerifyResult", map[string]any{"projectId": vid, "runId": started.RunID}).(map[string]any)
	if n := len(res["fullVerifyTableStatistics"].([]any)); n != 2 {
		t.Fatalf("OMS verification tables: %v", res)
	}
	for _, x := range res["fullVerifyTableStatistics"].([]any) {
		st := x.(map[string]any)
		if st["resultType"] != "TARGET_TABLE_NOT_EXIST" || !strings.Contains(st["resultDesc"].(string), "does not exist") {
			t.Errorf("OMS verification table %v", st)
		}
	}
}
