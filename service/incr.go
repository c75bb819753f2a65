package service

import (
	"context"

	"github.com/godwit/godwit/errs"
)

// IncrStatus implements IncrAPI.
func (s *Service) IncrStatus(ctx context.Context, id string) (*IncrStatus, error) {
	p, err := s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.EnableIncrTransfer {
		return nil, errs.Invalid("project %s has no incremental synchronization", id)
	}
	return &IncrStatus{ProjectID: id, Phase: "WAITING"}, nil
}
