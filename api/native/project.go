package native

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/api/shape"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// Progress is the native progress JSON.
type Progress struct {
	ProjectID                     string  `json:"projectId"`
	Status                        string  `json:"status"`
	Importance                    string  `json:"importance"`
	CurrentStep                   *string `json:"currentStep"`
	EnableStructTransfer          bool    `json:"enableStructTransfer"`
	EnableFullTransfer            bool    `json:"enableFullTransfer"`
	EnableIncrTransfer            bool    `json:"enableIncrTransfer"`
	EnableReverseIncrTransfer     bool    `json:"enableReverseIncrTransfer"`
	StructTransferProgress        int     `json:"structTransferProgress"`
	FullTransferProgress          int     `json:"fullTransferProgress"`
	IncrSyncCheckpoint            *int64  `json:"incrSyncCheckpoint"`
	ReverseIncrTransferCheckpoint *int64  `json:"reverseIncrTransferCheckpoint"`
}

// TableProgress is one table of GET /projects/{id}/tables.
type TableProgress struct {
	Table    string          `json:"table"`
	Target   string          `json:"target"`
	Status   string          `json:"status"`
	Capacity int64           `json:"capacity"`
	Done     int64           `json:"done"`
	Bytes    int64           `json:"bytes"`
	Extra    json.RawMessage `json:"extra"` // the step's JSON object, or null
}

// LogEntry is one element of GET /projects/{id}/logs.
type LogEntry struct {
	ID      int64   `json:"id"`
	Time    *string `json:"time"`
	Level   string  `json:"level"`
	Step    string  `json:"step"`
	Message string  `json:"message"`
}

// CheckItem is one precheck result.
type CheckItem struct {
	Name         string `json:"name"`
	EndpointType string `json:"endpointType"`
	Status       string `json:"status"`
	Message      string `json:"message"`
	Advice       string `json:"advice"`
	Skippable    bool   `json:"skippable"`
}

func (h *Handler) createProject(w http.ResponseWriter, r *http.Request) error {
	var req shape.ProjectRequest
	if err := Decode(r, &req); err != nil {
		return err
	}
	p, e := req.ToModel(owner(r))
	if e != nil {
		return e
	}
	id, err := h.svc.CreateProject(r.Context(), p)
	if err != nil {
		return err
	}
	return h.writeProject(w, r, id, http.StatusCreated)
}

func (h *Handler) writeProject(w http.ResponseWriter, r *http.Request, id string, status int) error {
	v, err := h.svc.GetProject(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, status, shape.RenderProject(v, shape.Native))
	return nil
}

func (h *Handler) listProjects(w http.ResponseWriter, r *http.Request) error {
	page, size, err := pageParams(r, 50, 150)
	if err != nil {
		return err
	}
	views, total, err := h.svc.ListProjects(r.Context(), service.ProjectFilter{
		SearchKey: r.URL.Query().Get("search"), Statuses: multi(r, "status"),
		Type: strings.ToUpper(r.URL.Query().Get("type")), Page: page, Size: size, SortField: "gmtCreate",
	})
	if err != nil {
		return err
	}
	out := list[shape.Project]{Items: make([]shape.Project, 0, len(views)), Total: total, Page: page, Size: size}
	for i := range views {
		out.Items = append(out.Items, shape.RenderProject(&views[i], shape.Native))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) getProject(w http.ResponseWriter, r *http.Request) error {
	return h.writeProject(w, r, r.PathValue("id"), http.StatusOK)
}

func (h *Handler) deleteProject(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.DeleteProject(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// transition serves POST /projects/{id}/start|stop|resume|release and answers the project
// after the transition was accepted.
func (h *Handler) transition(w http.ResponseWriter, r *http.Request) error {
	var call func(context.Context, string) error
	switch r.PathValue("action") {
	case "start":
		call = h.svc.StartProject
	case "stop":
		call = h.svc.StopProject
	case "resume":
		call = h.svc.ResumeProject
	case "release":
		call = h.svc.ReleaseProject
	default:
		NotFound(w, r)
		return nil
	}
	id := r.PathValue("id")
	if err := call(r.Context(), id); err != nil {
		return err
	}
	return h.writeProject(w, r, id, http.StatusOK)
}

func (h *Handler) steps(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	steps, err := h.svc.Steps(r.Context(), id)
	if err != nil {
		return err
	}
	v, err := h.svc.GetProject(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, items[shape.Step]{Items: shape.Steps(steps, &v.Project, shape.Native)})
	return nil
}

// RenderProgress renders p in the native shape.
func RenderProgress(p *service.Progress) Progress {
	var cur *string
	if p.CurrentStep != "" {
		s := string(p.CurrentStep)
		cur = &s
	}
	return Progress{
		ProjectID: p.ProjectID, Status: string(p.Status), Importance: p.Importance, CurrentStep: cur,
		EnableStructTransfer: p.EnableStruct, EnableFullTransfer: p.EnableFull,
		EnableIncrTransfer: p.EnableIncr, EnableReverseIncrTransfer: p.EnableReverse,
		StructTransferProgress: p.StructProgress, FullTransferProgress: p.FullProgress,
		IncrSyncCheckpoint: p.IncrCheckpoint, ReverseIncrTransferCheckpoint: p.ReverseIncrCheckpoint,
	}
}

func (h *Handler) progress(w http.ResponseWriter, r *http.Request) error {
	p, err := h.svc.Progress(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, RenderProgress(p))
	return nil
}

func (h *Handler) tables(w http.ResponseWriter, r *http.Request) error {
	step := model.StepName(strings.ToUpper(r.URL.Query().Get("step")))
	if step == "" {
		step = model.StepFull
	}
	if !slices.Contains(model.StepOrder, step) {
		return errs.Invalid("step must be one of %v, got %q", model.StepOrder, step)
	}
	ts, err := h.svc.Tables(r.Context(), r.PathValue("id"), step)
	if err != nil {
		return err
	}
	out := items[TableProgress]{Items: make([]TableProgress, 0, len(ts))}
	for _, t := range ts {
		tp := TableProgress{Table: t.Table, Target: t.Target, Status: t.Status, Capacity: t.Capacity, Done: t.Done, Bytes: t.Bytes}
		var obj map[string]any
		if t.Extra != "" && json.Unmarshal([]byte(t.Extra), &obj) == nil && obj != nil {
			tp.Extra = json.RawMessage(t.Extra)
		} else {
			tp.Extra = json.RawMessage("null")
		}
		out.Items = append(out.Items, tp)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) logs(w http.ResponseWriter, r *http.Request) error {
	page, size, err := pageParams(r, 100, 1000)
	if err != nil {
		return err
	}
	entries, total, err := h.svc.Logs(r.Context(), service.LogFilter{
		ProjectID: r.PathValue("id"), Level: strings.ToUpper(r.URL.Query().Get("level")), Page: page, Size: size,
	})
	if err != nil {
		return err
	}
	out := struct {
		Items []LogEntry `json:"items"`
		Total int64      `json:"total"`
	}{Items: make([]LogEntry, 0, len(entries)), Total: total}
	for _, e := range entries {
		t := e.Time
		out.Items = append(out.Items, LogEntry{ID: e.ID, Time: model.FormatTime(&t), Level: e.Level, Step: e.Step, Message: e.Message})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) precheck(w http.ResponseWriter, r *http.Request) error {
	res, err := h.svc.PrecheckResult(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := items[CheckItem]{Items: make([]CheckItem, 0, len(res))}
	for _, c := range res {
		out.Items = append(out.Items, CheckItem{Name: c.Name, EndpointType: c.Side, Status: string(c.Status),
			Message: c.Message, Advice: c.Advice, Skippable: c.Skippable})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
