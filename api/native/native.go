// Package native is godwit's own REST surface under /api/v1 (the contract shared with the
// CLI, see the OpenAPI document openapi.yaml embedded here and served at
// /api/v1/openapi.yaml). It translates JSON onto service.API; authentication, body limits,
// request IDs and panic recovery are done by the root api handler.
//
// Errors are problem JSON {"error":{code,message,advice,params},"requestId"} with the HTTP
// status of the error's kind (StatusFor).
package native

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/service"
)

//go:embed openapi.yaml
var openAPI []byte

// OpenAPI returns the embedded OpenAPI 3 document.
func OpenAPI() []byte { return bytes.Clone(openAPI) }

// Options configure the native adapter.
type Options struct {
	Version string       // reported by /api/v1/health
	Metrics http.Handler // mounted at GET /metrics when non-nil
	Log     *slog.Logger
}

// Handler serves /api/v1.
type Handler struct {
	svc service.API
	opt Options
	log *slog.Logger
}

// New returns the native handler.
func New(svc service.API, opt Options) *Handler {
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{svc: svc, opt: opt, log: log}
}

// route is one authenticated JSON route.
type route struct {
	method, path string
	fn           func(*Handler, http.ResponseWriter, *http.Request) error
}

// extraRoutes are routes declared in other files of this package (one file per feature),
// appended from their init functions.
var extraRoutes []route

// routes lists the JSON routes; openapi.yaml documents each of them (checked by a test).
// {action} is one of start, stop, resume, release.
func routes() []route {
	return append([]route{
		{"POST", "/api/v1/datasources", (*Handler).createDataSource},
		{"GET", "/api/v1/datasources", (*Handler).listDataSources},
		{"GET", "/api/v1/datasources/{id}", (*Handler).getDataSource},
		{"DELETE", "/api/v1/datasources/{id}", (*Handler).deleteDataSource},
		{"POST", "/api/v1/projects", (*Handler).createProject},
		{"GET", "/api/v1/projects", (*Handler).listProjects},
		{"GET", "/api/v1/projects/{id}", (*Handler).getProject},
		{"DELETE", "/api/v1/projects/{id}", (*Handler).deleteProject},
		{"POST", "/api/v1/projects/{id}/{action}", (*Handler).transition},
		{"GET", "/api/v1/projects/{id}/steps", (*Handler).steps},
		{"GET", "/api/v1/projects/{id}/progress", (*Handler).progress},
		{"GET", "/api/v1/projects/{id}/tables", (*Handler).tables},
		{"GET", "/api/v1/projects/{id}/logs", (*Handler).logs},
		{"GET", "/api/v1/projects/{id}/precheck", (*Handler).precheck},
	}, extraRoutes...)
}

// Register mounts the /api/v1 routes (and /metrics) on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, rt := range routes() {
		fn, pattern := rt.fn, rt.method+" "+rt.path
		repeatable := repeatableParams(pattern)
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			err := checkQuery(r, repeatable)
			if err == nil {
				err = fn(h, w, r)
			}
			if err != nil {
				e := h.public(r, err)
				WriteError(w, r, statusOf(e), e)
			}
		})
	}
	mux.HandleFunc("GET /api/v1/health", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": h.opt.Version})
	})
	mux.HandleFunc("GET /api/v1/openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
		_, _ = w.Write(openAPI)
	})
	if h.opt.Metrics != nil {
		mux.Handle("GET /metrics", h.opt.Metrics)
	}
	mux.HandleFunc("/api/v1/", NotFound)
}

// repeatableParams names the query parameters of a route that take a list (given repeated
// or comma-separated, see multi); every other parameter may be given once.
func repeatableParams(pattern string) []string {
	switch pattern {
	case "GET /api/v1/projects", "GET /api/v1/projects/{id}/verify/runs/{run}/tables":
		return []string{"status"}
	case "GET /api/v1/datasources":
		return []string{"type"}
	}
	return nil
}

// checkQuery refuses a malformed query string and a single-valued parameter given twice
// (handlers read one value; which one would be an accident of the reader).
func checkQuery(r *http.Request, repeatable []string) error {
	q, e := httpx.Query(r)
	if e != nil {
		return e
	}
	if e := httpx.SingleValued(q, repeatable...); e != nil {
		return e
	}
	return nil
}

// NotFound answers an unknown route with a native 404.
func NotFound(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, http.StatusNotFound, errs.New(errs.KindNotFound, CodeNoRoute,
		"no route for "+r.Method+" "+r.URL.Path, "See /api/v1/openapi.yaml for the routes."))
}

// CodeNoRoute is the code of a request for a path or method godwit does not serve.
const CodeNoRoute = "GODWIT-API-0404"

// StatusFor maps an error kind to the native HTTP status. An unreachable user database is
// 422 (not our 5xx); Unsupported is 400; only true bugs are 500.
func StatusFor(k errs.Kind) int {
	switch k {
	case errs.KindInvalid, errs.KindUnsupported:
		return http.StatusBadRequest
	case errs.KindUnauthorized:
		return http.StatusUnauthorized
	case errs.KindForbidden:
		return http.StatusForbidden
	case errs.KindNotFound:
		return http.StatusNotFound
	case errs.KindState, errs.KindConflict:
		return http.StatusConflict
	case errs.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.KindUnavailable:
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// statusOf is StatusFor(e.Kind), except that a data-source connectivity failure (which the
// service reports as PARAM_ERROR "Connectivity test failed…", an OMS client fact) is 422: a
// database the user pointed godwit at is unreachable.
func statusOf(e *errs.Error) int {
	if e.Code == errs.CodeParam && strings.HasPrefix(e.Message, "Connectivity test failed") {
		return http.StatusUnprocessableEntity
	}
	return StatusFor(e.Kind)
}

// Problem is the native error body.
type Problem struct {
	Error     ProblemError `json:"error"`
	RequestID string       `json:"requestId"`
}

// ProblemError is the error member of Problem.
type ProblemError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Advice  string            `json:"advice"`
	Params  map[string]string `json:"params"`
}

// WriteError writes e as problem JSON with HTTP status.
func WriteError(w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
	params := e.Params
	if params == nil {
		params = map[string]string{}
	}
	httpx.NoteError(r.Context(), e.Code)
	httpx.WriteJSON(w, status, Problem{
		Error:     ProblemError{Code: e.Code, Message: e.Message, Advice: e.Advice, Params: params},
		RequestID: httpx.RequestID(r.Context()),
	})
}

// public returns what may be shown for err; non-*errs.Error values are logged and hidden.
func (h *Handler) public(r *http.Request, err error) *errs.Error {
	var e *errs.Error
	if errors.As(err, &e) {
		return e
	}
	rid := httpx.RequestID(r.Context())
	h.log.Error("unexpected error", "request_id", rid, "err", err)
	return errs.New(errs.KindInternal, errs.CodeInternal, "internal error",
		"The godwit log has the details for request "+rid+".")
}

// Decode parses a JSON request body into dst. Unknown fields are ignored (the project body
// is the OMS CreateProject shape, which carries cloud-only fields); malformed JSON, trailing
// data, wrong types and a key named twice in one object (compared case-insensitively, as
// encoding/json matches fields) are KindInvalid errors naming the field.
func Decode(r *http.Request, dst any) error {
	body, e := httpx.ReadBody(r)
	if e != nil {
		return e
	}
	return DecodeBytes(body, dst)
}

// DecodeBytes is Decode on a body already read.
func DecodeBytes(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errs.Invalid("a JSON request body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			f := te.Field
			if f == "" {
				f = "request body"
			}
			return errs.Invalid("field %s must be %s, got a JSON %s", f, httpx.JSONTypeName(te.Type), te.Value)
		case errors.As(err, &se):
			return errs.Invalid("malformed JSON at byte %d: %v", se.Offset, se)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return errs.Invalid("malformed JSON: unexpected end of input")
		}
		return errs.Invalid("invalid JSON request body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.Invalid("malformed JSON: unexpected data after the JSON value")
	}
	if p, dup := httpx.DuplicateKey(body); dup {
		return httpx.DuplicateKeyError(p)
	}
	return nil
}

// maxPage keeps (page-1)*size far from integer overflow in the store.
const maxPage = 1_000_000

// pageParams reads page (default 1, at most maxPage) and size (default def, 1..max) from the query.
func pageParams(r *http.Request, def, max int) (page, size int, err error) {
	q := r.URL.Query()
	page, size = 1, def
	if s := q.Get("page"); s != "" {
		n, perr := strconv.Atoi(s)
		if perr != nil || n < 1 || n > maxPage {
			return 0, 0, errs.Invalid("page must be an integer between 1 and %d, got %q", maxPage, s)
		}
		page = n
	}
	if s := q.Get("size"); s != "" {
		n, perr := strconv.Atoi(s)
		if perr != nil || n < 1 || n > max {
			return 0, 0, errs.Invalid("size must be an integer between 1 and %d, got %q", max, s)
		}
		size = n
	}
	return page, size, nil
}

// multi returns every value of a repeated query parameter, also splitting commas.
func multi(r *http.Request, key string) []string {
	var out []string
	for _, v := range r.URL.Query()[key] {
		for _, part := range strings.Split(v, ",") {
			if p := strings.TrimSpace(part); p != "" {
				out = append(out, strings.ToUpper(p))
			}
		}
	}
	return out
}

type list[T any] struct {
	Items []T   `json:"items"`
	Total int64 `json:"total"`
	Page  int   `json:"page"`
	Size  int   `json:"size"`
}

type items[T any] struct {
	Items []T `json:"items"`
}

func owner(r *http.Request) string {
	if p, ok := httpx.PrincipalFrom(r.Context()); ok {
		return p.Name
	}
	return ""
}
