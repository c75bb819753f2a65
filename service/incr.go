package service

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/stream"
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
	out := &IncrStatus{ProjectID: id, Phase: IncrPhaseWaiting}
	var p0, p1 struct {
		Pos string `json:"pos"`
	}
	if s.loadState(ctx, id, stream.ForwardOf(id).Keys.P0, &p0) {
		out.P0 = p0.Pos
	}
	if s.loadState(ctx, id, stream.ForwardOf(id).Keys.P1, &p1) {
		out.P1 = p1.Pos
	}
	var pull stream.CaptureStatus
	if s.loadState(ctx, id, stream.ForwardOf(id).Keys.Pull, &pull) {
		out.PulledPos, out.PulledSeq, out.PulledTime, out.StoreBytes = pull.PulledPos, pull.PulledSeq, pull.PulledTime, pull.StoreBytes
	}
	var ap stream.ApplyStatus
	if s.loadState(ctx, id, stream.ForwardOf(p.ID).Keys.Apply, &ap) {
		out.Phase, out.AppliedPos, out.AppliedSeq, out.AppliedTime = ap.Phase, ap.AppliedPos, ap.AppliedSeq, ap.AppliedTime
		out.SafeMode, out.DelayMillis, out.EventsPerSec = ap.SafeMode, ap.DelayMillis, ap.EventsPerSec
		out.RowsApplied, out.DDLApplied, out.RowsFiltered = ap.RowsApplied, ap.DDLApplied, ap.RowsFiltered
		for _, t := range ap.Tables {
			out.Tables = append(out.Tables, IncrTableStats{Table: t.Table, Inserts: t.Inserts, Updates: t.Updates, Deletes: t.Deletes, DDLs: t.DDLs})
		}
	}
	// The persisted phase is the apply step's own account and holds only while it runs: a
	// project that is not RUNNING applies nothing, whatever its last sample said.
	switch p.Status {
	case model.StatusRunning:
	case model.StatusSuspend:
		out.Phase, out.EventsPerSec = IncrPhaseSuspended, 0
	case model.StatusFailed:
		out.Phase, out.EventsPerSec = IncrPhaseFailed, 0
	case model.StatusInit:
		out.Phase, out.EventsPerSec = IncrPhaseWaiting, 0
	default: // FINISHED, RELEASING, RELEASED
		out.Phase, out.EventsPerSec = IncrPhaseStopped, 0
	}
	if out.AppliedSeq > out.PulledSeq { // the two are sampled apart; applied implies pulled
		out.PulledSeq, out.PulledPos, out.PulledTime = out.AppliedSeq, out.AppliedPos, out.AppliedTime
	}
	return out, nil
}

// incrExtra fills a project view's sync delay fields (DescribeProject extraInfo).
func (s *Service) incrExtra(ctx context.Context, p *model.Project, x *ProjectExtra) {
	if !p.EnableIncrTransfer {
		return
	}
	var ap stream.ApplyStatus
	if !s.loadState(ctx, p.ID, stream.ForwardOf(p.ID).Keys.Apply, &ap) {
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

// knownDDLTypes are the supportDDLTypes values godwit understands (endpoint.DDLInfo.Kinds).
var knownDDLTypes = map[string]bool{"CREATE_TABLE": true, "ADD_COLUMN": true, "MODIFY_COLUMN": true,
	"CHANGE_COLUMN": true, "DROP_COLUMN": true, "DROP_INDEX": true, "ADD_INDEX": true, "CREATE_INDEX": true,
	"RENAME_INDEX": true, "TRUNCATE": true, "DROP_TABLE": true, "RENAME_TABLE": true, "ALTER_TABLE": true,
	"CREATE_DATABASE": true, "DROP_DATABASE": true, "CREATE_VIEW": true, "DROP_VIEW": true, "OTHER": true}

// validateIncr checks (and normalises the case of) the incremental settings, so a typo is
// refused when the project is created instead of surfacing mid-stream.
func validateIncr(c *model.IncrTransferConfig) error {
	oneOf := func(field string, v *string, allowed ...string) error {
		*v = strings.ToLower(strings.TrimSpace(*v))
		for _, a := range allowed {
			if *v == a {
				return nil
			}
		}
		return errs.Invalid("incrTransferConfig.%s %q must be one of %s", field, *v, strings.Join(allowed, ", "))
	}
	if err := oneOf("conflictPolicy", &c.ConflictPolicy, "overwrite", "ignore", "stop"); err != nil {
		return err
	}
	if err := oneOf("ddlPolicy", &c.DDLPolicy, "skip", "stop"); err != nil {
		return err
	}
	if err := oneOf("storeFsync", &c.StoreFsync, "interval", "always", "never"); err != nil {
		return err
	}
	switch {
	case c.IncrSyncConcurrency > 256:
		return errs.Invalid("incrTransferConfig.incrSyncConcurrency %d must be at most 256", c.IncrSyncConcurrency)
	case !portableName(c.CheckpointSchema):
		return errs.Invalid("incrTransferConfig.checkpointSchema %q must be a portable name: a letter or _, then letters, digits or _, at most 63 characters", c.CheckpointSchema)
	case c.ThrottleRps != nil && *c.ThrottleRps < 0, c.ThrottleIOPS != nil && *c.ThrottleIOPS < 0:
		return errs.Invalid("incrTransferConfig throttles must not be negative")
	}
	for i, t := range c.SupportDDLTypes {
		c.SupportDDLTypes[i] = strings.ToUpper(strings.TrimSpace(t))
		if !knownDDLTypes[c.SupportDDLTypes[i]] {
			return errs.Invalid("incrTransferConfig.supportDDLTypes has unknown type %q", t)
		}
	}
	for i, t := range c.RecordTypeWhiteList {
		c.RecordTypeWhiteList[i] = strings.ToUpper(strings.TrimSpace(t))
		switch c.RecordTypeWhiteList[i] {
		case "INSERT", "UPDATE", "DELETE", "DDL":
		default:
			return errs.Invalid("incrTransferConfig.recordTypeWhiteList has unknown type %q (INSERT, UPDATE, DELETE)", t)
		}
	}
	return nil
}

// portableName reports whether s is a name every target dialect accepts unquoted and
// unchanged in meaning ([A-Za-z_][A-Za-z0-9_]*, at most 63 bytes: PostgreSQL's limit). The
// checkpoint schema is godwit's own database on the target, so godwit asks for such a name
// instead of relying on any one dialect's quoting rules; the target's own naming rules are
// checked too (names.go).
func portableName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
