package service

import (
	"context"
	"strings"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/state"
	"github.com/godwit/godwit/stream"
)

// SwitchAPI is the switchover part of the service contract. Embedded in API.
type SwitchAPI interface {
	// Switchover asks the running TRANSFER_APP_SWITCH step for action (SWITCH, PREPARE —
	// check the gates and hold — or CANCEL a prepared switch) and returns at once with the
	// switch state; the step acts within a fraction of a second and publishes each phase
	// in SwitchStatus and its step info. Refused with CodeSwitchState (gate "state") when
	// the step is not waiting for the user, or a switch is already running.
	Switchover(ctx context.Context, id, action string) (*SwitchStatus, error)
	// SwitchStatus reports the switchover state (WAITING before the step is reached).
	SwitchStatus(ctx context.Context, id string) (*SwitchStatus, error)
}

// SwitchStatus is the switchover state with the request it answers and the reverse
// stream's status once it runs.
type SwitchStatus struct {
	ProjectID string               `json:"projectId"`
	Step      model.StepStatus     `json:"stepStatus"` // TRANSFER_APP_SWITCH's status
	State     model.SwitchState    `json:"state"`
	Request   *model.SwitchRequest `json:"request,omitempty"`
	// Pending: the last request was not yet taken up by the step.
	Pending bool `json:"pending"`
	// Reverse is REVERSE_INCR_TRANSFER's live state (nil before it starts).
	Reverse *IncrStatus `json:"reverse,omitempty"`
}

// SwitchStatus implements SwitchAPI.
func (s *Service) SwitchStatus(ctx context.Context, id string) (*SwitchStatus, error) {
	p, err := s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &SwitchStatus{ProjectID: id, Step: model.StepInit, State: model.SwitchState{Phase: model.SwitchWaiting}}
	if !p.EnableReverseIncrTransfer {
		return nil, errs.New(errs.KindInvalid, errs.CodeSwitchState,
			"project "+id+" has no switchover: enableReverseIncrTransfer is off",
			"Create the project with enableReverseIncrTransfer (and enableIncrTransfer) to switch over with a way back.").With("gate", "state")
	}
	steps, err := s.store.ListSteps(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, st := range steps {
		if st.Name == model.StepAppSwitch {
			out.Step = st.Status
		}
	}
	s.loadState(ctx, id, state.SwitchKey, &out.State)
	var req model.SwitchRequest
	if s.loadState(ctx, id, state.SwitchRequestKey, &req) {
		out.Request = &req
		out.Pending = req.ID != out.State.RequestID
	}
	rev := stream.ReverseOf(id)
	var ap stream.ApplyStatus
	if s.loadState(ctx, id, rev.Keys.Apply, &ap) {
		r := &IncrStatus{ProjectID: id, Phase: ap.Phase, AppliedPos: ap.AppliedPos, AppliedSeq: ap.AppliedSeq, AppliedTime: ap.AppliedTime,
			DelayMillis: ap.DelayMillis, EventsPerSec: ap.EventsPerSec, RowsApplied: ap.RowsApplied, DDLApplied: ap.DDLApplied}
		var p0 stream.Point
		if s.loadState(ctx, id, rev.Keys.P0, &p0) {
			r.P0 = p0.Pos
		}
		var pull stream.CaptureStatus
		if s.loadState(ctx, id, rev.Keys.Pull, &pull) {
			r.PulledPos, r.PulledSeq, r.PulledTime, r.StoreBytes = pull.PulledPos, pull.PulledSeq, pull.PulledTime, pull.StoreBytes
		}
		if p.Status != model.StatusRunning {
			r.Phase, r.EventsPerSec = IncrPhaseStopped, 0
		}
		out.Reverse = r
	}
	return out, nil
}

// Switchover implements SwitchAPI.
func (s *Service) Switchover(ctx context.Context, id, action string) (*SwitchStatus, error) {
	action = strings.ToUpper(strings.TrimSpace(action))
	switch action {
	case "":
		action = model.SwitchNow
	case model.SwitchNow, model.SwitchPrepare, model.SwitchCancel:
	default:
		return nil, errs.Invalid("switchover action %q must be SWITCH, PREPARE or CANCEL", action)
	}
	cur, err := s.SwitchStatus(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	refuse := func(msg, advice string) (*SwitchStatus, error) {
		return nil, errs.New(errs.KindState, errs.CodeSwitchState, msg, advice).With("gate", "state").With("id", id)
	}
	if p.Status != model.StatusRunning {
		return refuse("project "+id+" is "+string(p.Status)+": a switchover needs it RUNNING", "Resume the project and wait for TRANSFER_APP_SWITCH.")
	}
	if cur.Step != model.StepRunning {
		return refuse("TRANSFER_APP_SWITCH is "+string(cur.Step)+", not waiting for the switchover",
			"Wait until INCR_TRANSFER is MONITORING and FULL_VERIFIER (if enabled) finished; TRANSFER_APP_SWITCH then waits for the request.")
	}
	switch cur.State.Phase {
	case model.SwitchFencing, model.SwitchCatchUp, model.SwitchChecking:
		return refuse("a switchover is already running (phase "+cur.State.Phase+")", "Wait for it to finish (GET …/switchover).")
	case model.SwitchSwitched:
		return refuse("the switchover is done", "Nothing to do: the target is the primary and reverse sync runs.")
	}
	if cur.Pending {
		return refuse("the previous switchover request is not taken up yet", "Ask again in a second.")
	}
	if action == model.SwitchCancel && cur.State.Phase != model.SwitchPrepared {
		return refuse("no prepared switchover to cancel", "PREPARE first.")
	}
	req := model.SwitchRequest{ID: model.NewID("sw"), Action: action, Time: s.now().UnixMilli()}
	if err := state.PutJSON(ctx, s.store, id, state.SwitchRequestKey, req); err != nil {
		return nil, err
	}
	s.audit(ctx, id, "INFO", "switchover requested through the API: "+action)
	cur.Request, cur.Pending = &req, true
	return cur, nil
}

// validateSwitch checks the switchover and reverse-sync settings at creation.
func validateSwitch(p *model.Project) error {
	if p.CommonTransferConfig.ActiveActive {
		return errs.Invalid("commonTransferConfig.activeActive is not supported yet: use enableReverseIncrTransfer (switchover with reverse sync for rollback)")
	}
	if !p.EnableReverseIncrTransfer {
		return nil
	}
	if !p.EnableIncrTransfer {
		return errs.Invalid("enableReverseIncrTransfer needs enableIncrTransfer: the switchover waits for incremental sync to catch up")
	}
	rc := &p.ReverseIncrTransferConfig
	if err := validateIncr(rc); err != nil {
		e := *errs.As(err)
		e.Message = strings.Replace(e.Message, "incrTransferConfig.", "reverseIncrTransferConfig.", 1)
		return &e
	}
	c := &p.SwitchoverConfig
	c.FenceMode = strings.ToUpper(strings.TrimSpace(c.FenceMode))
	switch c.FenceMode {
	case "", model.FenceReadOnly, model.FenceUser:
	default:
		return errs.Invalid("switchoverConfig.fenceMode %q must be READ_ONLY or USER", c.FenceMode)
	}
	if c.FenceWaitSeconds < 0 || c.FenceWaitSeconds > 3600 || c.QuietSeconds < 0 || c.QuietSeconds > 3600 ||
		c.CatchUpSeconds < 0 || c.CatchUpSeconds > 86400 {
		return errs.Invalid("switchoverConfig: fenceWaitSeconds and quietSeconds must be 0..3600, catchUpSeconds 0..86400")
	}
	return nil
}
