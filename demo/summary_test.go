package demo

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/client"
	"github.com/godwit/godwit/client/watch"
)

func at(s string) client.Time {
	t, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		panic(err)
	}
	return client.Time{Time: t}
}

func i64(v int64) *int64 { return &v }

func TestSummarize(t *testing.T) {
	res := &watch.Result{
		Project: &client.Project{ID: "np_1", Status: "FINISHED", GmtStart: at("2024-01-01T00:00:00"), GmtFinish: at("2024-01-01T00:00:30")},
		Steps: []client.Step{
			{Name: "FULL_TRANSFER", Status: "FINISHED", StartTime: at("2024-01-01T00:00:05"), FinishTime: at("2024-01-01T00:00:25"),
				StepInfo: &client.StepInfo{ProcessedRecords: i64(200000), Capacity: i64(200000)}},
			{Name: "FULL_VERIFIER", Status: "FINISHED", StepInfo: &client.StepInfo{VerifyResult: "CONSISTENT", Message: "0 differences"}},
		},
	}
	s := summarize(res, time.Minute)
	if s.RowsCopied != 200000 || s.CopyTime != 20*time.Second || s.RowsPerSecond != 10000 || s.TotalTime != time.Minute {
		t.Fatalf("summary = %+v", s)
	}
	if !s.OK() || s.VerifyMessage != "0 differences" || s.Failure != "" {
		t.Fatalf("summary = %+v", s)
	}
	// A copy faster than the wire's 1 s resolution counts as one second.
	res.Steps[0].FinishTime = res.Steps[0].StartTime
	if s := summarize(res, time.Minute); s.CopyTime != time.Second || s.RowsPerSecond != 200000 {
		t.Fatalf("sub-second copy: %+v", s)
	}
	res.Project.Status = "FAILED"
	res.Steps[1] = client.Step{Name: "FULL_VERIFIER", Status: "FAILED", ExtraInfo: client.StepExtraInfo{ErrorCode: "GODWIT-VERIFY-0001", ErrorMsg: "3 rows differ"},
		StepInfo: &client.StepInfo{VerifyResult: "INCONSISTENT"}}
	s = summarize(res, time.Minute)
	if s.OK() || s.Failure != "step FULL_VERIFIER failed: GODWIT-VERIFY-0001: 3 rows differ" {
		t.Fatalf("failed summary = %+v", s)
	}
	var out bytes.Buffer
	s.APIURL, s.User, s.Password = "http://127.0.0.1:1", "admin", "pw"
	(&runner{out: &out}).printSummary(s)
	for _, want := range []string{"np_1  FAILED", "rows copied    200000", "INCONSISTENT", "failure        step FULL_VERIFIER failed",
		"curl -u admin:pw http://127.0.0.1:1/api/v1/projects/np_1/steps"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}
