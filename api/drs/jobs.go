package drs

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

var jobNameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{3,49}$`)

// dbTypes maps DRS db_type to the godwit data-source type for the engines godwit serves.
var dbTypes = map[string]model.DataSourceType{"mysql": model.TypeMySQL, "mariadb": model.TypeMariaDB, "postgresql": model.TypePostgreSQL}

// validate checks a create request and returns the source and target data sources.
func (req *CreateJobReq) validate() (src, dst model.DataSource, err error) {
	bi := req.BaseInfo
	switch {
	case bi == nil:
		return src, dst, invalid("job.base_info is required")
	case !jobNameRe.MatchString(bi.Name):
		return src, dst, invalid("base_info.name must be 4 to 50 letters, digits, '-' or '_', starting with a letter")
	case bi.Description != nil && (len(*bi.Description) > 256 || strings.ContainsAny(*bi.Description, "!<>&'\"\\")):
		return src, dst, invalid("base_info.description must be at most 256 characters without !<>&'\"\\")
	case len(req.SourceEndpoint) != 1 || len(req.TargetEndpoint) != 1:
		return src, dst, invalid("exactly one source_endpoint and one target_endpoint are required")
	}
	switch strings.ToLower(bi.JobType) {
	case "", "migration", "sync":
	default:
		return src, dst, unsupported("job_type " + bi.JobType)
	}
	switch bi.TaskType {
	case "", "FULL_TRANS", "FULL_INCR_TRANS", "INCR_TRANS":
	default:
		return src, dst, invalid("base_info.task_type must be FULL_TRANS, FULL_INCR_TRANS or INCR_TRANS")
	}
	if bi.ExpiredDays != nil {
		n, err := strconv.Atoi(string(*bi.ExpiredDays))
		if err != nil || n < 14 || n > 100 {
			return src, dst, invalid("base_info.expired_days must be between 14 and 100")
		}
	}
	if src, err = endpointDS(req.SourceEndpoint[0], "so", "source_endpoint"); err != nil {
		return
	}
	dst, err = endpointDS(req.TargetEndpoint[0], "ta", "target_endpoint")
	return
}

func endpointDS(e EndpointInfo, role, field string) (model.DataSource, error) {
	typ, ok := dbTypes[strings.ToLower(e.DBType)]
	switch {
	case !ok:
		return model.DataSource{}, unsupported(field + ".db_type " + strconvQuote(e.DBType) + " (godwit serves mysql, mariadb and postgresql)")
	case e.EndpointRole != "" && e.EndpointRole != role:
		return model.DataSource{}, invalid("%s.endpoint_role must be %s", field, role)
	case e.Endpoint == nil:
		return model.DataSource{}, invalid("%s.endpoint is required", field)
	case strings.TrimSpace(e.Endpoint.IP) == "":
		return model.DataSource{}, invalid("%s.endpoint.ip is required", field)
	case e.Endpoint.DBUser == "":
		return model.DataSource{}, invalid("%s.endpoint.db_user is required", field)
	}
	port := 3306
	if typ == model.TypePostgreSQL {
		port = 5432
	}
	if e.Endpoint.DBPort != nil {
		n, err := strconv.Atoi(string(*e.Endpoint.DBPort))
		if err != nil || n < 1 || n > 65535 {
			return model.DataSource{}, invalid("%s.endpoint.db_port must be a port number 1..65535", field)
		}
		port = n
	}
	ds := model.DataSource{Type: typ, Host: strings.TrimSpace(e.Endpoint.IP), Port: port, User: e.Endpoint.DBUser, Password: e.Endpoint.DBPassword}
	if typ == model.TypePostgreSQL && e.Endpoint.DBName != "" { // the PostgreSQL database; MySQL databases become its schemas
		ds.Options = map[string]string{"database": e.Endpoint.DBName}
	}
	return ds, nil
}

func strconvQuote(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strconv.Quote(s)
}

// create stores a job: its two data sources (not connected yet: the network action tests
// them) and its document with the passwords cleared.
func (h *Handler) create(ctx context.Context, r *http.Request, pid string, req CreateJobReq) (*jobDoc, error) {
	src, dst, err := req.validate()
	if err != nil {
		return nil, err
	}
	if req.DBObject != nil {
		switch req.DBObject.ObjectScope {
		case "all", "database", "table":
		default:
			return nil, invalid("db_object.object_scope must be all, database or table")
		}
	}
	d := &jobDoc{ID: newJobID(), DRSProject: pid, Created: h.now().UTC(), Queries: map[string]query{}, Writable: true}
	short := d.ID[:8]
	src.Name, dst.Name = "drs-"+short+"-source", "drs-"+short+"-target"
	src.Owner, dst.Owner = owner(r), owner(r)
	src.Description = "DRS job " + d.ID
	dst.Description = src.Description
	if d.SourceDS, err = h.svc.CreateDataSource(ctx, src, true); err != nil {
		return nil, err
	}
	if d.TargetDS, err = h.svc.CreateDataSource(ctx, dst, true); err != nil {
		_ = h.svc.DeleteDataSource(ctx, d.SourceDS)
		return nil, err
	}
	d.Req = req
	if err := h.validateObjects(ctx, r, d); err != nil {
		_ = h.svc.DeleteDataSource(ctx, d.SourceDS)
		_ = h.svc.DeleteDataSource(ctx, d.TargetDS)
		return nil, err
	}
	req.SourceEndpoint[0].Endpoint.DBPassword = ""
	req.TargetEndpoint[0].Endpoint.DBPassword = ""
	req.SourceEndpoint[0].Endpoint.ID, req.TargetEndpoint[0].Endpoint.ID = d.SourceDS, d.TargetDS
	d.Req = req
	if err := h.saveJob(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

func (h *Handler) createJob(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Job *CreateJobReq `json:"job"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.Job == nil {
		return invalid("job is required")
	}
	d, err := h.create(r.Context(), r, r.PathValue("project_id"), *body.Job)
	if err != nil {
		return err
	}
	writeJSON(w, CreateJobResp{ID: d.ID, Name: d.name(), Status: "CREATING", CreateTime: utc(d.Created), IsCloneJob: "false"})
	return nil
}

// batchCreate creates every job at once and answers an async job id (DRS validates
// asynchronously; godwit has already validated when it answers).
func (h *Handler) batchCreate(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Jobs []CreateJobReq `json:"jobs"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if len(body.Jobs) == 0 || len(body.Jobs) > 100 {
		return invalid("jobs must hold 1 to 100 jobs")
	}
	for _, j := range body.Jobs {
		if _, _, err := j.validate(); err != nil {
			return err
		}
	}
	var ids []string
	for _, j := range body.Jobs {
		d, err := h.create(r.Context(), r, r.PathValue("project_id"), j)
		if err != nil {
			return err
		}
		ids = append(ids, d.ID)
	}
	async := newJobID()
	h.log.Info("DRS batch create", "async_job_id", async, "jobs", strings.Join(ids, ","))
	writeJSON(w, map[string]any{"job": map[string]string{"async_job_id": async}})
	return nil
}

func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, invalid("%s must be an integer between %d and %d", name, lo, hi)
	}
	return n, nil
}

// listJobs: filters job_type (required by the SDK; any value matches godwit's jobs when it is
// migration or sync), name (substring), status, engine_type, net_type; offset/limit;
// sort_key create_time|name|status; sort_dir asc|desc.
func (h *Handler) listJobs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, err := queryInt(r, "offset", 0, 0, 1_000_000)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 10, 1, 1000)
	if err != nil {
		return err
	}
	sortKey, sortDir := q.Get("sort_key"), strings.ToLower(q.Get("sort_dir"))
	switch sortKey {
	case "", "create_time", "name", "status", "net_type", "job_direction", "pay_mode":
	default:
		return invalid("sort_key must be one of name, status, create_time, net_type, job_direction, pay_mode")
	}
	if sortDir != "" && sortDir != "asc" && sortDir != "desc" {
		return invalid("sort_dir must be asc or desc")
	}
	objs, _, err := h.svc.ListDocuments(r.Context(), service.DocumentFilter{Kind: service.DocDRSJob})
	if err != nil {
		return err
	}
	items := []JobListItem{}
	for _, o := range objs {
		var d jobDoc
		if json.Unmarshal(o.Doc, &d) != nil || d.DRSProject != r.PathValue("project_id") {
			continue
		}
		v, err := h.view(r.Context(), &d)
		if err != nil {
			return err
		}
		it := listItem(&d, JobStatus(v, d.Ended))
		if !matches(q.Get("job_type"), it.JobType) || !matches(q.Get("status"), it.Status) ||
			!matches(q.Get("engine_type"), it.EngineType) || !matches(q.Get("net_type"), it.NetType) ||
			(q.Get("name") != "" && !strings.Contains(strings.ToLower(it.Name), strings.ToLower(q.Get("name")))) {
			continue
		}
		items = append(items, it)
	}
	slices.SortStableFunc(items, func(a, b JobListItem) int {
		var c int
		switch sortKey {
		case "name":
			c = strings.Compare(a.Name, b.Name)
		case "status":
			c = strings.Compare(a.Status, b.Status)
		default:
			c = strings.Compare(a.CreateTime, b.CreateTime)
		}
		if sortDir != "asc" {
			c = -c
		}
		return c
	})
	total := len(items)
	lo := min(offset, total)
	writeJSON(w, map[string]any{"total_count": total, "jobs": items[lo:min(lo+limit, total)]})
	return nil
}

// matches: an empty filter matches; job_type "migration" also matches sync jobs' parents (INF).
func matches(filter, v string) bool { return filter == "" || strings.EqualFold(filter, v) }

func listItem(d *jobDoc, status string) JobListItem {
	bi := d.Req.BaseInfo
	if bi == nil {
		bi = &BaseInfo{}
	}
	desc := ""
	if bi.Description != nil {
		desc = *bi.Description
	}
	or := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	acts := actionsFor(status)
	return JobListItem{ID: d.ID, Name: bi.Name, Status: status, Description: desc, CreateTime: utc(d.Created),
		EngineType: or(bi.EngineType, "mysql-to-mysql"), NetType: or(bi.NetType, "vpc"), ChargingMode: or(bi.ChargingMode, "on_demand"),
		JobDirection: or(bi.JobDirection, "non-dbs"), JobType: or(strings.ToLower(bi.JobType), "migration"), TaskType: d.taskType(),
		EnterpriseProjectID: or(bi.EnterpriseProjectID, "0"), JobMode: "single", JobModeRole: "parent", NodeRole: "",
		JobAction: &acts}
}

// updateJob: type name | description | expired_days | notify | db_object | policy | all.
func (h *Handler) updateJob(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Job *struct {
			Type   string        `json:"type"`
			Params *CreateJobReq `json:"params"`
		} `json:"job"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.Job == nil || body.Job.Params == nil {
		return invalid("job.type and job.params are required")
	}
	d, err := h.loadJob(r.Context(), r.PathValue("project_id"), r.PathValue("job_id"))
	if err != nil {
		return err
	}
	p := body.Job.Params
	if d.ProjectID != "" && body.Job.Type != "notify" && body.Job.Type != "name" && body.Job.Type != "description" {
		return errs.New(errs.KindState, CodeState, "the job has started; only name, description and notify can change", "")
	}
	if d.Req.BaseInfo == nil {
		d.Req.BaseInfo = &BaseInfo{}
	}
	switch body.Job.Type {
	case "name":
		if p.BaseInfo == nil || !jobNameRe.MatchString(p.BaseInfo.Name) {
			return invalid("params.base_info.name must be 4 to 50 letters, digits, '-' or '_'")
		}
		d.Req.BaseInfo.Name = p.BaseInfo.Name
	case "description":
		if p.BaseInfo == nil || p.BaseInfo.Description == nil {
			return invalid("params.base_info.description is required")
		}
		d.Req.BaseInfo.Description = p.BaseInfo.Description
	case "expired_days":
		if p.BaseInfo == nil || p.BaseInfo.ExpiredDays == nil {
			return invalid("params.base_info.expired_days is required")
		}
		d.Req.BaseInfo.ExpiredDays = p.BaseInfo.ExpiredDays
	case "notify":
		if p.AlarmNotify == nil {
			return invalid("params.alarm_notify is required")
		}
		d.Req.AlarmNotify = p.AlarmNotify
		if err := h.applyAlarm(r.Context(), d); err != nil {
			return err
		}
	case "db_object":
		if p.DBObject == nil {
			return invalid("params.db_object is required")
		}
		d.Req.DBObject = p.DBObject
		if _, err := d.databases(); err != nil {
			return err
		}
		if err := h.validateObjects(r.Context(), r, d); err != nil {
			return err
		}
	case "policy":
		d.Req.PolicyConfig = p.PolicyConfig
	case "all":
		if p.DBObject != nil {
			d.Req.DBObject = p.DBObject
			if err := h.validateObjects(r.Context(), r, d); err != nil {
				return err
			}
		}
		if p.PolicyConfig != nil {
			d.Req.PolicyConfig = p.PolicyConfig
		}
		if p.AlarmNotify != nil {
			d.Req.AlarmNotify = p.AlarmNotify
		}
	default:
		return unsupported("UpdateJob type " + strconvQuote(body.Job.Type))
	}
	if err := h.saveJob(r.Context(), d); err != nil {
		return err
	}
	v, err := h.view(r.Context(), d)
	if err != nil {
		return err
	}
	writeJSON(w, map[string]string{"id": d.ID, "name": d.name(), "status": JobStatus(v, d.Ended), "error_code": "", "error_msg": ""})
	return nil
}

// validateObjects checks the project the job will create (its object names against the
// endpoints' identifier rules and system schemas) as soon as the job selects objects, so a
// bad name is refused when the job is created or changed, not when it starts.
func (h *Handler) validateObjects(ctx context.Context, r *http.Request, d *jobDoc) error {
	p, err := d.buildProject(owner(r))
	if err != nil {
		return nil // no objects selected yet (or no task type): start reports it
	}
	return h.svc.ValidateProject(ctx, p)
}

// applyAlarm copies alarm_notify.delay_time onto the project's alarm rule.
func (h *Handler) applyAlarm(ctx context.Context, d *jobDoc) error {
	a := d.Req.AlarmNotify
	if d.ProjectID == "" || a == nil {
		return nil
	}
	rule := service.AlarmRule{Notify: a.AlarmToUser}
	if a.DelayTime != nil {
		if *a.DelayTime < 1 || *a.DelayTime > 3600 {
			return invalid("alarm_notify.delay_time must be between 1 and 3600 seconds")
		}
		rule.DelaySeconds = *a.DelayTime
	}
	if a.TopicURN != nil {
		rule.Topic = *a.TopicURN
	}
	return h.svc.SetAlarmRule(ctx, d.ProjectID, rule)
}

// end terminates a job: a running job is stopped, then its project released.
func (h *Handler) end(ctx context.Context, d *jobDoc) error {
	v, err := h.view(ctx, d)
	if err != nil {
		return err
	}
	if v != nil {
		if v.Status == model.StatusRunning {
			if err := h.svc.StopProject(ctx, v.ID); err != nil {
				return err
			}
			v.Status = model.StatusSuspend
		}
		switch v.Status {
		case model.StatusSuspend, model.StatusFailed, model.StatusFinished:
			if err := h.svc.ReleaseProject(ctx, v.ID); err != nil {
				return err
			}
		}
	}
	d.Ended = true
	return h.saveJob(ctx, d)
}

func (h *Handler) stopJob(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		IsForceStop *bool `json:"is_force_stop"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	d, err := h.loadJob(r.Context(), r.PathValue("project_id"), r.PathValue("job_id"))
	if err != nil {
		return err
	}
	if err := h.end(r.Context(), d); err != nil {
		return err
	}
	writeJSON(w, JobResult{ID: d.ID, Name: d.name(), Status: "success"})
	return nil
}

func (h *Handler) batchStop(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Jobs []struct {
			JobID string `json:"job_id"`
		} `json:"jobs"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if len(body.Jobs) == 0 || len(body.Jobs) > 100 {
		return invalid("jobs must hold 1 to 100 job ids")
	}
	out := []JobResult{}
	for _, j := range body.Jobs {
		res := JobResult{ID: j.JobID, Status: "success"}
		d, err := h.loadJob(r.Context(), r.PathValue("project_id"), j.JobID)
		if err == nil {
			res.Name = d.name()
			err = h.end(r.Context(), d)
		}
		failed(&res, err)
		out = append(out, res)
	}
	writeJSON(w, map[string]any{"jobs": out})
	return nil
}

func failed(res *JobResult, err error) {
	if err == nil {
		return
	}
	e := errs.As(err)
	res.Status, res.ErrorCode, res.ErrorMsg = "failed", drsCode(e), e.Message
}

// remove deletes an ended (or never started) job with its project and data sources.
func (h *Handler) remove(ctx context.Context, d *jobDoc) error {
	v, err := h.view(ctx, d)
	if err != nil {
		return err
	}
	if v != nil {
		switch v.Status {
		case model.StatusInit, model.StatusReleased:
			if err := h.svc.DeleteProject(ctx, v.ID); err != nil {
				return err
			}
		default:
			return errs.New(errs.KindState, CodeState, "the job must be ended before it is deleted (status "+JobStatus(v, d.Ended)+")",
				"End it with POST /v5/{project_id}/jobs/{job_id}/stop first.")
		}
	}
	for _, id := range []string{d.SourceDS, d.TargetDS} {
		if err := h.svc.DeleteDataSource(ctx, id); err != nil && errs.As(err).Kind != errs.KindNotFound {
			return err
		}
	}
	return h.svc.DeleteDocument(ctx, service.DocDRSJob, d.ID)
}

func (h *Handler) deleteJob(w http.ResponseWriter, r *http.Request) error {
	d, err := h.loadJob(r.Context(), r.PathValue("project_id"), r.PathValue("job_id"))
	if err != nil {
		return err
	}
	if err := h.remove(r.Context(), d); err != nil {
		return err
	}
	writeJSON(w, map[string]any{})
	return nil
}

func (h *Handler) batchDelete(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Jobs []string `json:"jobs"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if len(body.Jobs) == 0 || len(body.Jobs) > 100 {
		return invalid("jobs must hold 1 to 100 job ids")
	}
	out := []JobResult{}
	for _, id := range body.Jobs {
		res := JobResult{ID: id, Status: "success"}
		d, err := h.loadJob(r.Context(), r.PathValue("project_id"), id)
		if err == nil {
			res.Name = d.name()
			err = h.remove(r.Context(), d)
		}
		failed(&res, err)
		out = append(out, res)
	}
	writeJSON(w, map[string]any{"jobs": out})
	return nil
}

func (h *Handler) showActions(w http.ResponseWriter, r *http.Request) error {
	d, err := h.loadJob(r.Context(), r.PathValue("project_id"), r.PathValue("job_id"))
	if err != nil {
		return err
	}
	v, err := h.view(r.Context(), d)
	if err != nil {
		return err
	}
	writeJSON(w, map[string]any{"job_action": switchActions(actionsFor(JobStatus(v, d.Ended)), v)})
	return nil
}
