// Package api assembles godwit's HTTP surface: the native REST API (/api/v1, package native),
// the OMS v2 actions (/api/v2) and the OMS V3.3 progress endpoint (/api/omsp/…, package oms)
// and the DRS v5 jobs (/v5/{project_id}/jobs…, package drs), all on one mux over the one
// service.API.
//
// Every request gets, in this order: a request ID (X-Request-Id header, crypto/rand UUID),
// panic recovery, a path check (an encoded slash is refused: the router and this handler
// would split the path differently), a body size limit (413 before anything reads the
// body), authentication
// (HTTP Basic everywhere; Bearer tokens on the native API; on DRS paths also the SDK's AK/SK
// signature and X-Auth-Token tokens; /api/v1/health and /api/v1/openapi.yaml are public),
// authorisation (readonly may only read; on OMS paths judged on the Action resolved once by
// oms.Resolve and handed to the handler in the context, so that what is authorised is what
// runs and what is logged), and one access-log line (method, path, OMS action, status,
// duration — never bodies or credentials). Errors raised here are written
// in the shape of the adapter the path belongs to.
package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/godwit/godwit/api/drs"
	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/api/native"
	"github.com/godwit/godwit/api/oms"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/service"
)

// DefaultMaxBodyBytes is the request body limit when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Config configures the HTTP API.
type Config struct {
	Users        []User
	Tokens       []Token
	AccessKeys   []AccessKey      // DRS AK/SK pairs (SDK-HMAC-SHA256 signatures)
	Now          func() time.Time // clock for signature dates; default time.Now
	MaxBodyBytes int64            // 0 = DefaultMaxBodyBytes
	Version      string           // reported by /api/v1/health
	Metrics      http.Handler     // optional Prometheus handler at GET /metrics (authenticated)
	// Observe, when set, is called once per request after it was answered (request metrics).
	// It must be cheap and safe for concurrent use.
	Observe func(Observation)
	// Console, when set, serves the web console: GET / and GET /console/… (authenticated
	// like the native API; a browser gets the Basic prompt). It is rendered from the native
	// API, so a readonly caller can look but not act (api.go refuses its writes anyway).
	Console http.Handler
}

// Observation describes one answered request. Route is the matched route pattern ("GET
// /api/v1/projects/{id}"), "POST /api/v2 Action=<name>" for a known OMS action, "console"
// for the web console and "other" for anything unrouted — a bounded set, fit for a metric
// label. ErrorCode is the stable code of the error the request answered with ("" = none).
type Observation struct {
	Route     string
	Status    int
	ErrorCode string
	Duration  time.Duration
}

// New returns the HTTP handler of every API shape. With no users and no tokens configured
// every authenticated route answers 401.
func New(svc service.API, cfg Config, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	mux := http.NewServeMux()
	native.New(svc, native.Options{Version: cfg.Version, Metrics: cfg.Metrics, Log: log}).Register(mux)
	omsH := oms.New(svc, log)
	omsH.Register(mux)
	drs.New(svc, log).Register(mux)
	if cfg.Console != nil {
		mux.Handle("GET /{$}", cfg.Console)
		mux.Handle("GET /console/", cfg.Console)
	}
	mux.HandleFunc("/", native.NotFound)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &server{mux: mux, oms: omsH, auth: newAuthenticator(cfg, log), limit: cfg.MaxBodyBytes, log: log, observe: cfg.Observe}
}

type server struct {
	observe func(Observation)
	mux     *http.ServeMux
	oms     *oms.Handler
	auth    *authenticator
	limit   int64
	log     *slog.Logger
}

// shapeKind is the wire shape a path belongs to.
type shapeKind int

const (
	shapeNative shapeKind = iota
	shapeOMS
	shapeV33
	shapeDRS
)

func shapeOf(path string) shapeKind {
	switch {
	case path == "/api/v2" || strings.HasPrefix(path, "/api/v2/"):
		return shapeOMS
	case strings.HasPrefix(path, "/api/omsp/"):
		return shapeV33
	case strings.HasPrefix(path, "/v5/") || strings.HasPrefix(path, "/v5.1/") || strings.HasPrefix(path, "/v3/"):
		return shapeDRS
	}
	return shapeNative
}

func writeError(k shapeKind, w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
	switch k {
	case shapeOMS:
		oms.WriteError(w, r, status, e)
	case shapeV33:
		oms.WriteV33Error(w, r, status, e)
	case shapeDRS:
		drs.WriteError(w, r, status, e)
	default:
		native.WriteError(w, r, status, e)
	}
}

func public(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	return r.URL.Path == "/api/v1/health" || r.URL.Path == "/api/v1/openapi.yaml"
}

// mutating reports whether a non-OMS request may change state: anything but GET, HEAD and
// OPTIONS. The router dispatches on the same r.Method (GET patterns also serve HEAD; no
// method override header is honoured), so what is authorised is what runs.
func mutating(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rid := httpx.NewRequestID()
	ctx, note := httpx.WithErrorNote(httpx.WithRequest(r.Context(), rid, start))
	r = r.WithContext(ctx)
	w.Header().Set("X-Request-Id", rid)
	rec := &recorder{ResponseWriter: w}
	kind := shapeOf(r.URL.Path)
	var user string
	var call oms.Call // the OMS action, resolved once (after authentication)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic while serving a request", "request_id", rid, "method", r.Method,
				"path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !rec.wrote {
				writeError(kind, rec, r, http.StatusInternalServerError, errs.New(errs.KindInternal, errs.CodeInternal,
					"internal error", "This is a godwit bug; the log has the details for request "+rid+"."))
			}
		}
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", rec.statusCode(),
			"duration_ms", time.Since(start).Milliseconds(), "bytes", rec.bytes, "request_id", rid}
		switch {
		case call.Known:
			attrs = append(attrs, "action", call.Name)
		case call.Name != "":
			attrs = append(attrs, "unknown_action", truncate(call.Name, 64))
		}
		if user != "" {
			attrs = append(attrs, "user", user)
		}
		s.log.Info("http request", attrs...)
		if s.observe != nil {
			s.observe(Observation{Route: routeOf(r, call), Status: rec.statusCode(), ErrorCode: note.Code, Duration: time.Since(start)})
		}
	}()

	if e := httpx.CheckPath(r); e != nil {
		writeError(kind, rec, r, http.StatusBadRequest, e)
		return
	}
	if r.ContentLength > s.limit {
		writeError(kind, rec, r, http.StatusRequestEntityTooLarge, httpx.TooLarge(s.limit))
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(rec, r.Body, s.limit)
	}
	if !public(r) {
		var p httpx.Principal
		var e *errs.Error
		if kind == shapeDRS {
			p, e = s.auth.authenticateDRS(r)
		} else {
			p, e = s.auth.authenticate(r, kind == shapeNative)
		}
		if e != nil {
			status := http.StatusUnauthorized
			if e.Kind == errs.KindTooLarge {
				status = http.StatusRequestEntityTooLarge
			} else {
				w.Header().Add("WWW-Authenticate", `Basic realm="godwit"`)
				if kind == shapeNative {
					w.Header().Add("WWW-Authenticate", `Bearer realm="godwit"`)
				}
			}
			writeError(kind, rec, r, status, e)
			return
		}
		user = p.Name
		what, mut := r.Method+" "+r.URL.Path, mutating(r)
		if kind == shapeOMS {
			c, e := s.oms.Resolve(r)
			if e != nil {
				writeError(kind, rec, r, http.StatusOK, e) // OMS: business errors are HTTP 200
				return
			}
			call = c
			what, mut = "Action "+c.Name, c.Mutating
			r = r.WithContext(oms.WithCall(r.Context(), c))
		}
		if p.Role != RoleAdmin && mut {
			writeError(kind, rec, r, http.StatusForbidden, forbidden(what))
			return
		}
		r = r.WithContext(httpx.WithPrincipal(r.Context(), p))
	}
	s.mux.ServeHTTP(rec, r)
}

// routeOf names the route r was served by (see Observation.Route). The mux records the
// matched pattern on the request it was handed, which is r by then.
func routeOf(r *http.Request, call oms.Call) string {
	switch {
	case call.Known:
		return "POST /api/v2 Action=" + call.Name
	case r.Pattern == "GET /{$}" || r.Pattern == "GET /console/":
		return "console"
	case r.Pattern == "" || r.Pattern == "/" || r.Pattern == "/api/v1/":
		return "other"
	}
	return r.Pattern
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// recorder remembers the status and size of a response for the access log and for panic
// recovery (an error can be written only if nothing was written yet).
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush, deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
