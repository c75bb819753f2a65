package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godwit/godwit/api"
	"github.com/godwit/godwit/model"
)

const (
	adminUser, adminPass = "admin", "s3cret-admin-pw"
	roUser, roPass       = "viewer", "s3cret-viewer-pw"
	adminToken           = "tok-admin-0123456789"
	roToken              = "tok-ro-0123456789"
)

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
func (s *syncBuffer) Len() int       { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Len() }

// Since returns what was written after the first n bytes.
func (s *syncBuffer) Since(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b.Bytes()[n:])
}

type env struct {
	t    *testing.T
	svc  *fakeService
	h    http.Handler
	logs *syncBuffer
}

func newEnv(t testing.TB, maxBody int64) *env {
	logs := &syncBuffer{}
	svc := newFake()
	h := api.New(svc, api.Config{
		Users: []api.User{
			{Name: adminUser, Password: adminPass, Role: "admin"},
			{Name: roUser, Password: roPass, Role: "readonly"},
		},
		Tokens:       []api.Token{{Token: adminToken, Role: "admin"}, {Token: roToken, Role: "readonly"}},
		MaxBodyBytes: maxBody,
		Version:      "test-1.2.3",
	}, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	tt, _ := t.(*testing.T)
	return &env{t: tt, svc: svc, h: h, logs: logs}
}

type authFn func(*http.Request)

func basic(u, p string) authFn { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
func bearer(tok string) authFn {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}
func noAuth() authFn            { return func(*http.Request) {} }
func asAdmin() authFn           { return basic(adminUser, adminPass) }
func asReadonly() authFn        { return basic(roUser, roPass) }
func header(k, v string) authFn { return func(r *http.Request) { r.Header.Set(k, v) } }

// resp is a decoded response.
type resp struct {
	code int
	hdr  http.Header
	raw  string
	body map[string]any
}

func (e *env) do(method, path string, body io.Reader, auth authFn) resp {
	e.t.Helper()
	return doReq(e.t, e.h, method, path, body, auth)
}

func doReq(t testing.TB, h http.Handler, method, path string, body io.Reader, auth authFn) resp {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	auth(req)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	r := resp{code: w.Code, hdr: w.Header(), raw: w.Body.String()}
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") && w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &r.body); err != nil {
			t.Fatalf("%s %s: response is not a JSON object: %v\n%s", method, path, err, r.raw)
		}
	}
	return r
}

// oms calls POST /api/v2?Action=action as admin with body.
func (e *env) oms(action, body string) resp {
	e.t.Helper()
	return e.do("POST", "/api/v2?Action="+action, strings.NewReader(body), asAdmin())
}

var (
	uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	costRe = regexp.MustCompile(`^\d+ ms$`)
)

var envelopeKeys = []string{"success", "errorDetail", "code", "message", "advice", "requestId", "pageNumber", "pageSize", "totalCount", "cost", "data"}

var errorDetailKeys = []string{"code", "level", "message", "extraContext", "messageMcmsKey", "messageMcmsContext",
	"reason", "reasonMcmsKey", "reasonMcmsContext", "proposal", "proposalMcmsKey", "proposalMcmsContext",
	"upstreamErrorDetail", "requestId"}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sameKeys(t *testing.T, what string, m map[string]any, want []string) {
	t.Helper()
	w := slices.Clone(want)
	sort.Strings(w)
	if got := keys(m); !slices.Equal(got, w) {
		t.Errorf("%s keys:\n got  %v\n want %v", what, got, w)
	}
}

// okEnvelope checks a success envelope field by field and returns data.
func okEnvelope(t *testing.T, r resp, paged bool) any {
	t.Helper()
	if r.code != 200 {
		t.Fatalf("HTTP %d, want 200: %s", r.code, r.raw)
	}
	m := r.body
	sameKeys(t, "envelope", m, envelopeKeys)
	if m["success"] != true {
		t.Fatalf("success = %v, want true: %s", m["success"], r.raw)
	}
	for _, k := range []string{"errorDetail", "code", "message", "advice"} {
		if m[k] != nil {
			t.Errorf("%s = %v, want null", k, m[k])
		}
	}
	checkCommon(t, r)
	for _, k := range []string{"pageNumber", "pageSize", "totalCount"} {
		_, isNum := m[k].(float64)
		if paged && !isNum {
			t.Errorf("%s = %#v, want a number", k, m[k])
		}
		if !paged && m[k] != nil {
			t.Errorf("%s = %#v, want null", k, m[k])
		}
	}
	return m["data"]
}

func checkCommon(t *testing.T, r resp) {
	t.Helper()
	rid, _ := r.body["requestId"].(string)
	if !uuidRe.MatchString(rid) {
		t.Errorf("requestId = %#v, want a UUID", r.body["requestId"])
	}
	if h := r.hdr.Get("X-Request-Id"); h != rid {
		t.Errorf("X-Request-Id %q != requestId %q", h, rid)
	}
	if c, _ := r.body["cost"].(string); !costRe.MatchString(c) {
		t.Errorf("cost = %#v, want \"<n> ms\"", r.body["cost"])
	}
}

// errEnvelope checks a failure envelope field by field (HTTP status status) and returns it.
func errEnvelope(t *testing.T, r resp, status int, code string) map[string]any {
	t.Helper()
	if r.code != status {
		t.Fatalf("HTTP %d, want %d: %s", r.code, status, r.raw)
	}
	m := r.body
	sameKeys(t, "envelope", m, envelopeKeys)
	if m["success"] != false {
		t.Fatalf("success = %v, want false", m["success"])
	}
	if m["code"] != code {
		t.Fatalf("code = %v, want %s (message %v)", m["code"], code, m["message"])
	}
	msg, _ := m["message"].(string)
	if !strings.HasPrefix(msg, "["+code+"]: ") && !strings.HasPrefix(msg, "Connectivity test failed") {
		t.Errorf("message %q does not start with [%s]: ", msg, code)
	}
	if _, ok := m["advice"].(string); !ok {
		t.Errorf("advice = %#v, want a string", m["advice"])
	}
	if m["data"] != nil || m["pageNumber"] != nil || m["pageSize"] != nil || m["totalCount"] != nil {
		t.Errorf("data/page fields not null on failure: %s", r.raw)
	}
	checkCommon(t, r)
	d, ok := m["errorDetail"].(map[string]any)
	if !ok {
		t.Fatalf("errorDetail = %#v, want an object", m["errorDetail"])
	}
	sameKeys(t, "errorDetail", d, errorDetailKeys)
	if d["code"] != code || d["level"] != "ERROR" || d["requestId"] != m["requestId"] {
		t.Errorf("errorDetail code/level/requestId = %v/%v/%v", d["code"], d["level"], d["requestId"])
	}
	if dm, _ := d["message"].(string); dm == "" || strings.HasPrefix(dm, "[") {
		t.Errorf("errorDetail.message = %q, want the bare text", dm)
	}
	if _, ok := d["extraContext"].(map[string]any); !ok {
		t.Errorf("errorDetail.extraContext = %#v, want an object", d["extraContext"])
	}
	return m
}

// sameShape compares got against want recursively: equal key sets, equal JSON types, arrays
// element by element. nullable(path) allows got to be null where want is not.
func sameShape(t *testing.T, path string, want, got any, nullable func(string) bool) {
	t.Helper()
	if got == nil && want != nil && nullable(path) {
		return
	}
	if fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
		t.Errorf("%s: type %T (%v), want %T (%v)", path, got, got, want, want)
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		if !slices.Equal(keys(g), keys(w)) {
			t.Errorf("%s keys:\n got  %v\n want %v", path, keys(g), keys(w))
		}
		for k, wv := range w {
			if gv, ok := g[k]; ok {
				sameShape(t, path+"."+k, wv, gv, nullable)
			}
		}
	case []any:
		g := got.([]any)
		if len(g) != len(w) {
			t.Errorf("%s: %d elements, want %d", path, len(g), len(w))
			return
		}
		for i := range w {
			sameShape(t, fmt.Sprintf("%s[%d]", path, i), w[i], g[i], nullable)
		}
	}
}

func mustJSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ptime(s string) *time.Time {
	t, err := time.Parse(model.TimeLayout, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func str(v any) string { s, _ := v.(string); return s }
