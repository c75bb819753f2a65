package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
)

// CreateLabel stores a new label with a unique name.
func (s *Service) CreateLabel(ctx context.Context, name string) (model.Label, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return model.Label{}, errs.Invalid("name is required")
	case len(name) > 128:
		return model.Label{}, errs.Invalid("name is longer than 128 characters")
	case model.CheckDisplayName(name) != nil:
		return model.Label{}, checkDisplayName("name", name)
	}
	got, _, err := s.store.ListObjects(ctx, meta.ObjectFilter{Kind: meta.KindLabel, Name: name})
	if err != nil {
		return model.Label{}, err
	}
	if len(got) > 0 {
		return model.Label{}, errs.New(errs.KindConflict, errs.CodeParam, fmt.Sprintf("label %s already exists", name),
			"Choose another label name, or use the existing label (ListAllLabels).").With("name", name)
	}
	l := model.Label{ID: model.NewID("l"), Name: name}
	doc, _ := json.Marshal(l)
	if err := s.store.PutObject(ctx, &meta.Object{Kind: meta.KindLabel, ID: l.ID, Name: name, Doc: doc}); err != nil {
		return model.Label{}, err
	}
	return l, nil
}

// ListLabels lists every label, oldest first.
func (s *Service) ListLabels(ctx context.Context) ([]model.Label, error) {
	objs, _, err := s.store.ListObjects(ctx, meta.ObjectFilter{Kind: meta.KindLabel})
	if err != nil {
		return nil, err
	}
	out := make([]model.Label, 0, len(objs))
	for _, o := range objs {
		out = append(out, model.Label{ID: o.ID, Name: o.Name})
	}
	return out, nil
}

// resolveLabels fills label names from the label store; unknown ids are an error.
func (s *Service) resolveLabels(ctx context.Context, ls []model.Label) ([]model.Label, error) {
	out := make([]model.Label, 0, len(ls))
	for _, l := range ls {
		if l.ID == "" || slices.ContainsFunc(out, func(o model.Label) bool { return o.ID == l.ID }) {
			continue
		}
		o, err := s.store.GetObject(ctx, meta.KindLabel, l.ID)
		if err != nil {
			if errs.As(err).Kind == errs.KindNotFound {
				return nil, errs.Invalid("label %s does not exist (CreateLabel creates labels)", l.ID).With("id", l.ID)
			}
			return nil, err
		}
		out = append(out, model.Label{ID: o.ID, Name: o.Name})
	}
	return out, nil
}

// UpdateProjectConfig replaces the configuration blocks set in u. The update is validated on
// a copy, then written with ModifyProject, which re-checks the status and copies only the
// configuration, so a concurrent start/stop is never undone by it.
func (s *Service) UpdateProjectConfig(ctx context.Context, id string, u ConfigUpdate) error {
	p, err := s.store.GetProject(ctx, id)
	if err != nil {
		return err
	}
	if err := configUpdatable(p, u); err != nil {
		return err
	}
	u.applyTo(p)
	if err := s.validateProject(ctx, p); err != nil {
		return err
	}
	now := s.now().UTC()
	if _, err := s.store.ModifyProject(ctx, id, func(cur *model.Project) error {
		if err := configUpdatable(cur, u); err != nil {
			return err
		}
		u.applyTo(cur)
		cur.GmtModified = now
		return nil
	}); err != nil {
		return err
	}
	s.audit(ctx, id, "INFO", "configuration updated through the API")
	// A configuration modification is an explicit event for the plan: resolved anew next time.
	return plan.MarkStale(ctx, s.store, id, "configuration modified")
}

// configUpdatable reports whether u may be applied to p in its current status.
func configUpdatable(p *model.Project, u ConfigUpdate) error {
	switch p.Status {
	case model.StatusReleasing, model.StatusReleased, model.StatusDeleted:
		return errs.IllegalState(p.ID, "update its configuration", string(p.Status), "not released")
	}
	if u.StructTransferConfig != nil && u.StructTransferConfig.DeferIndexCreation != p.StructTransferConfig.DeferIndexCreation &&
		p.Status != model.StatusInit {
		return errs.Invalid("structTransferConfig.deferIndexCreation can change only before the project starts (it decides the INDEX_TRANSFER step)")
	}
	return nil
}

// applyTo copies the configuration blocks set in u into p.
func (u ConfigUpdate) applyTo(p *model.Project) {
	if u.Importance != nil {
		p.Importance = strings.ToUpper(strings.TrimSpace(*u.Importance))
	}
	if u.CommonTransferConfig != nil {
		p.CommonTransferConfig = *u.CommonTransferConfig
	}
	if u.StructTransferConfig != nil {
		p.StructTransferConfig = *u.StructTransferConfig
	}
	if u.FullTransferConfig != nil {
		p.FullTransferConfig = *u.FullTransferConfig
	}
	if u.IncrTransferConfig != nil {
		p.IncrTransferConfig = *u.IncrTransferConfig
	}
	if u.ReverseIncrTransferConfig != nil {
		p.ReverseIncrTransferConfig = *u.ReverseIncrTransferConfig
	}
}

// AdvanceProject starts an INIT project or reports the running step of a RUNNING one.
func (s *Service) AdvanceProject(ctx context.Context, id string) (model.StepName, error) {
	v, err := s.GetProject(ctx, id)
	if err != nil {
		return "", err
	}
	switch v.Status {
	case model.StatusInit:
		if err := s.StartProject(ctx, id); err != nil {
			return "", err
		}
		if len(v.Steps) > 0 {
			return v.Steps[0].Name, nil
		}
		return model.StepPrecheck, nil
	case model.StatusRunning:
		// TRANSFER_APP_SWITCH is godwit's one manual gate: advancing it asks for the switchover.
		if model.StepName(v.Extra.RunningStep) == model.StepAppSwitch {
			if _, err := s.Switchover(ctx, id, model.SwitchNow); err != nil {
				return "", err
			}
		}
		return model.StepName(v.Extra.RunningStep), nil
	}
	return "", errs.IllegalState(id, "advance", string(v.Status), "INIT or RUNNING")
}

// TestDataSource opens a connection to a stored data source and closes it.
func (s *Service) TestDataSource(ctx context.Context, id string) error {
	ds, err := s.store.GetDataSource(ctx, id)
	if err != nil {
		return err
	}
	ep, err := endpoint.Open(ctx, *ds, endpoint.Options{MaxConns: 1})
	if err != nil {
		e := errs.As(err)
		msg := e.Message
		if !strings.HasPrefix(msg, "Connectivity test failed") {
			msg = "Connectivity test failed: " + msg
		}
		return errs.New(errs.KindInvalid, errs.CodeParam, msg, e.Advice).Wrap(e.Err)
	}
	ep.Close()
	return nil
}

// SetAlarmRule stores a project's alarm rule.
func (s *Service) SetAlarmRule(ctx context.Context, projectID string, r AlarmRule) error {
	if _, err := s.store.GetProject(ctx, projectID); err != nil {
		return err
	}
	if r.DelaySeconds < 0 || r.DelaySeconds > 86400 {
		return errs.Invalid("delay alarm threshold %d s must be between 0 and 86400", r.DelaySeconds)
	}
	doc, _ := json.Marshal(r)
	return s.store.PutObject(ctx, &meta.Object{Kind: meta.KindAlarmRule, ID: projectID, ProjectID: projectID, Doc: doc})
}

// GetAlarmRule returns a project's alarm rule, nil when it has none.
func (s *Service) GetAlarmRule(ctx context.Context, projectID string) (*AlarmRule, error) {
	o, err := s.store.GetObject(ctx, meta.KindAlarmRule, projectID)
	if err != nil {
		if errs.As(err).Kind == errs.KindNotFound {
			return nil, nil
		}
		return nil, err
	}
	var r AlarmRule
	if err := json.Unmarshal(o.Doc, &r); err != nil {
		return nil, fmt.Errorf("decoding alarm rule of %s: %w", projectID, err)
	}
	return &r, nil
}

// PutDocument stores an adapter document.
func (s *Service) PutDocument(ctx context.Context, o *meta.Object) error {
	o.GmtModified = s.now().UTC()
	return s.store.PutObject(ctx, o)
}

// GetDocument returns an adapter document.
func (s *Service) GetDocument(ctx context.Context, kind, id string) (*meta.Object, error) {
	return s.store.GetObject(ctx, kind, id)
}

// ListDocuments lists adapter documents.
func (s *Service) ListDocuments(ctx context.Context, f meta.ObjectFilter) ([]meta.Object, int64, error) {
	return s.store.ListObjects(ctx, f)
}

// DeleteDocument deletes an adapter document.
func (s *Service) DeleteDocument(ctx context.Context, kind, id string) error {
	return s.store.DeleteObject(ctx, kind, id)
}

func (s *Service) audit(ctx context.Context, projectID, level, msg string) {
	_ = s.store.AppendLog(context.WithoutCancel(ctx), meta.LogEntry{ProjectID: projectID, Time: s.now().UTC(), Level: level, Message: msg})
}
