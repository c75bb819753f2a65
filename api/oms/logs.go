package oms

import (
	"net/http"
	"strings"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// ListProjectLogs is a godwit extension of the OMS surface (OMS shows logs only in its
// console): the project's event log, newest first, filtered by level and time, paged.
type listLogsRequest struct {
	pageRequest
	ID        string `json:"id"`
	Level     string `json:"level"`     // INFO | WARN | ERROR
	BeginTime string `json:"beginTime"` // UTC, OMS layout or RFC 3339
	EndTime   string `json:"endTime"`
}

// LogItem is one ListProjectLogs element.
type LogItem struct {
	ID      int64   `json:"id"`
	Time    *string `json:"time"`
	Level   string  `json:"level"`
	Step    *string `json:"step"`
	Message string  `json:"message"`
}

// ParseTime accepts the OMS layout (UTC, no zone), the cloud layout with millis and zone, and RFC 3339.
func ParseTime(field, s string) (time.Time, *errs.Error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{model.TimeLayout, "2006-01-02T15:04:05.000-07:00", time.RFC3339Nano, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errs.Invalid("%s %q is not a time like 2025-01-06T02:10:00", field, s)
}

// LogLevel validates a log level filter (case-insensitive; "" = any).
func LogLevel(s string) (string, *errs.Error) {
	l := strings.ToUpper(strings.TrimSpace(s))
	switch l {
	case "", "INFO", "WARN", "ERROR":
		return l, nil
	case "WARNING":
		return "WARN", nil
	}
	return "", errs.Invalid("level must be INFO, WARN or ERROR, got %q", s)
}

func (h *Handler) listProjectLogs(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req listLogsRequest
	if e := Decode(body, &req); e != nil {
		return e
	}
	if trimmed(req.ID) == "" {
		return errs.Invalid("id is required")
	}
	num, size, _, _, e := req.resolve(1000)
	if e != nil {
		return e
	}
	level, e := LogLevel(req.Level)
	if e != nil {
		return e
	}
	since, e := ParseTime("beginTime", req.BeginTime)
	if e != nil {
		return e
	}
	until, e := ParseTime("endTime", req.EndTime)
	if e != nil {
		return e
	}
	logs, total, err := h.svc.Logs(r.Context(), service.LogFilter{ProjectID: trimmed(req.ID), Level: level, Since: since, Until: until, Page: num, Size: size})
	if err != nil {
		return err
	}
	out := make([]LogItem, 0, len(logs))
	for _, l := range logs {
		out = append(out, LogItem{ID: l.ID, Time: model.FormatTime(&l.Time), Level: l.Level, Step: nilIfEmpty(l.Step), Message: l.Message})
	}
	writeOK(w, r, out, &page{num, size, total})
	return nil
}
