// Package realsvc_test runs the HTTP adapters over the real service, metadata store (SQLite
// in a temp dir) and engine (not started), to catch contract mismatches the adapter tests'
// in-memory fake cannot. No database server is needed: data sources are created without the
// connectivity test, and the one connectivity failure goes to a closed local port.
package realsvc_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/godwit/godwit/api"
	_ "github.com/godwit/godwit/endpoint/mysql"
	_ "github.com/godwit/godwit/endpoint/postgres"
	"github.com/godwit/godwit/engine"
	"github.com/godwit/godwit/meta/sqlite"
	"github.com/godwit/godwit/secret"
	"github.com/godwit/godwit/service"
)

func newHandler(t *testing.T) http.Handler { return newHandlerTB(t) }

func newHandlerTB(t testing.TB) http.Handler {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	box, err := secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(context.Background(), t.TempDir()+"/meta.db", box, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := service.New(store, engine.New(store, log, engine.Options{}), log)
	return api.New(svc, api.Config{Users: []api.User{{Name: "admin", Password: "pw", Role: "admin"}}}, log)
}

func call(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.SetBasicAuth("admin", "pw")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var m map[string]any
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, w.Body)
		}
	}
	return w.Code, m, w.Body.String()
}

func oms(t *testing.T, h http.Handler, action, body string) map[string]any {
	t.Helper()
	code, m, raw := call(t, h, "POST", "/api/v2?Action="+action, body)
	if code != 200 {
		t.Fatalf("%s: HTTP %d %s", action, code, raw)
	}
	return m
}

func TestRealServiceOverOMSAndNative(t *testing.T) {
	h := newHandler(t)
	var ids []string
	for _, b := range []string{
		`{"name":"src01","type":"MYSQL","host":"10.0.0.5","port":3306,"user":"mig","password":"src-secret","skipConnectivityTest":true}`,
		`{"name":"dst01","type":"MARIADB","host":"10.0.0.9","port":3307,"user":"mig","password":"dst-secret","skipConnectivityTest":true}`,
	} {
		code, m, raw := call(t, h, "POST", "/api/v1/datasources", b)
		if code != 201 || strings.Contains(raw, "secret") {
			t.Fatalf("create data source: %d %s", code, raw)
		}
		ids = append(ids, m["id"].(string))
	}
	m := oms(t, h, "ListDataSource", `{"PageNumber":"1","PageSize":"10"}`)
	if m["success"] != true || m["totalCount"] != 2.0 {
		t.Fatalf("ListDataSource: %v", m)
	}

	// A closed local port: the real endpoint's connectivity failure keeps the ODC prefix.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	m = oms(t, h, "CreateMySQLDataSource", `{"name":"down","ip":"127.0.0.1","port":`+strconv.Itoa(port)+`,"userName":"u","password":"`+base64.StdEncoding.EncodeToString([]byte("p"))+`"}`)
	if m["success"] != false || m["code"] != "PARAM_ERROR" || !strings.HasPrefix(m["message"].(string), "Connectivity test failed") {
		t.Errorf("connectivity failure: %v", m)
	}
	code, _, raw := call(t, h, "POST", "/api/v1/datasources", `{"name":"down","type":"MYSQL","host":"127.0.0.1","port":`+strconv.Itoa(port)+`,"user":"u"}`)
	if code != http.StatusUnprocessableEntity {
		t.Errorf("native connectivity failure: HTTP %d %s, want 422", code, raw)
	}

	body := `{"Name":"orders_mig","Type":"MIGRATION","SourceEndpointId":"` + ids[0] + `","SinkEndpointId":"` + ids[1] + `",
	  "TransferMapping":{"Mode":"SPECIFIC","Databases":[{"Name":"shop","Tables":[{"Name":"orders","WhereClause":"id > 0"}]}]},
	  "EnableStructTransfer":true,"EnableFullTransfer":true,"EnableIncrTransfer":"true","EnableFullVerify":true,
	  "IncrTransferConfig":{"IncrSyncConcurrency":"32"}}`
	m = oms(t, h, "CreateProject", body)
	id, _ := m["data"].(string)
	if m["success"] != true || !strings.HasPrefix(id, "np_") {
		t.Fatalf("CreateProject: %v", m)
	}
	m = oms(t, h, "DescribeProject", `{"id":"`+id+`"}`)
	p := m["data"].(map[string]any)
	if p["status"] != "INIT" || p["sourceEndpointType"] != "MYSQL" || p["sinkEndpointType"] != "MARIADB" ||
		p["incrTransferConfig"].(map[string]any)["incrSyncConcurrency"] != 32.0 || p["owner"] != "admin" {
		t.Errorf("DescribeProject: %v", p)
	}
	if ci := p["sourceConnectInfo"].(map[string]any); ci["dbEngine"] != "MYSQL_PUBLIC" || ci["username"] != "mig" {
		t.Errorf("sourceConnectInfo: %v", ci)
	}
	steps := oms(t, h, "DescribeProjectSteps", `{"Id":"`+id+`"}`)["data"].([]any)
	if len(steps) != 6 { // precheck, struct, log pull, full, incr, verify
		t.Fatalf("%d steps, want 6", len(steps))
	}
	for _, s := range steps {
		st := s.(map[string]any)
		if len(st) != 9 || st["status"] != "INIT" || st["progress"] != 0.0 {
			t.Errorf("step %v", st)
		}
	}
	if m := oms(t, h, "DescribeProjectProgress", `{"id":"`+id+`"}`); m["data"].(map[string]any)["status"] != "INIT" {
		t.Errorf("progress: %v", m)
	}
	if m := oms(t, h, "ListProjects", `{"status":"INIT"}`); m["totalCount"] != 1.0 {
		t.Errorf("ListProjects: %v", m)
	}
	if m := oms(t, h, "StopProject", `{"id":"`+id+`"}`); m["code"] != "GHANA-PROJECT000002" {
		t.Errorf("StopProject from INIT: %v", m)
	}
	if m := oms(t, h, "DeleteDataSource", `{"id":"`+ids[0]+`"}`); m["success"] != false {
		t.Errorf("deleting a data source in use: %v", m)
	}
	if m := oms(t, h, "DeleteProject", `{"id":"`+id+`"}`); m["success"] != true {
		t.Fatalf("DeleteProject: %v", m)
	}
	if m := oms(t, h, "DescribeProject", `{"id":"`+id+`"}`); m["code"] != "GHANA-PROJECT000001" {
		t.Errorf("after delete: %v", m)
	}
	if code, m, _ := call(t, h, "GET", "/api/omsp/v2/migrations/"+id+"/progress", ""); code != 200 || m["code"] != "GHANA-PROJECT000001" {
		t.Errorf("V3.3 after delete: %d %v", code, m)
	}
}
