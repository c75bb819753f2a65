package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// fuzzActions are the actions FuzzOMSRequest calls (index = first fuzz argument mod len).
var fuzzActions = []string{"CreateMySQLDataSource", "CreateMySQLMasterSlaveDataSource", "ListDataSource", "DeleteDataSource",
	"CreateProject", "ListProjects", "DescribeProject", "DescribeProjectSteps", "DescribeProjectProgress",
	"StartProject", "StopProject", "ResumeProject", "ReleaseProject", "DeleteProject", "ListConflictData", "NoSuchAction"}

// FuzzOMSRequest sends arbitrary bodies to every OMS action: the server must never panic
// (a recovered panic would be a 500), never answer 5xx, and always answer the full envelope.
func FuzzOMSRequest(f *testing.F) {
	f.Add(uint8(4), []byte(`{"name":"p","sourceEndpointId":"e_1","sinkEndpointId":"e_2","transferMapping":{"databases":[{"name":"d"}]}}`))
	f.Add(uint8(0), []byte(`{"Name":"a","Ip":"h","Port":"3306","UserName":"u","Password":"cA=="}`))
	f.Add(uint8(5), []byte(`{"status":"RUNNING","pageSize":"150","order":"asc"}`))
	f.Add(uint8(1), []byte(`{"master":{"name":"m","ip":"h","port":1,"username":"u"},"slave":{"NAME":"m"}}`))
	f.Add(uint8(6), []byte(`{"id":["np_1"]}`))
	e := newEnv(f, 0)
	f.Fuzz(func(t *testing.T, idx uint8, body []byte) {
		action := fuzzActions[int(idx)%len(fuzzActions)]
		req := httptest.NewRequest("POST", "/api/v2?Action="+action, bytes.NewReader(body))
		req.SetBasicAuth(adminUser, adminPass)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q: HTTP %d %s", action, body, w.Code, w.Body)
		}
		var m map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s %q: not JSON: %v", action, body, err)
		}
		if len(m) != len(envelopeKeys) {
			t.Fatalf("%s %q: envelope keys %v", action, body, keys(m))
		}
		if _, ok := m["success"].(bool); !ok {
			t.Fatalf("%s %q: success = %#v", action, body, m["success"])
		}
	})
}

// FuzzNativeJSON sends arbitrary bodies to the native routes that decode JSON.
func FuzzNativeJSON(f *testing.F) {
	f.Add(uint8(0), []byte(`{"name":"s","type":"MYSQL","host":"h","port":3306,"user":"u","password":"p","options":{"a":"b"}}`))
	f.Add(uint8(1), []byte(`{"name":"p","sourceEndpointId":"e_1","sinkEndpointId":"e_2","fullTransferConfig":{"throttleRps":10}}`))
	f.Add(uint8(1), []byte(`{"labelIds":["a","b","c","d","e","f"]}`))
	e := newEnv(f, 0)
	paths := []string{"/api/v1/datasources", "/api/v1/projects"}
	f.Fuzz(func(t *testing.T, idx uint8, body []byte) {
		path := paths[int(idx)%len(paths)]
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.SetBasicAuth(adminUser, adminPass)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q: HTTP %d %s", path, body, w.Code, w.Body)
		}
		if w.Code != http.StatusCreated {
			var p struct {
				Error struct{ Code string } `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Error.Code == "" {
				t.Fatalf("%s %q: HTTP %d without a problem body: %s", path, body, w.Code, w.Body)
			}
		}
	})
}

// FuzzOMSQueryReadonly sends arbitrary query strings with a body naming a real project as
// the readonly user: nothing may change in the store, whatever the spelling, repetition or
// encoding of Action, and every answer is the OMS envelope without a 5xx.
func FuzzOMSQueryReadonly(f *testing.F) {
	for _, q := range []string{"Action=ListProjects", "Action=ListProjects&action=DeleteProject", "ACTION=StartProject&Action=DescribeProject",
		"Action=Delete%50roject", "Action=ListProjects;action=DeleteProject", "action=%20deleteproject", "Action=Relea%C5%BFeProject", "a=1&Action="} {
		f.Add(q)
	}
	e := newEnv(f, 0)
	admin := func(action, body string) string {
		r := doReq(f, e.h, "POST", "/api/v2?Action="+action, strings.NewReader(body), asAdmin())
		id, ok := r.body["data"].(string)
		if !ok {
			f.Fatalf("%s: %s", action, r.raw)
		}
		return id
	}
	src := admin("CreateMySQLDataSource", `{"name":"fz1","ip":"10.0.0.5","port":3306,"userName":"u","password":"cA=="}`)
	dst := admin("CreateMySQLDataSource", `{"name":"fz2","ip":"10.0.0.6","port":3306,"userName":"u","password":"cA=="}`)
	id := admin("CreateProject", `{"name":"fz","sourceEndpointId":"`+src+`","sinkEndpointId":"`+dst+
		`","transferMapping":{"databases":[{"name":"d"}]},"enableFullTransfer":true}`)
	body := `{"id":"` + id + `","name":"fz3","ip":"10.0.0.7","port":3306,"userName":"u","password":"cA=="}`
	before := e.snapshot()
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := url.ParseRequestURI("/api/v2?" + q); err != nil || strings.ContainsAny(q, " #") || len(q) > 2000 {
			return // not a request target a client can send
		}
		for range 16 { // the old bug depended on map order: repeat to see it
			req := httptest.NewRequest("POST", "/api/v2?"+q, strings.NewReader(body))
			req.SetBasicAuth(roUser, roPass)
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, req)
			if w.Code >= 500 {
				t.Fatalf("%q: HTTP %d %s", q, w.Code, w.Body)
			}
			var m map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || len(m) != len(envelopeKeys) {
				t.Fatalf("%q: not the envelope: %s", q, w.Body)
			}
		}
		if after := e.snapshot(); !after.equal(before) {
			t.Fatalf("readonly query %q changed the store:\n before %+v\n after  %+v", q, before, after)
		}
	})
}
