package realsvc_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/api"
	"github.com/godwit/godwit/engine"
	"github.com/godwit/godwit/meta/sqlite"
	"github.com/godwit/godwit/secret"
	"github.com/godwit/godwit/service"
)

const leakPassword = "Pw-must-never-leak-7Q"

// logged is a real handler whose JSON log and every response body are kept for leak checks.
type logged struct {
	h    http.Handler
	log  *bytes.Buffer
	seen []string
}

func newLogged(t *testing.T) *logged {
	t.Helper()
	buf := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	box, _ := secret.NewBox(bytes.Repeat([]byte{9}, secret.KeySize))
	store, err := sqlite.Open(context.Background(), t.TempDir()+"/meta.db", box, log)
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(store, engine.New(store, log, engine.Options{}), log)
	t.Cleanup(func() { svc.Close(); store.Close() })
	return &logged{h: api.New(svc, api.Config{Users: []api.User{{Name: "admin", Password: "pw", Role: "admin"}}}, log), log: buf}
}

func (l *logged) call(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.SetBasicAuth("admin", "pw")
	w := httptest.NewRecorder()
	l.h.ServeHTTP(w, req)
	l.seen = append(l.seen, w.Body.String())
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil && w.Body.Len() > 0 {
		t.Fatalf("%s %s: %v %s", method, path, err, w.Body)
	}
	return w.Code, m
}

// oms calls an action and checks the envelope: success as wanted, and on failure the code.
func (l *logged) oms(t *testing.T, action, body string, wantCode string) map[string]any {
	t.Helper()
	code, m := l.call(t, "POST", "/api/v2?Action="+action, body)
	if code != 200 || len(m) != 11 {
		t.Fatalf("%s: HTTP %d %v", action, code, m)
	}
	if wantCode == "" && m["success"] != true || wantCode != "" && (m["success"] != false || m["code"] != wantCode) {
		t.Fatalf("%s %s: want code %q, got %v", action, body, wantCode, m)
	}
	return m
}

func fieldSet(t *testing.T, what string, v any, want ...string) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want an object", what, v)
	}
	got := make([]string, 0, len(m))
	for k := range m {
		got = append(got, k)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s keys = %v, want %v", what, got, want)
	}
}

func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// TestOMSOpsActionsOverTheRealService sends each new OMS action in its oms-v2.md request
// shape and checks the response shape field by field.
func TestOMSOpsActionsOverTheRealService(t *testing.T) {
	l := newLogged(t)
	port := closedPort(t)
	pw := base64.StdEncoding.EncodeToString([]byte(leakPassword))
	var ds []string
	for i, n := range []string{"src", "dst"} { // two servers: 127.0.0.1 and 127.0.0.2
		_, m := l.call(t, "POST", "/api/v1/datasources", fmt.Sprintf(`{"name":%q,"type":"MYSQL","host":"127.0.0.%d","port":%d,"user":"u","password":%q,"skipConnectivityTest":true}`, n, i+1, port, leakPassword))
		ds = append(ds, m["id"].(string))
	}
	// Labels.
	lid := l.oms(t, "CreateLabel", `{"Name":"nightly"}`, "")["data"].(string)
	if !strings.HasPrefix(lid, "l_") {
		t.Fatalf("label id %q", lid)
	}
	l.oms(t, "CreateLabel", `{"name":"nightly"}`, "PARAM_ERROR")
	labels := l.oms(t, "ListAllLabels", `{}`, "")["data"].([]any)
	if len(labels) != 1 {
		t.Fatalf("labels %v", labels)
	}
	fieldSet(t, "label", labels[0], "id", "name")
	body := fmt.Sprintf(`{"name":"ops1","type":"MIGRATION","labelIds":[%q],"sourceEndpointId":%q,"sinkEndpointId":%q,
		"transferMapping":{"mode":"SPECIFIC","databases":[{"name":"shop","tables":[{"name":"orders"}]}]},"enableFullTransfer":true}`, lid, ds[0], ds[1])
	pid := l.oms(t, "CreateProject", body, "")["data"].(string)
	d := l.oms(t, "DescribeProject", `{"id":"`+pid+`"}`, "")["data"].(map[string]any)
	if lb := d["labels"].([]any); len(lb) != 1 || lb[0].(map[string]any)["name"] != "nightly" {
		t.Fatalf("labels = %v", d["labels"])
	}
	fieldSet(t, "alarmStats", d["alarmStats"], "target", "alarming", "recentlyTriggerCount", "ruleToRecentlyTriggerCount", "alarmContent", "openMonitor")
	for _, a := range []string{"StartProjectsByLabel", "StopProjectsByLabel"} {
		r := l.oms(t, a, `{"id":"`+lid+`"}`, "")["data"]
		fieldSet(t, a, r, "total", "succeedProjectIds", "failedProjectIds")
		l.oms(t, a, `{"id":"l_missing"}`, "PARAM_ERROR")
	}
	if r := l.oms(t, "StopProjectsByLabel", `{"id":"`+lid+`"}`, "")["data"].(map[string]any); r["total"] != 0.0 {
		t.Fatalf("StopProjectsByLabel on an INIT project: %v", r)
	}

	// UpdateProjectConfig: both thread-count spellings.
	l.oms(t, "UpdateProjectConfig", `{"id":"`+pid+`","fullTransferConfig":{"readWorkerNum":7,"writeWorkerNum":3,"fullTransferSpeedMode":"FAST","fullVerifySpeedMode":"NORMAL"},"incrTransferConfig":{"incrSyncThreadCount":9}}`, "")
	d = l.oms(t, "DescribeProject", `{"Id":"`+pid+`"}`, "")["data"].(map[string]any)
	if f := d["fullTransferConfig"].(map[string]any); f["readWorkerNum"] != 7.0 || f["fullTransferSpeedMode"] != "FAST" {
		t.Fatalf("fullTransferConfig = %v", f)
	}
	if i := d["incrTransferConfig"].(map[string]any); i["incrSyncConcurrency"] != 9.0 {
		t.Fatalf("incrTransferConfig = %v", i)
	}
	l.oms(t, "UpdateProjectConfig", `{"id":"`+pid+`","fullTransferConfig":{"fullTransferSpeedMode":"WARP"}}`, "PARAM_ERROR")
	l.oms(t, "UpdateProjectConfig", `{"id":"np_missing"}`, "GHANA-PROJECT000001")
	l.oms(t, "AdvanceProject", `{"id":"np_missing"}`, "GHANA-PROJECT000001")

	// Components and metrics.
	c := l.oms(t, "DescribeProjectComponents", `{"id":"`+pid+`"}`, "")["data"]
	fieldSet(t, "components", c, "storeList", "reverseStoreList", "fullVerifyComponents", "fullImportComponents", "incrSyncComponents", "reverseIncrSyncComponents")
	fi := c.(map[string]any)["fullImportComponents"].([]any)
	if len(fi) != 1 {
		t.Fatalf("fullImportComponents = %v", fi)
	}
	fieldSet(t, "fullImportComponent", fi[0], "region", "name", "ip", "identity", "progress", "status", "gmtCreate", "gmtModify", "errorDetails")
	now := time.Now().Unix()
	mt := l.oms(t, "DescribeProjectStepMetric", fmt.Sprintf(`{"projectId":%q,"stepName":"FULL_TRANSFER","metricType":"RPS","aggregator":"AVG","beginTimestamp":%d,"endTimestamp":%d,"maxPointNum":10}`, pid, now-3600, now), "")["data"]
	fieldSet(t, "metric", mt, "referenceValue", "aggregator", "metrics")
	fieldSet(t, "metric series", mt.(map[string]any)["metrics"].([]any)[0], "name", "tags", "dataPoints")
	l.oms(t, "DescribeProjectStepMetric", `{"projectId":"`+pid+`","stepName":"FULL_TRANSFER","metricType":"DELAY","aggregator":"AVG"}`, "PARAM_ERROR")

	// Modify records: applied at once to an INIT project.
	rid := l.oms(t, "CreateProjectModifyRecords", `{"id":"`+pid+`","databases":[{"name":"shop","tables":[{"name":"items","whereClause":"id > 5"}]},{"name":"crm"}]}`, "")["data"].(float64)
	recs := l.oms(t, "ListProjectModifyRecords", `{"id":"`+pid+`"}`, "")["data"].([]any)
	if len(recs) != 1 {
		t.Fatalf("records %v", recs)
	}
	fieldSet(t, "modify record", recs[0], "id", "subProjectId", "mergeRequestId", "updateRequestId", "type", "status", "errorDetail",
		"databases", "migrationObjectsInfo", "omsProjectMappingInfo", "tableEtlList", "gmtModified")
	if r := recs[0].(map[string]any); r["id"] != rid || r["status"] != "SUCCESS" || r["type"] != "INCREASE_OBJECT" {
		t.Fatalf("record = %v", r)
	}
	d = l.oms(t, "DescribeProject", `{"id":"`+pid+`"}`, "")["data"].(map[string]any)
	dbs := d["transferMapping"].(map[string]any)["databases"].([]any)
	if len(dbs) != 2 || len(dbs[0].(map[string]any)["tables"].([]any)) != 2 || dbs[1].(map[string]any)["name"] != "crm" {
		t.Fatalf("mapping after the modify record = %v", dbs)
	}
	for _, a := range []string{"StopProjectModifyRecords", "RetryProjectModifyRecords", "CancelProjectModifyRecord"} {
		l.oms(t, a, fmt.Sprintf(`{"id":%v}`, rid), "GHANA-PROJECT000002") // a SUCCESS record cannot change
		l.oms(t, a, `{"id":"999999"}`, "PARAM_ERROR")
	}
	l.oms(t, "CreateProjectModifyRecords", `{"id":"`+pid+`","databases":[{"name":"x","tables":[{"name":"t","whereClause":"1=1; DROP TABLE t"}]}]}`, "GODWIT-FILTER-0001")

	// Prechecks: the data sources are down, so the precheck finishes with a failed item.
	pc := l.oms(t, "SubmitPreCheck", `{"projectId":"`+pid+`"}`, "")["data"].(string)
	var res map[string]any
	deadline := time.Now().Add(time.Minute)
	for {
		res = l.oms(t, "GetPreCheckResult", `{"id":"`+pc+`"}`, "")["data"].(map[string]any)
		if res["preCheckStatus"] != "RUNNING" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	fieldSet(t, "precheck", res, "preCheckId", "preCheckStatus", "progress", "projectId", "projectStatus", "preCheckResults")
	items := res["preCheckResults"].([]any)
	if res["preCheckStatus"] != "FAILED" || len(items) == 0 {
		t.Fatalf("precheck = %v", res)
	}
	fieldSet(t, "precheck item", items[0], "name", "endpointType", "checkType", "status", "message", "advice", "skippable", "role")
	l.oms(t, "GetPreCheckResult", `{"id":"pc_missing"}`, "PARAM_ERROR")
	// A body precheck (the CreateProject shape) is validated like CreateProject.
	l.oms(t, "SubmitPreCheck", `{"name":"x","sourceEndpointId":"e_missing","sinkEndpointId":"`+ds[1]+`","transferMapping":{"databases":[{"name":"d"}]},"enableFullTransfer":true}`, "GHANA-ENDPOINT000001")

	// Logs (godwit extension), paged.
	lg := l.oms(t, "ListProjectLogs", `{"id":"`+pid+`","pageSize":2,"level":"info"}`, "")
	if lg["pageSize"] != 2.0 || lg["totalCount"].(float64) < 1 {
		t.Fatalf("logs envelope %v", lg)
	}
	fieldSet(t, "log", lg["data"].([]any)[0], "id", "time", "level", "step", "message")
	l.oms(t, "ListProjectLogs", `{"id":"`+pid+`","level":"loud"}`, "PARAM_ERROR")
	l.oms(t, "ListProjectLogs", `{"id":"`+pid+`","beginTime":"yesterday"}`, "PARAM_ERROR")

	// OceanBase data sources: MySQL mode is reached over the MySQL protocol; Oracle mode is not supported.
	ob := l.oms(t, "CreateOceanBaseDataSource", fmt.Sprintf(`{"name":"ob1","type":"OB_MYSQL","tenant":"t1","cluster":"c1","ip":"127.0.0.1","port":%d,"userName":"root","password":%q}`, port, pw), "PARAM_ERROR")
	if !strings.HasPrefix(ob["message"].(string), "Connectivity test failed") {
		t.Fatalf("OB connectivity message %v", ob["message"])
	}
	l.oms(t, "CreateOceanBaseDataSource", `{"name":"ob2","type":"OB_ORACLE","tenant":"t","ip":"h","port":1,"userName":"u","password":"cA=="}`, "GHANA-OPERAT000404")

	// DRS job creation over the real service: the password is sealed, never echoed.
	job := fmt.Sprintf(`{"job":{"base_info":{"name":"leak-check","job_type":"migration","task_type":"FULL_TRANS"},
		"source_endpoint":[{"db_type":"mysql","endpoint_type":"offline","endpoint_role":"so","endpoint":{"endpoint_name":"mysql","ip":"127.0.0.1","db_port":"%d","db_user":"u","db_password":%q,"db_name":"shop"}}],
		"target_endpoint":[{"db_type":"mysql","endpoint_type":"offline","endpoint_role":"ta","endpoint":{"endpoint_name":"mysql","ip":"127.0.0.2","db_port":%d,"db_user":"u","db_password":%q}}],
		"node_info":{"spec":{"node_type":"small"}}}}`, port, leakPassword, port, leakPassword)
	code, cj := l.call(t, "POST", "/v5/p1/jobs", job)
	if code != 200 {
		t.Fatalf("CreateJob: %d %v", code, cj)
	}
	jid := cj["id"].(string)
	for _, typ := range []string{"detail", "overview", "progress", "log", "file", "is_writable"} {
		if code, m := l.call(t, "GET", "/v5/p1/jobs/"+jid+"?type="+typ, ""); code != 200 || m["job"] == nil {
			t.Fatalf("type=%s: %d %v", typ, code, m)
		}
	}
	if code, m := l.call(t, "GET", "/v5/other/jobs/"+jid+"?type=detail", ""); code != 400 || m["error_code"] != "DRS.10000010" {
		t.Fatalf("job of another project: %d %v", code, m)
	}
	l.call(t, "GET", "/v5/p1/jobs?job_type=migration", "")
	l.call(t, "GET", "/api/v1/datasources", "")
	l.oms(t, "ListDataSource", `{}`, "")
	for _, s := range append(l.seen, l.log.String()) {
		if strings.Contains(s, leakPassword) || strings.Contains(s, pw) {
			t.Fatalf("a password leaked: %.300s", s)
		}
	}
}
