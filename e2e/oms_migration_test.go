package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
)

// TestOMSMigration is the foundation acceptance: a project created and driven through the OMS
// v2 API copies a seeded database with every MariaDB type between two real servers; the steps
// report FINISHED/100 with processedRecords equal to the rows copied, and the test compares
// every row of every table itself.
func TestOMSMigration(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	base := inProcess(t)
	srcDB := testenv.UniqueName("shop")
	dstDB := srcDB + "_copy"
	counts := seed(t, src, srcDB, 0.5)
	var total int64
	for _, n := range counts {
		total += n
	}
	if total < 100_000 || len(counts) < 5 {
		t.Fatalf("seed too small: %d rows in %d tables", total, len(counts))
	}

	srcID := createOMSDataSource(t, base, "src-"+srcDB, src)
	dstID := createOMSDataSource(t, base, "dst-"+srcDB, dst)
	ds := omsOK(t, base, "ListDataSource", map[string]any{"pageNumber": 1, "pageSize": 10}).([]any)
	for _, d := range ds {
		raw, _ := json.Marshal(d)
		if strings.Contains(string(raw), src.Password) || strings.Contains(strings.ToLower(string(raw)), "password") {
			t.Fatalf("ListDataSource leaks a password field: %s", raw)
		}
	}
	id, _ := omsOK(t, base, "CreateProject", map[string]any{
		"name": "e2e_" + srcDB, "type": "MIGRATION", "sourceEndpointId": srcID, "sinkEndpointId": dstID,
		"transferMapping": map[string]any{"mode": "SPECIFIC", "databases": []any{
			map[string]any{"name": srcDB, "mappedName": dstDB}}},
		"commonTransferConfig": map[string]any{"tableCategory": "ALL"},
		"enableStructTransfer": true, "structTransferConfig": map[string]any{"deferIndexCreation": true},
		"enableFullTransfer": true, "enableFullVerify": true, "enableIncrTransfer": false,
		"fullTransferConfig": map[string]any{"readWorkerNum": 3, "writeWorkerNum": 3, "allowDestTableNotEmpty": false},
	}).(string)
	if !strings.HasPrefix(id, "np_") {
		t.Fatalf("project id %q", id)
	}
	// A second start is refused with a state error; an unknown id with GHANA-PROJECT000001.
	omsOK(t, base, "StartProject", map[string]any{"id": id})
	if env := oms(t, base, "StartProject", map[string]any{"id": id}); env["success"] != false {
		t.Errorf("second StartProject succeeded: %v", env)
	}
	if env := oms(t, base, "DescribeProject", map[string]any{"id": "np_doesnotexist"}); env["code"] != "GHANA-PROJECT000001" {
		t.Errorf("unknown project code = %v", env["code"])
	}

	status, steps := waitProject(t, base, id, 4*time.Minute)
	if status != "FINISHED" {
		t.Fatalf("project status %s, steps: %s", status, mustJSON(steps))
	}
	want := []string{"TRANSFER_PRECHECK", "STRUCT_TRANSFER", "FULL_TRANSFER", "INDEX_TRANSFER", "FULL_VERIFIER"}
	if len(steps) != len(want) {
		t.Fatalf("got %d steps, want %d: %s", len(steps), len(want), mustJSON(steps))
	}
	for i, s := range steps {
		st := s.(map[string]any)
		checkStepShape(t, st)
		if st["name"] != want[i] || st["status"] != "FINISHED" || st["progress"] != float64(100) || st["order"] != float64(i+1) {
			t.Errorf("step %d = %v/%v/%v/%v, want %s FINISHED 100", i, st["order"], st["name"], st["status"], st["progress"], want[i])
		}
		if st["startTime"] == nil || st["finishTime"] == nil {
			t.Errorf("step %s lacks times", st["name"])
		}
		if st["name"] == "FULL_TRANSFER" {
			info := st["stepInfo"].(map[string]any)
			if info["processedRecords"] != float64(total) || info["capacity"] != float64(total) {
				t.Errorf("FULL_TRANSFER processedRecords=%v capacity=%v, want %d", info["processedRecords"], info["capacity"], total)
			}
		}
		if st["name"] == "FULL_VERIFIER" {
			info := st["stepInfo"].(map[string]any)
			if info["processedRecords"] != float64(total) {
				t.Errorf("FULL_VERIFIER processedRecords=%v, want %d", info["processedRecords"], total)
			}
			var nat struct {
				Items []struct {
					Name     string         `json:"name"`
					StepInfo map[string]any `json:"stepInfo"`
				} `json:"items"`
			}
			native(t, base, "GET", "/api/v1/projects/"+id+"/steps", nil, &nat)
			for _, ns := range nat.Items {
				if ns.Name == "FULL_VERIFIER" && ns.StepInfo["verifyResult"] != "CONSISTENT" {
					t.Errorf("verification result %v", ns.StepInfo["verifyResult"])
				}
			}
		}
	}
	compareAll(t, src, dst, srcDB, dstDB)

	// The view was created under the mapped database and reads the mapped tables.
	d, _ := dst.DB("")
	defer d.Close()
	if n := count(t, d, fmt.Sprintf("SELECT COUNT(*) FROM `%s`.`v_customer_orders`", dstDB)); n == 0 {
		t.Error("target view is empty")
	}

	// DescribeProject and both progress shapes agree with the steps.
	p := omsOK(t, base, "DescribeProject", map[string]any{"id": id}).(map[string]any)
	for _, k := range []string{"id", "name", "type", "labels", "owner", "importance", "status", "gmtCreate", "gmtModified",
		"gmtStart", "gmtFinish", "transferMapping", "sourceConnectInfo", "sinkConnectInfo", "steps", "extraInfo", "alarmStats",
		"enableStructTransfer", "enableFullTransfer", "enableFullVerify", "enableIncrTransfer", "enableReverseIncrTransfer",
		"fullTransferConfig", "structTransferConfig", "sourceEndpointType", "sinkEndpointType"} {
		if _, ok := p[k]; !ok {
			t.Errorf("DescribeProject lacks %q", k)
		}
	}
	if raw := mustJSON(p); strings.Contains(raw, src.Password) {
		t.Error("DescribeProject leaks the data source password")
	}
	pr := omsOK(t, base, "DescribeProjectProgress", map[string]any{"id": id}).(map[string]any)
	if pr["status"] != "FINISHED" || pr["fullTransferProgress"] != float64(100) || pr["structTransferProgress"] != float64(100) {
		t.Errorf("DescribeProjectProgress = %s", mustJSON(pr))
	}
	req, _ := http.NewRequest("GET", base+"/api/omsp/v2/migrations/"+id+"/progress", nil)
	req.SetBasicAuth(apiUser, apiPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var v3 map[string]any
	json.NewDecoder(resp.Body).Decode(&v3)
	resp.Body.Close()
	data, _ := v3["data"].(map[string]any)
	if v3["success"] != true || data["status"] != "FINISHED" || data["fullMigrationProgress"] != float64(100) {
		t.Errorf("V3.3 progress = %s", mustJSON(v3))
	}

	// Release then delete; the project is gone afterwards.
	omsOK(t, base, "ReleaseProject", map[string]any{"id": id})
	omsOK(t, base, "DeleteProject", map[string]any{"id": id})
	if env := oms(t, base, "DescribeProject", map[string]any{"id": id}); env["code"] != "GHANA-PROJECT000001" {
		t.Errorf("deleted project still described: %v", env["code"])
	}
}

// checkStepShape asserts a step has exactly the seed's keys and JSON types.
func checkStepShape(t *testing.T, st map[string]any) {
	t.Helper()
	keys := make([]string, 0, len(st))
	for k := range st {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if got, want := strings.Join(keys, ","), "description,extraInfo,finishTime,name,order,progress,startTime,status,stepInfo"; got != want {
		t.Errorf("step keys = %s, want %s", got, want)
	}
	extra, ok := st["extraInfo"].(map[string]any)
	if !ok {
		t.Fatalf("extraInfo is %T", st["extraInfo"])
	}
	for _, k := range []string{"errorDetails", "errorCode", "errorMsg", "errorParam", "failedTime"} {
		if _, ok := extra[k]; !ok {
			t.Errorf("extraInfo lacks %s", k)
		}
	}
	if st["name"] == "FULL_TRANSFER" || st["name"] == "FULL_VERIFIER" {
		info, ok := st["stepInfo"].(map[string]any)
		if !ok {
			t.Fatalf("%s stepInfo is %T", st["name"], st["stepInfo"])
		}
		for _, k := range []string{"processedRecords", "capacity", "srcRps", "srcRt", "srcIops", "dstRps", "dstRt", "dstIops",
			"srcRpsRef", "srcRtRef", "dstRpsRef", "dstRtRef", "srcIopsRef"} {
			if _, ok := info[k]; !ok {
				t.Errorf("%s stepInfo lacks %s", st["name"], k)
			}
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
