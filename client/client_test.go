package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeAPI is a tiny in-test implementation of the native REST contract: it records requests
// and answers with canned bodies, so the client's wire behaviour can be asserted.
type fakeAPI struct {
	reqs []*http.Request
	body []string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.reqs = append(f.reqs, r)
	f.body = append(f.body, string(b))
	w.Header().Set("X-Request-Id", "req-1")
	w.Header().Set("Content-Type", "application/json")
	path := r.URL.Path
	switch {
	case path == "/api/v1/health":
		io.WriteString(w, `{"status":"ok","version":"v1.2.3"}`)
	case path == "/api/v1/datasources" && r.Method == http.MethodPost:
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"e_1","name":"src","type":"MARIADB","host":"h","port":3306,"user":"u","gmtCreate":"2024-01-02T03:04:05Z","gmtModified":"2024-01-02T03:04:05"}`)
	case path == "/api/v1/datasources" && r.Method == http.MethodGet:
		io.WriteString(w, `{"items":[{"id":"e_1","name":"src","extraField":1},{"id":"e_2","name":"dst"}],"total":2,"page":1,"size":50}`)
	case path == "/api/v1/datasources/e_gone":
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"code":"GHANA-ENDPOINT000001","message":"data source e_gone does not exist","advice":"Check the data source ID.","params":{"id":"e_gone"}},"requestId":"req-9"}`)
	case strings.HasPrefix(path, "/api/v1/datasources/") && r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case path == "/api/v1/projects" && r.Method == http.MethodPost:
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"np_1","name":"p","status":"INIT","gmtStart":null,"extraInfo":{"runningStep":""}}`)
	case path == "/api/v1/projects" && r.Method == http.MethodGet:
		io.WriteString(w, `{"items":[{"id":"np_1","status":"RUNNING"}],"total":1,"page":1,"size":50}`)
	case path == "/api/v1/projects/np_1/start":
		io.WriteString(w, `{"id":"np_1","status":"RUNNING","gmtStart":"2024-05-06T07:08:09"}`)
	case path == "/api/v1/projects/np_1/stop":
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, `{"error":{"code":"GHANA-PROJECT000002","message":"project np_1 cannot stop while INIT","advice":""}}`)
	case path == "/api/v1/projects/np_1/steps":
		io.WriteString(w, stepsJSON)
	case path == "/api/v1/projects/np_1/tables":
		io.WriteString(w, `{"items":[{"table":"shop.t","target":"shop.t","status":"RUNNING","capacity":100,"done":40,"bytes":4000,"extra":null}]}`)
	case path == "/api/v1/projects/np_1/progress":
		io.WriteString(w, `{"projectId":"np_1","status":"RUNNING","currentStep":"FULL_TRANSFER","fullTransferProgress":40,"incrSyncCheckpoint":null}`)
	case path == "/api/v1/projects/np_1/logs":
		io.WriteString(w, `{"items":[{"id":7,"time":"2024-05-06T07:08:09","level":"INFO","step":"FULL_TRANSFER","message":"hello"}],"total":1}`)
	case path == "/api/v1/projects/np_1/precheck":
		io.WriteString(w, `{"items":[{"name":"binlog","endpointType":"SOURCE","status":"PASSED","message":"ok","skippable":false}]}`)
	case path == "/api/v1/oops":
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "upstream down\n")
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"code":"NOT_FOUND","message":"no route"}}`)
	}
}

const stepsJSON = `{"items":[
 {"order":1,"name":"TRANSFER_PRECHECK","description":"Precheck","status":"FINISHED",
  "extraInfo":{"errorDetails":null,"errorCode":null,"errorMsg":null,"errorParam":null,"failedTime":null},
  "startTime":"2023-07-17T23:01:25","finishTime":"2023-07-17T23:01:35","progress":100,"stepInfo":null},
 {"order":4,"name":"FULL_TRANSFER","description":"Full migration","status":"FAILED",
  "extraInfo":{"errorDetails":[{"code":"GODWIT-FULL-0002","level":"ERROR","message":"write failed","proposal":"Check the target."},"plain text"],
   "errorCode":"GODWIT-FULL-0002","errorMsg":"write failed","errorParam":{"table":"shop.t"},"failedTime":"2023-07-17T23:07:35"},
  "startTime":"2023-07-17T23:07:15","finishTime":null,"progress":42,
  "stepInfo":{"processedRecords":92198,"capacity":200000,"srcRps":140,"srcRt":null,"srcRpsRef":8000}},
 {"order":7,"name":"FULL_VERIFIER","description":"Full verification","status":"FINISHED","extraInfo":{},
  "startTime":null,"finishTime":null,"progress":100,"stepInfo":{"processedRecords":5,"verifyResult":"CONSISTENT","message":"0 differences"}}
]}`

func newFake(t *testing.T, auth Auth) (*Client, *fakeAPI) {
	f := &fakeAPI{}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return New(srv.URL+"/", auth), f
}

func TestAuthHeaders(t *testing.T) {
	ctx := context.Background()
	c, f := newFake(t, Auth{User: "admin", Password: "s3cret"})
	if _, err := c.Health(ctx); err != nil {
		t.Fatal(err)
	}
	u, p, ok := f.reqs[0].BasicAuth()
	if !ok || u != "admin" || p != "s3cret" {
		t.Fatalf("basic auth = %q %q %v", u, p, ok)
	}
	c, f = newFake(t, Auth{User: "admin", Password: "x", Token: "tok"})
	if _, err := c.Health(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.reqs[0].Header.Get("Authorization"); got != "Bearer tok" {
		t.Fatalf("Authorization = %q", got)
	}
	c, f = newFake(t, Auth{})
	h, err := c.Health(ctx)
	if err != nil || h.Version != "v1.2.3" || h.Status != "ok" {
		t.Fatalf("health = %+v, %v", h, err)
	}
	if got := f.reqs[0].Header.Get("Authorization"); got != "" {
		t.Fatalf("no credentials expected, got %q", got)
	}
}

func TestDataSources(t *testing.T) {
	ctx := context.Background()
	c, f := newFake(t, Auth{Token: "t"})
	ds, err := c.CreateDataSource(ctx, CreateDataSourceRequest{Name: "src", Type: "MARIADB", Host: "h", Port: 3306, User: "u", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if ds.ID != "e_1" || ds.Port != 3306 || ds.GmtCreate.Year() != 2024 || ds.GmtModified.Second() != 5 {
		t.Fatalf("data source = %+v", ds)
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte(f.body[0]), &sent); err != nil {
		t.Fatal(err)
	}
	if sent["password"] != "pw" || sent["port"] != 3306.0 || sent["skipConnectivityTest"] != false {
		t.Fatalf("request body = %v", sent)
	}
	if f.reqs[0].Header.Get("Content-Type") != "application/json" {
		t.Fatal("missing JSON content type")
	}

	l, err := c.ListDataSources(ctx, DataSourceQuery{Type: "MARIADB", Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.reqs[1].URL.RawQuery; got != "size=10&type=MARIADB" {
		t.Fatalf("query = %q", got)
	}
	if l.Total != 2 || len(l.Items) != 2 || l.Items[1].Name != "dst" {
		t.Fatalf("list = %+v", l)
	}
	if !strings.Contains(string(l.Items[0].Raw), `"extraField":1`) || !strings.Contains(string(l.Raw), `"total":2`) {
		t.Fatalf("raw not kept: %s / %s", l.Items[0].Raw, l.Raw)
	}

	_, err = c.GetDataSource(ctx, "e_gone")
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want *APIError, got %T %v", err, err)
	}
	if ae.Status != 404 || ae.Code != "GHANA-ENDPOINT000001" || ae.Params["id"] != "e_gone" || ae.RequestID != "req-9" {
		t.Fatalf("api error = %+v", ae)
	}
	if want := "GHANA-ENDPOINT000001: data source e_gone does not exist (Check the data source ID.)"; ae.Error() != want {
		t.Fatalf("Error() = %q, want %q", ae.Error(), want)
	}
	if !IsStatus(err, http.StatusNotFound) || IsStatus(err, 409) {
		t.Fatal("IsStatus wrong")
	}
	if err := c.DeleteDataSource(ctx, "e/1"); err != nil {
		t.Fatal(err)
	}
	if got := f.reqs[3].URL.EscapedPath(); got != "/api/v1/datasources/e%2F1" {
		t.Fatalf("id not escaped: %q", got)
	}
}

func TestProjects(t *testing.T) {
	ctx := context.Background()
	c, f := newFake(t, Auth{Token: "t"})
	p, err := c.CreateProject(ctx, json.RawMessage(`{"name":"p"}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "np_1" || p.Status != "INIT" || !p.GmtStart.IsZero() || f.body[0] != `{"name":"p"}` {
		t.Fatalf("project = %+v, sent %q", p, f.body[0])
	}
	l, err := c.ListProjects(ctx, ProjectQuery{Status: []string{"RUNNING", "FAILED"}, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.reqs[1].URL.RawQuery; got != "page=2&status=RUNNING&status=FAILED" {
		t.Fatalf("query = %q", got)
	}
	if len(l.Items) != 1 || l.Items[0].Status != "RUNNING" {
		t.Fatalf("list = %+v", l)
	}
	p, err = c.StartProject(ctx, "np_1")
	if err != nil {
		t.Fatal(err)
	}
	if f.reqs[2].Method != http.MethodPost || p.GmtStart.Time != time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) {
		t.Fatalf("start: %s %+v", f.reqs[2].Method, p)
	}
	_, err = c.StopProject(ctx, "np_1")
	if !IsStatus(err, http.StatusConflict) || err.Error() != "GHANA-PROJECT000002: project np_1 cannot stop while INIT" {
		t.Fatalf("stop err = %v", err)
	}
}

func TestStepsAndDetails(t *testing.T) {
	ctx := context.Background()
	c, f := newFake(t, Auth{Token: "t"})
	sl, err := c.Steps(ctx, "np_1")
	if err != nil {
		t.Fatal(err)
	}
	if len(sl.Items) != 3 {
		t.Fatalf("steps = %+v", sl.Items)
	}
	pre, full, ver := sl.Items[0], sl.Items[1], sl.Items[2]
	if pre.StepInfo != nil || pre.FinishTime.String() != "2023-07-17T23:01:35" {
		t.Fatalf("precheck = %+v", pre)
	}
	if code, msg, adv := pre.StepError(); code+msg+adv != "" {
		t.Fatalf("healthy step reports an error: %q %q %q", code, msg, adv)
	}
	code, msg, adv := full.StepError()
	if code != "GODWIT-FULL-0002" || msg != "write failed" || adv != "Check the target." {
		t.Fatalf("step error = %q %q %q", code, msg, adv)
	}
	if len(full.ExtraInfo.ErrorDetails) != 2 || full.ExtraInfo.ErrorDetails[1].Message != "plain text" {
		t.Fatalf("details = %+v", full.ExtraInfo.ErrorDetails)
	}
	if *full.StepInfo.ProcessedRecords != 92198 || *full.StepInfo.Capacity != 200000 || full.StepInfo.SrcRt != nil || !full.FinishTime.IsZero() {
		t.Fatalf("full = %+v", full)
	}
	if ver.StepInfo.VerifyResult != "CONSISTENT" || ver.StepInfo.Message != "0 differences" {
		t.Fatalf("verifier = %+v", ver.StepInfo)
	}

	tl, err := c.Tables(ctx, "np_1", "FULL_TRANSFER")
	if err != nil {
		t.Fatal(err)
	}
	if f.reqs[1].URL.RawQuery != "step=FULL_TRANSFER" || len(tl.Items) != 1 || tl.Items[0].Done != 40 || tl.Items[0].Target != "shop.t" {
		t.Fatalf("tables = %+v (%s)", tl.Items, f.reqs[1].URL.RawQuery)
	}
	pr, err := c.Progress(ctx, "np_1")
	if err != nil || pr.FullTransferProgress != 40 || pr.CurrentStep != "FULL_TRANSFER" || pr.IncrSyncCheckpoint != nil {
		t.Fatalf("progress = %+v, %v", pr, err)
	}
	ll, err := c.Logs(ctx, "np_1", LogQuery{Level: "INFO"})
	if err != nil || ll.Total != 1 || ll.Items[0].ID != 7 || ll.Items[0].Time.Hour() != 7 {
		t.Fatalf("logs = %+v, %v", ll, err)
	}
	if f.reqs[3].URL.RawQuery != "level=INFO" {
		t.Fatalf("logs query = %q", f.reqs[3].URL.RawQuery)
	}
	cl, err := c.Precheck(ctx, "np_1")
	if err != nil || len(cl.Items) != 1 || cl.Items[0].EndpointType != "SOURCE" || cl.Items[0].Status != "PASSED" {
		t.Fatalf("precheck = %+v, %v", cl, err)
	}
}

func TestNonJSONError(t *testing.T) {
	c, _ := newFake(t, Auth{})
	_, err := c.Do(context.Background(), http.MethodGet, "/api/v1/oops", nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 502 || ae.Message != "upstream down" || ae.RequestID != "req-1" {
		t.Fatalf("err = %#v", err)
	}
	if ae.Error() != "HTTP 502: upstream down" {
		t.Fatalf("Error() = %q", ae.Error())
	}
}

func TestTimeJSON(t *testing.T) {
	var v struct{ A, B, C, D Time }
	err := json.Unmarshal([]byte(`{"A":"2023-07-17T23:01:25","B":"2023-07-17T23:01:25+02:00","C":null,"D":""}`), &v)
	if err != nil {
		t.Fatal(err)
	}
	if v.A.String() != "2023-07-17T23:01:25" || v.B.String() != "2023-07-17T21:01:25" || !v.C.IsZero() || !v.D.IsZero() {
		t.Fatalf("times = %v %v %v %v", v.A, v.B, v.C, v.D)
	}
	if err := json.Unmarshal([]byte(`{"A":"yesterday"}`), &v); err == nil {
		t.Fatal("bad time accepted")
	}
	b, _ := json.Marshal(struct{ A, C Time }{v.B, Time{}})
	if string(b) != `{"A":"2023-07-17T21:01:25","C":null}` {
		t.Fatalf("marshal = %s", b)
	}
}
