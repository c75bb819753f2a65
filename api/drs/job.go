package drs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// jobDoc is the stored DRS job. It never holds a password: the endpoints' passwords live,
// sealed, in the job's two data sources.
type jobDoc struct {
	ID           string           `json:"id"`
	DRSProject   string           `json:"drsProject"` // {project_id} of the path that created it
	Req          CreateJobReq     `json:"req"`        // as created/updated, passwords cleared
	SourceDS     string           `json:"sourceDs"`
	TargetDS     string           `json:"targetDs"`
	ProjectID    string           `json:"projectId"` // "" until started
	Ended        bool             `json:"ended"`
	Created      time.Time        `json:"created"`
	Queries      map[string]query `json:"queries"`
	LastPrecheck string           `json:"lastPrecheck"` // query id
	LastNetwork  string           `json:"lastNetwork"`
	Compares     []compareTask    `json:"compares"`
	Writable     bool             `json:"writable"`
}

// query is what an action's query_id points at.
type query struct {
	Kind       string          `json:"kind"` // network | precheck | compare | cloud_connection | other
	PrecheckID string          `json:"precheckId,omitempty"`
	Network    []NetworkResult `json:"network,omitempty"`
}

// compareTask is a comparison created with create_compare (or the automatic one of a job
// that verifies after the full copy).
type compareTask struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"` // object | lines | contents
	Created   time.Time `json:"created"`
	Cancelled bool      `json:"cancelled"`
}

func (d *jobDoc) name() string {
	if d.Req.BaseInfo == nil {
		return ""
	}
	return d.Req.BaseInfo.Name
}

func (d *jobDoc) taskType() string {
	if d.Req.BaseInfo == nil || d.Req.BaseInfo.TaskType == "" {
		return "FULL_TRANS"
	}
	return d.Req.BaseInfo.TaskType
}

// newJobID returns a 36-character UUID-shaped id ending in "jb20r", like DRS job ids.
func newJobID() string {
	id := httpx.NewRequestID()
	return id[:31] + "jb20r"
}

func (h *Handler) loadJob(ctx context.Context, pid, id string) (*jobDoc, error) {
	if len(id) > 64 {
		return nil, jobNotFound(id)
	}
	o, err := h.svc.GetDocument(ctx, service.DocDRSJob, id)
	if err != nil {
		if errs.As(err).Kind == errs.KindNotFound {
			return nil, jobNotFound(id)
		}
		return nil, err
	}
	var d jobDoc
	if err := json.Unmarshal(o.Doc, &d); err != nil {
		return nil, fmt.Errorf("decoding DRS job %s: %w", id, err)
	}
	if d.DRSProject != pid {
		return nil, jobNotFound(id)
	}
	if d.Queries == nil {
		d.Queries = map[string]query{}
	}
	return &d, nil
}

func (h *Handler) saveJob(ctx context.Context, d *jobDoc) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return h.svc.PutDocument(ctx, &service.Document{Kind: service.DocDRSJob, ID: d.ID, ProjectID: d.ProjectID, Name: d.name(), Doc: b, GmtCreate: d.Created})
}

// view returns the job's project, or nil before the job started.
func (h *Handler) view(ctx context.Context, d *jobDoc) (*service.ProjectView, error) {
	if d.ProjectID == "" {
		return nil, nil
	}
	v, err := h.svc.GetProject(ctx, d.ProjectID)
	if err != nil {
		if errs.As(err).Kind == errs.KindNotFound {
			return nil, nil
		}
		return nil, err
	}
	return v, nil
}

// Job statuses (drs-v5.md §9).
const (
	stConfiguration  = "CONFIGURATION"
	stStartFailed    = "START_JOB_FAILED"
	stPaused         = "PAUSING" // means "paused"
	stFullStarted    = "FULL_TRANSFER_STARTED"
	stFullFailed     = "FULL_TRANSFER_FAILED"
	stFullComplete   = "FULL_TRANSFER_COMPLETE"
	stIncrStarted    = "INCRE_TRANSFER_STARTED"
	stIncrFailed     = "INCRE_TRANSFER_FAILED"
	stReleaseStarted = "RELEASE_RESOURCE_STARTED"
	stReleased       = "RELEASE_RESOURCE_COMPLETE"
)

func incrStep(n model.StepName) bool {
	return n == model.StepIncr || n == model.StepIncrLogPull || n == model.StepReverseIncr || n == model.StepAppSwitch
}

// JobStatus maps a project (nil = not started) onto the DRS job status:
// INIT → CONFIGURATION; RUNNING → INCRE_TRANSFER_STARTED once incremental sync runs, else
// FULL_TRANSFER_STARTED; SUSPEND → PAUSING; FAILED → START_JOB_FAILED (precheck),
// INCRE_TRANSFER_FAILED or FULL_TRANSFER_FAILED by the failed step; FINISHED →
// FULL_TRANSFER_COMPLETE; RELEASING → RELEASE_RESOURCE_STARTED; RELEASED →
// RELEASE_RESOURCE_COMPLETE.
func JobStatus(v *service.ProjectView, ended bool) string {
	if v == nil {
		if ended {
			return stReleased
		}
		return stConfiguration
	}
	switch v.Status {
	case model.StatusInit:
		return stConfiguration
	case model.StatusRunning:
		for _, st := range v.Steps {
			if incrStep(st.Name) && (st.Status == model.StepRunning || st.Status == model.StepMonitoring) && st.Name != model.StepIncrLogPull {
				return stIncrStarted
			}
		}
		return stFullStarted
	case model.StatusSuspend:
		return stPaused
	case model.StatusFailed:
		for _, st := range v.Steps {
			if st.Status == model.StepFailed {
				switch {
				case st.Name == model.StepPrecheck:
					return stStartFailed
				case incrStep(st.Name):
					return stIncrFailed
				}
			}
		}
		return stFullFailed
	case model.StatusFinished:
		return stFullComplete
	case model.StatusReleasing:
		return stReleaseStarted
	case model.StatusReleased, model.StatusDeleted:
		return stReleased
	}
	return stConfiguration
}

// actionsFor lists the DRS actions available in a status (ShowActions, list job_action).
func actionsFor(status string) JobActions {
	all := []string{"START", "PAUSE", "CONTINUE_JOB", "RETRY", "STOP_JOB", "DELETE", "PRE_CHECK", "QUERY_PRE_CHECK"}
	var avail []string
	cur := "CREATE"
	switch status {
	case stConfiguration:
		avail, cur = []string{"START", "PRE_CHECK", "QUERY_PRE_CHECK", "STOP_JOB", "DELETE"}, "API_CONFIGURATION_ACTION"
	case stFullStarted, stIncrStarted:
		avail, cur = []string{"PAUSE", "STOP_JOB"}, "START"
	case stPaused:
		avail, cur = []string{"CONTINUE_JOB", "STOP_JOB"}, "PAUSE"
	case stFullFailed, stIncrFailed, stStartFailed:
		avail, cur = []string{"RETRY", "STOP_JOB"}, "START"
	case stFullComplete:
		avail, cur = []string{"STOP_JOB"}, "START"
	case stReleased:
		avail, cur = []string{"DELETE"}, "STOP_JOB"
	}
	var unavail []string
	for _, a := range all {
		found := false
		for _, b := range avail {
			found = found || a == b
		}
		if !found {
			unavail = append(unavail, a)
		}
	}
	if avail == nil {
		avail = []string{}
	}
	return JobActions{AvailableActions: avail, UnavailableActions: unavail, CurrentAction: cur}
}

// buildProject turns a job into the godwit project it runs. Objects come from db_object,
// else from the source endpoint's db_name.
func (d *jobDoc) buildProject(owner string) (model.Project, error) {
	p := model.Project{Name: d.name(), Type: model.ProjectMigration, Owner: owner,
		SourceEndpointID: d.SourceDS, SinkEndpointID: d.TargetDS}
	if bi := d.Req.BaseInfo; bi != nil && strings.EqualFold(bi.JobType, "sync") {
		p.Type = model.ProjectSync
	}
	dbs, err := d.databases()
	if err != nil {
		return model.Project{}, err
	}
	p.TransferMapping = model.TransferMapping{Mode: "SPECIFIC", Databases: dbs}
	switch d.taskType() {
	case "FULL_TRANS":
		p.EnableStructTransfer, p.EnableFullTransfer, p.EnableFullVerify = true, true, true
	case "FULL_INCR_TRANS":
		p.EnableStructTransfer, p.EnableFullTransfer, p.EnableIncrTransfer, p.EnableFullVerify = true, true, true, true
	case "INCR_TRANS":
		p.EnableIncrTransfer = true
	default:
		return model.Project{}, invalid("base_info.task_type %q must be FULL_TRANS, FULL_INCR_TRANS or INCR_TRANS", d.taskType())
	}
	return p, nil
}

func (d *jobDoc) databases() ([]model.DbObject, error) {
	obj := d.Req.DBObject
	if obj == nil || len(obj.ObjectInfo) == 0 {
		if len(d.Req.SourceEndpoint) > 0 && d.Req.SourceEndpoint[0].Endpoint != nil && d.Req.SourceEndpoint[0].Endpoint.DBName != "" {
			var out []model.DbObject
			for _, n := range strings.Split(d.Req.SourceEndpoint[0].Endpoint.DBName, ",") {
				if n = strings.TrimSpace(n); n != "" {
					out = append(out, model.DbObject{Name: n})
				}
			}
			return out, nil
		}
		return nil, invalid("the job selects no objects: set db_object (UpdateJob type db_object) or the source endpoint's db_name")
	}
	names := make([]string, 0, len(obj.ObjectInfo))
	for n := range obj.ObjectInfo {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []model.DbObject
	for _, n := range names {
		o := obj.ObjectInfo[n]
		db := model.DbObject{Name: n}
		if o.Name != nil {
			db.MappedName = *o.Name
		}
		tnames := make([]string, 0, len(o.Tables))
		for t := range o.Tables {
			tnames = append(tnames, t)
		}
		sort.Strings(tnames)
		all := o.All != nil && *o.All
		for _, t := range tnames {
			if all {
				break
			}
			to := o.Tables[t]
			tab := model.TableObject{Name: t}
			if to.Name != nil {
				tab.MappedName = *to.Name
			}
			if len(to.FilterConditions) > 0 {
				tab.WhereClause = to.FilterConditions[0]
			}
			if to.Type != nil && *to.Type == "view" {
				db.Views = append(db.Views, tab)
			} else {
				db.Tables = append(db.Tables, tab)
			}
		}
		out = append(out, db)
	}
	return out, nil
}

func owner(r *http.Request) string {
	if p, ok := httpx.PrincipalFrom(r.Context()); ok {
		return p.Name
	}
	return ""
}

func utc(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func utcp(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := utc(*t)
	return &s
}
