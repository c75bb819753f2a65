package service

import (
	"context"
	"encoding/json"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/steps"
)

// IncrStatus implements IncrAPI from the state the incremental steps persist every second.
func (s *Service) IncrStatus(ctx context.Context, id string) (*IncrStatus, error) {
	p, err := s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.EnableIncrTransfer {
		return nil, errs.Invalid("project %s has no incremental synchronization", id)
	}
	out := &IncrStatus{ProjectID: id, Phase: "WAITING"}
	var p0, p1 struct {
		Pos string `json:"pos"`
	}
	if s.loadState(ctx, id, steps.IncrStateKeys.P0, &p0) {
		out.P0 = p0.Pos
	}
	if s.loadState(ctx, id, steps.IncrStateKeys.P1, &p1) {
		out.P1 = p1.Pos
	}
	var pull steps.IncrPullState
	if s.loadState(ctx, id, steps.IncrStateKeys.Pull, &pull) {
		out.PulledPos, out.PulledSeq, out.PulledTime, out.StoreBytes = pull.PulledPos, pull.PulledSeq, pull.PulledTime, pull.StoreBytes
	}
	var ap steps.IncrApplyState
	if s.loadState(ctx, id, steps.IncrStateKeys.Apply, &ap) {
		out.Phase, out.AppliedPos, out.AppliedSeq, out.AppliedTime = ap.Phase, ap.AppliedPos, ap.AppliedSeq, ap.AppliedTime
		out.SafeMode, out.DelayMillis, out.EventsPerSec = ap.SafeMode, ap.DelayMillis, ap.EventsPerSec
		out.RowsApplied, out.DDLApplied = ap.RowsApplied, ap.DDLApplied
		for _, t := range ap.Tables {
			out.Tables = append(out.Tables, IncrTableStats{Table: t.Table, Inserts: t.Inserts, Updates: t.Updates, Deletes: t.Deletes, DDLs: t.DDLs})
		}
		if p.Status != model.StatusRunning {
			out.EventsPerSec = 0
		}
		if out.AppliedSeq > out.PulledSeq { // the two are sampled apart; applied implies pulled
			out.PulledSeq, out.PulledPos, out.PulledTime = out.AppliedSeq, out.AppliedPos, out.AppliedTime
		}
	}
	return out, nil
}

// incrExtra fills a project view's sync delay fields (DescribeProject extraInfo).
func (s *Service) incrExtra(ctx context.Context, p *model.Project, x *ProjectExtra) {
	if !p.EnableIncrTransfer {
		return
	}
	var ap steps.IncrApplyState
	if !s.loadState(ctx, p.ID, steps.IncrStateKeys.Apply, &ap) {
		return
	}
	delay := ap.DelayMillis / 1000
	sample := ap.Sampled / 1000
	x.SyncDelay, x.SyncDelaySample = &delay, &sample
	ts := sample - delay
	x.IncrSyncTimestamp = &ts
}

func (s *Service) loadState(ctx context.Context, id, key string, v any) bool {
	b, err := s.store.GetState(ctx, id, key)
	if err != nil || b == nil {
		return false
	}
	return json.Unmarshal(b, v) == nil
}
