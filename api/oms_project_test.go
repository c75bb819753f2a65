package api_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// createProjectBody is the oms-v2.md §6.1 example; %s are the endpoint ids.
const createProjectBody = `{"name":"orders_mig","type":"MIGRATION","sourceEndpointId":"%s","sinkEndpointId":"%s",
 "transferMapping":{"mode":"SPECIFIC","databases":[{"name":"shop","mappedName":"shop",
   "tables":[{"name":"orders","mappedName":"orders","whereClause":"id > 0"}]}]},
 "commonTransferConfig":{"tableCategory":"ALL"},
 "enableStructTransfer":true,"enableFullTransfer":true,"enableFullVerify":true,
 "fullTransferConfig":{"fullTransferSpeedMode":"NORMAL","fullVerifySpeedMode":"NORMAL","allowDestTableNotEmpty":false},
 "enableIncrTransfer":true,"incrTransferConfig":{"recordTypeWhiteList":["INSERT","UPDATE","DELETE"],"incrSyncConcurrency":32},
 "id":null,"uid":"123","workerGradeId":"g_1","labelIds":"l_a,l_b"}`

// createProjectPascal is the same request in the cloud's PascalCase, with cloud string typing.
const createProjectPascal = `{"Name":"orders_mig","Type":"MIGRATION","SourceEndpointId":"%s","SinkEndpointId":"%s",
 "TransferMapping":{"Mode":"SPECIFIC","Databases":[{"Name":"shop","MappedName":"shop",
   "Tables":[{"Name":"orders","MappedName":"orders","WhereClause":"id > 0"}]}]},
 "CommonTransferConfig":{"TableCategory":"ALL"},
 "EnableStructTransfer":true,"EnableFullTransfer":"true","EnableFullVerify":true,
 "FullTransferConfig":{"FullTransferSpeedMode":"NORMAL","FullVerifySpeedMode":"NORMAL","AllowDestTableNotEmpty":false,"ThrottleIOPS":"1048576"},
 "EnableIncrTransfer":true,"IncrTransferConfig":{"RecordTypeWhiteList":["INSERT","UPDATE","DELETE"],"IncrSyncConcurrency":"32","StartTimestamp":"1667286900"},
 "LabelIds":["l_a","l_b"]}`

// twoDataSources creates a source and a sink and returns their ids.
func twoDataSources(t *testing.T, e *env) (string, string) {
	t.Helper()
	src := okEnvelope(t, e.oms("CreateMySQLDataSource", `{"name":"src01","ip":"10.0.0.5","port":3306,"userName":"mig","password":"`+b64("src-secret-pw")+`"}`), false).(string)
	dst := okEnvelope(t, e.oms("CreateMySQLDataSource", `{"name":"dst01","type":"MARIADB","ip":"10.0.0.9","port":3307,"userName":"mig","password":"`+b64("dst-secret-pw")+`"}`), false).(string)
	return src, dst
}

func createProject(t *testing.T, e *env) string {
	t.Helper()
	src, dst := twoDataSources(t, e)
	return okEnvelope(t, e.oms("CreateProject", sprintf(createProjectBody, src, dst)), false).(string)
}

func sprintf(f string, a ...any) string { return fmt.Sprintf(f, a...) }

func TestOMSCreateProject(t *testing.T) {
	for name, body := range map[string]string{"camel": createProjectBody, "pascal": createProjectPascal} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, 0)
			src, dst := twoDataSources(t, e)
			id, ok := okEnvelope(t, e.oms("CreateProject", sprintf(body, src, dst)), false).(string)
			if !ok || !strings.HasPrefix(id, "np_") {
				t.Fatalf("data = %v, want an np_ id", id)
			}
			p := e.svc.lastProj
			if p.Name != "orders_mig" || p.Type != model.ProjectMigration || p.SourceEndpointID != src || p.SinkEndpointID != dst ||
				!p.EnableStructTransfer || !p.EnableFullTransfer || !p.EnableFullVerify || !p.EnableIncrTransfer || p.EnableReverseIncrTransfer {
				t.Errorf("project given to the service: %+v", p)
			}
			if p.IncrTransferConfig.IncrSyncConcurrency != 32 || len(p.IncrTransferConfig.RecordTypeWhiteList) != 3 {
				t.Errorf("incrTransferConfig = %+v", p.IncrTransferConfig)
			}
			if db := p.TransferMapping.Databases; len(db) != 1 || db[0].Name != "shop" || db[0].Tables[0].WhereClause != "id > 0" {
				t.Errorf("transferMapping = %+v", p.TransferMapping)
			}
			if len(p.Labels) != 2 || p.Labels[0].ID != "l_a" || p.Labels[1].ID != "l_b" || p.Owner != adminUser {
				t.Errorf("labels/owner = %+v / %q", p.Labels, p.Owner)
			}
			if name == "pascal" && (p.IncrTransferConfig.StartTimestamp == nil || *p.IncrTransferConfig.StartTimestamp != 1667286900 ||
				p.FullTransferConfig.ThrottleIOPS == nil || *p.FullTransferConfig.ThrottleIOPS != 1048576) {
				t.Errorf("string-typed numbers not accepted: %+v %+v", p.IncrTransferConfig, p.FullTransferConfig)
			}
		})
	}
}

func TestOMSCreateProjectErrors(t *testing.T) {
	e := newEnv(t, 0)
	src, dst := twoDataSources(t, e)
	for name, c := range map[string]struct{ body, code, inMsg string }{
		"no name":          {`{"sourceEndpointId":"` + src + `","sinkEndpointId":"` + dst + `"}`, "PARAM_ERROR", "name"},
		"no sink":          {`{"name":"p","sourceEndpointId":"` + src + `"}`, "PARAM_ERROR", "sinkEndpointId"},
		"bad type":         {`{"name":"p","type":"VERIFYX","sourceEndpointId":"` + src + `","sinkEndpointId":"` + dst + `"}`, "PARAM_ERROR", "type"},
		"wrong bool type":  {`{"name":"p","sourceEndpointId":"` + src + `","sinkEndpointId":"` + dst + `","enableFullTransfer":{"x":1}}`, "PARAM_ERROR", "enableFullTransfer"},
		"wrong list type":  {`{"name":"p","sourceEndpointId":"` + src + `","sinkEndpointId":"` + dst + `","transferMapping":{"databases":"shop"}}`, "PARAM_ERROR", "databases"},
		"too many labels":  {`{"name":"p","sourceEndpointId":"` + src + `","sinkEndpointId":"` + dst + `","labelIds":["1","2","3","4","5","6"]}`, "PARAM_ERROR", "labelIds"},
		"unknown endpoint": {`{"name":"p","sourceEndpointId":"e_nope","sinkEndpointId":"` + dst + `"}`, "GHANA-ENDPOINT000001", "e_nope"},
		"malformed":        {`{"name":`, "PARAM_ERROR", "malformed"},
		"trailing":         {`{"name":"p"} {}`, "PARAM_ERROR", "after"},
		"array body":       {`[]`, "PARAM_ERROR", "object"},
	} {
		t.Run(name, func(t *testing.T) {
			m := errEnvelope(t, e.oms("CreateProject", c.body), 200, c.code)
			if !strings.Contains(str(m["message"]), c.inMsg) {
				t.Errorf("message %q does not mention %q", m["message"], c.inMsg)
			}
		})
	}
}

// seedProject creates a project whose nine steps are in the states of the seed 001 sample
// (five finished, incremental sync monitoring, the last three not started).
func seedProject(t *testing.T, e *env) string {
	t.Helper()
	src, dst := twoDataSources(t, e)
	body := `{"name":"seed","sourceEndpointId":"` + src + `","sinkEndpointId":"` + dst + `",
	  "enableStructTransfer":true,"structTransferConfig":{"deferIndexCreation":true},"enableFullTransfer":true,
	  "enableIncrTransfer":true,"enableFullVerify":true,"enableReverseIncrTransfer":true,
	  "fullTransferConfig":{"throttleRps":8000,"throttleIOPS":8388608},
	  "incrTransferConfig":{"enableIncrSyncStatistics":true}}`
	id := okEnvelope(t, e.oms("CreateProject", body), false).(string)
	e.svc.mu.Lock()
	defer e.svc.mu.Unlock()
	steps := e.svc.steps[id]
	if len(steps) != 9 {
		t.Fatalf("%d steps, want 9", len(steps))
	}
	times := [][2]string{{"2023-07-17T23:01:25", "2023-07-17T23:01:35"}, {"2023-07-17T23:03:02", "2023-07-17T23:05:20"},
		{"2023-07-17T23:05:25", "2023-07-17T23:06:03"}, {"2023-07-17T23:07:15", "2023-07-17T23:07:35"},
		{"2023-07-17T23:07:30", "2023-07-17T23:07:40"}, {"2023-07-17T23:08:57", "2023-07-17T23:14:34"}}
	for i := range steps {
		s := &steps[i]
		if i < len(times) {
			s.Status, s.Progress = model.StepFinished, 100
			s.StartTime, s.FinishTime = ptime(times[i][0]), ptime(times[i][1])
		}
	}
	steps[3].Info = model.StepInfo{ProcessedRecords: model.Int64(92198), Capacity: model.Int64(92198),
		SrcRps: model.Int64(140), SrcRt: model.Int64(7), SrcIops: model.Int64(40945),
		DstRps: model.Int64(140), DstRt: model.Int64(7), DstIops: model.Int64(40945)}
	steps[5].Status = model.StepMonitoring
	steps[5].Info = model.StepInfo{IncrTimestampCheckpoint: model.Int64(1689832976), CheckpointSampleTimestamp: model.Int64(1689832977)}
	e.svc.projects[id].Status = model.StatusRunning
	return id
}

func TestOMSDescribeProjectStepsMatchesSeed(t *testing.T) {
	raw, err := os.ReadFile("testdata/describe_project_steps_seed001.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"camel": `{"id":"%s"}`, "pascal": `{"Id":"%s"}`} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, 0)
			id := seedProject(t, e)
			r := e.oms("DescribeProjectSteps", sprintf(body, id))
			okEnvelope(t, r, false)
			// godwit measures no RT baselines: srcRtRef/dstRtRef are null where the sample has numbers.
			sameShape(t, "$", want, r.body, func(path string) bool {
				return strings.HasSuffix(path, ".srcRtRef") || strings.HasSuffix(path, ".dstRtRef")
			})
			// Values, not only shapes, where the seed state was reproduced.
			steps := r.body["data"].([]any)
			wantSteps := want["data"].([]any)
			for i := range wantSteps {
				g, w := steps[i].(map[string]any), wantSteps[i].(map[string]any)
				for _, k := range []string{"order", "name", "description", "status", "startTime", "finishTime", "progress", "extraInfo"} {
					if mustJSON(t, g[k]) != mustJSON(t, w[k]) {
						t.Errorf("step %d %s = %s, want %s", i+1, k, mustJSON(t, g[k]), mustJSON(t, w[k]))
					}
				}
			}
			full := steps[3].(map[string]any)["stepInfo"].(map[string]any)
			if full["processedRecords"] != 92198.0 || full["srcRpsRef"] != 8000.0 || full["srcIopsRef"] != 8388608.0 {
				t.Errorf("FULL_TRANSFER stepInfo = %v", full)
			}
			incr := steps[5].(map[string]any)["stepInfo"].(map[string]any)
			if mustJSON(t, incr) != mustJSON(t, wantSteps[5].(map[string]any)["stepInfo"]) {
				t.Errorf("INCR_TRANSFER stepInfo = %v", incr)
			}
		})
	}
}

func TestOMSStepError(t *testing.T) {
	e := newEnv(t, 0)
	id := seedProject(t, e)
	e.svc.mu.Lock()
	e.svc.steps[id][3].Status = model.StepFailed
	e.svc.steps[id][3].Error = &model.StepError{Code: "GODWIT-FULL-0002", Message: "write failed", Advice: "check the target",
		Params: map[string]string{"table": "shop.orders"}, FailedTime: *ptime("2023-07-17T23:07:35")}
	e.svc.mu.Unlock()
	data := okEnvelope(t, e.oms("DescribeProjectSteps", `{"id":"`+id+`"}`), false).([]any)
	x := data[3].(map[string]any)["extraInfo"].(map[string]any)
	if x["errorCode"] != "GODWIT-FULL-0002" || x["errorMsg"] != "write failed" || x["failedTime"] != "2023-07-17T23:07:35" {
		t.Errorf("extraInfo = %v", x)
	}
	if p := x["errorParam"].(map[string]any); p["table"] != "shop.orders" {
		t.Errorf("errorParam = %v", p)
	}
	d := x["errorDetails"].([]any)[0].(map[string]any)
	sameKeys(t, "errorDetails[0]", d, errorDetailKeys)
	if d["code"] != "GODWIT-FULL-0002" || d["proposal"] != "check the target" {
		t.Errorf("errorDetails[0] = %v", d)
	}
}

var projectKeys = []string{"id", "name", "type", "labels", "owner", "importance", "status", "gmtCreate", "gmtModified",
	"gmtStart", "gmtFinish", "destConnId", "isMerging", "isModifying", "isSubProject", "sourceEndpointType",
	"sinkEndpointType", "sourceEndpointId", "sinkEndpointId", "workerGradeId", "workerGradeInfo", "transferMapping",
	"commonTransferConfig", "enableStructTransfer", "enableFullTransfer", "enableFullVerify", "enableIncrTransfer",
	"enableIncrVerify", "enableReverseIncrTransfer", "structTransferConfig", "fullTransferConfig", "incrTransferConfig",
	"reverseIncrTransferConfig", "sourceConnectInfo", "sinkConnectInfo", "steps", "extraInfo", "alarmStats"}

var connectInfoKeys = []string{"id", "endpointName", "endpointId", "endpointSide", "dbEngine", "connectionInfo", "username",
	"version", "timezone", "charset", "nlsLengthSemantics", "operatingSystem", "region", "ocpName", "connExtraAttributes",
	"owner", "resourceOwner", "host", "port"}

// checkProject checks a Project object's keys, types and secret-freedom.
func checkProject(t *testing.T, raw string, p map[string]any) {
	t.Helper()
	sameKeys(t, "project", p, projectKeys)
	for _, k := range []string{"isMerging", "isModifying", "isSubProject", "enableStructTransfer", "enableFullTransfer",
		"enableFullVerify", "enableIncrTransfer", "enableIncrVerify", "enableReverseIncrTransfer"} {
		if _, ok := p[k].(bool); !ok {
			t.Errorf("%s = %#v, want a boolean", k, p[k])
		}
	}
	if _, ok := p["labels"].([]any); !ok {
		t.Errorf("labels = %#v, want an array", p["labels"])
	}
	if _, ok := p["gmtCreate"].(string); !ok {
		t.Errorf("gmtCreate = %#v, want a string", p["gmtCreate"])
	}
	src := p["sourceConnectInfo"].(map[string]any)
	sameKeys(t, "sourceConnectInfo", src, connectInfoKeys)
	if src["dbEngine"] != "MYSQL_PUBLIC" || src["username"] != "mig" || src["timezone"] != "+00:00" ||
		src["charset"] != "utf8mb4" || src["port"] != 3306.0 || src["endpointSide"] != "source" || src["host"] != "10.0.0.5" {
		t.Errorf("sourceConnectInfo = %v", src)
	}
	if sink := p["sinkConnectInfo"].(map[string]any); sink["dbEngine"] != "MARIADB_PUBLIC" || sink["endpointSide"] != "sink" {
		t.Errorf("sinkConnectInfo = %v", sink)
	}
	if p["sourceEndpointType"] != "MYSQL" || p["sinkEndpointType"] != "MARIADB" {
		t.Errorf("endpoint types = %v / %v", p["sourceEndpointType"], p["sinkEndpointType"])
	}
	alarm := p["alarmStats"].(map[string]any)
	sameKeys(t, "alarmStats", alarm, []string{"target", "alarming", "recentlyTriggerCount", "ruleToRecentlyTriggerCount", "alarmContent", "openMonitor"})
	if alarm["alarming"] != false || alarm["recentlyTriggerCount"] != 0.0 || alarm["openMonitor"] != false || len(alarm["ruleToRecentlyTriggerCount"].(map[string]any)) != 0 {
		t.Errorf("alarmStats = %v", alarm)
	}
	x := p["extraInfo"].(map[string]any)
	for _, k := range []string{"runningStep", "runningProgress", "monitoringIncr", "syncDelay", "syncDelaySampleTimestamp", "incrSyncTimestamp"} {
		if _, ok := x[k]; !ok {
			t.Errorf("extraInfo lacks %s", k)
		}
	}
	for _, secret := range []string{"src-secret-pw", "dst-secret-pw", b64("src-secret-pw")} {
		if strings.Contains(raw, secret) {
			t.Fatalf("response leaks a password")
		}
	}
	if strings.Contains(strings.ToLower(raw), `"password"`) {
		t.Errorf("response has a password key")
	}
}

func TestOMSDescribeProject(t *testing.T) {
	e := newEnv(t, 0)
	id := seedProject(t, e)
	for _, body := range []string{`{"id":"` + id + `"}`, `{"Id":"` + id + `"}`, `{"ID":"` + id + `"}`} {
		r := e.oms("DescribeProject", body)
		p := okEnvelope(t, r, false).(map[string]any)
		checkProject(t, r.raw, p)
		if p["id"] != id || p["status"] != "RUNNING" || len(p["steps"].([]any)) != 9 || p["owner"] != adminUser {
			t.Errorf("project = %v", p)
		}
		if x := p["extraInfo"].(map[string]any); x["runningStep"] != "INCR_TRANSFER" || x["monitoringIncr"] != true {
			t.Errorf("extraInfo = %v", x)
		}
	}
	m := errEnvelope(t, e.oms("DescribeProject", `{"id":"np_missing"}`), 200, "GHANA-PROJECT000001")
	if !strings.Contains(str(m["message"]), "GHANA-PROJECT000001") || !strings.Contains(str(m["message"]), "np_missing") {
		t.Errorf("message = %v", m["message"])
	}
	if ctx := m["errorDetail"].(map[string]any)["messageMcmsContext"].(map[string]any); ctx["id"] != "np_missing" {
		t.Errorf("messageMcmsContext = %v", ctx)
	}
	errEnvelope(t, e.oms("DescribeProject", `{}`), 200, "PARAM_ERROR")
	errEnvelope(t, e.oms("DescribeProject", `{"id":{"x":1}}`), 200, "PARAM_ERROR")
	// A non-errs failure inside the service is INNER_ERROR without its internal text.
	r := e.oms("DescribeProject", `{"id":"`+bugID+`"}`)
	errEnvelope(t, r, 200, "INNER_ERROR")
	if strings.Contains(r.raw, "secret-internal-detail") {
		t.Errorf("internal error text leaked: %s", r.raw)
	}
}

func TestOMSListProjects(t *testing.T) {
	e := newEnv(t, 0)
	src, dst := twoDataSources(t, e)
	var ids []string
	for i := range 3 {
		body := `{"name":"p` + string(rune('0'+i)) + `","sourceEndpointId":"` + src + `","sinkEndpointId":"` + dst + `","enableFullTransfer":true}`
		ids = append(ids, okEnvelope(t, e.oms("CreateProject", body), false).(string))
	}
	okEnvelope(t, e.oms("StartProject", `{"id":"`+ids[1]+`"}`), false)

	r := e.oms("ListProjects", `{"pageNumber":"1","pageSize":"2"}`)
	data := okEnvelope(t, r, true).([]any)
	if len(data) != 2 || r.body["totalCount"] != 3.0 || r.body["pageSize"] != 2.0 || r.body["pageNumber"] != 1.0 {
		t.Fatalf("got %d items, envelope %v/%v/%v", len(data), r.body["pageNumber"], r.body["pageSize"], r.body["totalCount"])
	}
	checkProject(t, r.raw, data[0].(map[string]any))
	if data[0].(map[string]any)["id"] != ids[2] {
		t.Errorf("default order is not descend by gmtCreate: first = %v", data[0].(map[string]any)["id"])
	}
	if d := okEnvelope(t, e.oms("ListProjects", `{"Order":"asc","PageSize":150}`), true).([]any); d[0].(map[string]any)["id"] != ids[0] {
		t.Errorf("order asc: first = %v", d[0].(map[string]any)["id"])
	}
	for _, body := range []string{`{"status":"RUNNING"}`, `{"status":["RUNNING"]}`, `{"Status":["RUNNING","FAILED"]}`} {
		if d := okEnvelope(t, e.oms("ListProjects", body), true).([]any); len(d) != 1 || d[0].(map[string]any)["id"] != ids[1] {
			t.Errorf("%s: %d items", body, len(d))
		}
	}
	if d := okEnvelope(t, e.oms("ListProjects", `{"sinkEndpointTypes":["MARIADB"]}`), true).([]any); len(d) != 3 {
		t.Errorf("sinkEndpointTypes MARIADB: %d items, want 3", len(d))
	}
	r = e.oms("ListProjects", `{"sourceEndpointTypes":"OB_MYSQL"}`)
	if d := okEnvelope(t, r, true).([]any); len(d) != 0 || r.body["totalCount"] != 0.0 {
		t.Errorf("sourceEndpointTypes OB_MYSQL: %d items, total %v", len(d), r.body["totalCount"])
	}
	for _, body := range []string{`{"pageSize":151}`, `{"pageSize":"0x10"}`, `{"order":"desc-ish"}`, `{"status":{"a":1}}`, `{"labelIds":["1","2","3","4","5","6"]}`} {
		errEnvelope(t, e.oms("ListProjects", body), 200, "PARAM_ERROR")
	}
}

func TestOMSDescribeProjectProgress(t *testing.T) {
	e := newEnv(t, 0)
	id := seedProject(t, e)
	e.svc.progress[id] = &service.Progress{ProjectID: id, Status: model.StatusRunning, Importance: "LOW", CurrentStep: model.StepIncr,
		EnableStruct: true, EnableFull: true, EnableIncr: true, StructProgress: 100, FullProgress: 100, IncrCheckpoint: model.Int64(1736130000)}
	p := okEnvelope(t, e.oms("DescribeProjectProgress", `{"Id":"`+id+`"}`), false).(map[string]any)
	want := map[string]any{"projectId": id, "status": "RUNNING", "alarmLevel": "LOW", "enableIncrSync": true, "currentStep": "INCR_TRANSFER",
		"incrSyncCheckpoint": 1736130000.0, "enableStructTransfer": true, "enableFullTransfer": true, "structTransferProgress": 100.0,
		"fullTransferProgress": 100.0, "enableReverseIncrTransfer": false, "reverseIncrTransferCheckpoint": nil}
	if mustJSON(t, p) != mustJSON(t, want) {
		t.Errorf("progress:\n got  %s\n want %s", mustJSON(t, p), mustJSON(t, want))
	}
	errEnvelope(t, e.oms("DescribeProjectProgress", `{"id":"np_missing"}`), 200, "GHANA-PROJECT000001")
}

func TestOMSLifecycle(t *testing.T) {
	e := newEnv(t, 0)
	id := createProject(t, e)
	body := `{"id":"` + id + `"}`
	status := func() string {
		return okEnvelope(t, e.oms("DescribeProject", body), false).(map[string]any)["status"].(string)
	}
	steps := []struct{ action, want string }{
		{"StartProject", "RUNNING"}, {"StopProject", "SUSPEND"}, {"ResumeProject", "RUNNING"},
		{"StopProject", "SUSPEND"}, {"ReleaseProject", "RELEASED"},
	}
	for _, s := range steps {
		if d := okEnvelope(t, e.oms(s.action, `{"Id":"`+id+`"}`), false); d != nil {
			t.Errorf("%s data = %v, want null", s.action, d)
		}
		if got := status(); got != s.want {
			t.Fatalf("after %s status = %s, want %s", s.action, got, s.want)
		}
	}
	// Illegal transitions are KindState errors with HTTP 200.
	m := errEnvelope(t, e.oms("StartProject", body), 200, "GHANA-PROJECT000002")
	if !strings.Contains(str(m["advice"]), "allowed only") {
		t.Errorf("advice = %v", m["advice"])
	}
	okEnvelope(t, e.oms("DeleteProject", body), false)
	errEnvelope(t, e.oms("DescribeProject", body), 200, "GHANA-PROJECT000001")
	for _, a := range []string{"StartProject", "StopProject", "ResumeProject", "ReleaseProject", "DeleteProject"} {
		errEnvelope(t, e.oms(a, body), 200, "GHANA-PROJECT000001")
		errEnvelope(t, e.oms(a, `{}`), 200, "PARAM_ERROR")
		errEnvelope(t, e.oms(a, `{"id":`), 200, "PARAM_ERROR")
	}
}

func TestOMSUnsupportedAndUnknownActions(t *testing.T) {
	e := newEnv(t, 0)
	for _, a := range []string{"ListConflictData", "CreateOceanBaseODPDataSource", "CreatePilarDBDataSource", "ListWorkerInstances", "CreateRdsPostgreSQLDataSource"} {
		m := errEnvelope(t, e.oms(a, `{}`), 200, "GHANA-OPERAT000404")
		if !strings.Contains(str(m["message"]), "Action "+a+" is not supported by godwit") {
			t.Errorf("%s message = %v", a, m["message"])
		}
	}
	errEnvelope(t, e.oms("FlyToTheMoon", `{}`), 200, "PARAM_ERROR")
	errEnvelope(t, e.do("POST", "/api/v2", strings.NewReader(`{}`), asAdmin()), 200, "PARAM_ERROR")
	errEnvelope(t, e.do("GET", "/api/v2?Action=ListProjects", nil, asAdmin()), 405, "PARAM_ERROR")
	// The action name is matched case-insensitively; the trailing-slash path works too.
	okEnvelope(t, e.do("POST", "/api/v2/?action=listprojects", strings.NewReader(`{}`), asAdmin()), true)
}
