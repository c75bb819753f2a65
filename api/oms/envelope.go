package oms

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/api/shape"
	"github.com/godwit/godwit/errs"
)

// Envelope is the OMS v2 response object (oms-v2.md §2). Every key is always present.
type Envelope struct {
	Success     bool               `json:"success"`
	ErrorDetail *shape.ErrorDetail `json:"errorDetail"`
	Code        *string            `json:"code"`
	Message     *string            `json:"message"`
	Advice      *string            `json:"advice"`
	RequestID   string             `json:"requestId"`
	PageNumber  *int               `json:"pageNumber"`
	PageSize    *int               `json:"pageSize"`
	TotalCount  *int64             `json:"totalCount"`
	Cost        string             `json:"cost"`
	Data        any                `json:"data"`
}

// page carries the paging echo of a list action.
type page struct {
	number, size int
	total        int64
}

func writeOK(w http.ResponseWriter, r *http.Request, data any, pg *page) {
	env := Envelope{Success: true, RequestID: httpx.RequestID(r.Context()), Cost: httpx.Elapsed(r.Context()), Data: data}
	if pg != nil {
		n, s, t := pg.number, pg.size, pg.total
		env.PageNumber, env.PageSize, env.TotalCount = &n, &s, &t
	}
	httpx.WriteJSON(w, http.StatusOK, env)
}

// topMessage renders the envelope `message`: "[CODE]: text", except that a data-source
// connectivity failure keeps its bare text, because ODC recognises it by the prefix
// "Connectivity test failed" (oms-v2.md §2).
func topMessage(e *errs.Error) string {
	if strings.HasPrefix(e.Message, "Connectivity test failed") {
		return e.Message
	}
	return fmt.Sprintf("[%s]: %s", e.Code, e.Message)
}

// publicError returns what may be shown to a client for err. Errors that are not
// *errs.Error are bugs or unexpected failures whose text may reveal internals: they are
// logged and replaced by a generic INNER_ERROR.
func publicError(log *slog.Logger, r *http.Request, err error) *errs.Error {
	var e *errs.Error
	if errors.As(err, &e) {
		return e
	}
	log.Error("unexpected error", "request_id", httpx.RequestID(r.Context()), "err", err)
	return errs.New(errs.KindInternal, errs.CodeInternal, "A system error occurred.",
		"Contact the administrator; the godwit log has the details for request "+httpx.RequestID(r.Context())+".")
}

// WriteError writes e in the OMS v2 envelope with HTTP status (200 for business errors;
// 401/403/413/500 for the transport-level failures the root handler detects).
func WriteError(w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
	rid := httpx.RequestID(r.Context())
	httpx.NoteError(r.Context(), e.Code)
	code, msg, adv := e.Code, topMessage(e), e.Advice
	detail := shape.NewErrorDetail(e.Code, e.Message, e.Advice, e.Params, rid)
	env := Envelope{
		Success: false, ErrorDetail: &detail, Code: &code, Message: &msg, Advice: nilIfEmpty(adv),
		RequestID: rid, Cost: httpx.Elapsed(r.Context()),
	}
	httpx.WriteJSON(w, status, env)
}

// EnvelopeV33 is the OMS V3.3 envelope: the v2 envelope without errorDetail, and
// code "success" on success (seed 002).
type EnvelopeV33 struct {
	Success    bool    `json:"success"`
	Code       *string `json:"code"`
	Message    *string `json:"message"`
	Advice     *string `json:"advice"`
	RequestID  string  `json:"requestId"`
	PageNumber *int    `json:"pageNumber"`
	PageSize   *int    `json:"pageSize"`
	TotalCount *int64  `json:"totalCount"`
	Cost       string  `json:"cost"`
	Data       any     `json:"data"`
}

// WriteV33Error writes e in the V3.3 envelope with HTTP status.
func WriteV33Error(w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
	code, msg := e.Code, topMessage(e)
	httpx.NoteError(r.Context(), e.Code)
	httpx.WriteJSON(w, status, EnvelopeV33{
		Code: &code, Message: &msg, Advice: nilIfEmpty(e.Advice),
		RequestID: httpx.RequestID(r.Context()), Cost: httpx.Elapsed(r.Context()),
	})
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
