package shape

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStepInfoByName(t *testing.T) {
	p := &model.Project{FullTransferConfig: model.FullTransferConfig{ThrottleRps: model.Int64(500)},
		ReverseIncrTransferConfig: model.IncrTransferConfig{EnableIncrSyncStatistics: true}}
	cases := []struct {
		step model.Step
		f    Flavor
		want string
	}{
		{model.Step{Name: model.StepPrecheck, Status: model.StepFinished}, OMS, `null`},
		{model.Step{Name: model.StepIndex}, OMS, `null`},
		{model.Step{Name: model.StepReverseIncr, Status: model.StepInit}, OMS, `null`},
		{model.Step{Name: model.StepReverseIncr, Status: model.StepMonitoring, Info: model.StepInfo{IncrTimestampCheckpoint: model.Int64(9)}}, OMS,
			`{"incrTimestampCheckpoint":9,"checkpointSampleTimestamp":null,"enableIncrStatistics":true}`},
		{model.Step{Name: model.StepAppSwitch}, OMS, `{"checkpointSampleTimestamp":null}`},
		{model.Step{Name: model.StepFull, Status: model.StepRunning, Info: model.StepInfo{ProcessedRecords: model.Int64(5)}}, OMS,
			`{"processedRecords":5,"capacity":null,"srcRps":null,"srcRt":null,"srcIops":null,"dstRps":null,"dstRt":null,"dstIops":null,"srcRpsRef":500,"srcRtRef":null,"dstRpsRef":500,"dstRtRef":null,"srcIopsRef":null}`},
		{model.Step{Name: model.StepFullVerify, Status: model.StepFinished, Info: model.StepInfo{VerifyResult: "CONSISTENT"}}, OMS,
			`{"processedRecords":null,"capacity":null,"srcRps":null,"srcRt":null,"srcIops":null,"dstRps":null,"dstRt":null,"dstIops":null,"srcRpsRef":500,"srcRtRef":null,"dstRpsRef":500,"dstRtRef":null,"srcIopsRef":null}`},
		{model.Step{Name: model.StepFullVerify, Status: model.StepFinished, Info: model.StepInfo{VerifyResult: "INCONSISTENT", Message: "3 rows differ"}}, Native,
			`{"processedRecords":null,"capacity":null,"srcRps":null,"srcRt":null,"srcIops":null,"dstRps":null,"dstRt":null,"dstIops":null,"srcRpsRef":500,"srcRtRef":null,"dstRpsRef":500,"dstRtRef":null,"srcIopsRef":null,"verifyResult":"INCONSISTENT","message":"3 rows differ"}`},
	}
	for _, c := range cases {
		got := RenderStep(&c.step, p, c.f)
		if s := js(t, got.StepInfo); s != c.want {
			t.Errorf("%s/%s:\n got  %s\n want %s", c.step.Name, c.step.Status, s, c.want)
		}
		if got.Status == "" || got.Description == "" {
			t.Errorf("%s: status %q description %q", c.step.Name, got.Status, got.Description)
		}
	}
}

func TestProjectRenderingNeverShowsPasswords(t *testing.T) {
	now := time.Date(2025, 1, 6, 2, 10, 0, 0, time.UTC)
	src := &model.DataSource{ID: "e_a", Name: "a", Type: model.TypeOBMySQL, Host: "h", Port: 2881, User: "u", Password: "pw-secret",
		Options: map[string]string{"tenant": "t1", "cluster": "c1", "logProxyIp": "10.0.0.1"}, GmtCreate: now}
	v := &service.ProjectView{Project: model.Project{ID: "np_1", GmtCreate: now, Status: model.StatusInit}, Source: src}
	out := js(t, RenderProject(v, OMS)) + js(t, RenderDataSource(src))
	if strings.Contains(out, "pw-secret") || strings.Contains(strings.ToLower(out), "password") {
		t.Fatalf("password rendered: %s", out)
	}
	p := RenderProject(v, OMS)
	if p.SinkConnectInfo != nil || p.SourceConnectInfo.DbEngine != "OB_MYSQL_PUBLIC" || p.SourceConnectInfo.ConnExtraAttributes["tenant"] != "t1" ||
		p.SourceConnectInfo.ConnExtraAttributes["useLogProxy"] != true || *p.GmtCreate != "2025-01-06T02:10:00" || p.GmtStart != nil {
		t.Errorf("project = %+v", p)
	}
	if !strings.Contains(js(t, p), `"transferMapping":{"mode":"","databases":[],"databasesBlack":[]`) {
		t.Errorf("transferMapping lists should render as []: %s", js(t, p.TransferMapping))
	}
}

func TestLegacyStepName(t *testing.T) {
	for _, s := range model.StepOrder {
		if l := LegacyStepName(s); l == string(s) || l == "" {
			t.Errorf("%s has no V3.3 name", s)
		}
	}
	if LegacyStepName("") != "" {
		t.Errorf("empty step should stay empty")
	}
}
