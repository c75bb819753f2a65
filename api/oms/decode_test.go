package oms

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/godwit/godwit/api/shape"
	"github.com/godwit/godwit/errs"
)

func TestNormalise(t *testing.T) {
	in := map[string]any{"PageSize": 1, "ID": "x", "ThrottleIOPS": 2, "userName": "a", "UserName": "b",
		"Master": map[string]any{"IP": "h", "Tables": []any{map[string]any{"WhereClause": "a=1"}}}}
	got, _ := json.Marshal(Normalise(in))
	want := `{"id":"x","master":{"ip":"h","tables":[{"whereClause":"a=1"}]},"pageSize":1,"throttleIOPS":2,"userName":"a"}`
	if string(got) != want {
		t.Errorf("Normalise:\n got  %s\n want %s", got, want)
	}
}

func TestDecodeLenient(t *testing.T) {
	var r listProjectsRequest
	if e := Decode([]byte(`{"PageNumber":"2","pageSize":" 20 ","Status":"RUNNING, FAILED","labelIds":"l_1","NeedRelatedInfo":"false","Order":"asc"}`), &r); e != nil {
		t.Fatal(e)
	}
	if *r.PageNumber != 2 || *r.PageSize != 20 || strings.Join(r.Status, "|") != "RUNNING|FAILED" ||
		strings.Join(r.LabelIDs, "|") != "l_1" || r.NeedRelatedInfo == nil || *r.NeedRelatedInfo || r.Order != "asc" {
		t.Errorf("decoded %+v", r)
	}
	var p shape.ProjectRequest
	if e := Decode([]byte(`{"NAME":"n","FullTransferConfig":{"ThrottleRps":"10","WriteWorkerNum":4},"EnableFullTransfer":1}`), &p); e != nil {
		t.Fatal(e)
	}
	if p.Name != "n" || *p.FullTransferConfig.ThrottleRps != 10 || p.FullTransferConfig.WriteWorkerNum != 4 || !p.EnableFullTransfer {
		t.Errorf("decoded %+v", p)
	}
	var m mysqlDataSource
	if e := Decode([]byte(`{"name":42,"port":3306}`), &m); e != nil || m.Name != "42" {
		t.Errorf("number into string: %v %+v", e, m)
	}
}

func TestDecodeErrors(t *testing.T) {
	for body, inMsg := range map[string]string{
		`{"pageSize":"ten"}`:             "pageSize must be an integer",
		`{"pageSize":1.5}`:               "pageSize must be an integer",
		`{"status":{"a":1}}`:             "status must be an array of strings",
		`{"transferMapping":[]}`:         "must be an object",
		`{"name":`:                       "malformed JSON",
		`[1]`:                            "must be a JSON object, got an array",
		`"x"`:                            "got a string",
		`{} {}`:                          "unexpected data",
		`{"enableFullTransfer":"maybe"}`: "enableFullTransfer must be a boolean",
	} {
		var dst any = &listProjectsRequest{}
		if strings.Contains(body, "transferMapping") || strings.Contains(body, "enableFullTransfer") {
			dst = &shape.ProjectRequest{}
		}
		e := Decode([]byte(body), dst)
		if e == nil || e.Kind != errs.KindInvalid || e.Code != errs.CodeParam || !strings.Contains(e.Message, inMsg) {
			t.Errorf("%s: got %v, want PARAM_ERROR mentioning %q", body, e, inMsg)
		}
	}
	if e := Decode(nil, &idRequest{}); e != nil {
		t.Errorf("empty body: %v", e)
	}
}

func TestDecodePassword(t *testing.T) {
	for in, want := range map[string]string{"cGFzcw==": "pass", "cGFzcw": "pass", "": ""} {
		if got, e := DecodePassword("password", in); e != nil || got != want {
			t.Errorf("%q: %q %v", in, got, e)
		}
	}
	if _, e := DecodePassword("password", "not base64!"); e == nil || !strings.Contains(e.Message, "Base64") || strings.Contains(e.Message, "not base64!") {
		t.Errorf("invalid base64: %v", e)
	}
}

// FuzzDecode checks that decoding any body into the OMS request types never panics and
// fails only with PARAM_ERROR.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"Name":"a","Port":"1"}`, `{"status":"A,B"}`, `{"transferMapping":{"databases":[{"tables":"t"}]}}`, `[`, `{"a":1e999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{&shape.ProjectRequest{}, &listProjectsRequest{}, &listDataSourceRequest{}, &masterSlaveRequest{}, &idRequest{}}
		for _, dst := range targets {
			if e := Decode(body, dst); e != nil && (e.Code != errs.CodeParam || e.Kind != errs.KindInvalid) {
				t.Fatalf("%q: %v", body, e)
			}
		}
	})
}
