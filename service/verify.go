package service

import (
	"bufio"
	"context"
	"io"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/engine"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/verify"
)

// VerifyRuns lists a project's verification runs.
func (s *Service) VerifyRuns(ctx context.Context, projectID string, page, size int) ([]meta.VerifyRun, int64, error) {
	if _, err := s.store.GetProject(ctx, projectID); err != nil {
		return nil, 0, err
	}
	return s.store.ListVerifyRuns(ctx, projectID, page, size)
}

// VerifyRun returns a run of the project ("" = latest).
func (s *Service) VerifyRun(ctx context.Context, projectID, runID string) (*meta.VerifyRun, error) {
	if _, err := s.store.GetProject(ctx, projectID); err != nil {
		return nil, err
	}
	if runID == "" {
		rs, _, err := s.store.ListVerifyRuns(ctx, projectID, 1, 1)
		if err != nil {
			return nil, err
		}
		if len(rs) == 0 {
			return nil, errs.New(errs.KindNotFound, errs.CodeVerifyFailed, "project "+projectID+" has no verification run yet",
				"Enable FULL_VERIFIER (enableFullVerify) or start a verification run.").With("id", projectID)
		}
		return &rs[0], nil
	}
	r, err := s.store.GetVerifyRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if r.ProjectID != projectID {
		return nil, errs.New(errs.KindNotFound, errs.CodeVerifyFailed, "verification run "+runID+" does not belong to project "+projectID,
			"List the project's runs for valid ids.")
	}
	return r, nil
}

// VerifyTables lists a run's table results.
func (s *Service) VerifyTables(ctx context.Context, projectID string, f meta.VerifyTableFilter) ([]meta.VerifyTable, int64, error) {
	r, err := s.VerifyRun(ctx, projectID, f.RunID)
	if err != nil {
		return nil, 0, err
	}
	f.RunID = r.ID
	return s.store.ListVerifyTables(ctx, f)
}

// VerifyDiffs lists a run's differences.
func (s *Service) VerifyDiffs(ctx context.Context, projectID string, f meta.VerifyDiffFilter) ([]meta.VerifyDiff, int64, error) {
	r, err := s.VerifyRun(ctx, projectID, f.RunID)
	if err != nil {
		return nil, 0, err
	}
	f.RunID = r.ID
	return s.store.ListVerifyDiffs(ctx, f)
}

// VerifyCorrections writes the correction script of a run.
func (s *Service) VerifyCorrections(ctx context.Context, projectID, runID string, w io.Writer) error {
	r, err := s.VerifyRun(ctx, projectID, runID)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("-- godwit corrections of verification run " + r.ID + ": apply on the target\n"); err != nil {
		return err
	}
	if err := verify.WriteCorrections(ctx, s.store, r.ID, func(stmt string) error {
		_, err := bw.WriteString(stmt + "\n")
		return err
	}); err != nil {
		return err
	}
	return bw.Flush()
}

// verifySetup opens both endpoints of a project and resolves its tables. The caller closes
// the endpoints.
func (s *Service) verifySetup(ctx context.Context, p *model.Project) (src, dst endpoint.Endpoint, objs *plan.Plan, err error) {
	sds, err := s.store.GetDataSource(ctx, p.SourceEndpointID)
	if err != nil {
		return nil, nil, nil, err
	}
	dds, err := s.store.GetDataSource(ctx, p.SinkEndpointID)
	if err != nil {
		return nil, nil, nil, err
	}
	if src, err = endpoint.Open(ctx, *sds, endpoint.Options{}); err != nil {
		return nil, nil, nil, err
	}
	if dst, err = endpoint.Open(ctx, *dds, endpoint.Options{}); err != nil {
		src.Close()
		return nil, nil, nil, err
	}
	if objs, err = plan.OfProject(ctx, s.store, p, src); err != nil {
		src.Close()
		dst.Close()
		return nil, nil, nil, err
	}
	return src, dst, objs, nil
}

// StartVerify applies corrections if asked, then starts a run as an engine job (cancelled and
// awaited by Engine.Close, which leaves the run SUSPEND and resumable). A second standalone
// verification of the project while one runs is refused with errs.CodeJobBusy.
func (s *Service) StartVerify(ctx context.Context, projectID string, req VerifyRequest) (_ *VerifyStarted, err error) {
	p, err := s.store.GetProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	job, err := s.eng.ReserveJob(ctx, engine.JobVerify, projectID)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			job.Abandon()
		}
	}()
	runs, _, err := s.store.ListVerifyRuns(ctx, projectID, 1, 20)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		if r.Status == meta.VerifyRunning && r.Kind != "INCR" && !(req.Resume && r.ID == req.FromRun) {
			return nil, errs.New(errs.KindState, errs.CodeVerifyFailed, "verification run "+r.ID+" of project "+projectID+" is running",
				"Wait for it to finish, or resume it with resume=true and fromRun="+r.ID+" if godwit restarted meanwhile.")
		}
	}
	var from *meta.VerifyRun
	if req.FromRun != "" || req.ApplyCorrections || req.OnlyInconsistent || req.Resume {
		if from, err = s.VerifyRun(ctx, projectID, req.FromRun); err != nil {
			return nil, err
		}
	}
	src, dst, objs, err := s.verifySetup(ctx, p)
	if err != nil {
		return nil, err
	}
	tables := verify.TablesOf(objs)
	out := &VerifyStarted{}
	if req.ApplyCorrections {
		if out.Applied, err = verify.ApplyCorrections(ctx, dst, s.store, from.ID); err != nil {
			src.Close()
			dst.Close()
			return nil, err
		}
		s.log.Info("verification corrections applied", "project", projectID, "run", from.ID, "statements", out.Applied)
	}
	if (req.ApplyCorrections || req.OnlyInconsistent) && !req.Resume {
		if tables, err = verify.InconsistentTables(ctx, s.store, from.ID, tables); err != nil {
			src.Close()
			dst.Close()
			return nil, err
		}
	}
	kind, runID := "RECHECK", model.NewID("vr")
	if req.Resume {
		kind, runID = from.Kind, from.ID
	}
	opt := verify.ProjectOptions(p)
	opt.Log = s.log
	v, err := verify.New(src, dst, job.Store(), opt) // the job's writes are fenced by its lease
	if err != nil {
		src.Close()
		dst.Close()
		return nil, err
	}
	// Create the run now so that it is listed (and guarded) before the goroutine starts.
	if !req.Resume {
		if err := job.Store().CreateVerifyRun(ctx, &meta.VerifyRun{ID: runID, ProjectID: projectID, Kind: kind,
			Status: meta.VerifyRunning, Tables: len(tables), Started: s.now().UTC()}); err != nil {
			src.Close()
			dst.Close()
			return nil, err
		}
	}
	out.RunID = runID
	if _, err := job.Go(runID, func(jctx context.Context) error {
		defer src.Close()
		defer dst.Close()
		_, err := v.Run(jctx, runID, projectID, kind, tables)
		if err != nil && jctx.Err() != nil {
			s.suspendVerifyRun(context.WithoutCancel(jctx), job.Store(), runID)
		} else if err != nil {
			s.log.Warn("verification run failed", "project", projectID, "run", runID, "err", err)
		}
		return err
	}); err != nil {
		src.Close()
		dst.Close()
		return nil, err
	}
	return out, nil
}

// suspendVerifyRun records a verification interrupted by shutdown as SUSPEND (resumable with
// resume=true and fromRun=runID).
func (s *Service) suspendVerifyRun(ctx context.Context, st meta.Store, runID string) {
	r, err := st.GetVerifyRun(ctx, runID)
	if err == nil && r.Status == meta.VerifyRunning {
		r.Status, r.Finished = meta.VerifyStopped, s.now().UTC()
		r.Message = "interrupted: godwit shut down; resume with resume=true and fromRun=" + runID
		err = st.UpdateVerifyRun(ctx, r)
	}
	if err != nil {
		s.log.Warn("recording an interrupted verification failed", "run", runID, "err", err)
	}
}

// CompareObjects compares the project's objects by mapped name.
func (s *Service) CompareObjects(ctx context.Context, projectID string) (*verify.ObjectReport, error) {
	p, err := s.store.GetProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	src, dst, objs, err := s.verifySetup(ctx, p)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	defer dst.Close()
	byDB := map[string]*verify.DBPair{}
	var order []string
	pair := func(sdb, ddb string) *verify.DBPair {
		k := strings.ToLower(sdb)
		if byDB[k] == nil {
			byDB[k] = &verify.DBPair{Source: sdb, Target: ddb}
			order = append(order, k)
		}
		return byDB[k]
	}
	for _, t := range verify.TablesOf(objs) {
		d := pair(t.SourceDB, t.TargetDB)
		d.Tables = append(d.Tables, t)
	}
	for _, v := range objs.Views {
		d := pair(v.Src.Schema, v.DstDB)
		d.Views = append(d.Views, [2]string{v.Src.Name, v.Dst})
	}
	dbs := make([]verify.DBPair, 0, len(order))
	for _, k := range order {
		dbs = append(dbs, *byDB[k])
	}
	return verify.CompareObjects(ctx, src, dst, dbs)
}
