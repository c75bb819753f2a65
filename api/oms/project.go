package oms

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/godwit/godwit/api/shape"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

func (h *Handler) createProject(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req shape.ProjectRequest
	if e := Decode(body, &req); e != nil {
		return e
	}
	p, e := req.ToModel(owner(r))
	if e != nil {
		return e
	}
	id, err := h.svc.CreateProject(r.Context(), p)
	if err != nil {
		return err
	}
	writeOK(w, r, id, nil)
	return nil
}

type listProjectsRequest struct {
	pageRequest
	SearchKey           string   `json:"searchKey"`
	Type                string   `json:"type"`
	Status              []string `json:"status"`
	LabelIDs            []string `json:"labelIds"`
	SourceEndpointTypes []string `json:"sourceEndpointTypes"`
	SinkEndpointTypes   []string `json:"sinkEndpointTypes"`
	VisibleSubProject   bool     `json:"visibleSubProject"`
	NeedRelatedInfo     *bool    `json:"needRelatedInfo"`
}

// listProjects pages projects. Endpoint-type filters are not part of service.ProjectFilter, so
// when one is given the adapter lists every match of the other filters and filters and
// pages in memory.
func (h *Handler) listProjects(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req listProjectsRequest
	if e := Decode(body, &req); e != nil {
		return e
	}
	num, size, sf, asc, e := req.resolve(maxProjectPageSize)
	if e != nil {
		return e
	}
	if len(req.LabelIDs) > shape.MaxLabels {
		return errs.Invalid("labelIds has %d entries; at most %d are allowed", len(req.LabelIDs), shape.MaxLabels)
	}
	f := service.ProjectFilter{
		SearchKey: req.SearchKey, Type: strings.ToUpper(req.Type), Statuses: upper(req.Status),
		LabelIDs: req.LabelIDs, Page: num, Size: size, SortField: sf, Asc: asc,
	}
	srcTypes, sinkTypes := upper(req.SourceEndpointTypes), upper(req.SinkEndpointTypes)
	byType := len(srcTypes) > 0 || len(sinkTypes) > 0
	if byType {
		f.Page, f.Size = 0, 0
	}
	views, total, err := h.svc.ListProjects(r.Context(), f)
	if err != nil {
		return err
	}
	if byType {
		views = slices.DeleteFunc(views, func(v service.ProjectView) bool {
			return !typeMatches(srcTypes, v.Source) || !typeMatches(sinkTypes, v.Sink)
		})
		total = int64(len(views))
		lo := min((num-1)*size, len(views))
		views = views[lo:min(lo+size, len(views))]
	}
	out := make([]shape.Project, 0, len(views))
	for i := range views {
		out = append(out, shape.RenderProject(&views[i], shape.OMS))
	}
	writeOK(w, r, out, &page{num, size, total})
	return nil
}

func (h *Handler) describeProject(w http.ResponseWriter, r *http.Request, body []byte) error {
	id, e := decodeID(body)
	if e != nil {
		return e
	}
	v, err := h.svc.GetProject(r.Context(), id)
	if err != nil {
		return err
	}
	writeOK(w, r, shape.RenderProject(v, shape.OMS), nil)
	return nil
}

func (h *Handler) describeProjectSteps(w http.ResponseWriter, r *http.Request, body []byte) error {
	id, e := decodeID(body)
	if e != nil {
		return e
	}
	steps, err := h.svc.Steps(r.Context(), id)
	if err != nil {
		return err
	}
	v, err := h.svc.GetProject(r.Context(), id) // for the configuration steps display
	if err != nil {
		return err
	}
	writeOK(w, r, shape.Steps(steps, &v.Project, shape.OMS), nil)
	return nil
}

func (h *Handler) describeProjectProgress(w http.ResponseWriter, r *http.Request, body []byte) error {
	id, e := decodeID(body)
	if e != nil {
		return e
	}
	p, err := h.svc.Progress(r.Context(), id)
	if err != nil {
		return err
	}
	writeOK(w, r, shape.RenderProgressV4(p), nil)
	return nil
}

// lifecycle returns the handler of a single-id lifecycle action; they all acknowledge with
// data null.
func lifecycle(name string) func(*Handler, http.ResponseWriter, *http.Request, []byte) error {
	return func(h *Handler, w http.ResponseWriter, r *http.Request, body []byte) error {
		id, e := decodeID(body)
		if e != nil {
			return e
		}
		var call func(context.Context, string) error
		switch name {
		case "StartProject":
			call = h.svc.StartProject
		case "StopProject":
			call = h.svc.StopProject
		case "ResumeProject":
			call = h.svc.ResumeProject
		case "ReleaseProject":
			call = h.svc.ReleaseProject
		case "DeleteProject":
			call = h.svc.DeleteProject
		default:
			panic("oms: unknown lifecycle action " + name)
		}
		if err := call(r.Context(), id); err != nil {
			return err
		}
		writeOK(w, r, nil, nil)
		return nil
	}
}

func upper(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.ToUpper(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// typeMatches reports whether ds's type is one of want (an empty want matches everything).
func typeMatches(want []string, ds *model.DataSource) bool {
	if len(want) == 0 {
		return true
	}
	return ds != nil && slices.Contains(want, string(ds.Type))
}
