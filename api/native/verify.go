package native

import (
	"net/http"
	"strings"
	"time"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/service"
)

func init() {
	extraRoutes = append(extraRoutes,
		route{"GET", "/api/v1/projects/{id}/verify/runs", (*Handler).verifyRuns},
		route{"POST", "/api/v1/projects/{id}/verify/runs", (*Handler).startVerify},
		route{"GET", "/api/v1/projects/{id}/verify/runs/{run}", (*Handler).verifyRun},
		route{"GET", "/api/v1/projects/{id}/verify/runs/{run}/tables", (*Handler).verifyTables},
		route{"GET", "/api/v1/projects/{id}/verify/runs/{run}/diffs", (*Handler).verifyDiffs},
		route{"GET", "/api/v1/projects/{id}/verify/runs/{run}/corrections", (*Handler).verifyCorrections},
		route{"GET", "/api/v1/projects/{id}/verify/objects", (*Handler).verifyObjects},
	)
}

// VerifyRun is one verification run on the wire.
type VerifyRun struct {
	ID       string  `json:"id"`
	Kind     string  `json:"kind"`
	Status   string  `json:"status"`
	Result   *string `json:"result"` // CONSISTENT | INCONSISTENT | null while running
	Tables   int     `json:"tables"`
	Diffs    int64   `json:"diffs"`
	Message  string  `json:"message"`
	Started  *string `json:"started"`
	Finished *string `json:"finished"`
}

// VerifyTable is one table result on the wire.
type VerifyTable struct {
	Table        string `json:"table"`
	Target       string `json:"target"`
	Status       string `json:"status"`
	Result       string `json:"result"`
	DRSStatus    string `json:"drsStatus"`
	SourceRows   int64  `json:"sourceRows"`
	TargetRows   int64  `json:"targetRows"`
	OnlyInSource int64  `json:"onlyInSource"`
	OnlyInTarget int64  `json:"onlyInTarget"`
	Different    int64  `json:"different"`
	Chunks       int    `json:"chunks"`
	ChunksDone   int    `json:"chunksDone"`
	Message      string `json:"message"`
}

// VerifyDiff is one row difference on the wire.
type VerifyDiff struct {
	ID        int64    `json:"id"`
	Table     string   `json:"table"`
	Target    string   `json:"target"`
	Kind      string   `json:"kind"`
	Key       string   `json:"key"`
	Columns   []string `json:"columns"`
	SourceSQL string   `json:"sourceSql"`
	TargetSQL string   `json:"targetSql"`
	FixSQL    string   `json:"fixSql"`
}

func rfc3339(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func verifyRunJSON(r service.VerifyRun) VerifyRun {
	out := VerifyRun{ID: r.ID, Kind: r.Kind, Status: r.Status, Tables: r.Tables, Diffs: r.Diffs, Message: r.Message,
		Started: rfc3339(r.Started), Finished: rfc3339(r.Finished)}
	if r.Result != "" {
		res := r.Result
		out.Result = &res
	}
	return out
}

// runParam reads {run}; "latest" means the project's latest run.
func runParam(r *http.Request) string {
	if v := r.PathValue("run"); v != "latest" {
		return v
	}
	return ""
}

func (h *Handler) verifyRuns(w http.ResponseWriter, r *http.Request) error {
	page, size, err := pageParams(r, 20, 200)
	if err != nil {
		return err
	}
	rs, total, err := h.svc.VerifyRuns(r.Context(), r.PathValue("id"), page, size)
	if err != nil {
		return err
	}
	out := list[VerifyRun]{Items: make([]VerifyRun, 0, len(rs)), Total: total, Page: page, Size: size}
	for _, x := range rs {
		out.Items = append(out.Items, verifyRunJSON(x))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) startVerify(w http.ResponseWriter, r *http.Request) error {
	var req service.VerifyRequest
	body, e := httpx.ReadBody(r)
	if e != nil {
		return e
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := DecodeBytes(body, &req); err != nil {
			return err
		}
	}
	st, err := h.svc.StartVerify(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, st)
	return nil
}

func (h *Handler) verifyRun(w http.ResponseWriter, r *http.Request) error {
	run, err := h.svc.VerifyRun(r.Context(), r.PathValue("id"), runParam(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, verifyRunJSON(*run))
	return nil
}

func (h *Handler) verifyTables(w http.ResponseWriter, r *http.Request) error {
	page, size, err := pageParams(r, 50, 1000)
	if err != nil {
		return err
	}
	ts, total, err := h.svc.VerifyTables(r.Context(), r.PathValue("id"), service.VerifyTableFilter{RunID: runParam(r),
		Statuses: multi(r, "status"), Page: page, Size: size})
	if err != nil {
		return err
	}
	out := list[VerifyTable]{Items: make([]VerifyTable, 0, len(ts)), Total: total, Page: page, Size: size}
	for _, t := range ts {
		out.Items = append(out.Items, VerifyTable{Table: t.Table, Target: t.Target, Status: t.Status, Result: t.Result,
			DRSStatus: service.VerifyDRSStatus(t.Status, t.Result), SourceRows: t.SourceRows, TargetRows: t.TargetRows,
			OnlyInSource: t.OnlyInSource, OnlyInTarget: t.OnlyInTarget, Different: t.Different, Chunks: t.Chunks,
			ChunksDone: t.ChunksDone, Message: t.Message})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) verifyDiffs(w http.ResponseWriter, r *http.Request) error {
	page, size, err := pageParams(r, 50, 1000)
	if err != nil {
		return err
	}
	kind := strings.ToUpper(r.URL.Query().Get("kind"))
	switch kind {
	case "", service.DiffOnlyInSource, service.DiffOnlyInTarget, service.DiffDifferent:
	default:
		return errs.Invalid("kind must be ONLY_IN_SOURCE, ONLY_IN_TARGET or DIFFERENT, got %q", kind)
	}
	ds, total, err := h.svc.VerifyDiffs(r.Context(), r.PathValue("id"), service.VerifyDiffFilter{RunID: runParam(r),
		Table: r.URL.Query().Get("table"), Kind: kind, Page: page, Size: size})
	if err != nil {
		return err
	}
	out := list[VerifyDiff]{Items: make([]VerifyDiff, 0, len(ds)), Total: total, Page: page, Size: size}
	for _, d := range ds {
		cols := d.Columns
		if cols == nil {
			cols = []string{}
		}
		out.Items = append(out.Items, VerifyDiff{ID: d.ID, Table: d.Table, Target: d.Target, Kind: d.Kind, Key: d.KeyText,
			Columns: cols, SourceSQL: d.SourceSQL, TargetSQL: d.TargetSQL, FixSQL: d.FixSQL})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// verifyCorrections streams the correction script as a SQL download. Errors after the first
// byte cannot change the status; the script then ends early without its final comment.
func (h *Handler) verifyCorrections(w http.ResponseWriter, r *http.Request) error {
	run, err := h.svc.VerifyRun(r.Context(), r.PathValue("id"), runParam(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/sql; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="godwit-corrections-`+run.ID+`.sql"`)
	if err := h.svc.VerifyCorrections(r.Context(), r.PathValue("id"), run.ID, w); err != nil {
		h.log.Warn("writing corrections failed", "run", run.ID, "err", err)
		return nil
	}
	_, _ = w.Write([]byte("-- end of corrections\n"))
	return nil
}

func (h *Handler) verifyObjects(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.svc.CompareObjects(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
	return nil
}
