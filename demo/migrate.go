package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/godwit/godwit/client"
	"github.com/godwit/godwit/client/watch"
	"github.com/godwit/godwit/testenv"
)

// projectBody is the CreateProject body the demo sends: what a user would write in a file
// for `godwit project create -f`.
func projectBody(srcID, dstID string) map[string]any {
	return map[string]any{
		"name":                 "demo-shop",
		"type":                 "MIGRATION",
		"sourceEndpointId":     srcID,
		"sinkEndpointId":       dstID,
		"enableStructTransfer": true,
		"enableFullTransfer":   true,
		"enableFullVerify":     true,
		"enableIncrTransfer":   false,
		"transferMapping": map[string]any{
			"mode":      "SPECIFIC",
			"databases": []map[string]any{{"name": "shop", "mappedName": "shop", "tables": []any{}}},
		},
		"fullTransferConfig": map[string]any{"fullTransferSpeedMode": "FAST", "fullVerifySpeedMode": "FAST"},
	}
}

func dataSourceRequest(name string, m *testenv.MariaDB) client.CreateDataSourceRequest {
	ds := m.DataSource(name)
	return client.CreateDataSourceRequest{Name: name, Type: string(ds.Type), Host: ds.Host, Port: ds.Port,
		User: ds.User, Password: ds.Password, Description: "godwit demo"}
}

// migrate creates the data sources and the project through the API, starts it, shows its
// progress until it settles and returns the summary.
func (r *runner) migrate(ctx context.Context) (*Summary, error) {
	src, err := r.c.CreateDataSource(ctx, dataSourceRequest("demo-source", r.src))
	if err != nil {
		return nil, fmt.Errorf("demo: create source data source: %w", err)
	}
	dst, err := r.c.CreateDataSource(ctx, dataSourceRequest("demo-target", r.dst))
	if err != nil {
		return nil, fmt.Errorf("demo: create target data source: %w", err)
	}
	r.srcID, r.dstID = src.ID, dst.ID
	r.say("data sources %s (source, %s) and %s (target, %s)", src.ID, src.Version, dst.ID, dst.Version)
	p, err := r.c.CreateProject(ctx, projectBody(src.ID, dst.ID))
	if err != nil {
		return nil, fmt.Errorf("demo: create project: %w", err)
	}
	if p, err = r.c.StartProject(ctx, p.ID); err != nil {
		return nil, fmt.Errorf("demo: start project: %w", err)
	}
	r.say("migration project %s started: schema, full copy and verification of shop", p.ID)
	started := time.Now()
	res, err := watch.Watch(ctx, r.c, p.ID, watch.Options{
		Interval: r.o.Interval, Out: r.out, Plain: r.o.Plain || !watch.IsTerminal(r.out)})
	if err != nil {
		return nil, fmt.Errorf("demo: following project %s: %w", p.ID, err)
	}
	sum := summarize(res, time.Since(started))
	sum.APIURL, sum.User, sum.Password, sum.SeededRows, sum.DataDir = r.url, r.user, r.pw, r.seeded, r.dataDir
	if !sum.OK() {
		return sum, fmt.Errorf("%w: project %s is %s, verification %q%s", ErrNotOK, sum.ProjectID,
			sum.Status, sum.VerifyResult, prefixed("; ", sum.Failure))
	}
	return sum, nil
}

// summarize derives the summary from the final steps. Copy time comes from FULL_TRANSFER's
// start and finish times (1 s resolution on the wire), at least one second; wall is the time
// the demo measured from the start request until the project settled.
func summarize(res *watch.Result, wall time.Duration) *Summary {
	s := &Summary{ProjectID: res.Project.ID, Status: res.Project.Status, TotalTime: wall}
	for _, st := range res.Steps {
		switch st.Name {
		case "FULL_TRANSFER":
			if st.StepInfo != nil && st.StepInfo.ProcessedRecords != nil {
				s.RowsCopied = *st.StepInfo.ProcessedRecords
			}
			if !st.StartTime.IsZero() && !st.FinishTime.IsZero() {
				s.CopyTime = max(st.FinishTime.Sub(st.StartTime.Time), time.Second)
				s.RowsPerSecond = float64(s.RowsCopied) / s.CopyTime.Seconds()
			}
		case "FULL_VERIFIER":
			if st.StepInfo != nil {
				s.VerifyResult, s.VerifyMessage = st.StepInfo.VerifyResult, st.StepInfo.Message
			}
		}
	}
	if f := res.Failed(); f != nil {
		s.Failure = watch.FailureText(f)
	}
	return s
}

func (r *runner) printSummary(s *Summary) {
	w := r.out
	fmt.Fprintln(w)
	fmt.Fprintln(w, "================ godwit demo summary ================")
	fmt.Fprintf(w, "project        %s  %s\n", s.ProjectID, s.Status)
	fmt.Fprintf(w, "rows copied    %d (seeded %d)\n", s.RowsCopied, s.SeededRows)
	if s.CopyTime > 0 {
		fmt.Fprintf(w, "copy time      %s  (%.0f rows/s; step times have 1 s resolution)\n", s.CopyTime, s.RowsPerSecond)
	} else {
		fmt.Fprintln(w, "copy time      n/a (the copy did not finish)")
	}
	fmt.Fprintf(w, "total time     %s  (start request to end of the last step)\n", s.TotalTime.Round(100*time.Millisecond))
	verify := s.VerifyResult
	if verify == "" {
		verify = "(none)"
	}
	fmt.Fprintf(w, "verification   %s%s\n", verify, prefixed(" — ", s.VerifyMessage))
	if s.Failure != "" {
		fmt.Fprintf(w, "failure        %s\n", s.Failure)
	}
	if in := s.Incr; in != nil {
		same := "identical on both sides"
		if !in.Identical {
			same = "DIFFERENT on the target"
		}
		fmt.Fprintf(w, "incremental    project %s: %d source transactions, %d rows applied, max delay %s, caught up %s after the writer stopped; shop.orders %s\n",
			in.ProjectID, in.Transactions, in.RowsApplied, in.MaxDelay.Round(time.Millisecond), in.CatchUp.Round(time.Millisecond), same)
	}
	fmt.Fprintf(w, "\nAPI            %s/api/v1   user %s   password %s\n", s.APIURL, s.User, s.Password)
	fmt.Fprintf(w, "  curl -u %s:%s %s/api/v1/projects\n", s.User, s.Password, s.APIURL)
	fmt.Fprintf(w, "  curl -u %s:%s %s/api/v1/projects/%s/steps\n", s.User, s.Password, s.APIURL, s.ProjectID)
	fmt.Fprintf(w, "  curl -u %s:%s -H 'Content-Type: application/json' -d '{\"id\":\"%s\"}' '%s/api/v2?Action=DescribeProjectSteps'\n",
		s.User, s.Password, s.ProjectID, s.APIURL)
	fmt.Fprintf(w, "  GODWIT_SERVER=%s GODWIT_USER=%s GODWIT_PASSWORD=%s godwit project steps %s\n",
		s.APIURL, s.User, s.Password, s.ProjectID)
	fmt.Fprintln(w, "=====================================================")
}

func prefixed(sep, s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return sep + s
}

// randomPassword is a fresh 24-character admin password for this run.
func randomPassword() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
