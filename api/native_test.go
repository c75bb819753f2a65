package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/godwit/godwit/model"
)

// problem checks a native error body: {"error":{code,message,advice,params},"requestId"}.
func problem(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.code != status {
		t.Fatalf("HTTP %d, want %d: %s", r.code, status, r.raw)
	}
	sameKeys(t, "problem", r.body, []string{"error", "requestId"})
	pe, ok := r.body["error"].(map[string]any)
	if !ok {
		t.Fatalf("error = %#v", r.body["error"])
	}
	sameKeys(t, "problem.error", pe, []string{"code", "message", "advice", "params"})
	if pe["code"] != code {
		t.Fatalf("code = %v, want %s (%v)", pe["code"], code, pe["message"])
	}
	if str(pe["message"]) == "" {
		t.Errorf("empty message")
	}
	if _, ok := pe["params"].(map[string]any); !ok {
		t.Errorf("params = %#v, want an object", pe["params"])
	}
	if rid := str(r.body["requestId"]); !uuidRe.MatchString(rid) || rid != r.hdr.Get("X-Request-Id") {
		t.Errorf("requestId %q / header %q", rid, r.hdr.Get("X-Request-Id"))
	}
}

var nativeDSKeys = []string{"id", "name", "type", "host", "port", "user", "schema", "description", "options", "version", "gmtCreate", "gmtModified"}

func TestNativeDataSources(t *testing.T) {
	e := newEnv(t, 0)
	body := `{"name":"src","type":"mariadb","host":"10.0.0.5","port":3306,"user":"mig","password":"plain-secret-pw","schema":"shop","options":{"k":"v"}}`
	r := e.do("POST", "/api/v1/datasources", strings.NewReader(body), asAdmin())
	if r.code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.code, r.raw)
	}
	sameKeys(t, "datasource", r.body, nativeDSKeys)
	id := str(r.body["id"])
	if r.body["type"] != "MARIADB" || r.body["port"] != 3306.0 || r.body["options"].(map[string]any)["k"] != "v" || r.body["version"] == "" {
		t.Errorf("datasource = %v", r.body)
	}
	if e.svc.lastDSReq[0].Password != "plain-secret-pw" {
		t.Errorf("password not passed through")
	}
	for _, rr := range []resp{r, e.do("GET", "/api/v1/datasources/"+id, nil, asAdmin()), e.do("GET", "/api/v1/datasources?type=MARIADB&page=1&size=5", nil, asAdmin())} {
		if rr.code != 200 && rr.code != 201 || strings.Contains(rr.raw, "plain-secret-pw") || strings.Contains(rr.raw, "password") {
			t.Errorf("%d or leaks a password: %s", rr.code, rr.raw)
		}
	}
	l := e.do("GET", "/api/v1/datasources?type=MYSQL,MARIADB&size=5", nil, asAdmin())
	sameKeys(t, "list", l.body, []string{"items", "total", "page", "size"})
	if l.body["total"] != 1.0 || l.body["size"] != 5.0 || len(l.body["items"].([]any)) != 1 {
		t.Errorf("list = %s", l.raw)
	}
	problem(t, e.do("POST", "/api/v1/datasources", strings.NewReader(`{"name":"x","type":"MYSQL","host":"`+unreachableHost+`","port":3306,"user":"u"}`), asAdmin()),
		http.StatusUnprocessableEntity, "PARAM_ERROR")
	if r := e.do("POST", "/api/v1/datasources", strings.NewReader(`{"name":"y","type":"MYSQL","host":"`+unreachableHost+`","port":3306,"user":"u","skipConnectivityTest":true}`), asAdmin()); r.code != 201 {
		t.Errorf("skipConnectivityTest: %d %s", r.code, r.raw)
	}
	problem(t, e.do("POST", "/api/v1/datasources", strings.NewReader(`{"name":"src","type":"MYSQL","host":"h","port":3306,"user":"u"}`), asAdmin()), http.StatusConflict, "GHANA-ENDPOINT000003")
	problem(t, e.do("POST", "/api/v1/datasources", strings.NewReader(`{"name":"z","port":"3306"}`), asAdmin()), http.StatusBadRequest, "PARAM_ERROR")
	problem(t, e.do("POST", "/api/v1/datasources", strings.NewReader(`{"name":`), asAdmin()), http.StatusBadRequest, "PARAM_ERROR")
	problem(t, e.do("POST", "/api/v1/datasources", strings.NewReader(``), asAdmin()), http.StatusBadRequest, "PARAM_ERROR")
	problem(t, e.do("GET", "/api/v1/datasources?size=0", nil, asAdmin()), http.StatusBadRequest, "PARAM_ERROR")
	if r := e.do("DELETE", "/api/v1/datasources/"+id, nil, asAdmin()); r.code != http.StatusNoContent || r.raw != "" {
		t.Errorf("delete: %d %q", r.code, r.raw)
	}
	problem(t, e.do("GET", "/api/v1/datasources/"+id, nil, asAdmin()), http.StatusNotFound, "GHANA-ENDPOINT000001")
}

func TestNativeProjects(t *testing.T) {
	e := newEnv(t, 0)
	src, dst := twoDataSources(t, e)
	r := e.do("POST", "/api/v1/projects", strings.NewReader(strings.Replace(sprintf(createProjectBody, src, dst), `"l_a,l_b"`, `["l_a","l_b"]`, 1)), bearer(adminToken))
	if r.code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.code, r.raw)
	}
	checkProject(t, r.raw, r.body)
	id := str(r.body["id"])
	if r.body["status"] != "INIT" || r.body["owner"] != "token" {
		t.Errorf("created = %v / %v", r.body["status"], r.body["owner"])
	}
	if r := e.do("GET", "/api/v1/projects/"+id, nil, asAdmin()); r.code != 200 || r.body["id"] != id {
		t.Errorf("get: %d", r.code)
	}
	r = e.do("POST", "/api/v1/projects/"+id+"/start", nil, asAdmin())
	if r.code != 200 || r.body["status"] != "RUNNING" {
		t.Fatalf("start: %d %s", r.code, r.raw)
	}
	problem(t, e.do("POST", "/api/v1/projects/"+id+"/start", nil, asAdmin()), http.StatusConflict, "GHANA-PROJECT000002")
	problem(t, e.do("DELETE", "/api/v1/projects/"+id, nil, asAdmin()), http.StatusConflict, "GHANA-PROJECT000002")
	problem(t, e.do("POST", "/api/v1/projects/"+id+"/explode", nil, asAdmin()), http.StatusNotFound, "GODWIT-API-0404")

	l := e.do("GET", "/api/v1/projects?status=RUNNING&status=FAILED&page=1&size=10", nil, asAdmin())
	if l.body["total"] != 1.0 || len(l.body["items"].([]any)) != 1 {
		t.Errorf("list by status: %s", l.raw)
	}
	if l := e.do("GET", "/api/v1/projects?status=INIT", nil, asAdmin()); l.body["total"] != 0.0 {
		t.Errorf("list INIT: %s", l.raw)
	}
	problem(t, e.do("GET", "/api/v1/projects?size=151", nil, asAdmin()), http.StatusBadRequest, "PARAM_ERROR")

	st := e.do("GET", "/api/v1/projects/"+id+"/steps", nil, asAdmin())
	items := st.body["items"].([]any)
	var verifier map[string]any
	for _, it := range items {
		if s := it.(map[string]any); s["name"] == string(model.StepFullVerify) {
			verifier = s["stepInfo"].(map[string]any)
		}
	}
	if _, ok := verifier["verifyResult"]; !ok {
		t.Errorf("native FULL_VERIFIER stepInfo lacks verifyResult: %v", verifier)
	}
	pr := e.do("GET", "/api/v1/projects/"+id+"/progress", nil, asAdmin())
	sameKeys(t, "progress", pr.body, []string{"projectId", "status", "importance", "currentStep", "enableStructTransfer", "enableFullTransfer",
		"enableIncrTransfer", "enableReverseIncrTransfer", "structTransferProgress", "fullTransferProgress", "incrSyncCheckpoint", "reverseIncrTransferCheckpoint"})
	tb := e.do("GET", "/api/v1/projects/"+id+"/tables?step=FULL_TRANSFER", nil, asAdmin())
	tables := tb.body["items"].([]any)
	t0, t1 := tables[0].(map[string]any), tables[1].(map[string]any)
	sameKeys(t, "table", t0, []string{"table", "target", "status", "capacity", "done", "bytes", "extra"})
	if t0["extra"].(map[string]any)["chunks"] != 4.0 || t1["extra"] != nil || t0["done"] != 40.0 {
		t.Errorf("tables = %s", tb.raw)
	}
	problem(t, e.do("GET", "/api/v1/projects/"+id+"/tables?step=NOPE", nil, asAdmin()), http.StatusBadRequest, "PARAM_ERROR")
	lg := e.do("GET", "/api/v1/projects/"+id+"/logs?level=info", nil, asAdmin())
	sameKeys(t, "logs", lg.body, []string{"items", "total"})
	sameKeys(t, "log entry", lg.body["items"].([]any)[0].(map[string]any), []string{"id", "time", "level", "step", "message"})
	pc := e.do("GET", "/api/v1/projects/"+id+"/precheck", nil, asAdmin())
	sameKeys(t, "check item", pc.body["items"].([]any)[0].(map[string]any), []string{"name", "endpointType", "status", "message", "advice", "skippable"})

	for _, a := range []string{"stop", "release"} {
		if r := e.do("POST", "/api/v1/projects/"+id+"/"+a, nil, asAdmin()); r.code != 200 {
			t.Fatalf("%s: %d %s", a, r.code, r.raw)
		}
	}
	if r := e.do("DELETE", "/api/v1/projects/"+id, nil, asAdmin()); r.code != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.code, r.raw)
	}
	for _, p := range []string{"", "/steps", "/progress", "/tables", "/logs", "/precheck"} {
		problem(t, e.do("GET", "/api/v1/projects/"+id+p, nil, asAdmin()), http.StatusNotFound, "GHANA-PROJECT000001")
	}
	problem(t, e.do("POST", "/api/v1/projects", strings.NewReader(`{"name":"p","enableFullTransfer":"yes"}`), asAdmin()), http.StatusBadRequest, "PARAM_ERROR")
	r = e.do("POST", "/api/v1/projects", strings.NewReader(`{"name":"p","labelIds":"l_1"}`), asAdmin())
	problem(t, r, http.StatusBadRequest, "PARAM_ERROR")
	if !strings.Contains(r.raw, "labelIds must be an array of strings") {
		t.Errorf("unhelpful message: %s", r.raw)
	}
	problem(t, e.do("POST", "/api/v1/projects", strings.NewReader(`{"name":"p","sourceEndpointId":"e_x","sinkEndpointId":"e_y"}`), asAdmin()), http.StatusNotFound, "GHANA-ENDPOINT000001")
	problem(t, e.do("GET", "/api/v1/nothing", nil, asAdmin()), http.StatusNotFound, "GODWIT-API-0404")
	problem(t, e.do("PUT", "/api/v1/projects/"+id, nil, asAdmin()), http.StatusNotFound, "GODWIT-API-0404")
	problem(t, e.do("GET", "/elsewhere", nil, asAdmin()), http.StatusNotFound, "GODWIT-API-0404")
	r = e.do("GET", "/api/v1/projects/"+bugID, nil, asAdmin())
	problem(t, r, http.StatusInternalServerError, "INNER_ERROR")
	if strings.Contains(r.raw, "secret-internal-detail") {
		t.Errorf("internal error text leaked: %s", r.raw)
	}
}
