package drs_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	hdrs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v5"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v5/model"

	"github.com/godwit/godwit/api"
	"github.com/godwit/godwit/server"
	"github.com/godwit/godwit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const (
	testAK, testSK = "GODWITTESTAK0001", "godwit-test-secret-key-0001"
	testProject    = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	srcPassword    = "src-pw-must-not-leak" // used only to find leaks in responses and logs
)

// newServer starts a real godwit (SQLite metadata, engine, API) with one AK/SK pair and
// returns its URL and the path of its log.
func newServer(t *testing.T) (string, string) {
	t.Helper()
	ctx := context.Background()
	logPath := t.TempDir() + "/godwit.log"
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.Open(ctx, server.Config{DataDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Users:      []api.User{{Name: "admin", Password: "admin-pw", Role: "admin"}},
		AccessKeys: []api.AccessKey{{AK: testAK, SK: testSK, Role: "admin"}, {AK: "READONLYAK", SK: "readonly-secret-key-01", Role: "readonly"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close(); logf.Close() })
	return hs.URL, logPath
}

func client(t *testing.T, url, ak, sk string) *hdrs.DrsClient {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(testProject).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := hdrs.DrsClientBuilder().WithEndpoints([]string{url}).WithCredential(cred).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return hdrs.NewDrsClient(hc)
}

func sdkErr(t *testing.T, err error, status int, code string) {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		t.Fatalf("want a service error %d %s, got %v", status, code, err)
	}
	if se.StatusCode != status || se.ErrorCode != code || se.ErrorMessage == "" || se.RequestId == "" {
		t.Fatalf("service error = %+v, want %d %s with a message and request id", se, status, code)
	}
}

func detailReq(id string, typ model.ShowJobDetailRequestType) *model.ShowJobDetailRequest {
	return &model.ShowJobDetailRequest{JobId: id, Type: typ}
}

func TestHuaweiSDKDrivesAJob(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	db, sdb := testenv.NewMariaDBDatabase(t, src, "drs")
	ctx := context.Background()
	for _, q := range []string{
		"CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR(40), amount DECIMAL(10,2))",
		"INSERT INTO orders SELECT seq, CONCAT('n', seq), seq / 7 FROM seq_1_to_1500",
		"CREATE TABLE items (k VARCHAR(10) PRIMARY KEY, v BLOB)",
		"INSERT INTO items VALUES ('a', x'00ff'), ('b', NULL)",
	} {
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = dst.DropDatabase(context.Background(), db) })
	url, logPath := newServer(t)
	c := client(t, url, testAK, testSK)
	ty := model.GetShowJobDetailRequestTypeEnum()

	// Wrong secret key: 401 in the DRS shape.
	_, err := client(t, url, testAK, "wrong-secret-key-000000").ListJobs(&model.ListJobsRequest{JobType: model.GetListJobsRequestJobTypeEnum().MIGRATION})
	sdkErr(t, err, 401, "DRS.10000401")

	port := func(n int) *string { s := fmt.Sprint(n); return &s }
	name, ip := "godwit-sdk-job", "127.0.0.1"
	jt, tt := model.GetJobBaseInfoJobTypeEnum().MIGRATION, model.GetJobBaseInfoTaskTypeEnum().FULL_TRANS
	ep := func(m *testenv.MariaDB, role model.JobEndpointInfoEndpointRole, pw string, dbName *string) model.JobEndpointInfo {
		return model.JobEndpointInfo{DbType: model.GetJobEndpointInfoDbTypeEnum().MYSQL, EndpointType: model.GetJobEndpointInfoEndpointTypeEnum().OFFLINE,
			EndpointRole: role, Endpoint: &model.BaseEndpoint{EndpointName: model.GetBaseEndpointEndpointNameEnum().MYSQL,
				Ip: &ip, DbPort: port(m.Port), DbUser: m.User, DbPassword: pw, DbName: dbName}}
	}
	days := "14"
	created, err := c.CreateJob(&model.CreateJobRequest{Body: &model.SingleCreateJobReq{Job: &model.CreateJobReq{
		BaseInfo:       &model.JobBaseInfo{Name: &name, JobType: &jt, TaskType: &tt, ExpiredDays: &days},
		SourceEndpoint: []model.JobEndpointInfo{ep(src, model.GetJobEndpointInfoEndpointRoleEnum().SO, src.Password, &db)},
		TargetEndpoint: []model.JobEndpointInfo{ep(dst, model.GetJobEndpointInfoEndpointRoleEnum().TA, dst.Password, nil)},
		NodeInfo:       &model.JobNodeInfo{Spec: &model.JobNodeSpecInfo{NodeType: model.GetJobNodeSpecInfoNodeTypeEnum().SMALL}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	id := *created.Id
	if len(id) != 36 || !strings.HasSuffix(id, "jb20r") || *created.Name != name || *created.Status != "CREATING" || *created.IsCloneJob != "false" {
		t.Fatalf("CreateJob = %+v", created)
	}

	d, err := c.ShowJobDetail(detailReq(id, ty.DETAIL))
	if err != nil {
		t.Fatal(err)
	}
	j := d.Job
	if j.Status.Value() != "CONFIGURATION" || *j.Id != id || *j.BaseInfo.Name != name || *j.BaseInfo.ExpiredDays != "14" ||
		len(*j.SourceEndpoint) != 1 || (*j.SourceEndpoint)[0].Endpoint.DbPassword != "" || *(*j.SourceEndpoint)[0].Endpoint.DbPort != fmt.Sprint(src.Port) {
		t.Fatalf("detail = %+v", j)
	}

	// Pausing a job that has not started is a DRS business error.
	_, err = c.ExecuteJobAction(&model.ExecuteJobActionRequest{JobId: id, Body: &model.JobActionReq{Job: &model.ActionReq{ActionName: model.GetActionReqActionNameEnum().STOP}}})
	sdkErr(t, err, 400, "DRS.10000011")

	act := func(a model.ActionReqActionName, p *model.ActionParams) string {
		t.Helper()
		r, err := c.ExecuteJobAction(&model.ExecuteJobActionRequest{JobId: id, Body: &model.JobActionReq{Job: &model.ActionReq{ActionName: a, ActionParams: p}}})
		if err != nil {
			t.Fatalf("action %s: %v", a.Value(), err)
		}
		return *r.QueryId
	}
	an := model.GetActionReqActionNameEnum()
	qid := act(an.NETWORK, nil)
	nr := detailQ(t, c, id, ty.NETWORK, qid)
	if n := *nr.Job.NetworkResults; len(n) != 2 || !n[0].Success || n[0].Status.Value() != "success" || !n[1].Success {
		t.Fatalf("network = %+v", n)
	}
	qid = act(an.CLOUD_CONNECTION, nil)
	if n := *detailQ(t, c, id, ty.CLOUD_CONNECTION, qid).Job.NetworkResults; len(n) != 1 || !n[0].Success {
		t.Fatalf("cloud_connection = %+v", n)
	}

	qid = act(an.PRECHECK, nil)
	var pc *model.QueryPreCheckResult
	poll(t, "precheck", func() bool {
		pc = detailQ(t, c, id, ty.PRECHECK, qid).Job.PrecheckResult
		return *pc.Process == "100%"
	})
	if !*pc.Result || len(*pc.PrecheckResults) == 0 || *pc.TotalPassedRate == "0" {
		t.Fatalf("precheck = %+v", pc)
	}

	act(an.START, nil)
	var status string
	poll(t, "job complete", func() bool {
		p, err := c.ShowJobDetail(detailReq(id, ty.PROGRESS))
		if err != nil {
			t.Fatal(err)
		}
		status = p.Job.Status.Value()
		if strings.HasSuffix(status, "FAILED") {
			t.Fatalf("job %s", status)
		}
		return status == "FULL_TRANSFER_COMPLETE"
	})
	p, err := c.ShowJobDetail(detailReq(id, ty.PROGRESS))
	if err != nil {
		t.Fatal(err)
	}
	if pi := p.Job.ProgressInfo; *pi.Progress != "100" || *pi.TaskMode != "FULL_TRANS" || *pi.TransferStatus != "FULL_TRANSFER_COMPLETE" {
		t.Fatalf("progress_info = %+v", pi)
	}
	// ShowMonitorData: the rows moved are the source's rows, read by the test.
	md, err := c.ShowMonitorData(&model.ShowMonitorDataRequest{JobId: id})
	if err != nil {
		t.Fatalf("ShowMonitorData: %v", err)
	}
	var srcRows int64
	for _, tab := range []string{"orders", "items"} {
		var n int64
		if err := sdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+tab).Scan(&n); err != nil {
			t.Fatal(err)
		}
		srcRows += n
	}
	if md.TransLines == nil || *md.TransLines != strconv.FormatInt(srcRows, 10) || md.IsSrcNormal == nil || !*md.IsSrcNormal || md.UpdateTime == nil {
		t.Fatalf("ShowMonitorData = %+v, want trans_lines %d", md, srcRows)
	}
	tdb := dstDB(t, dst, db)
	for tab, key := range map[string]string{"orders": "id", "items": "k"} {
		diff, err := testenv.CompareTables(ctx, sdb, tab, tdb, tab, []string{key}, nil)
		if err != nil || !diff.Same() {
			t.Fatalf("%s differs after the job: %v %v", tab, diff, err)
		}
	}

	lg, err := c.ShowJobDetail(detailReq(id, ty.LOG))
	if err != nil || lg.Job.Logs == nil || len(*lg.Job.Logs) == 0 || *(*lg.Job.Logs)[0].CreateTime == "" {
		t.Fatalf("logs = %+v, %v", lg, err)
	}
	lvl := "Error"
	if lg, err = c.ShowJobDetail(&model.ShowJobDetailRequest{JobId: id, Type: ty.LOG, LogLevel: &lvl}); err != nil {
		t.Fatal(err)
	} else if lg.Job.Logs != nil {
		for _, l := range *lg.Job.Logs {
			if *l.Level != "ERROR" {
				t.Fatalf("log_level=Error returned %+v", l)
			}
		}
	}

	checkCompare(t, c, id, db)
	act(an.CREATE_COMPARE, &model.ActionParams{CompareTaskParam: &model.CompareTaskParams{Type: ptr(model.GetCompareTaskParamsTypeEnum().LINES)}})
	if tasks := compareList(t, c, id); len(tasks) != 1 || *tasks[0].Type != "lines" {
		t.Fatalf("after create_compare: %+v", tasks)
	}

	if f, err := c.ShowJobDetail(detailReq(id, ty.FILE)); err != nil || *f.Job.SupportImportFileResp.FileSize != "0" {
		t.Fatalf("file = %+v %v", f, err)
	}
	if w, err := c.ShowJobDetail(detailReq(id, ty.IS_WRITABLE)); err != nil || w.Job.IsWritable.Value() != "success" {
		t.Fatalf("is_writable = %+v %v", w, err)
	}

	lim, off := int32(1), int32(0)
	list, err := c.ListJobs(&model.ListJobsRequest{JobType: model.GetListJobsRequestJobTypeEnum().MIGRATION, Limit: &lim, Offset: &off})
	if err != nil || list.TotalCount != 1 || len(list.Jobs) != 1 || list.Jobs[0].Id != id || list.Jobs[0].Status.Value() != "FULL_TRANSFER_COMPLETE" ||
		list.Jobs[0].TaskType.Value() != "FULL_TRANS" || list.Jobs[0].JobAction == nil {
		t.Fatalf("ListJobs = %+v, %v", list, err)
	}
	st := model.GetListJobsRequestStatusEnum().CONFIGURATION
	if list, err = c.ListJobs(&model.ListJobsRequest{JobType: model.GetListJobsRequestJobTypeEnum().MIGRATION, Status: &st}); err != nil || list.TotalCount != 0 {
		t.Fatalf("ListJobs status=CONFIGURATION = %+v, %v", list, err)
	}

	// Deleting a job that was not ended is refused; end it, delete it, and it is gone.
	_, err = c.DeleteJob(&model.DeleteJobRequest{JobId: id})
	sdkErr(t, err, 400, "DRS.10000011")
	stop, err := c.StopJobAction(&model.StopJobActionRequest{JobId: id, Body: &model.StopJobActionReq{}})
	if err != nil || stop.Status != "success" || stop.Id != id {
		t.Fatalf("StopJobAction = %+v, %v", stop, err)
	}
	if d, err = c.ShowJobDetail(detailReq(id, ty.DETAIL)); err != nil || d.Job.Status.Value() != "RELEASE_RESOURCE_COMPLETE" {
		t.Fatalf("after stop: %+v %v", d, err)
	}
	if _, err := c.DeleteJob(&model.DeleteJobRequest{JobId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ShowJobDetail(detailReq(id, ty.DETAIL))
	sdkErr(t, err, 400, "DRS.10000010")

	// The read-only key may read but not act.
	_, err = client(t, url, "READONLYAK", "readonly-secret-key-01").CreateJob(&model.CreateJobRequest{Body: &model.SingleCreateJobReq{Job: &model.CreateJobReq{}}})
	sdkErr(t, err, 403, "DRS.10000403")

	logText, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{src.Password, testSK} {
		if secret != "" && strings.Contains(string(logText), secret) {
			t.Fatalf("a secret appears in the server log")
		}
	}
}

func ptr[T any](v T) *T { return &v }

func dstDB(t *testing.T, m *testenv.MariaDB, name string) *sql.DB {
	t.Helper()
	db, err := m.DB(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func detailQ(t *testing.T, c *hdrs.DrsClient, id string, typ model.ShowJobDetailRequestType, qid string) *model.ShowJobDetailResponse {
	t.Helper()
	r, err := c.ShowJobDetail(&model.ShowJobDetailRequest{JobId: id, Type: typ, QueryId: &qid})
	if err != nil {
		t.Fatalf("ShowJobDetail %s: %v", typ.Value(), err)
	}
	return r
}

// poll calls done until it is true, failing after two minutes.
func poll(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
