package drs

import (
	"context"
	"net/http"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// Job actions (drs-v5.md §6). Note the naming split: action "stop" pauses; POST …/stop ends.
//
//	network          test both endpoints now          → ?type=network&query_id=
//	precheck         TRANSFER_PRECHECK in background  → ?type=precheck&query_id=
//	start            create and start the project; on a paused/failed job: resume
//	stop             pause (StopProject)
//	restart          resume a paused or failed job
//	terminate        end the job (stop + release)
//	create_compare   record a comparison answered from FULL_VERIFIER → ?type=compare&…
//	cancel_compare   cancel a recorded comparison
//	switchover       the forward switchover (TRANSFER_APP_SWITCH; SWITCH_OVER in available_actions)
//	set_writable     the target is always writable under godwit (is_writable=success)
//	cloud_connection connectivity of the target → ?type=cloud_connection&query_id=
//
// Other actions answer DRS.10000404.
func (h *Handler) act(ctx context.Context, r *http.Request, d *jobDoc, a ActionReq) (string, error) {
	qid := httpx.NewRequestID()
	p := a.ActionParams
	if p == nil {
		p = &ActionParams{}
	}
	switch a.ActionName {
	case "network", "cloud_connection":
		res := h.network(ctx, d, a.ActionName == "network")
		d.Queries[qid] = query{Kind: a.ActionName, Network: res}
		if a.ActionName == "network" {
			d.LastNetwork = qid
		}
	case "precheck":
		proj, err := d.buildProject(owner(r))
		if err != nil {
			return "", err
		}
		pcID, err := h.svc.SubmitPrecheck(ctx, service.PrecheckRequest{Project: &proj})
		if err != nil {
			return "", err
		}
		d.Queries[qid] = query{Kind: "precheck", PrecheckID: pcID}
		d.LastPrecheck = qid
	case "start", "restart":
		if err := h.start(ctx, r, d, a.ActionName == "restart"); err != nil {
			return "", err
		}
		d.Queries[qid] = query{Kind: "other"}
	case "stop":
		if d.ProjectID == "" {
			return "", errs.New(errs.KindState, CodeState, "the job has not started", "Start the job first.")
		}
		if err := h.svc.StopProject(ctx, d.ProjectID); err != nil {
			return "", err
		}
		d.Queries[qid] = query{Kind: "other"}
	case "terminate":
		if err := h.end(ctx, d); err != nil {
			return "", err
		}
		d.Queries[qid] = query{Kind: "other"}
	case "create_compare":
		typ := "lines"
		if p.CompareTaskParam != nil && p.CompareTaskParam.Type != nil {
			typ = *p.CompareTaskParam.Type
		}
		switch typ {
		case "object", "lines", "contents":
		default:
			return "", invalid("compare_task_param.type must be object, lines or contents")
		}
		if len(d.Compares) >= 100 {
			return "", invalid("a job keeps at most 100 comparisons")
		}
		d.Compares = append(d.Compares, compareTask{ID: httpx.NewRequestID(), Type: typ, Created: h.now().UTC()})
		d.Queries[qid] = query{Kind: "compare"}
	case "cancel_compare":
		if p.CompareTaskParam == nil || p.CompareTaskParam.CompareTaskID == nil {
			return "", invalid("compare_task_param.compare_task_id is required")
		}
		found := false
		for i := range d.Compares {
			if d.Compares[i].ID == *p.CompareTaskParam.CompareTaskID {
				d.Compares[i].Cancelled, found = true, true
			}
		}
		if !found {
			return "", invalid("comparison %s does not exist", strconvQuote(*p.CompareTaskParam.CompareTaskID))
		}
		d.Queries[qid] = query{Kind: "other"}
	case "switchover":
		if err := h.switchover(ctx, d); err != nil {
			return "", err
		}
		d.Queries[qid] = query{Kind: "other"}
	case "set_writable":
		d.Writable = true
		d.Queries[qid] = query{Kind: "other"}
	case "":
		return "", invalid("action_name is required")
	default:
		return "", unsupported("action " + strconvQuote(a.ActionName))
	}
	if len(d.Queries) > 200 { // keep the document bounded: drop the oldest-looking entries
		for k := range d.Queries {
			if k != d.LastPrecheck && k != d.LastNetwork && k != qid {
				delete(d.Queries, k)
			}
			if len(d.Queries) <= 100 {
				break
			}
		}
	}
	return qid, h.saveJob(ctx, d)
}

// network tests the job's data sources (both, or only the target for cloud_connection).
func (h *Handler) network(ctx context.Context, d *jobDoc, both bool) []NetworkResult {
	type side struct{ ds, ip string }
	var sides []side
	if both && len(d.Req.SourceEndpoint) > 0 && d.Req.SourceEndpoint[0].Endpoint != nil {
		sides = append(sides, side{d.SourceDS, d.Req.SourceEndpoint[0].Endpoint.IP})
	}
	if len(d.Req.TargetEndpoint) > 0 && d.Req.TargetEndpoint[0].Endpoint != nil {
		sides = append(sides, side{d.TargetDS, d.Req.TargetEndpoint[0].Endpoint.IP})
	}
	out := []NetworkResult{}
	for _, s := range sides {
		res := NetworkResult{IP: sp(s.ip), Success: true, Status: "success", Result: sp("success")}
		if err := h.svc.TestDataSource(ctx, s.ds); err != nil {
			e := errs.As(err)
			res = NetworkResult{IP: sp(s.ip), Success: false, Status: "failed", Result: sp("failed"),
				ErrorCode: sp(drsCode(e)), ErrorMsg: sp(e.Message)}
		}
		out = append(out, res)
	}
	return out
}

// start creates and starts the job's project, or resumes it when paused or failed.
func (h *Handler) start(ctx context.Context, r *http.Request, d *jobDoc, restart bool) error {
	if d.Ended {
		return errs.New(errs.KindState, CodeState, "the job has ended", "Create a new job.")
	}
	v, err := h.view(ctx, d)
	if err != nil {
		return err
	}
	if v == nil {
		if restart {
			return errs.New(errs.KindState, CodeState, "the job has not started", "Use action start.")
		}
		p, err := d.buildProject(owner(r))
		if err != nil {
			return err
		}
		id, err := h.svc.CreateProject(ctx, p)
		if err != nil {
			return err
		}
		d.ProjectID = id
		if err := h.saveJob(ctx, d); err != nil {
			return err
		}
		if err := h.applyAlarm(ctx, d); err != nil {
			return err
		}
		return h.svc.StartProject(ctx, id)
	}
	switch v.Status {
	case model.StatusInit:
		return h.svc.StartProject(ctx, v.ID)
	case model.StatusSuspend, model.StatusFailed:
		return h.svc.ResumeProject(ctx, v.ID)
	}
	return errs.New(errs.KindState, CodeState, "the job cannot start while "+JobStatus(v, d.Ended), "")
}

func (h *Handler) executeAction(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Job *ActionReq `json:"job"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.Job == nil {
		return invalid("job is required")
	}
	d, err := h.loadJob(r.Context(), r.PathValue("project_id"), r.PathValue("job_id"))
	if err != nil {
		return err
	}
	qid, err := h.act(r.Context(), r, d, *body.Job)
	if err != nil {
		return err
	}
	writeJSON(w, map[string]string{"query_id": qid})
	return nil
}

// batchAction runs each action in order and stops at the first failure (answered as a DRS
// error naming the job).
func (h *Handler) batchAction(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Jobs []ActionReq `json:"jobs"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if len(body.Jobs) == 0 || len(body.Jobs) > 100 {
		return invalid("jobs must hold 1 to 100 actions")
	}
	out := []ActionResult{}
	for _, a := range body.Jobs {
		if a.JobID == "" {
			return invalid("jobs[].job_id is required")
		}
		d, err := h.loadJob(r.Context(), r.PathValue("project_id"), a.JobID)
		if err != nil {
			return err
		}
		qid, err := h.act(r.Context(), r, d, a)
		if err != nil {
			e := errs.As(err)
			return errs.New(e.Kind, drsCode(e), "job "+a.JobID+": "+e.Message, e.Advice)
		}
		out = append(out, ActionResult{QueryID: qid, ID: d.ID, Name: d.name()})
	}
	writeJSON(w, map[string]any{"jobs": out})
	return nil
}
