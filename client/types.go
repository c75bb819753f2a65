package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Time is a timestamp that decodes from the wire's "YYYY-MM-DDThh:mm:ss" (UTC), from RFC 3339,
// or from null / "" (the zero Time).
type Time struct{ time.Time }

// wireLayout is the OMS timestamp layout: UTC without a zone suffix.
const wireLayout = "2006-01-02T15:04:05"

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("time: %w", err)
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, layout := range []string{wireLayout, time.RFC3339Nano} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("time: cannot parse %q", s)
}

// MarshalJSON renders the wire layout, or null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(wireLayout))
}

// String is the wire layout, or "-" for the zero Time.
func (t Time) String() string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(wireLayout)
}

// Health is GET /api/v1/health.
type Health struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

// CreateDataSourceRequest is the body of POST /api/v1/datasources. Password is sent in clear
// text (use TLS in front of godwit); the server never echoes it.
type CreateDataSourceRequest struct {
	Name                 string            `json:"name"`
	Type                 string            `json:"type"`
	Host                 string            `json:"host"`
	Port                 int               `json:"port"`
	User                 string            `json:"user"`
	Password             string            `json:"password"`
	Schema               string            `json:"schema,omitempty"`
	Description          string            `json:"description,omitempty"`
	Options              map[string]string `json:"options,omitempty"`
	SkipConnectivityTest bool              `json:"skipConnectivityTest"`
}

// DataSource is a stored connection (never with a password).
type DataSource struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	Host        string            `json:"host"`
	Port        int               `json:"port"`
	User        string            `json:"user"`
	Schema      string            `json:"schema"`
	Description string            `json:"description"`
	Options     map[string]string `json:"options"`
	Version     string            `json:"version"`
	GmtCreate   Time              `json:"gmtCreate"`
	GmtModified Time              `json:"gmtModified"`

	Raw json.RawMessage `json:"-"` // the object as the server sent it
}

// DataSourceList is one page of GET /api/v1/datasources.
type DataSourceList struct {
	Items []DataSource    `json:"items"`
	Total int64           `json:"total"`
	Page  int             `json:"page"`
	Size  int             `json:"size"`
	Raw   json.RawMessage `json:"-"`
}

// Project is the DescribeProject shape; only the fields the CLI and demo use are typed,
// Raw keeps everything.
type Project struct {
	ID                        string           `json:"id"`
	Name                      string           `json:"name"`
	Type                      string           `json:"type"`
	Owner                     string           `json:"owner"`
	Importance                string           `json:"importance"`
	Status                    string           `json:"status"`
	GmtCreate                 Time             `json:"gmtCreate"`
	GmtModified               Time             `json:"gmtModified"`
	GmtStart                  Time             `json:"gmtStart"`
	GmtFinish                 Time             `json:"gmtFinish"`
	SourceEndpointType        string           `json:"sourceEndpointType"`
	SinkEndpointType          string           `json:"sinkEndpointType"`
	SourceEndpointID          string           `json:"sourceEndpointId"`
	SinkEndpointID            string           `json:"sinkEndpointId"`
	EnableStructTransfer      bool             `json:"enableStructTransfer"`
	EnableFullTransfer        bool             `json:"enableFullTransfer"`
	EnableFullVerify          bool             `json:"enableFullVerify"`
	EnableIncrTransfer        bool             `json:"enableIncrTransfer"`
	EnableIncrVerify          bool             `json:"enableIncrVerify"`
	EnableReverseIncrTransfer bool             `json:"enableReverseIncrTransfer"`
	TransferMapping           json.RawMessage  `json:"transferMapping"`
	Steps                     []Step           `json:"steps"`
	ExtraInfo                 ProjectExtraInfo `json:"extraInfo"`

	Raw json.RawMessage `json:"-"`
}

// ProjectExtraInfo is the derived part of a project (running step, delays).
type ProjectExtraInfo struct {
	RunningStep              string `json:"runningStep"`
	RunningProgress          int    `json:"runningProgress"`
	MonitoringIncr           bool   `json:"monitoringIncr"`
	SyncDelay                *int64 `json:"syncDelay"`
	SyncDelaySampleTimestamp *int64 `json:"syncDelaySampleTimestamp"`
	IncrSyncTimestamp        *int64 `json:"incrSyncTimestamp"`
}

// ProjectList is one page of GET /api/v1/projects.
type ProjectList struct {
	Items []Project       `json:"items"`
	Total int64           `json:"total"`
	Page  int             `json:"page"`
	Size  int             `json:"size"`
	Raw   json.RawMessage `json:"-"`
}

// Step is one element of DescribeProjectSteps.
type Step struct {
	Order       int           `json:"order"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Status      string        `json:"status"`
	ExtraInfo   StepExtraInfo `json:"extraInfo"`
	StartTime   Time          `json:"startTime"`
	FinishTime  Time          `json:"finishTime"`
	Progress    int           `json:"progress"`
	StepInfo    *StepInfo     `json:"stepInfo"`
}

// StepExtraInfo carries a failed step's error.
type StepExtraInfo struct {
	ErrorDetails ErrorDetails      `json:"errorDetails"`
	ErrorCode    string            `json:"errorCode"`
	ErrorMsg     string            `json:"errorMsg"`
	ErrorParam   map[string]string `json:"errorParam"`
	FailedTime   Time              `json:"failedTime"`
}

// ErrorDetail is one structured error of a step. OMS calls the advice "proposal"; godwit
// may send either member.
type ErrorDetail struct {
	Code     string `json:"code"`
	Level    string `json:"level"`
	Message  string `json:"message"`
	Advice   string `json:"advice"`
	Proposal string `json:"proposal"`
}

// ErrorDetails decodes an array of error details leniently: elements that are plain strings
// become {Message: s}; null is an empty list.
type ErrorDetails []ErrorDetail

// UnmarshalJSON implements json.Unmarshaler.
func (d *ErrorDetails) UnmarshalJSON(b []byte) error {
	*d = nil
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(b, &elems); err != nil {
		return nil // an unexpected shape is not worth failing the whole response
	}
	for _, e := range elems {
		var det ErrorDetail
		if json.Unmarshal(e, &det) != nil {
			var s string
			if json.Unmarshal(e, &s) != nil {
				continue
			}
			det.Message = s
		}
		*d = append(*d, det)
	}
	return nil
}

// StepError summarises a step's error as code, message and advice (empty when healthy).
func (s Step) StepError() (code, message, advice string) {
	code, message = s.ExtraInfo.ErrorCode, s.ExtraInfo.ErrorMsg
	for _, d := range s.ExtraInfo.ErrorDetails {
		if code == "" {
			code = d.Code
		}
		if message == "" {
			message = d.Message
		}
		if advice == "" {
			advice = strings.TrimSpace(d.Advice + " " + d.Proposal)
		}
	}
	return code, message, advice
}

// StepInfo holds a step's measured metrics; members are nil when not measured.
type StepInfo struct {
	ProcessedRecords          *int64 `json:"processedRecords"`
	Capacity                  *int64 `json:"capacity"`
	SrcRps                    *int64 `json:"srcRps"`
	SrcRt                     *int64 `json:"srcRt"`
	SrcIops                   *int64 `json:"srcIops"`
	DstRps                    *int64 `json:"dstRps"`
	DstRt                     *int64 `json:"dstRt"`
	DstIops                   *int64 `json:"dstIops"`
	IncrTimestampCheckpoint   *int64 `json:"incrTimestampCheckpoint"`
	CheckpointSampleTimestamp *int64 `json:"checkpointSampleTimestamp"`
	EnableIncrStatistics      *bool  `json:"enableIncrStatistics"`
	VerifyResult              string `json:"verifyResult"` // FULL_VERIFIER: CONSISTENT | INCONSISTENT
	Message                   string `json:"message"`
}

// StepList is GET /api/v1/projects/{id}/steps.
type StepList struct {
	Items []Step          `json:"items"`
	Raw   json.RawMessage `json:"-"`
}

// Progress is GET /api/v1/projects/{id}/progress.
type Progress struct {
	ProjectID                     string          `json:"projectId"`
	Status                        string          `json:"status"`
	Importance                    string          `json:"importance"`
	CurrentStep                   string          `json:"currentStep"`
	EnableStructTransfer          bool            `json:"enableStructTransfer"`
	EnableFullTransfer            bool            `json:"enableFullTransfer"`
	EnableIncrTransfer            bool            `json:"enableIncrTransfer"`
	EnableReverseIncrTransfer     bool            `json:"enableReverseIncrTransfer"`
	StructTransferProgress        int             `json:"structTransferProgress"`
	FullTransferProgress          int             `json:"fullTransferProgress"`
	IncrSyncCheckpoint            *int64          `json:"incrSyncCheckpoint"`
	ReverseIncrTransferCheckpoint *int64          `json:"reverseIncrTransferCheckpoint"`
	Raw                           json.RawMessage `json:"-"`
}

// TableProgress is one table of a step (GET /api/v1/projects/{id}/tables).
type TableProgress struct {
	Table    string          `json:"table"`  // source "db.t"
	Target   string          `json:"target"` // target "db2.t2"
	Status   string          `json:"status"`
	Capacity int64           `json:"capacity"` // estimated rows
	Done     int64           `json:"done"`
	Bytes    int64           `json:"bytes"`
	Extra    json.RawMessage `json:"extra"`
}

// TableList is GET /api/v1/projects/{id}/tables.
type TableList struct {
	Items []TableProgress `json:"items"`
	Raw   json.RawMessage `json:"-"`
}

// LogEntry is one project event.
type LogEntry struct {
	ID      int64  `json:"id"`
	Time    Time   `json:"time"`
	Level   string `json:"level"`
	Step    string `json:"step"`
	Message string `json:"message"`
}

// LogList is one page of GET /api/v1/projects/{id}/logs.
type LogList struct {
	Items []LogEntry      `json:"items"`
	Total int64           `json:"total"`
	Raw   json.RawMessage `json:"-"`
}

// CheckItem is one precheck result.
type CheckItem struct {
	Name         string `json:"name"`
	EndpointType string `json:"endpointType"` // SOURCE | DEST
	Status       string `json:"status"`       // PASSED | ALARM | FAILED
	Message      string `json:"message"`
	Advice       string `json:"advice"`
	Skippable    bool   `json:"skippable"`
}

// CheckList is GET /api/v1/projects/{id}/precheck.
type CheckList struct {
	Items []CheckItem     `json:"items"`
	Raw   json.RawMessage `json:"-"`
}
