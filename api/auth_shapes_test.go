package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// omsCatalogue is every action of oms-v2.md §5 plus godwit's ListProjectLogs extension.
var omsCatalogue = []string{"CreateProject", "ListProjects", "DescribeProject", "DescribeProjectSteps", "DescribeProjectProgress",
	"DescribeProjectComponents", "DescribeProjectStepMetric", "StartProject", "StopProject", "ResumeProject", "ReleaseProject",
	"DeleteProject", "AdvanceProject", "UpdateProjectConfig", "StartProjectsByLabel", "StopProjectsByLabel", "SubmitPreCheck",
	"GetPreCheckResult", "ListProjectFullVerifyResult", "ListConflictData", "CreateProjectModifyRecords", "ListProjectModifyRecords",
	"StopProjectModifyRecords", "RetryProjectModifyRecords", "CancelProjectModifyRecord", "ListDataSource",
	"CreateOceanBaseDataSource", "CreateMySQLMasterSlaveDataSource", "CreateMySQLDataSource", "CreatePilarDBDataSource",
	"CreateOceanBaseODPDataSource", "DeleteDataSource", "CreateLabel", "ListAllLabels", "ListFullVerifyInconsistenciesResult",
	"ListFullVerifyCorrectionsResult", "ListWorkerInstances", "ReleaseWorkerInstance", "CreateRdsPostgreSQLDataSource",
	"CreateOmsMysqlDataSource", "ListProjectLogs"}

type endpointCase struct {
	method, path, shape string // shape: native | oms | v33 | drs
	mutating            bool
}

func allEndpoints() []endpointCase {
	var out []endpointCase
	for _, a := range omsCatalogue {
		l := strings.ToLower(a)
		ro := strings.HasPrefix(l, "list") || strings.HasPrefix(l, "describe") || strings.HasPrefix(l, "get")
		out = append(out, endpointCase{"POST", "/api/v2?Action=" + a, "oms", !ro})
	}
	out = append(out, endpointCase{"GET", "/api/omsp/v2/migrations/np_x/progress", "v33", false})
	for _, n := range []struct {
		m, p string
	}{{"POST", "/api/v1/datasources"}, {"GET", "/api/v1/datasources"}, {"GET", "/api/v1/datasources/e_x"},
		{"DELETE", "/api/v1/datasources/e_x"}, {"POST", "/api/v1/projects"}, {"GET", "/api/v1/projects"},
		{"GET", "/api/v1/projects/np_x"}, {"DELETE", "/api/v1/projects/np_x"}, {"POST", "/api/v1/projects/np_x/start"},
		{"GET", "/api/v1/projects/np_x/steps"}, {"GET", "/api/v1/projects/np_x/progress"}, {"GET", "/api/v1/projects/np_x/tables"},
		{"GET", "/api/v1/projects/np_x/logs"}, {"GET", "/api/v1/projects/np_x/precheck"}} {
		out = append(out, endpointCase{n.m, n.p, "native", n.m != "GET"})
	}
	const j = "/v5/p1/jobs"
	for _, d := range []struct {
		m, p string
	}{{"POST", j}, {"POST", j + "/batch-async-create"}, {"GET", j + "?job_type=migration"}, {"DELETE", j},
		{"GET", j + "/x?type=detail"}, {"PUT", j + "/x"}, {"DELETE", j + "/x"}, {"POST", j + "/x/action"},
		{"POST", j + "/action"}, {"POST", j + "/x/stop"}, {"POST", j + "/batch-stop"}, {"GET", j + "/x/actions"}} {
		out = append(out, endpointCase{d.m, d.p, "drs", d.m != "GET"})
	}
	return out
}

// checkShape asserts that r is an error in the wire shape of c with the given status.
func checkShape(t *testing.T, c endpointCase, r resp, status int) {
	t.Helper()
	if r.code != status {
		t.Fatalf("%s %s: HTTP %d, want %d: %s", c.method, c.path, r.code, status, r.raw)
	}
	switch c.shape {
	case "oms":
		sameKeys(t, c.path, r.body, envelopeKeys)
		if r.body["success"] != false || str(r.body["code"]) == "" || r.body["errorDetail"] == nil {
			t.Fatalf("%s: OMS error envelope %s", c.path, r.raw)
		}
	case "v33":
		if r.body["success"] != false || str(r.body["code"]) == "" {
			t.Fatalf("%s: V3.3 error envelope %s", c.path, r.raw)
		}
		if _, has := r.body["errorDetail"]; has {
			t.Fatalf("%s: V3.3 has no errorDetail: %s", c.path, r.raw)
		}
	case "drs":
		code := str(r.body["error_code"])
		if len(r.body) != 2 || len(code) != 12 || !strings.HasPrefix(code, "DRS.") || str(r.body["error_msg"]) == "" {
			t.Fatalf("%s: DRS error %s", c.path, r.raw)
		}
	case "native":
		e, _ := r.body["error"].(map[string]any)
		if e == nil || str(e["code"]) == "" || str(e["message"]) == "" {
			t.Fatalf("%s: native problem %s", c.path, r.raw)
		}
	}
}

func TestEveryEndpointAnswers401InItsShape(t *testing.T) {
	e := newEnv(t, 0)
	for _, c := range allEndpoints() {
		body := strings.NewReader(`{}`)
		checkShape(t, c, e.do(c.method, c.path, body, noAuth()), http.StatusUnauthorized)
		checkShape(t, c, e.do(c.method, c.path, strings.NewReader(`{}`), basic(adminUser, "wrong")), http.StatusUnauthorized)
		if c.shape == "drs" {
			checkShape(t, c, e.do(c.method, c.path, strings.NewReader(`{}`), header("X-Auth-Token", "not-a-token")), http.StatusUnauthorized)
			checkShape(t, c, e.do(c.method, c.path, strings.NewReader(`{}`),
				header("Authorization", "SDK-HMAC-SHA256 Access=NOPE, SignedHeaders=x-sdk-date, Signature=00")), http.StatusUnauthorized)
		}
	}
}

func TestReadonlyIsRefusedMutationsInEveryShape(t *testing.T) {
	e := newEnv(t, 0)
	for _, c := range allEndpoints() {
		if !c.mutating {
			continue
		}
		checkShape(t, c, e.do(c.method, c.path, strings.NewReader(`{}`), asReadonly()), http.StatusForbidden)
		if c.shape == "drs" {
			checkShape(t, c, e.do(c.method, c.path, strings.NewReader(`{}`), header("X-Auth-Token", roToken)), http.StatusForbidden)
		}
	}
}
