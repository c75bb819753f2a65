package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

var v33Keys = []string{"success", "code", "message", "advice", "requestId", "pageNumber", "pageSize", "totalCount", "cost", "data"}

func TestV33Progress(t *testing.T) {
	raw, err := os.ReadFile("testdata/v33_progress_seed002.json")
	if err != nil {
		t.Fatal(err)
	}
	var sample map[string]any
	if err := json.Unmarshal(raw, &sample); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, 0)
	id := seedProject(t, e)
	legacy := map[model.StepName]string{
		model.StepPrecheck: "PRE_CHECK", model.StepStruct: "STRUCT_MIGRATION", model.StepFull: "FULL_MIGRATION",
		model.StepIndex: "INDEX_MIGRATION", model.StepIncr: "INCR_SYNC", model.StepAppSwitch: "APP_SWITCH",
		model.StepReverseIncr: "REVERSE_INCR_SYNC", model.StepFullVerify: "FULL_VALIDATION", model.StepIncrLogPull: "INCR_LOG_PULL",
	}
	for step, want := range legacy {
		e.svc.progress[id] = &service.Progress{ProjectID: id, Status: model.StatusRunning, Importance: "HIGH", CurrentStep: step,
			EnableStruct: true, EnableFull: true, EnableIncr: true, StructProgress: 100, FullProgress: 42,
			IncrCheckpoint: model.Int64(3628), ReverseIncrCheckpoint: model.Int64(6165)}
		r := e.do("GET", "/api/omsp/v2/migrations/"+id+"/progress", nil, asAdmin())
		if r.code != 200 {
			t.Fatalf("HTTP %d: %s", r.code, r.raw)
		}
		sameKeys(t, "V3.3 envelope", r.body, v33Keys)
		if r.body["success"] != true || r.body["code"] != "success" || r.body["message"] != nil || r.body["pageNumber"] != nil {
			t.Errorf("envelope = %s", r.raw)
		}
		checkCommon(t, r)
		// Key sets and types exactly as the seed sample (whose values are doc noise).
		sameShape(t, "data", sample["data"], r.body["data"], func(string) bool { return false })
		d := r.body["data"].(map[string]any)
		if d["currentStep"] != want || d["fullMigrationProgress"] != 42.0 || d["importance"] != "HIGH" || d["enableReverseIncrSync"] != false {
			t.Errorf("%s: data = %v", step, d)
		}
	}
	r := e.do("GET", "/api/omsp/v2/migrations/np_missing/progress", nil, asAdmin())
	sameKeys(t, "V3.3 error envelope", r.body, v33Keys)
	if r.code != 200 || r.body["success"] != false || r.body["code"] != "GHANA-PROJECT000001" || r.body["data"] != nil {
		t.Errorf("unknown project: %d %s", r.code, r.raw)
	}
	if r := e.do("GET", "/api/omsp/v2/migrations/x/other", nil, asAdmin()); r.code != 404 || r.body["success"] != false {
		t.Errorf("unknown V3.3 route: %d %s", r.code, r.raw)
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, 0)
	id := createProject(t, e)
	shapes := []struct {
		name, method, path, body string
		check                    func(t *testing.T, r resp, status int, code string)
	}{
		{"oms", "POST", "/api/v2?Action=ListProjects", `{}`, func(t *testing.T, r resp, status int, code string) { errEnvelope(t, r, status, code) }},
		{"v33", "GET", "/api/omsp/v2/migrations/" + id + "/progress", "", func(t *testing.T, r resp, status int, code string) {
			if r.code != status || r.body["success"] != false || r.body["code"] != code {
				t.Errorf("V3.3: %d %s", r.code, r.raw)
			}
			sameKeys(t, "V3.3 envelope", r.body, v33Keys)
		}},
		{"native", "GET", "/api/v1/projects", "", func(t *testing.T, r resp, status int, code string) { problem(t, r, status, code) }},
	}
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			body := func() io.Reader {
				if s.body == "" {
					return nil
				}
				return strings.NewReader(s.body)
			}
			for name, auth := range map[string]authFn{
				"none":           noAuth(),
				"wrong password": basic(adminUser, "nope"),
				"unknown user":   basic("mallory", adminPass),
				"swapped":        basic(roUser, adminPass),
				"garbage":        header("Authorization", "Basic !!!"),
				"other scheme":   header("Authorization", "Digest abc"),
				"wrong token":    bearer("tok-nope"),
			} {
				r := e.do(s.method, s.path, body(), auth)
				s.check(t, r, http.StatusUnauthorized, "GHANA-AUTH000001")
				if !strings.Contains(strings.Join(r.hdr.Values("WWW-Authenticate"), ","), `Basic realm="godwit"`) {
					t.Errorf("%s: WWW-Authenticate = %v", name, r.hdr.Values("WWW-Authenticate"))
				}
			}
			for _, auth := range []authFn{asAdmin(), asReadonly()} {
				if r := e.do(s.method, s.path, body(), auth); r.code != 200 || r.body["success"] == false {
					t.Errorf("valid credentials refused: %d %s", r.code, r.raw)
				}
			}
			tokenStatus := http.StatusUnauthorized // Bearer tokens only on the native API
			if s.name == "native" {
				tokenStatus = http.StatusOK
			}
			if r := e.do(s.method, s.path, body(), bearer(adminToken)); r.code != tokenStatus {
				t.Errorf("bearer token: HTTP %d, want %d", r.code, tokenStatus)
			}
		})
	}
	// Public routes.
	r := e.do("GET", "/api/v1/health", nil, noAuth())
	if r.code != 200 || r.body["status"] != "ok" || r.body["version"] != "test-1.2.3" {
		t.Errorf("health: %d %s", r.code, r.raw)
	}
	if r := e.do("GET", "/api/v1/openapi.yaml", nil, noAuth()); r.code != 200 || !strings.HasPrefix(r.raw, "openapi: 3") {
		t.Errorf("openapi: %d", r.code)
	}
}

func TestReadonlyRole(t *testing.T) {
	e := newEnv(t, 0)
	id := createProject(t, e)
	body := `{"id":"` + id + `"}`
	for _, a := range []string{"StartProject", "StopProject", "ResumeProject", "ReleaseProject", "DeleteProject", "CreateProject",
		"CreateMySQLDataSource", "CreateMySQLMasterSlaveDataSource", "DeleteDataSource", "CreateLabel"} {
		r := e.do("POST", "/api/v2?Action="+a, strings.NewReader(body), asReadonly())
		errEnvelope(t, r, http.StatusForbidden, "GHANA-AUTH000002")
	}
	for _, a := range []string{"ListProjects", "DescribeProject", "DescribeProjectSteps", "DescribeProjectProgress", "ListDataSource"} {
		if r := e.do("POST", "/api/v2?Action="+a, strings.NewReader(body), asReadonly()); r.code != 200 || r.body["success"] != true {
			t.Errorf("readonly %s: %d %s", a, r.code, r.raw)
		}
	}
	if e.svc.projects[id].Status != model.StatusInit {
		t.Errorf("readonly changed the project: %s", e.svc.projects[id].Status)
	}
	for _, c := range []struct{ method, path string }{
		{"POST", "/api/v1/projects/" + id + "/start"}, {"DELETE", "/api/v1/projects/" + id}, {"POST", "/api/v1/datasources"},
	} {
		problem(t, e.do(c.method, c.path, strings.NewReader(`{}`), asReadonly()), http.StatusForbidden, "GHANA-AUTH000002")
		problem(t, e.do(c.method, c.path, strings.NewReader(`{}`), bearer(roToken)), http.StatusForbidden, "GHANA-AUTH000002")
	}
	if r := e.do("GET", "/api/v1/projects/"+id, nil, bearer(roToken)); r.code != 200 {
		t.Errorf("readonly token GET: %d", r.code)
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, 512)
	big := `{"id":"` + strings.Repeat("x", 1024) + `"}`
	errEnvelope(t, e.oms("DescribeProject", big), http.StatusRequestEntityTooLarge, "GODWIT-API-0413")
	problem(t, e.do("POST", "/api/v1/projects", strings.NewReader(big), asAdmin()), http.StatusRequestEntityTooLarge, "GODWIT-API-0413")
	// Without a Content-Length (chunked), the limit is enforced while reading.
	errEnvelope(t, e.do("POST", "/api/v2?Action=CreateProject", io.MultiReader(strings.NewReader(big)), asAdmin()),
		http.StatusRequestEntityTooLarge, "GODWIT-API-0413")
	problem(t, e.do("POST", "/api/v1/datasources", io.MultiReader(strings.NewReader(big)), asAdmin()), http.StatusRequestEntityTooLarge, "GODWIT-API-0413")
	// Default limit is 1 MiB.
	e2 := newEnv(t, 0)
	huge := `{"id":"` + strings.Repeat("x", 1<<20) + `"}`
	errEnvelope(t, e2.oms("DescribeProject", huge), http.StatusRequestEntityTooLarge, "GODWIT-API-0413")
	errEnvelope(t, e2.oms("DescribeProject", `{"id":"`+strings.Repeat("x", 1000)+`"}`), 200, "GHANA-PROJECT000001")
}

func TestPanicRecovery(t *testing.T) {
	e := newEnv(t, 0)
	errEnvelope(t, e.oms("DescribeProject", `{"id":"`+panicID+`"}`), http.StatusInternalServerError, "INNER_ERROR")
	problem(t, e.do("GET", "/api/v1/projects/"+panicID, nil, asAdmin()), http.StatusInternalServerError, "INNER_ERROR")
	r := e.do("GET", "/api/omsp/v2/migrations/"+panicID+"/progress", nil, asAdmin())
	if r.code != 500 || r.body["code"] != "INNER_ERROR" {
		t.Errorf("V3.3 panic: %d %s", r.code, r.raw)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "deliberate panic") || !strings.Contains(logs, "goroutine") {
		t.Errorf("panic or stack not logged:\n%s", logs)
	}
	// The server still works.
	okEnvelope(t, e.oms("ListProjects", `{}`), true)
}

func TestRequestIDsAndAccessLog(t *testing.T) {
	e := newEnv(t, 0)
	pw := b64("very-secret-pw-42")
	a := e.oms("CreateMySQLDataSource", `{"name":"a","ip":"h","port":3306,"userName":"u","password":"`+pw+`"}`)
	b := e.do("GET", "/api/v1/health", nil, noAuth())
	if a.hdr.Get("X-Request-Id") == "" || a.hdr.Get("X-Request-Id") == b.hdr.Get("X-Request-Id") {
		t.Errorf("request ids: %q %q", a.hdr.Get("X-Request-Id"), b.hdr.Get("X-Request-Id"))
	}
	if !uuidRe.MatchString(b.hdr.Get("X-Request-Id")) {
		t.Errorf("health X-Request-Id = %q", b.hdr.Get("X-Request-Id"))
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "http request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d access log lines, want 2: %s", len(lines), e.logs.String())
	}
	first := lines[0]
	if first["method"] != "POST" || first["path"] != "/api/v2" || first["status"] != 200.0 || first["action"] != "CreateMySQLDataSource" ||
		first["user"] != adminUser || first["request_id"] != a.hdr.Get("X-Request-Id") {
		t.Errorf("access log line = %v", first)
	}
	if _, ok := first["duration_ms"].(float64); !ok {
		t.Errorf("duration_ms missing: %v", first)
	}
	logs := e.logs.String()
	for _, secret := range []string{pw, "very-secret-pw-42", adminPass, "Basic "} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q", secret)
		}
	}
}
