package realsvc_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// ambiguousEnv is a real handler with two data sources, an OMS project and a DRS job.
func ambiguousEnv(t *testing.T) (l *logged, pid, jid string) {
	t.Helper()
	l = newLogged(t)
	var ds []string
	for i, n := range []string{"asrc", "adst"} { // two servers: 10.0.0.5 and 10.0.0.6
		code, m := l.call(t, "POST", "/api/v1/datasources",
			`{"name":"`+n+`","type":"MYSQL","host":"10.0.0.`+strconv.Itoa(5+i)+`","port":3306,"user":"u","password":"p","skipConnectivityTest":true}`)
		if code != 201 {
			t.Fatalf("data source: %d %v", code, m)
		}
		ds = append(ds, m["id"].(string))
	}
	p := l.oms(t, "CreateProject", string(projectBody(ds[0], ds[1], "amb", "shop", "orders", "")), "")
	pid = p["data"].(string)
	code, m := l.call(t, "POST", "/v5/p1/jobs", drsJob("amb-job", ""))
	if code != 200 {
		t.Fatalf("CreateJob: %d %v", code, m)
	}
	return l, pid, m["id"].(string)
}

// drsJob is a CreateJob body; extra is spliced into base_info.
func drsJob(name, extra string) string {
	return fmt.Sprintf(`{"job":{"base_info":{"name":%q,"job_type":"migration","task_type":"FULL_TRANS"%s},
		"source_endpoint":[{"db_type":"mysql","endpoint_type":"offline","endpoint_role":"so","endpoint":{"endpoint_name":"mysql","ip":"127.0.0.1","db_port":"3306","db_user":"u","db_password":"pw","db_name":"shop"}}],
		"target_endpoint":[{"db_type":"mysql","endpoint_type":"offline","endpoint_role":"ta","endpoint":{"endpoint_name":"mysql","ip":"127.0.0.2","db_port":"3306","db_user":"u","db_password":"pw"}}],
		"node_info":{"spec":{"node_type":"small"}}}}`, name, extra)
}

func (l *logged) counts(t *testing.T) (projects, jobs, dataSources float64) {
	t.Helper()
	projects = l.oms(t, "ListProjects", `{}`, "")["totalCount"].(float64)
	_, m := l.call(t, "GET", "/v5/p1/jobs?job_type=migration", "")
	jobs = m["total_count"].(float64)
	_, m = l.call(t, "GET", "/api/v1/datasources", "")
	dataSources = m["total"].(float64)
	return
}

// TestAmbiguousRequestsAreRefused: a key named twice in a JSON body (any case), a query
// parameter given twice, and an encoded slash in a path are refused in every wire shape with
// a typed error, and change nothing. On the old code each was resolved one way or another
// (by map order, last-wins or first-wins), or authorised on one path and routed on another.
func TestAmbiguousRequestsAreRefused(t *testing.T) {
	l, pid, jid := ambiguousEnv(t)
	p0, j0, d0 := l.counts(t)
	_, detail := l.call(t, "GET", "/v5/p1/jobs/"+jid+"?type=detail", "")
	status0 := detail["job"].(map[string]any)["status"]

	// OMS: {"id":…,"ID":…} was resolved by map order, so DeleteProject hit either project.
	for range 30 {
		l.oms(t, "DeleteProject", `{"id":"np_missing","ID":"`+pid+`"}`, "PARAM_ERROR")
		l.oms(t, "DeleteProject", `{"Id":"np_missing","ID":"`+pid+`"}`, "PARAM_ERROR")
		l.oms(t, "DeleteProject", `{"id":"`+pid+`","id":"`+pid+`"}`, "PARAM_ERROR")
	}
	// Nested objects too.
	l.oms(t, "CreateProject", `{"name":"x","transferMapping":{"mode":"SPECIFIC","MODE":"WHOLE"}}`, "PARAM_ERROR")

	type want struct {
		status int
		code   string // OMS/native code or DRS error_code
	}
	cases := []struct {
		method, path, body string
		want
	}{
		// Native: a duplicated key in a body, a single-valued query parameter given twice.
		{"POST", "/api/v1/datasources", `{"name":"a1","NAME":"a2","type":"MYSQL","host":"h","port":1,"user":"u","skipConnectivityTest":true}`, want{400, "PARAM_ERROR"}},
		{"POST", "/api/v1/datasources", `{"name":"a1","name":"a2","type":"MYSQL","host":"h","port":1,"user":"u","skipConnectivityTest":true}`, want{400, "PARAM_ERROR"}},
		{"GET", "/api/v1/projects?page=1&page=2", ``, want{400, "PARAM_ERROR"}},
		{"GET", "/api/v1/projects?size=1&SIZE=2", ``, want{400, "PARAM_ERROR"}},
		{"GET", "/api/v1/projects?page=1;x", ``, want{400, "PARAM_ERROR"}},
		{"POST", "/api/v1/projects/" + pid + "%2Fstart", ``, want{400, "PARAM_ERROR"}},
		{"DELETE", "/api/v1/projects%2F" + pid, ``, want{400, "PARAM_ERROR"}},
		// DRS: type= twice (first-wins before), a duplicated action_name, a duplicated job name.
		{"GET", "/v5/p1/jobs/" + jid + "?type=detail&type=progress", ``, want{400, "DRS.10000003"}},
		{"GET", "/v5/p1/jobs/" + jid + "?type=detail&TYPE=progress", ``, want{400, "DRS.10000003"}},
		{"POST", "/v5/p1/jobs/" + jid + "/action", `{"job":{"action_name":"precheck","ACTION_NAME":"start"}}`, want{400, "DRS.10000003"}},
		{"POST", "/v5/p1/jobs/action", `{"jobs":[{"job_id":"` + jid + `","action_name":"precheck","Action_Name":"start"}]}`, want{400, "DRS.10000003"}},
		{"POST", "/v5/p1/jobs", drsJob("dup-a", `,"NAME":"dup-b"`), want{400, "DRS.10000003"}},
		{"DELETE", "/v5/p1%2Fjobs%2F" + jid, ``, want{400, "DRS.10000003"}},
		// OMS path with an encoded slash.
		{"POST", "/api%2Fv2?Action=DeleteProject", `{"id":"` + pid + `"}`, want{400, "PARAM_ERROR"}},
	}
	for _, c := range cases {
		code, m := l.call(t, c.method, c.path, c.body)
		got := ""
		switch {
		case m["error_code"] != nil:
			got = m["error_code"].(string)
		case m["error"] != nil:
			got = m["error"].(map[string]any)["code"].(string)
		case m["code"] != nil:
			got = m["code"].(string)
		}
		if code != c.status || got != c.code {
			t.Errorf("%s %s %.60s: HTTP %d %v, want %d %s", c.method, c.path, c.body, code, m, c.status, c.code)
		}
	}
	// A public path spelled with encoded slashes is not public: it is refused before any route.
	req := httptest.NewRequest("GET", "/api%2Fv1%2Fhealth", nil)
	w := httptest.NewRecorder()
	l.h.ServeHTTP(w, req)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "PARAM_ERROR") {
		t.Errorf("GET /api%%2Fv1%%2Fhealth unauthenticated: %d %s", w.Code, w.Body)
	}
	// Repeatable list parameters still work.
	if code, m := l.call(t, "GET", "/api/v1/projects?status=INIT&status=RUNNING", ""); code != 200 || m["total"] != 1.0 {
		t.Errorf("repeated status filter: %d %v", code, m)
	}

	if p, j, d := l.counts(t); p != p0 || j != j0 || d != d0 {
		t.Errorf("counts changed: projects %v→%v, jobs %v→%v, data sources %v→%v", p0, p, j0, j, d0, d)
	}
	_, detail = l.call(t, "GET", "/v5/p1/jobs/"+jid+"?type=detail", "")
	if s := detail["job"].(map[string]any)["status"]; s != status0 {
		t.Errorf("job status %v → %v", status0, s)
	}
	l.oms(t, "DescribeProject", `{"id":"`+pid+`"}`, "")
}
