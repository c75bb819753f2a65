package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// storeSnapshot is what a mutating OMS action would change in the fake service.
type storeSnapshot struct {
	projects    map[string]string // id → status
	dataSources []string
	dsRequests  int
}

func (e *env) snapshot() storeSnapshot {
	e.svc.mu.Lock()
	defer e.svc.mu.Unlock()
	s := storeSnapshot{projects: map[string]string{}, dsRequests: len(e.svc.lastDSReq)}
	for id, p := range e.svc.projects {
		s.projects[id] = string(p.Status)
	}
	s.dataSources = slices.Sorted(maps.Keys(e.svc.ds))
	return s
}

func (s storeSnapshot) equal(o storeSnapshot) bool {
	return maps.Equal(s.projects, o.projects) && slices.Equal(s.dataSources, o.dataSources) && s.dsRequests == o.dsRequests
}

// doLogged is do that also returns the request's access log line.
func (e *env) doLogged(t *testing.T, method, path, body string, auth authFn) (resp, map[string]any) {
	t.Helper()
	from := e.logs.Len()
	r := e.do(method, path, strings.NewReader(body), auth)
	return r, accessLogLine(t, e.logs.Since(from), r.hdr.Get("X-Request-Id"))
}

// accessLog returns the "http request" log line of the request with the given id.
func (e *env) accessLog(t *testing.T, rid string) map[string]any {
	t.Helper()
	return accessLogLine(t, e.logs.String(), rid)
}

func accessLogLine(t *testing.T, logs, rid string) map[string]any {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "http request" && m["request_id"] == rid {
			return m
		}
	}
	t.Fatalf("no access log line for request %s", rid)
	return nil
}

// TestOMSActionNamedTwiceIsRefused sends every combination of two Action parameters (any
// spelling of the key, read and mutating values, equal or not, empty) as readonly and as
// admin, many times each so that any dependence on map order shows: every call must be a
// PARAM_ERROR, nothing may change in the store, and the access log must not name an action
// (none was dispatched).
func TestOMSActionNamedTwiceIsRefused(t *testing.T) {
	e := newEnv(t, 0)
	id := createProject(t, e)
	body := fmt.Sprintf(`{"id":%q,"name":"evil_ds","ip":"10.0.0.66","port":3306,"userName":"u","password":%q}`, id, b64("pw"))
	spellings := []string{"Action", "action", "ACTION", "aCtIoN"}
	values := []string{"ListProjects", "DescribeProject", "DeleteProject", "deleteproject", "StartProject",
		"CreateMySQLDataSource", "NoSuchAction", ""}
	before := e.snapshot()
	const rounds = 8
	calls, failures := 0, 0
	for _, who := range []struct {
		name string
		auth authFn
	}{{"readonly", asReadonly()}, {"admin", asAdmin()}} {
		for _, k1 := range spellings {
			for _, k2 := range spellings {
				for _, v1 := range values {
					for _, v2 := range values {
						q := url.QueryEscape(k1) + "=" + url.QueryEscape(v1) + "&" + url.QueryEscape(k2) + "=" + url.QueryEscape(v2)
						for range rounds {
							r, line := e.doLogged(t, "POST", "/api/v2?"+q, body, who.auth)
							calls++
							if r.code != 200 || r.body["success"] != false || r.body["code"] != "PARAM_ERROR" {
								failures++
								if failures <= 5 {
									t.Errorf("%s %s: HTTP %d code %v message %v, want a PARAM_ERROR", who.name, q, r.code, r.body["code"], r.body["message"])
								}
							} else if a, has := line["action"]; has {
								t.Errorf("%s %s: access log names action %v though none was dispatched", who.name, q, a)
							}
						}
						if after := e.snapshot(); !after.equal(before) {
							t.Fatalf("%s %s changed the store (%d calls not refused so far):\n before %+v\n after  %+v", who.name, q, failures, before, after)
						}
					}
				}
			}
		}
	}
	if failures > 0 {
		t.Fatalf("%d of %d calls were not refused", failures, calls)
	}
	// Three spellings at once, and the same spelling three times.
	for _, q := range []string{"Action=ListProjects&action=ListProjects&ACTION=DeleteProject",
		"Action=ListProjects&Action=ListProjects&Action=DeleteProject"} {
		for range rounds {
			errEnvelope(t, e.do("POST", "/api/v2?"+q, strings.NewReader(body), asReadonly()), 200, "PARAM_ERROR")
		}
	}
	if after := e.snapshot(); !after.equal(before) {
		t.Fatalf("the store changed:\n before %+v\n after  %+v", before, after)
	}
}

// TestOMSActionResolvedOnce: one Action parameter in any spelling of key and value is
// authorised, dispatched and logged as the same canonical action.
func TestOMSActionResolvedOnce(t *testing.T) {
	e := newEnv(t, 0)
	id := createProject(t, e)
	before := e.snapshot()
	// readonly: a mutating action in odd spellings is refused and logged by its canonical name.
	for _, q := range []string{"ACTION=createmysqldatasource", "aCtIoN=DELETEPROJECT", "action=%20DeleteProject%20"} {
		r := e.do("POST", "/api/v2?"+q, strings.NewReader(`{"id":"`+id+`","name":"x","ip":"h","port":1,"userName":"u"}`), asReadonly())
		m := errEnvelope(t, r, 403, "GHANA-AUTH000002")
		if msg := str(m["message"]); !strings.Contains(msg, "Action CreateMySQLDataSource") && !strings.Contains(msg, "Action DeleteProject") {
			t.Errorf("%s: message %q does not name the canonical action", q, msg)
		}
		line := e.accessLog(t, r.hdr.Get("X-Request-Id"))
		if a := str(line["action"]); a != "CreateMySQLDataSource" && a != "DeleteProject" {
			t.Errorf("%s: access log action = %q", q, a)
		}
	}
	if after := e.snapshot(); !after.equal(before) {
		t.Fatalf("readonly changed the store:\n before %+v\n after  %+v", before, after)
	}
	// readonly may read in any spelling; the log names the canonical action.
	r := e.do("POST", "/api/v2?ACTION=describeproject", strings.NewReader(`{"id":"`+id+`"}`), asReadonly())
	okEnvelope(t, r, false)
	if a := str(e.accessLog(t, r.hdr.Get("X-Request-Id"))["action"]); a != "DescribeProject" {
		t.Errorf("access log action = %q, want DescribeProject", a)
	}
	// admin: the action dispatched is the one authorised and logged.
	r = e.do("POST", "/api/v2?aCtIoN=deleteproject", strings.NewReader(`{"id":"`+id+`"}`), asAdmin())
	okEnvelope(t, r, false)
	if a := str(e.accessLog(t, r.hdr.Get("X-Request-Id"))["action"]); a != "DeleteProject" {
		t.Errorf("access log action = %q, want DeleteProject", a)
	}
	if _, still := e.snapshot().projects[id]; still {
		t.Errorf("DeleteProject did not delete project %s", id)
	}
	// An unknown action is logged as given (quoted by the log handler), and dispatches nothing.
	r = e.do("POST", "/api/v2?Action=NoSuchThing", nil, asAdmin())
	errEnvelope(t, r, 200, "PARAM_ERROR")
}
