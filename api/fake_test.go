package api_test

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// fakeService is a small in-memory implementation of OUR service.API, so the adapters can be
// tested while the real service is written in parallel. It follows the service contract:
// errs codes for unknown ids, OMS lifecycle rules (oms-v2.md §8), connectivity failures as
// PARAM_ERROR "Connectivity test failed…", passwords never returned.
type fakeService struct {
	service.VerifyAPI // nil: the fake does not implement verification; calls panic (recovered as 500)
	service.IncrAPI
	service.MonitorAPI // nil: metric history is tested over the real service
	service.OpsAPI     // nil: ops actions are tested over the real service (api/realsvc, api/drs)
	service.SwitchAPI  // nil: switchover is tested over the real service (e2e)

	mu        sync.Mutex
	clock     time.Time
	ds        map[string]*model.DataSource // with Password, as a store would keep it
	projects  map[string]*model.Project
	steps     map[string][]model.Step
	progress  map[string]*service.Progress // overrides the derived progress
	lastProj  model.Project                // the last project given to CreateProject
	lastDSReq []model.DataSource           // every data source given to CreateDataSource
}

// Hosts and ids with special behaviour.
const (
	unreachableHost = "unreachable.invalid"
	panicID         = "np_panic"
	bugID           = "np_bug"
	bugSecret       = "dial tcp 10.9.9.9: secret-internal-detail"
)

var _ service.API = (*fakeService)(nil)

func newFake() *fakeService {
	return &fakeService{
		clock:    time.Date(2025, 1, 6, 2, 10, 0, 0, time.UTC),
		ds:       map[string]*model.DataSource{},
		projects: map[string]*model.Project{},
		steps:    map[string][]model.Step{},
		progress: map[string]*service.Progress{},
	}
}

func (f *fakeService) tick() time.Time { f.clock = f.clock.Add(time.Second); return f.clock }

func (f *fakeService) CreateDataSource(_ context.Context, ds model.DataSource, skipTest bool) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastDSReq = append(f.lastDSReq, ds)
	if ds.Name == "" {
		return "", errs.Invalid("name is required")
	}
	if !model.KnownDataSourceType(ds.Type) {
		return "", errs.Invalid("unknown data source type %q", ds.Type)
	}
	if !skipTest && ds.Host == unreachableHost {
		return "", errs.New(errs.KindInvalid, errs.CodeParam, // as the real service does
			"Connectivity test failed: cannot connect to "+ds.Host, "Check host, port and credentials.")
	}
	for _, o := range f.ds {
		if o.Name == ds.Name {
			return "", errs.New(errs.KindConflict, errs.CodeDataSourceDup, "data source name "+ds.Name+" is taken", "Choose another name.")
		}
	}
	ds.ID = model.NewID("e")
	ds.Version = "10.11.6-MariaDB"
	ds.GmtCreate, ds.GmtModified = f.tick(), f.clock
	f.ds[ds.ID] = &ds
	return ds.ID, nil
}

func (f *fakeService) GetDataSource(_ context.Context, id string) (*model.DataSource, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.getDS(id)
}

func (f *fakeService) getDS(id string) (*model.DataSource, error) {
	ds, ok := f.ds[id]
	if !ok {
		return nil, errs.DataSourceNotFound(id)
	}
	c := *ds
	c.Password = ""
	return &c, nil
}

func (f *fakeService) ListDataSources(_ context.Context, flt meta.DataSourceFilter) ([]model.DataSource, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.DataSource
	for _, ds := range f.ds {
		if flt.SearchKey != "" && !strings.Contains(ds.Name, flt.SearchKey) && ds.ID != flt.SearchKey {
			continue
		}
		if len(flt.Types) > 0 && !slices.Contains(flt.Types, string(ds.Type)) {
			continue
		}
		c := *ds
		c.Password = ""
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b model.DataSource) int {
		if flt.Asc {
			return a.GmtCreate.Compare(b.GmtCreate)
		}
		return b.GmtCreate.Compare(a.GmtCreate)
	})
	return page(out, flt.Page, flt.Size), int64(len(out)), nil
}

func page[T any](all []T, num, size int) []T {
	if size <= 0 {
		return all
	}
	lo := min(max(num-1, 0)*size, len(all))
	return all[lo:min(lo+size, len(all))]
}

func (f *fakeService) DeleteDataSource(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ds[id]; !ok {
		return errs.DataSourceNotFound(id)
	}
	for _, p := range f.projects {
		if p.SourceEndpointID == id || p.SinkEndpointID == id {
			return errs.New(errs.KindConflict, errs.CodeDataSourceInUse, "data source "+id+" is used by project "+p.ID, "Delete the project first.")
		}
	}
	delete(f.ds, id)
	return nil
}

func (f *fakeService) CreateProject(_ context.Context, p model.Project) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastProj = p
	for _, id := range []string{p.SourceEndpointID, p.SinkEndpointID} {
		if _, ok := f.ds[id]; !ok {
			return "", errs.DataSourceNotFound(id)
		}
	}
	p.ApplyDefaults()
	p.ID = model.NewID("np")
	p.Status = model.StatusInit
	p.GmtCreate, p.GmtModified = f.tick(), f.clock
	f.projects[p.ID] = &p
	var steps []model.Step
	for i, n := range p.EnabledSteps() {
		steps = append(steps, model.Step{ProjectID: p.ID, Order: i + 1, Name: n, Status: model.StepInit})
	}
	f.steps[p.ID] = steps
	return p.ID, nil
}

func (f *fakeService) project(id string) (*model.Project, error) {
	switch id {
	case panicID:
		panic("fake service: deliberate panic for " + id)
	case bugID:
		return nil, errors.New(bugSecret)
	}
	p, ok := f.projects[id]
	if !ok {
		return nil, errs.ProjectNotFound(id)
	}
	return p, nil
}

func (f *fakeService) view(p *model.Project) service.ProjectView {
	v := service.ProjectView{Project: *p, Steps: slices.Clone(f.steps[p.ID])}
	v.Source, _ = f.getDS(p.SourceEndpointID)
	v.Sink, _ = f.getDS(p.SinkEndpointID)
	for _, s := range v.Steps {
		if s.Status == model.StepRunning || s.Status == model.StepMonitoring {
			v.Extra.RunningStep, v.Extra.RunningProgress = string(s.Name), s.Progress
			v.Extra.MonitoringIncr = s.Status == model.StepMonitoring
		}
	}
	return v
}

func (f *fakeService) GetProject(_ context.Context, id string) (*service.ProjectView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.project(id)
	if err != nil {
		return nil, err
	}
	v := f.view(p)
	return &v, nil
}

func (f *fakeService) ListProjects(_ context.Context, flt meta.ProjectFilter) ([]service.ProjectView, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ps []*model.Project
	for _, p := range f.projects {
		if flt.SearchKey != "" && !strings.Contains(p.Name, flt.SearchKey) && p.ID != flt.SearchKey {
			continue
		}
		if len(flt.Statuses) > 0 && !slices.Contains(flt.Statuses, string(p.Status)) {
			continue
		}
		if flt.Type != "" && string(p.Type) != flt.Type {
			continue
		}
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *model.Project) int {
		c := cmp.Compare(a.GmtCreate.UnixNano(), b.GmtCreate.UnixNano())
		if flt.Asc {
			return c
		}
		return -c
	})
	total := int64(len(ps))
	var out []service.ProjectView
	for _, p := range page(ps, flt.Page, flt.Size) {
		out = append(out, f.view(p))
	}
	return out, total, nil
}

func (f *fakeService) Steps(_ context.Context, id string) ([]model.Step, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.project(id); err != nil {
		return nil, err
	}
	return slices.Clone(f.steps[id]), nil
}

func (f *fakeService) Progress(_ context.Context, id string) (*service.Progress, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.project(id)
	if err != nil {
		return nil, err
	}
	if pr, ok := f.progress[id]; ok {
		c := *pr
		return &c, nil
	}
	return &service.Progress{ProjectID: id, Status: p.Status, Importance: p.Importance,
		EnableStruct: p.EnableStructTransfer, EnableFull: p.EnableFullTransfer,
		EnableIncr: p.EnableIncrTransfer, EnableReverse: p.EnableReverseIncrTransfer, Updated: f.clock}, nil
}

func (f *fakeService) Tables(_ context.Context, id string, step model.StepName) ([]meta.TableState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.project(id); err != nil {
		return nil, err
	}
	return []meta.TableState{
		{ProjectID: id, Step: step, Table: "shop.orders", Target: "shop.orders", Status: "RUNNING", Capacity: 100, Done: 40, Bytes: 4096, Extra: `{"chunks":4}`},
		{ProjectID: id, Step: step, Table: "shop.users", Target: "shop2.users", Status: "INIT"},
	}, nil
}

func (f *fakeService) Logs(_ context.Context, flt meta.LogFilter) ([]meta.LogEntry, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.project(flt.ProjectID); err != nil {
		return nil, 0, err
	}
	return []meta.LogEntry{{ID: 7, ProjectID: flt.ProjectID, Time: f.clock, Level: "INFO", Step: "FULL_TRANSFER", Message: "copied shop.orders"}}, 1, nil
}

func (f *fakeService) PrecheckResult(_ context.Context, id string) ([]endpoint.CheckItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.project(id); err != nil {
		return nil, err
	}
	return []endpoint.CheckItem{{Name: "binlog_format", Side: "SOURCE", Status: endpoint.CheckPassed, Message: "ROW"}}, nil
}

// transition moves project id from one of from to to, or fails with errs KindState.
func (f *fakeService) transition(id, action string, to model.ProjectStatus, from ...model.ProjectStatus) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.project(id)
	if err != nil {
		return err
	}
	if !slices.Contains(from, p.Status) {
		var allowed []string
		for _, s := range from {
			allowed = append(allowed, string(s))
		}
		return errs.IllegalState(id, action, string(p.Status), strings.Join(allowed, " or "))
	}
	if to == model.StatusDeleted {
		delete(f.projects, id)
		delete(f.steps, id)
		return nil
	}
	p.Status = to
	p.GmtModified = f.tick()
	return nil
}

func (f *fakeService) StartProject(_ context.Context, id string) error {
	return f.transition(id, "start", model.StatusRunning, model.StatusInit, model.StatusFailed)
}
func (f *fakeService) StopProject(_ context.Context, id string) error {
	return f.transition(id, "stop", model.StatusSuspend, model.StatusRunning)
}
func (f *fakeService) ResumeProject(_ context.Context, id string) error {
	return f.transition(id, "resume", model.StatusRunning, model.StatusSuspend, model.StatusFailed)
}
func (f *fakeService) ReleaseProject(_ context.Context, id string) error {
	return f.transition(id, "release", model.StatusReleased, model.StatusSuspend, model.StatusFailed, model.StatusFinished)
}
func (f *fakeService) DeleteProject(_ context.Context, id string) error {
	return f.transition(id, "delete", model.StatusDeleted, model.StatusInit, model.StatusReleased)
}
