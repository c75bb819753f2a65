package demo_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/api"
	"github.com/godwit/godwit/client"
	"github.com/godwit/godwit/demo"
	"github.com/godwit/godwit/server"
)

// open is what cmd/godwit wires: server.Open + Start with one admin user.
func open(ctx context.Context, cfg demo.BackendConfig) (demo.Backend, error) {
	srv, err := server.Open(ctx, server.Config{DataDir: cfg.DataDir, Listen: cfg.Listen, Log: cfg.Log,
		Users: []api.User{{Name: cfg.AdminUser, Password: cfg.AdminPassword, Role: "admin"}}})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, errors.Join(err, srv.Close())
	}
	return srv, nil
}

// TestDemoEndToEnd runs the whole demo non-interactively (Exit, as DEMO_EXIT=1) against real
// MariaDB servers and a real in-process godwit, at a reduced scale (≥ 20k rows).
func TestDemoEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 7*time.Minute)
	defer cancel()
	var out bytes.Buffer
	var live struct {
		project *client.Project
		steps   []byte
		console []byte
		err     error
	}
	sum, err := demo.Run(ctx, demo.Options{
		Open: open, Scale: 0.1, Exit: true, Out: &out, Interval: 100 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Ready: func(s *demo.Summary) {
			// While the demo still serves: the printed credentials work on both API shapes.
			c := client.New(s.APIURL, client.Auth{User: s.User, Password: s.Password})
			live.project, live.err = c.GetProject(ctx, s.ProjectID)
			if live.err == nil {
				live.steps, live.err = c.Do(ctx, http.MethodPost, "/api/v2?Action=DescribeProjectSteps",
					[]byte(`{"id":"`+s.ProjectID+`"}`))
			}
			if live.err == nil { // the printed console URL serves the console
				live.console, live.err = c.Do(ctx, http.MethodGet, "/", nil)
			}
		},
	})
	t.Logf("demo output:\n%s", out.String())
	if err != nil {
		t.Fatalf("demo failed: %v", err)
	}
	if !sum.OK() || sum.Status != "FINISHED" || sum.VerifyResult != "CONSISTENT" {
		t.Fatalf("summary = %+v", sum)
	}
	if sum.SeededRows < 20000 || sum.RowsCopied != sum.SeededRows {
		t.Fatalf("rows copied %d, seeded %d", sum.RowsCopied, sum.SeededRows)
	}
	if sum.CopyTime < time.Second || sum.RowsPerSecond <= 0 || sum.RowsPerSecond > float64(sum.RowsCopied) {
		t.Fatalf("copy time %s, %f rows/s", sum.CopyTime, sum.RowsPerSecond)
	}
	if live.err != nil || live.project.Status != "FINISHED" || !strings.Contains(string(live.steps), `"FULL_VERIFIER"`) ||
		!strings.Contains(string(live.console), "godwit console") {
		t.Fatalf("live API: %v, project %+v, steps %s", live.err, live.project, live.steps)
	}
	text := out.String()
	for _, want := range []string{
		"step", "FULL_TRANSFER FINISHED 100%", "verify=CONSISTENT", "godwit demo summary",
		"verification   CONSISTENT", "curl -u admin:" + sum.Password + " " + sum.APIURL + "/api/v1/projects/" + sum.ProjectID + "/steps",
		"Action=DescribeProjectSteps",
		"web console: open " + sum.APIURL + "/ in a browser (user admin, password " + sum.Password + ")",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Everything the demo started is gone.
	if _, err := os.Stat(sum.DataDir); !os.IsNotExist(err) {
		t.Errorf("data dir %s still there: %v", sum.DataDir, err)
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	if resp, err := hc.Get(sum.APIURL + "/api/v1/health"); err == nil {
		resp.Body.Close()
		t.Errorf("API still serving after Run returned")
	}
}

// testWriter sends the server log to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = testWriter{}
