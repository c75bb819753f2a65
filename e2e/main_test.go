// Package e2e holds end-to-end suites: real MariaDB servers, a real godwit (in-process server
// or subprocess), projects driven through the public APIs, and row-by-row comparison of both
// sides done by the test itself.
package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/godwit/godwit/api"
	"github.com/godwit/godwit/sampledb"
	"github.com/godwit/godwit/server"
	"github.com/godwit/godwit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const apiUser, apiPassword = "admin", "e2e-secret-pw"

// inProcess starts a godwit server over a temp data dir and returns its base URL.
func inProcess(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	logPath := t.TempDir() + "/godwit.log"
	if d := os.Getenv("GODWIT_E2E_LOGDIR"); d != "" { // keep the server log for a post-mortem
		logPath = d + "/godwit-" + t.Name() + ".log"
	}
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.Open(ctx, server.Config{DataDir: t.TempDir(), Users: []api.User{{Name: apiUser, Password: apiPassword, Role: "admin"}},
		Log: slog.New(slog.NewTextHandler(logf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		logf.Close()
	})
	return hs.URL
}

// oms calls an OMS v2 action and returns the decoded envelope.
func oms(t *testing.T, base, action string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+"/api/v2?Action="+action, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(apiUser, apiPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env map[string]any
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("%s: HTTP %d, not JSON: %s", action, resp.StatusCode, raw)
	}
	return env
}

// omsOK calls an action and fails the test unless success is true; returns data.
func omsOK(t *testing.T, base, action string, body any) any {
	t.Helper()
	env := oms(t, base, action, body)
	if env["success"] != true {
		t.Fatalf("%s failed: code=%v message=%v advice=%v", action, env["code"], env["message"], env["advice"])
	}
	return env["data"]
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// createOMSDataSource registers a testenv server through CreateMySQLDataSource.
func createOMSDataSource(t *testing.T, base, name string, m *testenv.MariaDB) string {
	t.Helper()
	id, _ := omsOK(t, base, "CreateMySQLDataSource", map[string]any{"name": name, "type": "MARIADB",
		"ip": m.Host, "port": m.Port, "userName": m.User, "password": b64(m.Password)}).(string)
	if id == "" {
		t.Fatal("CreateMySQLDataSource returned no id")
	}
	return id
}

// waitSteps polls DescribeProjectSteps until the project leaves RUNNING (or timeout) and
// returns the last steps and project status.
func waitProject(t *testing.T, base, id string, timeout time.Duration) (string, []any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p := omsOK(t, base, "DescribeProject", map[string]any{"id": id}).(map[string]any)
		status, _ := p["status"].(string)
		if status != "RUNNING" && status != "INIT" || time.Now().After(deadline) {
			steps, _ := omsOK(t, base, "DescribeProjectSteps", map[string]any{"id": id}).([]any)
			return status, steps
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// seed creates the sample database on m and returns the exact row counts per table.
func seed(t *testing.T, m *testenv.MariaDB, dbName string, scale float64) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	db, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := sampledb.Create(ctx, db, dbName, sampledb.Options{Scale: scale}); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, ti := range sampledb.Tables() {
		var n int64
		if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM `%s`.`%s`", dbName, ti.Name)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[ti.Name] = n
	}
	return counts
}

// compareAll compares every sample table on both sides and fails on any difference.
func compareAll(t *testing.T, src, dst *testenv.MariaDB, srcDB, dstDB string) {
	t.Helper()
	ctx := context.Background()
	s, err := src.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, err := dst.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, ti := range sampledb.Tables() {
		diff, err := testenv.CompareTables(ctx, s, srcDB+"."+ti.Name, d, dstDB+"."+ti.Name, ti.Key, nil)
		if err != nil {
			t.Fatalf("comparing %s: %v", ti.Name, err)
		}
		if !diff.Same() {
			t.Errorf("table %s differs: %s", ti.Name, diff)
		}
	}
}

func count(t *testing.T, db *sql.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
