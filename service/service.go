package service

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/engine"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/state"
)

// Service implements API over a metadata store and an engine.
type Service struct {
	store  meta.Store
	eng    *engine.Engine
	log    *slog.Logger
	now    func() time.Time
	alarms *Alarms
	hist   *history // metric sampler (service/history.go); nil until SetHistory or the first sample
}

var _ API = (*Service)(nil)

// New returns the service.
func New(store meta.Store, eng *engine.Engine, log *slog.Logger) *Service {
	return &Service{store: store, eng: eng, log: log, now: time.Now, alarms: NewAlarms(AlarmConfig{}, log), hist: newHistory(HistoryConfig{})}
}

// SetAlarms replaces the alarm evaluator (configured by the server). Call before serving.
func (s *Service) SetAlarms(a *Alarms) { s.alarms = a }

// Alarms returns the alarm evaluator.
func (s *Service) Alarms() *Alarms { return s.alarms }

// Close is kept for the server's shutdown order: background work (standalone prechecks and
// verifications) runs as engine jobs, which Engine.Close cancels and waits for.
func (s *Service) Close() {}

// CreateDataSource validates, tests and stores a data source.
func (s *Service) CreateDataSource(ctx context.Context, ds model.DataSource, skipTest bool) (string, error) {
	ds.Name = strings.TrimSpace(ds.Name)
	ds.Type = model.DataSourceType(strings.ToUpper(string(ds.Type)))
	switch {
	case ds.Name == "":
		return "", errs.Invalid("name is required")
	case len(ds.Name) > 128:
		return "", errs.Invalid("name is longer than 128 characters")
	case model.CheckDisplayName(ds.Name) != nil:
		return "", checkDisplayName("name", ds.Name)
	case servedType(ds.Type) != nil:
		return "", servedType(ds.Type)
	case strings.TrimSpace(ds.Host) == "":
		return "", errs.Invalid("host is required")
	case ds.Port <= 0 || ds.Port > 65535:
		return "", errs.Invalid("port %d is out of range 1..65535", ds.Port)
	case ds.User == "" && !endpoint.UserOptional(ds.Type):
		return "", errs.Invalid("user is required")
	}
	if err := endpoint.CheckOptions(ds); err != nil {
		return "", err
	}
	if err := endpoint.CheckDataSource(ds); err != nil {
		return "", err
	}
	if !skipTest {
		ep, err := endpoint.Open(ctx, ds, endpoint.Options{MaxConns: 1})
		if err != nil {
			e := errs.As(err)
			msg := e.Message
			if !strings.HasPrefix(msg, "Connectivity test failed") {
				msg = "Connectivity test failed: " + msg
			}
			return "", errs.New(errs.KindInvalid, errs.CodeParam, msg, e.Advice).Wrap(e.Err)
		}
		ds.Version = ep.Version()
		ep.Close()
	}
	now := s.now().UTC()
	ds.ID = model.NewID("e")
	ds.GmtCreate, ds.GmtModified = now, now
	if err := s.store.CreateDataSource(ctx, &ds); err != nil {
		return "", err
	}
	s.log.Info("data source created", "id", ds.ID, "name", ds.Name, "type", ds.Type, "host", ds.Host, "port", ds.Port)
	return ds.ID, nil
}

// servedType refuses (PARAM_ERROR naming t and the supported types) a data-source type that
// no endpoint package registered (endpoint.Register) — one model knows but nothing serves
// would be stored and then fail the project at run time.
func servedType(t model.DataSourceType) error {
	reg := endpoint.Types()
	names := make([]string, len(reg))
	for i, r := range reg {
		if r == t && model.KnownDataSourceType(t) {
			return nil
		}
		names[i] = string(r)
	}
	return errs.Invalid("type %q is not a supported data source type: no endpoint serves it (supported: %s)", t, strings.Join(names, ", "))
}

// GetDataSource returns a data source without its password.
func (s *Service) GetDataSource(ctx context.Context, id string) (*model.DataSource, error) {
	ds, err := s.store.GetDataSource(ctx, id)
	if err != nil {
		return nil, err
	}
	ds.Password = ""
	return ds, nil
}

// ListDataSources lists data sources (passwords never filled).
func (s *Service) ListDataSources(ctx context.Context, f meta.DataSourceFilter) ([]model.DataSource, int64, error) {
	return s.store.ListDataSources(ctx, f)
}

// DeleteDataSource deletes an unused data source.
func (s *Service) DeleteDataSource(ctx context.Context, id string) error {
	return s.store.DeleteDataSource(ctx, id)
}

// CreateProject validates and stores a project in INIT.
func (s *Service) CreateProject(ctx context.Context, p model.Project) (string, error) {
	if err := s.validateProject(ctx, &p); err != nil {
		return "", err
	}
	if len(p.Labels) > 0 {
		if ls, err := s.resolveLabels(ctx, p.Labels); err == nil {
			p.Labels = ls
		}
	}
	now := s.now().UTC()
	p.ID = model.NewID("np")
	p.Status, p.Desired = model.StatusInit, model.StatusInit
	p.GmtCreate, p.GmtModified, p.GmtStart, p.GmtFinish = now, now, nil, nil
	names := p.EnabledSteps()
	list := make([]model.Step, len(names))
	for i, n := range names {
		list[i] = model.Step{ProjectID: p.ID, Order: i + 1, Name: n, Status: model.StepInit}
	}
	if err := s.store.CreateProject(ctx, &p, list); err != nil {
		return "", err
	}
	s.log.Info("project created", "id", p.ID, "name", p.Name, "steps", len(list))
	return p.ID, nil
}

func (s *Service) validateProject(ctx context.Context, p *model.Project) error {
	p.Name = strings.TrimSpace(p.Name)
	p.ApplyDefaults()
	switch {
	case p.Name == "":
		return errs.Invalid("name is required")
	case strings.ContainsAny(p.Name, " \t\r\n"):
		return errs.Invalid("name %q must not contain spaces", p.Name)
	case len(p.Name) > 128:
		return errs.Invalid("name is longer than 128 characters")
	case model.CheckDisplayName(p.Name) != nil:
		return checkDisplayName("name", p.Name)
	case p.Type != model.ProjectMigration && p.Type != model.ProjectSync:
		return errs.Invalid("type %q must be MIGRATION or SYNC", p.Type)
	case p.TransferMapping.Mode != "SPECIFIC" && p.TransferMapping.Mode != "WILDCARD":
		return errs.Invalid("transferMapping.mode %q must be SPECIFIC or WILDCARD", p.TransferMapping.Mode)
	case len(p.TransferMapping.Databases) == 0:
		return errs.Invalid("transferMapping.databases must name at least one database")
	}
	switch p.Importance {
	case "HIGH", "MEDIUM", "LOW", "IGNORE":
	default:
		return errs.Invalid("importance %q must be HIGH, MEDIUM, LOW or IGNORE", p.Importance)
	}
	for _, m := range []string{p.FullTransferConfig.FullTransferSpeedMode, p.FullTransferConfig.FullVerifySpeedMode} {
		switch m {
		case "STEADY", "NORMAL", "FAST", "CUSTOM":
		default:
			return errs.Invalid("speed mode %q must be STEADY, NORMAL or FAST", m)
		}
	}
	if f := p.FullTransferConfig; f.ReadWorkerNum > 256 || f.WriteWorkerNum > 256 {
		return errs.Invalid("readWorkerNum/writeWorkerNum must be at most 256")
	}
	if n := p.FullTransferConfig.ChunkRows; n < 0 || n > 1_000_000 {
		return errs.Invalid("fullTransferConfig.chunkRows %d must be between 0 (automatic) and 1000000", n)
	}
	if t := p.FullTransferConfig.ThrottleRps; t != nil && *t < 0 {
		return errs.Invalid("fullTransferConfig.throttleRps must not be negative")
	}
	if err := validateIncr(&p.IncrTransferConfig); err != nil {
		return err
	}
	if err := validateSwitch(p); err != nil {
		return err
	}
	if !(p.EnableStructTransfer || p.EnableFullTransfer || p.EnableIncrTransfer || p.EnableFullVerify || p.EnableReverseIncrTransfer) {
		return errs.Invalid("the project enables no step: set at least one of enableStructTransfer, enableFullTransfer, enableIncrTransfer, enableFullVerify")
	}
	for _, d := range p.TransferMapping.Databases {
		if strings.TrimSpace(d.Name) == "" {
			return errs.Invalid("transferMapping.databases[].name is required")
		}
		for _, t := range append(append([]model.TableObject{}, d.Tables...), d.Views...) {
			if strings.TrimSpace(t.Name) == "" {
				return errs.Invalid("a table or view in database %s has no name", d.Name)
			}
			if err := checkWhere(p.EnableIncrTransfer, d.Name, t); err != nil {
				return err
			}
		}
	}
	src, err := s.store.GetDataSource(ctx, p.SourceEndpointID)
	if err != nil {
		return sideErr("sourceEndpointId", p.SourceEndpointID, err)
	}
	dst, err := s.store.GetDataSource(ctx, p.SinkEndpointID)
	if err != nil {
		return sideErr("sinkEndpointId", p.SinkEndpointID, err)
	}
	if src.ID == dst.ID {
		return errs.Invalid("sourceEndpointId and sinkEndpointId are the same data source")
	}
	if err := endpoint.CheckProject(p, src.Type, dst.Type); err != nil {
		return err
	}
	if err := mqSettingsOnlyForMQ(p, dst.Type); err != nil {
		return err
	}
	rules := rulesFor(p, src.Type, dst.Type)
	if err := rules.mapping("transferMapping.databases", p.TransferMapping.Databases); err != nil {
		return err
	}
	same := strings.EqualFold(src.Host, dst.Host) && src.Port == dst.Port && src.Host != ""
	if err := collisions("transferMapping.databases", p.TransferMapping.Databases, same); err != nil {
		return err
	}
	return rules.checkpointSchema(p)
}

// checkWhere validates a table's whereClause before any server is contacted: syntax and
// safety, and with incremental sync that it uses only what the source's Go evaluator
// implements (incremental apply judges every change by it; column types are checked by
// precheck and the steps). The error names the table.
func checkWhere(incr bool, db string, t model.TableObject) error {
	check := endpoint.CheckFilterSyntax
	if incr {
		check = endpoint.CheckRowFilterSyntax
	}
	err := check(t.WhereClause)
	if err == nil {
		return nil
	}
	e := *errs.As(err)
	e.Message = fmt.Sprintf("table %s.%s: %s", db, t.Name, e.Message)
	return e.With("table", db+"."+t.Name).With("filter", t.WhereClause)
}

func sideErr(field, id string, err error) error {
	if id == "" {
		return errs.Invalid("%s is required", field)
	}
	return err
}

// GetProject returns the project with its steps and data sources.
func (s *Service) GetProject(ctx context.Context, id string) (*ProjectView, error) {
	p, err := s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, p)
}

func (s *Service) view(ctx context.Context, p *model.Project) (*ProjectView, error) {
	v := &ProjectView{Project: *p}
	var err error
	if v.Steps, err = s.store.ListSteps(ctx, p.ID); err != nil {
		return nil, err
	}
	if ds, err := s.GetDataSource(ctx, p.SourceEndpointID); err == nil {
		v.Source = ds
	}
	if ds, err := s.GetDataSource(ctx, p.SinkEndpointID); err == nil {
		v.Sink = ds
	}
	for _, st := range v.Steps {
		if v.Extra.RunningStep == "" && st.Status != model.StepFinished && p.Status != model.StatusInit {
			v.Extra.RunningStep, v.Extra.RunningProgress = string(st.Name), st.Progress
		}
		if st.Name == model.StepIncr && st.Status == model.StepMonitoring {
			v.Extra.MonitoringIncr = true
		}
		if st.Name == model.StepIncr {
			s.incrExtra(ctx, p, &v.Extra)
		}
	}
	s.fillRates(v)
	if s.alarms != nil {
		st := s.alarms.Stats(p.ID)
		if r, err := s.GetAlarmRule(ctx, p.ID); err == nil && r != nil && r.DelaySeconds > 0 {
			st.OpenMonitor = true
		}
		v.Alarm = &st
	}
	return v, nil
}

// ListProjects lists projects with their steps.
func (s *Service) ListProjects(ctx context.Context, f meta.ProjectFilter) ([]ProjectView, int64, error) {
	ps, total, err := s.store.ListProjects(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ProjectView, 0, len(ps))
	for i := range ps {
		v, err := s.view(ctx, &ps[i])
		if err != nil {
			return nil, 0, err
		}
		out = append(out, *v)
	}
	return out, total, nil
}

// Steps returns the project's steps in order.
func (s *Service) Steps(ctx context.Context, id string) ([]model.Step, error) {
	p, err := s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	steps, err := s.store.ListSteps(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &ProjectView{Project: *p, Steps: steps}
	s.fillRates(v) // rates the sampler derived for steps that do not measure their own
	return v.Steps, nil
}

// Progress summarises the project for DescribeProjectProgress and V3.3 progress.
func (s *Service) Progress(ctx context.Context, id string) (*Progress, error) {
	v, err := s.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	pr := &Progress{ProjectID: v.ID, Status: v.Status, Importance: v.Importance,
		EnableStruct: v.EnableStructTransfer, EnableFull: v.EnableFullTransfer, EnableIncr: v.EnableIncrTransfer,
		EnableReverse: v.EnableReverseIncrTransfer, Updated: v.GmtModified}
	for _, st := range v.Steps {
		switch st.Name {
		case model.StepStruct:
			pr.StructProgress = st.Progress
		case model.StepFull:
			pr.FullProgress = st.Progress
		case model.StepIncr:
			pr.IncrCheckpoint = st.Info.IncrTimestampCheckpoint
		case model.StepReverseIncr:
			pr.ReverseIncrCheckpoint = st.Info.IncrTimestampCheckpoint
		}
		if pr.CurrentStep == "" && st.Name != model.StepFullVerify && st.Status != model.StepFinished {
			pr.CurrentStep = st.Name
		}
	}
	return pr, nil
}

// Tables returns per-table progress of a step.
func (s *Service) Tables(ctx context.Context, id string, step model.StepName) ([]meta.TableState, error) {
	if _, err := s.store.GetProject(ctx, id); err != nil {
		return nil, err
	}
	if step == "" {
		step = model.StepFull
	}
	known := false
	for _, n := range model.StepOrder {
		known = known || n == step
	}
	if !known {
		return nil, errs.Invalid("step %q is not a step name", step)
	}
	return s.store.ListTables(ctx, id, step)
}

// Logs lists project log entries.
func (s *Service) Logs(ctx context.Context, f meta.LogFilter) ([]meta.LogEntry, int64, error) {
	if _, err := s.store.GetProject(ctx, f.ProjectID); err != nil {
		return nil, 0, err
	}
	return s.store.ListLogs(ctx, f)
}

// PrecheckResult returns the items of the last precheck (empty before it ran).
func (s *Service) PrecheckResult(ctx context.Context, id string) ([]endpoint.CheckItem, error) {
	if _, err := s.store.GetProject(ctx, id); err != nil {
		return nil, err
	}
	b, err := s.store.GetState(ctx, id, state.Precheck)
	if err != nil || b == nil {
		return []endpoint.CheckItem{}, err
	}
	var items []endpoint.CheckItem
	if err := json.Unmarshal(b, &items); err != nil {
		return nil, fmt.Errorf("decoding precheck items: %w", err)
	}
	return items, nil
}

// StartProject starts an INIT project.
func (s *Service) StartProject(ctx context.Context, id string) error {
	return s.eng.StartProject(ctx, id)
}

// StopProject suspends a RUNNING project.
func (s *Service) StopProject(ctx context.Context, id string) error {
	return s.eng.StopProject(ctx, id)
}

// ResumeProject resumes a SUSPEND or FAILED project.
func (s *Service) ResumeProject(ctx context.Context, id string) error {
	return s.eng.ResumeProject(ctx, id)
}

// ReleaseProject releases a stopped, failed or finished project.
func (s *Service) ReleaseProject(ctx context.Context, id string) error {
	return s.eng.ReleaseProject(ctx, id)
}

// DeleteProject deletes an INIT or RELEASED project.
func (s *Service) DeleteProject(ctx context.Context, id string) error {
	if err := s.eng.DeleteProject(ctx, id); err != nil {
		return err
	}
	s.forgetAlarms(ctx, id)
	return nil
}
