package client

import (
	"context"
	"encoding/json"
	"net/http"
)

// SwitchError is a refused switchover gate.
type SwitchError struct {
	Gate    string `json:"gate"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Advice  string `json:"advice"`
	Time    int64  `json:"time"`
}

// SwitchState is TRANSFER_APP_SWITCH's state (GET /api/v1/projects/{id}/switchover).
type SwitchState struct {
	Phase          string       `json:"phase"`
	RequestID      string       `json:"requestId"`
	FenceMode      string       `json:"fenceMode"`
	Fenced         bool         `json:"fenced"`
	Ps             string       `json:"ps"`
	Pt             string       `json:"pt"`
	FencedAt       int64        `json:"fencedAt"`
	SwitchedAt     int64        `json:"switchedAt"`
	DowntimeMillis int64        `json:"downtimeMillis"`
	KeysChecked    int64        `json:"keysChecked"`
	Killed         int          `json:"killed"`
	Bypass         []string     `json:"bypass"`
	LastError      *SwitchError `json:"lastError"`
}

// SwitchStatus is the switchover status with the request it answers.
type SwitchStatus struct {
	ProjectID  string      `json:"projectId"`
	StepStatus string      `json:"stepStatus"`
	State      SwitchState `json:"state"`
	Request    *struct {
		ID     string `json:"id"`
		Action string `json:"action"`
	} `json:"request"`
	Pending bool            `json:"pending"`
	Reverse *IncrStatus     `json:"reverse"`
	Raw     json.RawMessage `json:"-"`
}

// Switchover asks for the switchover: action SWITCH ("" too), PREPARE or CANCEL.
func (c *Client) Switchover(ctx context.Context, id, action string) (*SwitchStatus, error) {
	var s SwitchStatus
	raw, err := c.call(ctx, http.MethodPost, "/api/v1/projects/"+esc(id)+"/switchover", map[string]string{"action": action}, &s)
	if err != nil {
		return nil, err
	}
	s.Raw = raw
	return &s, nil
}

// SwitchStatus returns the switchover status.
func (c *Client) SwitchStatus(ctx context.Context, id string) (*SwitchStatus, error) {
	var s SwitchStatus
	raw, err := c.call(ctx, http.MethodGet, "/api/v1/projects/"+esc(id)+"/switchover", nil, &s)
	if err != nil {
		return nil, err
	}
	s.Raw = raw
	return &s, nil
}
