package client

import (
	"context"
	"net/http"
)

// IncrStatus is the live state of a project's incremental sync (GET /api/v1/projects/{id}/incr).
type IncrStatus struct {
	ProjectID    string `json:"projectId"`
	Phase        string `json:"phase"`
	P0           string `json:"p0"`
	P1           string `json:"p1"`
	PulledPos    string `json:"pulledPos"`
	PulledSeq    uint64 `json:"pulledSeq"`
	PulledTime   int64  `json:"pulledTime"`
	AppliedPos   string `json:"appliedPos"`
	AppliedSeq   uint64 `json:"appliedSeq"`
	AppliedTime  int64  `json:"appliedTime"`
	SafeMode     bool   `json:"safeMode"`
	DelayMillis  int64  `json:"delayMillis"`
	EventsPerSec int64  `json:"eventsPerSec"`
	RowsApplied  int64  `json:"rowsApplied"`
	RowsFiltered int64  `json:"rowsFiltered"`
	DDLApplied   int64  `json:"ddlApplied"`
	StoreBytes   int64  `json:"storeBytes"`
	Tables       []struct {
		Table   string `json:"table"`
		Inserts int64  `json:"inserts"`
		Updates int64  `json:"updates"`
		Deletes int64  `json:"deletes"`
		DDLs    int64  `json:"ddls"`
	} `json:"tables"`
}

// IncrStatus calls GET /api/v1/projects/{id}/incr.
func (c *Client) IncrStatus(ctx context.Context, id string) (*IncrStatus, error) {
	var s IncrStatus
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/projects/"+esc(id)+"/incr", nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
