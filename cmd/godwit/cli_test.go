package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// apiStub is an in-test implementation of a few native API routes (our own HTTP contract),
// recording what the CLI sent.
type apiStub struct {
	lastBody []byte
	lastAuth string
}

func (s *apiStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.lastBody, _ = io.ReadAll(r.Body)
	s.lastAuth = r.Header.Get("Authorization")
	switch r.Method + " " + r.URL.Path {
	case "POST /api/v1/datasources":
		w.WriteHeader(201)
		io.WriteString(w, `{"id":"e_new","name":"src","type":"MARIADB"}`)
	case "GET /api/v1/projects/np_1/steps":
		io.WriteString(w, `{"items":[{"order":1,"name":"TRANSFER_PRECHECK","status":"FINISHED","progress":100,
		"startTime":"2024-01-01T00:00:00","finishTime":"2024-01-01T00:00:02","stepInfo":null,"extraInfo":{}},
		{"order":4,"name":"FULL_TRANSFER","status":"FAILED","progress":40,"startTime":"2024-01-01T00:00:03","finishTime":null,
		"stepInfo":{"processedRecords":800,"capacity":2000},"extraInfo":{"errorCode":"GODWIT-FULL-0002","errorMsg":"write failed",
		"errorDetails":[{"code":"GODWIT-FULL-0002","message":"write failed","proposal":"Check the target."}]}}]}`)
	case "GET /api/v1/projects/np_1":
		io.WriteString(w, `{"id":"np_1","name":"demo","status":"FAILED","steps":[{"order":4,"name":"FULL_TRANSFER","status":"FAILED",
		"progress":40,"extraInfo":{"errorCode":"GODWIT-FULL-0002","errorMsg":"write failed","errorDetails":[{"proposal":"Check the target."}]}}]}`)
	case "POST /api/v1/projects":
		w.WriteHeader(201)
		io.WriteString(w, `{"id":"np_2","status":"INIT"}`)
	case "POST /api/v1/projects/np_1/start":
		w.WriteHeader(409)
		io.WriteString(w, `{"error":{"code":"GHANA-PROJECT000002","message":"project np_1 cannot start while FAILED","advice":"start is allowed only when the project is INIT."}}`)
	default:
		w.WriteHeader(404)
		io.WriteString(w, `{"error":{"code":"GHANA-PROJECT000001","message":"project np_x does not exist","advice":"Check the project ID."}}`)
	}
}

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string, *apiStub) {
	t.Helper()
	for _, k := range []string{"GODWIT_SERVER", "GODWIT_USER", "GODWIT_PASSWORD", "GODWIT_TOKEN"} {
		t.Setenv(k, "")
	}
	stub := &apiStub{}
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"--server", srv.URL}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String(), stub
}

func TestStepsTable(t *testing.T) {
	code, out, errOut, stub := runCLI(t, "", "--user", "admin", "--password", "pw", "project", "steps", "np_1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(stub.lastAuth, "Basic ") {
		t.Fatalf("auth header %q", stub.lastAuth)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("table:\n%s", out)
	}
	for i, want := range [][]string{
		{"ORDER", "NAME", "STATUS", "PROGRESS", "START", "FINISH", "PROCESSED/CAPACITY", "ERROR/RESULT"},
		{"1", "TRANSFER_PRECHECK", "FINISHED", "100%", "2024-01-01T00:00:00", "2024-01-01T00:00:02", "-", "-"},
		{"4", "FULL_TRANSFER", "FAILED", "40%", "2024-01-01T00:00:03", "-", "800/2000", "GODWIT-FULL-0002:", "write", "failed"},
	} {
		if got := strings.Fields(lines[i]); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("line %d = %q, want fields %q", i, lines[i], want)
		}
	}
}

func TestJSONOutputIsRawAPI(t *testing.T) {
	code, out, errOut, _ := runCLI(t, "", "-o", "json", "project", "steps", "np_1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var v struct{ Items []map[string]any }
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Items) != 2 {
		t.Fatalf("not the API JSON: %v\n%s", err, out)
	}
	if _, ok := v.Items[0]["stepInfo"]; !ok {
		t.Fatalf("raw members lost: %s", out)
	}
	if code, _, errOut, _ := runCLI(t, "", "-o", "yaml", "project", "steps", "np_1"); code != 1 || !strings.Contains(errOut, "-o must be table or json") {
		t.Fatalf("-o yaml: exit %d, %q", code, errOut)
	}
}

func TestDataSourceCreatePasswordStdin(t *testing.T) {
	code, out, errOut, stub := runCLI(t, "s3cret\n", "--token", "tok", "datasource", "create", "--name", "src",
		"--type", "mariadb", "--host", "db1", "--port", "3307", "--db-user", "repl", "--password-stdin")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.TrimSpace(out) != "e_new" || stub.lastAuth != "Bearer tok" {
		t.Fatalf("out %q auth %q", out, stub.lastAuth)
	}
	var sent map[string]any
	if err := json.Unmarshal(stub.lastBody, &sent); err != nil {
		t.Fatal(err)
	}
	if sent["password"] != "s3cret" || sent["type"] != "MARIADB" || sent["port"] != 3307.0 || sent["user"] != "repl" || sent["host"] != "db1" {
		t.Fatalf("sent %v", sent)
	}
}

func TestProjectCreateFromStdin(t *testing.T) {
	code, out, errOut, stub := runCLI(t, `{"name":"p","type":"MIGRATION"}`, "project", "create", "-f", "-")
	if code != 0 || strings.TrimSpace(out) != "np_2" || string(stub.lastBody) != `{"name":"p","type":"MIGRATION"}` {
		t.Fatalf("exit %d out %q err %q body %q", code, out, errOut, stub.lastBody)
	}
	if code, _, errOut, _ := runCLI(t, `{"name":`, "project", "create", "-f", "-"); code != 1 || !strings.Contains(errOut, "not valid JSON") {
		t.Fatalf("bad JSON: exit %d %q", code, errOut)
	}
}

func TestAPIErrorsAreReadable(t *testing.T) {
	code, _, errOut, _ := runCLI(t, "", "project", "start", "np_1")
	want := "error: GHANA-PROJECT000002: project np_1 cannot start while FAILED (start is allowed only when the project is INIT.)\n"
	if code != 1 || errOut != want {
		t.Fatalf("exit %d, stderr %q, want %q", code, errOut, want)
	}
	code, _, errOut, _ = runCLI(t, "", "project", "show", "np_x")
	if code != 1 || !strings.Contains(errOut, "GHANA-PROJECT000001") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestWatchFailedExitsNonZero(t *testing.T) {
	code, _, errOut, _ := runCLI(t, "", "project", "watch", "--interval", "10ms", "np_1")
	want := "error: step FULL_TRANSFER failed: GODWIT-FULL-0002: write failed (Check the target.)\n"
	if code != 1 || errOut != want {
		t.Fatalf("exit %d, stderr %q, want %q", code, errOut, want)
	}
}

func TestVersion(t *testing.T) {
	code, out, _, _ := runCLI(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "godwit ") {
		t.Fatalf("exit %d out %q", code, out)
	}
}
