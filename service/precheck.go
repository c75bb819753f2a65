package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/engine"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/precheck"
)

// precheckTimeout bounds one standalone precheck.
const precheckTimeout = 2 * time.Minute

// SubmitPrecheck starts a standalone precheck as an engine job and returns its id; Engine.Close
// cancels it (recorded FAILED with the cancellation). One precheck per stored project at a time
// (errs.CodeJobBusy otherwise); prechecks of a project body without an id are not exclusive.
func (s *Service) SubmitPrecheck(ctx context.Context, req PrecheckRequest) (string, error) {
	var p model.Project
	switch {
	case req.Project != nil:
		p = *req.Project
		if err := s.validateProject(ctx, &p); err != nil {
			return "", err
		}
		if p.ID == "" {
			p.ID = req.ProjectID
		}
	case req.ProjectID != "":
		got, err := s.store.GetProject(ctx, req.ProjectID)
		if err != nil {
			return "", err
		}
		p = *got
	default:
		return "", errs.Invalid("a precheck needs a projectId or a project body")
	}
	job, err := s.eng.ReserveJob(ctx, engine.JobPrecheck, req.ProjectID)
	if err != nil {
		return "", err
	}
	run := &PrecheckRun{ID: model.NewID("pc"), ProjectID: req.ProjectID, Status: PrecheckRunning, Items: []endpoint.CheckItem{}, Started: s.now().UTC()}
	if err := s.savePrecheck(ctx, job.Store(), run); err != nil {
		job.Abandon()
		return "", err
	}
	_, err = job.Go(run.ID, func(jctx context.Context) error {
		bctx, cancel := context.WithTimeout(jctx, precheckTimeout)
		defer cancel()
		items, err := s.runPrecheck(bctx, &p)
		now := s.now().UTC()
		run.Finished = &now
		if items != nil {
			run.Status, run.Items, err = PrecheckFinished, items, nil
		} else {
			run.Status, run.Error = PrecheckFailed, errs.As(err).FullMessage()
		}
		if err := s.savePrecheck(context.WithoutCancel(jctx), job.Store(), run); err != nil {
			s.log.Warn("saving precheck result failed", "precheck", run.ID, "err", err)
		}
		return err
	})
	if err != nil { // the engine closed meanwhile: the precheck never ran
		run.Status, run.Error = PrecheckFailed, errs.As(err).FullMessage()
		_ = s.savePrecheck(context.WithoutCancel(ctx), s.store, run)
		return "", err
	}
	return run.ID, nil
}

func (s *Service) savePrecheck(ctx context.Context, st meta.Store, run *PrecheckRun) error {
	doc, _ := json.Marshal(run)
	return st.PutObject(ctx, &meta.Object{Kind: meta.KindPrecheck, ID: run.ID, ProjectID: run.ProjectID, Doc: doc, GmtCreate: run.Started})
}

// runPrecheck runs TRANSFER_PRECHECK's checks (package precheck, the same the step runs)
// against p without touching p's stored state: the plan is resolved afresh and not
// persisted, the items are returned. It returns the items (also when some FAILED), or nil and
// the error when the check could not run at all.
func (s *Service) runPrecheck(ctx context.Context, p *model.Project) ([]endpoint.CheckItem, error) {
	sds, err := s.store.GetDataSource(ctx, p.SourceEndpointID)
	if err != nil {
		return nil, err
	}
	dds, err := s.store.GetDataSource(ctx, p.SinkEndpointID)
	if err != nil {
		return nil, err
	}
	src, err := endpoint.Open(ctx, *sds, endpoint.Options{MaxConns: 2})
	if err != nil {
		return connItems("SOURCE", err), nil
	}
	defer src.Close()
	dst, err := endpoint.Open(ctx, *dds, endpoint.Options{MaxConns: 2, Project: p})
	if err != nil {
		return connItems("DEST", err), nil
	}
	defer dst.Close()
	objs, err := plan.ResolveProject(ctx, p, src)
	if err != nil {
		return []endpoint.CheckItem{precheck.ObjectsFailed(err)}, nil
	}
	return precheck.Run(ctx, precheck.Input{Project: p, Source: src, Sink: dst, SinkType: dds.Type, Plan: objs})
}

func connItems(side string, err error) []endpoint.CheckItem {
	e := errs.As(err)
	return []endpoint.CheckItem{{Name: "CONNECTIVITY", Side: side, Status: endpoint.CheckFailed, Message: e.Message, Advice: e.Advice}}
}

// GetPrecheck returns a submitted precheck.
func (s *Service) GetPrecheck(ctx context.Context, id string) (*PrecheckRun, error) {
	o, err := s.store.GetObject(ctx, meta.KindPrecheck, id)
	if err != nil {
		if errs.As(err).Kind == errs.KindNotFound {
			return nil, errs.New(errs.KindNotFound, errs.CodeParam, fmt.Sprintf("precheck %s does not exist", id),
				"Check the precheck id returned by SubmitPreCheck.").With("id", id)
		}
		return nil, err
	}
	var r PrecheckRun
	if err := json.Unmarshal(o.Doc, &r); err != nil {
		return nil, fmt.Errorf("decoding precheck %s: %w", id, err)
	}
	return &r, nil
}
