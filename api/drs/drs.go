// Package drs is godwit's Huawei Cloud DRS v5 compatible surface (drs-v5.md): migration jobs
// under /v5/{project_id}/jobs… that the official huaweicloud-sdk-go-v3 DRS client can drive
// unchanged. A DRS job is a document kept through service documents (kind drs_job): its
// endpoints become two godwit data sources when the job is created, and the job becomes a
// godwit project when it is started; the job's status is derived from the project's.
//
// Errors are HTTP 400 (401/403/404/413 for transport failures) with
// {"error_code":"DRS.xxxxxxxx","error_msg":"…"}. Authentication (AK/SK signature or
// X-Auth-Token) is done by the root api handler before a request arrives here.
package drs

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/service"
)

// DRS error codes (error_code is "DRS." + 8 digits). DRS.10000010 and DRS.10000001 are wire
// facts; the others are godwit's (INF).
const (
	CodeFailure      = "DRS.10000001" // generic failure
	CodeInvalid      = "DRS.10000003" // invalid parameter
	CodeJobNotFound  = "DRS.10000010" // job does not exist
	CodeState        = "DRS.10000011" // not allowed in the job's status
	CodeUnsupported  = "DRS.10000404" // operation or option godwit does not implement
	CodeUnauthorized = "DRS.10000401"
	CodeForbidden    = "DRS.10000403"
	CodeTooLarge     = "DRS.10000413"
	CodeInternal     = "DRS.10000500"
)

// Handler serves the DRS routes.
type Handler struct {
	svc service.API
	log *slog.Logger
	now func() time.Time
}

// New returns the DRS handler.
func New(svc service.API, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{svc: svc, log: log, now: time.Now}
}

// Register mounts the DRS routes on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	route := func(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			err := checkQuery(r)
			if err == nil {
				err = fn(w, r)
			}
			if err != nil {
				h.writeErr(w, r, err)
			}
		})
	}
	route("POST /v5/{project_id}/jobs", h.createJob)
	route("POST /v5/{project_id}/jobs/batch-async-create", h.batchCreate)
	route("GET /v5/{project_id}/jobs", h.listJobs)
	route("DELETE /v5/{project_id}/jobs", h.batchDelete)
	route("GET /v5/{project_id}/jobs/{job_id}", h.showJob)
	route("PUT /v5/{project_id}/jobs/{job_id}", h.updateJob)
	route("DELETE /v5/{project_id}/jobs/{job_id}", h.deleteJob)
	route("POST /v5/{project_id}/jobs/{job_id}/action", h.executeAction)
	route("POST /v5/{project_id}/jobs/action", h.batchAction)
	route("POST /v5/{project_id}/jobs/{job_id}/stop", h.stopJob)
	route("POST /v5/{project_id}/jobs/batch-stop", h.batchStop)
	route("GET /v5/{project_id}/jobs/{job_id}/actions", h.showActions)
	route("GET /v5/{project_id}/jobs/{job_id}/monitor-data", h.showMonitorData)
	notFound := func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, http.StatusNotFound, errs.New(errs.KindNotFound, CodeUnsupported,
			"no DRS v5 operation "+r.Method+" "+r.URL.Path, "godwit serves the DRS v5 migration-job operations; see docs/API-COMPAT.md."))
	}
	for _, prefix := range []string{"/v5/", "/v5.1/", "/v3/"} {
		mux.HandleFunc(prefix, notFound)
	}
}

// checkQuery refuses a malformed query string and a parameter given twice (in any letter
// case): every DRS query parameter (type, query_id, offset, …) takes one value, and a
// handler reading the first of two would silently ignore the other.
func checkQuery(r *http.Request) error {
	q, e := httpx.Query(r)
	if e == nil {
		e = httpx.SingleValued(q)
	}
	if e != nil {
		e.Code = CodeInvalid
		return e
	}
	return nil
}

// ErrorBody is the DRS error shape.
type ErrorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

// drsCode maps a godwit error to a DRS error code.
func drsCode(e *errs.Error) string {
	if strings.HasPrefix(e.Code, "DRS.") && len(e.Code) == 12 {
		return e.Code
	}
	switch e.Kind {
	case errs.KindInvalid, errs.KindConflict:
		return CodeInvalid
	case errs.KindNotFound:
		return CodeJobNotFound
	case errs.KindState:
		return CodeState
	case errs.KindUnsupported:
		return CodeUnsupported
	case errs.KindUnauthorized:
		return CodeUnauthorized
	case errs.KindForbidden:
		return CodeForbidden
	case errs.KindTooLarge:
		return CodeTooLarge
	case errs.KindInternal:
		return CodeInternal
	}
	return CodeFailure
}

// Status maps an error kind to the HTTP status DRS uses.
func Status(e *errs.Error) int {
	switch e.Kind {
	case errs.KindUnauthorized:
		return http.StatusUnauthorized
	case errs.KindForbidden:
		return http.StatusForbidden
	case errs.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.KindInternal:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// WriteError writes e in the DRS error shape with HTTP status.
func WriteError(w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
	msg := e.Message
	if e.Advice != "" && e.Kind != errs.KindInternal {
		msg += " " + e.Advice
	}
	if len(msg) > 512 {
		msg = msg[:509] + "..."
	}
	httpx.NoteError(r.Context(), e.Code)
	httpx.WriteJSON(w, status, ErrorBody{ErrorCode: drsCode(e), ErrorMsg: msg})
}

func (h *Handler) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var e *errs.Error
	if !errors.As(err, &e) {
		h.log.Error("unexpected error", "request_id", httpx.RequestID(r.Context()), "err", err)
		e = errs.New(errs.KindInternal, errs.CodeInternal, "A system error occurred.",
			"The godwit log has the details for request "+httpx.RequestID(r.Context())+".")
	}
	WriteError(w, r, Status(e), e)
}

func writeJSON(w http.ResponseWriter, v any) { httpx.WriteJSON(w, http.StatusOK, v) }

func invalid(format string, a ...any) *errs.Error {
	e := errs.Invalid(format, a...)
	e.Code = CodeInvalid
	return e
}

func jobNotFound(id string) *errs.Error {
	return errs.New(errs.KindNotFound, CodeJobNotFound, "Job does not exist, please check job ID.", "").With("id", id)
}

func unsupported(what string) *errs.Error {
	return errs.New(errs.KindUnsupported, CodeUnsupported, what+" is not supported by godwit", "See docs/API-COMPAT.md.")
}

// decode reads a JSON body into dst: UTF-8 JSON object, no trailing data, no key named twice
// in one object (compared case-insensitively, as encoding/json matches fields); unknown keys
// are ignored (clients send billing and network options godwit has no use for).
func decode(r *http.Request, dst any) error {
	body, e := httpx.ReadBody(r)
	if e != nil {
		return e
	}
	return DecodeBody(body, dst)
}

// DecodeBody is decode's pure part (fuzzed).
func DecodeBody(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalid("parameter %s must be %s, got a JSON %s", te.Field, httpx.JSONTypeName(te.Type), te.Value)
		}
		return invalid("malformed JSON request body")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("malformed JSON request body: unexpected data after the JSON object")
	}
	if p, dup := httpx.DuplicateKey(body); dup {
		e := httpx.DuplicateKeyError(p)
		e.Code = CodeInvalid
		return e
	}
	return nil
}
