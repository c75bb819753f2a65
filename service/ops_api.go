package service

import (
	"context"
	"time"

	"github.com/godwit/godwit/model"
)

// OpsAPI is the API-surface part of the service contract: labels, configuration updates,
// modify records (objects added to a project), standalone prechecks, connectivity tests,
// alarm rules, and opaque documents adapters keep (DRS jobs). Embedded in API.
type OpsAPI interface {
	CreateLabel(ctx context.Context, name string) (model.Label, error) // errs KindConflict on a duplicate name
	ListLabels(ctx context.Context) ([]model.Label, error)

	// UpdateProjectConfig replaces the configuration blocks that are set in u. Allowed unless
	// the project is RELEASING/RELEASED; a running step reads its configuration when it
	// starts, so a change reaches a running project when its current step (re)starts.
	UpdateProjectConfig(ctx context.Context, id string, u ConfigUpdate) error
	// AdvanceProject moves a project to its next step: an INIT project is started (the first
	// step is returned); on a RUNNING project waiting in TRANSFER_APP_SWITCH it asks for
	// the switchover (Switchover SWITCH); otherwise the running step is returned unchanged.
	AdvanceProject(ctx context.Context, id string) (model.StepName, error)

	// CreateModifyRecord adds databases/tables to a project's mapping. When the project is
	// not RUNNING (INIT, SUSPEND, FAILED) the objects are merged into the mapping at once
	// (status SUCCESS); objects of steps that already finished are not moved until the
	// project is re-created. On a RUNNING project the record stays PENDING until RetryModifyRecord
	// is called while the project is stopped.
	CreateModifyRecord(ctx context.Context, projectID string, dbs []model.DbObject) (*ModifyRecord, error)
	ListModifyRecords(ctx context.Context, projectID string) ([]ModifyRecord, error)
	StopModifyRecord(ctx context.Context, id string) error   // PENDING → TERMINATED
	RetryModifyRecord(ctx context.Context, id string) error  // PENDING|FAILED|TERMINATED → applied when the project is not running
	CancelModifyRecord(ctx context.Context, id string) error // PENDING|FAILED|TERMINATED → CANCEL

	// SubmitPrecheck runs TRANSFER_PRECHECK in the background for an existing project
	// (req.ProjectID) or for a project body that is validated but not stored (req.Project),
	// and returns the precheck id ("pc_…").
	SubmitPrecheck(ctx context.Context, req PrecheckRequest) (string, error)
	GetPrecheck(ctx context.Context, id string) (*PrecheckRun, error)

	// ValidateProject checks a project body exactly as CreateProject does (settings, filters,
	// data sources, and the names against the source's and target's identifier rules and
	// system schemas) without storing anything. Adapters that keep a project description
	// before the project is created (DRS jobs) call it when the description is made or changed.
	ValidateProject(ctx context.Context, p model.Project) error

	// TestDataSource opens and closes a connection to a stored data source. Failures are
	// PARAM_ERROR "Connectivity test failed: …".
	TestDataSource(ctx context.Context, id string) error

	// SetAlarmRule stores the sync-delay alarm rule of a project (DRS alarm_notify).
	SetAlarmRule(ctx context.Context, projectID string, r AlarmRule) error
	GetAlarmRule(ctx context.Context, projectID string) (*AlarmRule, error) // nil, nil when none

	// Documents are opaque JSON objects adapters keep (DRS jobs). They never hold passwords.
	PutDocument(ctx context.Context, o *Document) error
	GetDocument(ctx context.Context, kind, id string) (*Document, error)
	ListDocuments(ctx context.Context, f DocumentFilter) ([]Document, int64, error)
	DeleteDocument(ctx context.Context, kind, id string) error
}

// ConfigUpdate holds the configuration blocks UpdateProjectConfig replaces; nil blocks are
// kept as they are.
type ConfigUpdate struct {
	Importance                *string
	CommonTransferConfig      *model.CommonTransferConfig
	StructTransferConfig      *model.StructTransferConfig
	FullTransferConfig        *model.FullTransferConfig
	IncrTransferConfig        *model.IncrTransferConfig
	ReverseIncrTransferConfig *model.IncrTransferConfig
}

// Modify record types and statuses (OMS §6.11).
const (
	ModifyIncrease = "INCREASE_OBJECT"

	ModifyPending    = "PENDING"
	ModifyTerminated = "TERMINATED"
	ModifySuccess    = "SUCCESS"
	ModifyFailed     = "FAILED"
	ModifyCancel     = "CANCEL"
)

// ModifyRecord is one request to add objects to a project.
type ModifyRecord struct {
	ID          string           `json:"id"` // decimal
	ProjectID   string           `json:"projectId"`
	Type        string           `json:"type"`
	Status      string           `json:"status"`
	Databases   []model.DbObject `json:"databases"`
	ErrorCode   string           `json:"errorCode,omitempty"`
	ErrorMsg    string           `json:"errorMsg,omitempty"`
	GmtCreate   time.Time        `json:"gmtCreate"`
	GmtModified time.Time        `json:"gmtModified"`
}

// PrecheckRequest names what SubmitPrecheck checks: ProjectID, or a Project body.
type PrecheckRequest struct {
	ProjectID string
	Project   *model.Project
}

// Precheck run statuses.
const (
	PrecheckRunning  = "RUNNING"
	PrecheckFinished = "FINISHED"
	PrecheckFailed   = "FAILED"
)

// PrecheckRun is a submitted precheck and, once done, its items.
type PrecheckRun struct {
	ID        string      `json:"id"`
	ProjectID string      `json:"projectId,omitempty"`
	Status    string      `json:"status"` // RUNNING | FINISHED (items decide pass/fail) | FAILED (could not run)
	Items     []CheckItem `json:"items"`
	Error     string      `json:"error,omitempty"`
	Started   time.Time   `json:"started"`
	Finished  *time.Time  `json:"finished,omitempty"`
}

// Passed reports whether a finished run has no FAILED item.
func (r *PrecheckRun) Passed() bool {
	if r.Status != PrecheckFinished {
		return false
	}
	for _, it := range r.Items {
		if it.Status == CheckFailed {
			return false
		}
	}
	return true
}

// AlarmRule is a project's sync-delay alarm: it triggers when the incremental sync delay is
// at least DelaySeconds for the server's configured hold time.
type AlarmRule struct {
	DelaySeconds int64  `json:"delaySeconds"` // 0 = no delay alarm for this project
	Notify       bool   `json:"notify"`       // DRS alarm_to_user
	Topic        string `json:"topic,omitempty"`
}

// AlarmStats is the alarm summary shown in DescribeProject (OMS alarmStats).
type AlarmStats struct {
	Target                     string
	Alarming                   bool
	RecentlyTriggerCount       int
	RuleToRecentlyTriggerCount map[string]int
	AlarmContent               string
	OpenMonitor                bool
	// Active lists the rules triggered now (Target is the first of them).
	Active []string
}
