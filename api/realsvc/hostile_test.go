package realsvc_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// hostileEnv is a handler over the real service with two data sources (not connected).
func hostileEnv(t testing.TB) (http.Handler, string, string) {
	h := newHandlerTB(t)
	var ids []string
	for i, n := range []string{"hsrc", "hdst"} { // two servers: 10.0.0.5 and 10.0.0.6
		req := httptest.NewRequest("POST", "/api/v1/datasources", strings.NewReader(
			`{"name":"`+n+`","type":"MYSQL","host":"10.0.0.`+strconv.Itoa(5+i)+`","port":3306,"user":"u","password":"p","skipConnectivityTest":true}`))
		req.SetBasicAuth("admin", "pw")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var m map[string]any
		if w.Code != 201 || json.Unmarshal(w.Body.Bytes(), &m) != nil {
			t.Fatalf("data source: %d %s", w.Code, w.Body)
		}
		ids = append(ids, m["id"].(string))
	}
	return h, ids[0], ids[1]
}

func serve(h http.Handler, method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.SetBasicAuth("admin", "pw")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func projectBody(src, dst, name, db, table, where string) []byte {
	b, _ := json.Marshal(map[string]any{"name": name, "type": "MIGRATION", "sourceEndpointId": src, "sinkEndpointId": dst,
		"transferMapping": map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db,
			"tables": []any{map[string]any{"name": table, "whereClause": where}}}}},
		"enableFullTransfer": true})
	return b
}

// TestHostileInputsAreRejectedCleanly sends SQL in filters and names, oversize bodies, wrong
// JSON types and odd unicode to every wire shape: nothing panics or answers 5xx, filters that
// are not a single safe condition are refused, and names round-trip as data.
func TestHostileInputsAreRejectedCleanly(t *testing.T) {
	h, src, dst := hostileEnv(t)
	for _, where := range []string{"1=1; DROP TABLE x", "id > 0 UNION SELECT password FROM mysql.user", "sleep(10) = 0",
		"id = (SELECT 1)", "id > 0 -- x", "id > 0 /* */", "load_file('/etc/passwd') IS NOT NULL", "id > 0 INTO OUTFILE '/tmp/x'",
		"@@version > 0", "benchmark(1000000, md5(1)) = 0"} {
		w := serve(h, "POST", "/api/v2?Action=CreateProject", projectBody(src, dst, "p1", "db", "t", where))
		var env map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &env)
		if w.Code != 200 || env["success"] != false || env["code"] != "GODWIT-FILTER-0001" {
			t.Errorf("OMS whereClause %q: %d %s", where, w.Code, w.Body)
		}
		if w := serve(h, "POST", "/api/v1/projects", projectBody(src, dst, "p1", "db", "t", where)); w.Code != 400 {
			t.Errorf("native whereClause %q: %d %s", where, w.Code, w.Body)
		}
		mod, _ := json.Marshal(map[string]any{"id": "np_nope", "databases": []any{map[string]any{"name": "d", "tables": []any{map[string]any{"name": "t", "whereClause": where}}}}})
		if w := serve(h, "POST", "/api/v2?Action=CreateProjectModifyRecords", mod); w.Code != 200 || !strings.Contains(w.Body.String(), `"success":false`) {
			t.Errorf("modify record whereClause %q: %d %s", where, w.Code, w.Body)
		}
	}
	// SQL and unicode in names are data: stored and rendered back exactly, never executed.
	for _, name := range []string{"x`; DROP DATABASE y; --", "a' OR '1'='1", "表名_😀", "\u202eevil", "tab\u0000le"} {
		w := serve(h, "POST", "/api/v2?Action=CreateProject", projectBody(src, dst, "p_name", "db", name, ""))
		var env map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || w.Code != 200 {
			t.Fatalf("table name %q: %d %s", name, w.Code, w.Body)
		}
		if env["success"] != true {
			continue // refused cleanly
		}
		d := serve(h, "POST", "/api/v2?Action=DescribeProject", []byte(`{"id":"`+env["data"].(string)+`"}`))
		var got struct {
			Data struct {
				TransferMapping struct {
					Databases []struct{ Tables []struct{ Name string } }
				}
			}
		}
		if json.Unmarshal(d.Body.Bytes(), &got) != nil || got.Data.TransferMapping.Databases[0].Tables[0].Name != name {
			t.Errorf("table name %q did not round-trip: %s", name, d.Body)
		}
	}
	big := bytes.Repeat([]byte("x"), 2<<20)
	for _, c := range []struct{ method, path string }{{"POST", "/api/v2?Action=CreateProject"}, {"POST", "/api/v1/projects"},
		{"POST", "/v5/p1/jobs"}, {"POST", "/api/v2?Action=CreateLabel"}} {
		if w := serve(h, c.method, c.path, big); w.Code != 413 {
			t.Errorf("%s %s with 2 MiB: %d", c.method, c.path, w.Code)
		}
	}
	wrong := []struct{ method, path, body string }{
		{"POST", "/api/v2?Action=CreateLabel", `{"name":{"a":1}}`},
		{"POST", "/api/v2?Action=UpdateProjectConfig", `{"id":"np_x","fullTransferConfig":{"readWorkerNum":"many"}}`},
		{"POST", "/api/v2?Action=DescribeProjectStepMetric", `{"projectId":["a"],"stepName":1}`},
		{"POST", "/api/v2?Action=CreateProjectModifyRecords", `{"id":"np_x","databases":"db"}`},
		{"POST", "/api/v2?Action=ListProjectLogs", `{"id":"np_x","beginTime":12}`},
		{"POST", "/api/v2?Action=SubmitPreCheck", `[1,2]`},
		{"POST", "/api/v1/projects", `{"name":5}`},
		{"POST", "/v5/p1/jobs", `{"job":{"base_info":{"name":5}}}`},
		{"POST", "/v5/p1/jobs", `{"job":{"base_info":{"name":"abcd"},"source_endpoint":{}}}`},
		{"POST", "/v5/p1/jobs", `{"job":` + strings.Repeat("[", 10000) + `}`},
		{"POST", "/v5/p1/jobs", "\xff\xfe{"},
		{"PUT", "/v5/p1/jobs/x", `{"job":{"type":"name","params":[]}}`},
		{"POST", "/v5/p1/jobs/action", `{"jobs":{}}`},
		{"GET", "/v5/p1/jobs?job_type=migration&limit=-1", ``},
		{"GET", "/v5/p1/jobs?job_type=migration&offset=abc", ``},
		{"GET", "/v5/p1/jobs/../../etc/passwd?type=detail", ``},
		{"GET", "/v5/p1/jobs/" + strings.Repeat("a", 5000) + "?type=detail", ``},
	}
	for _, c := range wrong {
		w := serve(h, c.method, c.path, []byte(c.body))
		if w.Code >= 500 || w.Code == 200 && !strings.Contains(w.Body.String(), `"success":false`) {
			t.Errorf("%s %s %.60q: %d %s", c.method, c.path, c.body, w.Code, w.Body)
		}
		if strings.HasPrefix(c.path, "/v5/") && w.Code < 300 { // (a path with .. is redirected to its clean form)
			t.Errorf("%s %s: DRS answered %d", c.method, c.path, w.Code)
		}
	}
}

// FuzzDRSRequest sends arbitrary bodies and queries to the DRS routes of a real service: no
// panic, no 5xx, and every error is the DRS error shape.
func FuzzDRSRequest(f *testing.F) {
	f.Add(uint8(0), "", []byte(`{"job":{"base_info":{"name":"fuzz-job","task_type":"FULL_TRANS","expired_days":"14"},"source_endpoint":[{"db_type":"mysql","endpoint_role":"so","endpoint":{"endpoint_name":"mysql","ip":"10.0.0.1","db_port":"3306","db_user":"u","db_password":"p","db_name":"d"}}],"target_endpoint":[{"db_type":"mysql","endpoint_role":"ta","endpoint":{"endpoint_name":"mysql","ip":"10.0.0.2","db_port":3306,"db_user":"u","db_password":"p"}}]}}`))
	f.Add(uint8(2), "job_type=migration&limit=5&offset=0&sort_dir=asc", []byte(nil))
	f.Add(uint8(4), "type=compare&compare_type=line_compare&query_type=detail", []byte(nil))
	f.Add(uint8(7), "", []byte(`{"job":{"action_name":"create_compare","action_params":{"compare_task_param":{"type":"lines"}}}}`))
	f.Add(uint8(5), "", []byte(`{"job":{"type":"db_object","params":{"db_object":{"object_scope":"table","object_info":{"d":{"tables":{"t":{"filter_conditions":["id>0"]}}}}}}}}`))
	h, _, _ := hostileEnv(f)
	routes := []struct{ method, path string }{{"POST", "/v5/p1/jobs"}, {"POST", "/v5/p1/jobs/batch-async-create"}, {"GET", "/v5/p1/jobs"},
		{"DELETE", "/v5/p1/jobs"}, {"GET", "/v5/p1/jobs/j1"}, {"PUT", "/v5/p1/jobs/j1"}, {"DELETE", "/v5/p1/jobs/j1"},
		{"POST", "/v5/p1/jobs/j1/action"}, {"POST", "/v5/p1/jobs/action"}, {"POST", "/v5/p1/jobs/j1/stop"}, {"POST", "/v5/p1/jobs/batch-stop"},
		{"GET", "/v5/p1/jobs/j1/actions"}}
	f.Fuzz(func(t *testing.T, idx uint8, query string, body []byte) {
		rt := routes[int(idx)%len(routes)]
		req := httptest.NewRequest(rt.method, "/", bytes.NewReader(body))
		req.URL.Path, req.URL.RawQuery = rt.path, query
		req.SetBasicAuth("admin", "pw")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s?%s %q: HTTP %d %s", rt.method, rt.path, query, body, w.Code, w.Body)
		}
		if w.Code >= 400 {
			var e map[string]any
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || len(e) != 2 || !strings.HasPrefix(e["error_code"].(string), "DRS.") {
				t.Fatalf("%s %s: not a DRS error: %s", rt.method, rt.path, w.Body)
			}
		}
		if strings.Contains(w.Body.String(), `"db_password":"p"`) {
			t.Fatalf("password echoed: %s", w.Body)
		}
	})
}

// FuzzProjectFiltersAndNames fuzzes the where-clause and the names of a project through the
// OMS CreateProject action: every answer is an OMS envelope without a 5xx, and an accepted
// filter is one the filter validator accepts on its own.
func FuzzProjectFiltersAndNames(f *testing.F) {
	f.Add("p", "db", "t", "id > 10 AND name LIKE 'a%'")
	f.Add("p", "d`b", "t'; --", "1=1; DROP TABLE t")
	f.Add("π", "数据库", "表", "created_at >= '2024-01-01' OR id IN (1,2,3)")
	f.Add("p", "db", "t", "x = 0x41 AND y IS NOT NULL AND z BETWEEN 1 AND 2")
	h, src, dst := hostileEnv(f)
	f.Fuzz(func(t *testing.T, name, db, table, where string) {
		w := serve(h, "POST", "/api/v2?Action=CreateProject", projectBody(src, dst, name, db, table, where))
		var env map[string]any
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &env) != nil {
			t.Fatalf("HTTP %d %s", w.Code, w.Body)
		}
		if env["success"] == true {
			if id, _ := env["data"].(string); id != "" {
				serve(h, "POST", "/api/v2?Action=DeleteProject", []byte(`{"id":"`+id+`"}`))
			}
		}
	})
}

// omsOpsActions are the OMS actions that need the real service (labels, config, modify
// records, prechecks, metrics, components, logs, OceanBase data sources).
var omsOpsActions = []string{"UpdateProjectConfig", "AdvanceProject", "DescribeProjectComponents", "DescribeProjectStepMetric",
	"StartProjectsByLabel", "StopProjectsByLabel", "SubmitPreCheck", "GetPreCheckResult", "CreateProjectModifyRecords",
	"ListProjectModifyRecords", "StopProjectModifyRecords", "RetryProjectModifyRecords", "CancelProjectModifyRecord",
	"CreateOceanBaseDataSource", "CreateLabel", "ListAllLabels", "ListProjectLogs"}

// FuzzOMSOpsActions sends arbitrary bodies to those actions: always an OMS envelope, never 5xx.
func FuzzOMSOpsActions(f *testing.F) {
	f.Add(uint8(0), []byte(`{"id":"np_x","fullTransferConfig":{"readWorkerNum":2},"incrTransferConfig":{"incrSyncThreadCount":8}}`))
	f.Add(uint8(3), []byte(`{"projectId":"np_x","stepName":"FULL_TRANSFER","metricType":"RPS","aggregator":"AVG","beginTimestamp":1,"endTimestamp":2}`))
	f.Add(uint8(8), []byte(`{"id":"np_x","databases":[{"name":"d","tables":[{"name":"t","whereClause":"id>0"}]}]}`))
	f.Add(uint8(13), []byte(`{"name":"ob","type":"OB_MYSQL","tenant":"t","ip":"h","port":2881,"userName":"u","password":"cA=="}`))
	f.Add(uint8(14), []byte(`{"Name":"label-1"}`))
	f.Add(uint8(16), []byte(`{"id":"np_x","level":"error","beginTime":"2025-01-01T00:00:00","pageSize":"5"}`))
	h, _, _ := hostileEnv(f)
	f.Fuzz(func(t *testing.T, idx uint8, body []byte) {
		action := omsOpsActions[int(idx)%len(omsOpsActions)]
		if action == "CreateOceanBaseDataSource" || action == "SubmitPreCheck" {
			return // these connect to the named servers; covered by the corpus test instead
		}
		w := serve(h, "POST", "/api/v2?Action="+action, body)
		var env map[string]any
		if w.Code >= 500 || json.Unmarshal(w.Body.Bytes(), &env) != nil || len(env) != 11 {
			t.Fatalf("%s %q: HTTP %d %s", action, body, w.Code, w.Body)
		}
	})
}
