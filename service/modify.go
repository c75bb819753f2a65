package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
)

// CreateModifyRecord records objects to add to a project and applies them when the project
// is not running (see OpsAPI).
func (s *Service) CreateModifyRecord(ctx context.Context, projectID string, dbs []model.DbObject) (*ModifyRecord, error) {
	p, err := s.store.GetProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	if len(dbs) == 0 {
		return nil, errs.Invalid("databases must name at least one database to add")
	}
	for _, d := range dbs {
		if strings.TrimSpace(d.Name) == "" {
			return nil, errs.Invalid("databases[].name is required")
		}
		for _, t := range append(append([]model.TableObject{}, d.Tables...), d.Views...) {
			if strings.TrimSpace(t.Name) == "" {
				return nil, errs.Invalid("a table or view in database %s has no name", d.Name)
			}
			if err := checkWhere(p.EnableIncrTransfer, d.Name, t); err != nil {
				return nil, err
			}
		}
	}
	switch p.Status {
	case model.StatusInit, model.StatusSuspend, model.StatusFailed, model.StatusRunning:
	default:
		return nil, errs.IllegalState(projectID, "add objects", string(p.Status), "INIT, RUNNING, SUSPEND or FAILED")
	}
	if err := s.checkAddedNames(ctx, p, dbs); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	rec := &ModifyRecord{ProjectID: projectID, Type: ModifyIncrease, Status: ModifyPending, Databases: dbs, GmtCreate: now, GmtModified: now}
	if err := s.saveRecord(ctx, rec); err != nil {
		return nil, err
	}
	if p.Status != model.StatusRunning {
		if err := s.applyRecord(ctx, rec); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// checkAddedNames applies the project's name rules (see nameRules) to objects to add.
func (s *Service) checkAddedNames(ctx context.Context, p *model.Project, dbs []model.DbObject) error {
	src, err := s.store.GetDataSource(ctx, p.SourceEndpointID)
	if err != nil {
		return err
	}
	dst, err := s.store.GetDataSource(ctx, p.SinkEndpointID)
	if err != nil {
		return err
	}
	return rulesFor(p, src.Type, dst.Type).mapping("databases", dbs)
}

func (s *Service) saveRecord(ctx context.Context, rec *ModifyRecord) error {
	o := &meta.Object{Kind: meta.KindModifyRecord, ID: rec.ID, ProjectID: rec.ProjectID, GmtCreate: rec.GmtCreate}
	if rec.ID == "" {
		o.Doc = []byte("{}")
		if err := s.store.PutObject(ctx, o); err != nil {
			return err
		}
		rec.ID = o.ID
	}
	rec.GmtModified = s.now().UTC()
	o.GmtModified = rec.GmtModified
	o.Doc, _ = json.Marshal(rec)
	return s.store.PutObject(ctx, o)
}

// applyRecord merges the record's objects into the project's mapping (project not running).
func (s *Service) applyRecord(ctx context.Context, rec *ModifyRecord) error {
	p, err := s.store.GetProject(ctx, rec.ProjectID)
	if err != nil {
		return err
	}
	if p.Status == model.StatusRunning {
		return errs.IllegalState(p.ID, "apply a modify record", string(p.Status), "INIT, SUSPEND or FAILED (stop the project first)")
	}
	p.TransferMapping.Databases = MergeDatabases(p.TransferMapping.Databases, rec.Databases)
	if err := s.validateProject(ctx, p); err != nil {
		e := errs.As(err)
		rec.Status, rec.ErrorCode, rec.ErrorMsg = ModifyFailed, e.Code, e.Message
		return s.saveRecord(ctx, rec)
	}
	now := s.now().UTC()
	// Written against the latest row: the project may have been started in between.
	if _, err := s.store.ModifyProject(ctx, p.ID, func(cur *model.Project) error {
		if cur.Status == model.StatusRunning {
			return errs.IllegalState(cur.ID, "apply a modify record", string(cur.Status), "INIT, SUSPEND or FAILED (stop the project first)")
		}
		cur.TransferMapping.Databases = MergeDatabases(cur.TransferMapping.Databases, rec.Databases)
		cur.GmtModified = now
		return nil
	}); err != nil {
		return err
	}
	// A modify record is an explicit event for the plan: resolved anew by the next run.
	if err := plan.MarkStale(ctx, s.store, p.ID, "modify record "+rec.ID); err != nil {
		return err
	}
	rec.Status, rec.ErrorCode, rec.ErrorMsg = ModifySuccess, "", ""
	s.audit(ctx, p.ID, "INFO", fmt.Sprintf("modify record %s applied: objects added to the mapping", rec.ID))
	return s.saveRecord(ctx, rec)
}

// MergeDatabases adds add's databases and tables to base. A database whose table list is
// empty already selects every table, so tables added to it change nothing.
func MergeDatabases(base, add []model.DbObject) []model.DbObject {
	out := append([]model.DbObject(nil), base...)
	for _, d := range add {
		i := -1
		for j := range out {
			if out[j].Name == d.Name {
				i = j
			}
		}
		if i < 0 {
			out = append(out, d)
			continue
		}
		if len(out[i].Tables) == 0 && len(out[i].Views) == 0 {
			continue
		}
		if len(d.Tables) == 0 && len(d.Views) == 0 {
			out[i].Tables, out[i].Views = nil, nil // now every table
			continue
		}
		out[i].Tables = mergeTables(out[i].Tables, d.Tables)
		out[i].Views = mergeTables(out[i].Views, d.Views)
	}
	return out
}

func mergeTables(base, add []model.TableObject) []model.TableObject {
	out := append([]model.TableObject(nil), base...)
next:
	for _, t := range add {
		for _, o := range out {
			if o.Name == t.Name {
				continue next
			}
		}
		out = append(out, t)
	}
	return out
}

// ListModifyRecords lists a project's modify records, oldest first.
func (s *Service) ListModifyRecords(ctx context.Context, projectID string) ([]ModifyRecord, error) {
	if _, err := s.store.GetProject(ctx, projectID); err != nil {
		return nil, err
	}
	objs, _, err := s.store.ListObjects(ctx, meta.ObjectFilter{Kind: meta.KindModifyRecord, ProjectID: projectID})
	if err != nil {
		return nil, err
	}
	out := make([]ModifyRecord, 0, len(objs))
	for _, o := range objs {
		var r ModifyRecord
		if err := json.Unmarshal(o.Doc, &r); err != nil {
			return nil, fmt.Errorf("decoding modify record %s: %w", o.ID, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Service) getRecord(ctx context.Context, id string) (*ModifyRecord, error) {
	o, err := s.store.GetObject(ctx, meta.KindModifyRecord, strings.TrimSpace(id))
	if err != nil {
		if errs.As(err).Kind == errs.KindNotFound {
			return nil, errs.New(errs.KindNotFound, errs.CodeParam, fmt.Sprintf("modify record %s does not exist", id),
				"Check the record id (ListProjectModifyRecords shows them).").With("id", id)
		}
		return nil, err
	}
	var r ModifyRecord
	if err := json.Unmarshal(o.Doc, &r); err != nil {
		return nil, fmt.Errorf("decoding modify record %s: %w", id, err)
	}
	return &r, nil
}

func recordState(r *ModifyRecord, action string, allowed ...string) error {
	for _, a := range allowed {
		if r.Status == a {
			return nil
		}
	}
	return errs.New(errs.KindState, errs.CodeProjectState,
		fmt.Sprintf("modify record %s cannot %s while %s", r.ID, action, r.Status),
		fmt.Sprintf("%s is allowed only when the record is %s.", action, strings.Join(allowed, " or "))).With("id", r.ID)
}

// StopModifyRecord terminates a pending record.
func (s *Service) StopModifyRecord(ctx context.Context, id string) error {
	r, err := s.getRecord(ctx, id)
	if err != nil {
		return err
	}
	if err := recordState(r, "stop", ModifyPending); err != nil {
		return err
	}
	r.Status = ModifyTerminated
	return s.saveRecord(ctx, r)
}

// RetryModifyRecord applies a pending, failed or terminated record to a project that is not running.
func (s *Service) RetryModifyRecord(ctx context.Context, id string) error {
	r, err := s.getRecord(ctx, id)
	if err != nil {
		return err
	}
	if err := recordState(r, "retry", ModifyPending, ModifyFailed, ModifyTerminated); err != nil {
		return err
	}
	return s.applyRecord(ctx, r)
}

// CancelModifyRecord cancels a record that was not applied.
func (s *Service) CancelModifyRecord(ctx context.Context, id string) error {
	r, err := s.getRecord(ctx, id)
	if err != nil {
		return err
	}
	if err := recordState(r, "cancel", ModifyPending, ModifyFailed, ModifyTerminated); err != nil {
		return err
	}
	r.Status = ModifyCancel
	return s.saveRecord(ctx, r)
}
