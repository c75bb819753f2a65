package drs

import (
	"context"

	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// switchActions adds SWITCH_OVER to the available actions while the project's
// TRANSFER_APP_SWITCH waits for the user (phase WAITING or PREPARED), else to the
// unavailable ones.
func switchActions(a JobActions, v *service.ProjectView) JobActions {
	allowed := false
	if v != nil && v.Status == model.StatusRunning {
		for _, s := range v.Steps {
			if s.Name == model.StepAppSwitch && s.Status == model.StepRunning && s.Info.Switch != nil {
				ph := s.Info.Switch.Phase
				allowed = ph == model.SwitchWaiting || ph == model.SwitchPrepared
			}
		}
	}
	if allowed {
		a.AvailableActions = append(a.AvailableActions, "SWITCH_OVER")
	} else {
		a.UnavailableActions = append(a.UnavailableActions, "SWITCH_OVER")
	}
	return a
}

// switchover is the job action "switchover": the project's forward switchover.
func (h *Handler) switchover(ctx context.Context, d *jobDoc) error {
	if d.ProjectID == "" {
		return invalid("the job has not started")
	}
	_, err := h.svc.Switchover(ctx, d.ProjectID, model.SwitchNow)
	return err
}
