package model

import "time"

// StepName is the OMS V4 step enum.
type StepName string

const (
	StepPrecheck    StepName = "TRANSFER_PRECHECK"
	StepStruct      StepName = "STRUCT_TRANSFER"
	StepIncrLogPull StepName = "TRANSFER_INCR_LOG_PULL"
	StepFull        StepName = "FULL_TRANSFER"
	StepIndex       StepName = "INDEX_TRANSFER"
	StepIncr        StepName = "INCR_TRANSFER"
	StepFullVerify  StepName = "FULL_VERIFIER"
	StepAppSwitch   StepName = "TRANSFER_APP_SWITCH"
	StepReverseIncr StepName = "REVERSE_INCR_TRANSFER"
)

// StepStatus is the OMS step state.
type StepStatus string

const (
	StepInit       StepStatus = "INIT"
	StepRunning    StepStatus = "RUNNING"
	StepFailed     StepStatus = "FAILED"
	StepFinished   StepStatus = "FINISHED"
	StepSuspend    StepStatus = "SUSPEND"
	StepMonitoring StepStatus = "MONITORING"
)

// StepDescriptions are the English labels OMS shows.
var StepDescriptions = map[StepName]string{
	StepPrecheck:    "Precheck",
	StepStruct:      "Schema migration",
	StepIncrLogPull: "Pull incremental logs synchronously",
	StepFull:        "Full migration",
	StepIndex:       "Index migration",
	StepIncr:        "Incremental synchronization",
	StepFullVerify:  "Full verification",
	StepAppSwitch:   "Forward switchover",
	StepReverseIncr: "Reverse incremental synchronization",
}

// StepOrder is the canonical V4 order of all steps.
var StepOrder = []StepName{StepPrecheck, StepStruct, StepIncrLogPull, StepFull, StepIndex,
	StepIncr, StepFullVerify, StepAppSwitch, StepReverseIncr}

// Step is the persisted state of one step of a project.
type Step struct {
	ProjectID  string
	Order      int
	Name       StepName
	Status     StepStatus
	Progress   int // 0..100
	StartTime  *time.Time
	FinishTime *time.Time
	Error      *StepError
	Info       StepInfo
}

// StepError is what a failed step records (OMS extraInfo).
type StepError struct {
	Code       string            `json:"code"`
	Message    string            `json:"message"`
	Advice     string            `json:"advice"`
	Params     map[string]string `json:"params,omitempty"`
	FailedTime time.Time         `json:"failedTime"`
}

// StepInfo carries the measured metrics of a step; only the fields a step reports are set.
// Rates are per second, RT is milliseconds per record, IOPS is bytes per second (OMS units).
type StepInfo struct {
	ProcessedRecords *int64 `json:"processedRecords,omitempty"`
	Capacity         *int64 `json:"capacity,omitempty"`
	SrcRps           *int64 `json:"srcRps,omitempty"`
	SrcRt            *int64 `json:"srcRt,omitempty"`
	SrcIops          *int64 `json:"srcIops,omitempty"`
	DstRps           *int64 `json:"dstRps,omitempty"`
	DstRt            *int64 `json:"dstRt,omitempty"`
	DstIops          *int64 `json:"dstIops,omitempty"`

	IncrTimestampCheckpoint   *int64 `json:"incrTimestampCheckpoint,omitempty"`
	CheckpointSampleTimestamp *int64 `json:"checkpointSampleTimestamp,omitempty"`
	EnableIncrStatistics      *bool  `json:"enableIncrStatistics,omitempty"`

	// Verification result summary (FULL_VERIFIER).
	VerifyResult string `json:"verifyResult,omitempty"` // CONSISTENT | INCONSISTENT
	Message      string `json:"message,omitempty"`

	// Copy progress (FULL_TRANSFER, INDEX_TRANSFER): estimated seconds left (DRS
	// remaining_time), from the byte-weighted progress and this run's rate; and the source
	// bytes moved so far.
	RemainingSeconds *int64 `json:"remainingSeconds,omitempty"`
	ProcessedBytes   *int64 `json:"processedBytes,omitempty"`

	// Switch is TRANSFER_APP_SWITCH's state (phase, positions, downtime, last refusal).
	Switch *SwitchState `json:"switch,omitempty"`
}

// EnabledSteps lists the steps a project runs, in order, with their 1-based order numbers.
// TRANSFER_PRECHECK always runs. A project with every enable* false is a verification-only project
// when EnableFullVerify is set.
func (p *Project) EnabledSteps() []StepName {
	out := []StepName{StepPrecheck}
	if p.EnableStructTransfer {
		out = append(out, StepStruct)
	}
	if p.EnableIncrTransfer {
		out = append(out, StepIncrLogPull)
	}
	if p.EnableFullTransfer {
		out = append(out, StepFull)
	}
	if p.EnableStructTransfer && p.StructTransferConfig.DeferIndexCreation {
		out = append(out, StepIndex)
	}
	if p.EnableIncrTransfer {
		out = append(out, StepIncr)
	}
	if p.EnableFullVerify {
		out = append(out, StepFullVerify)
	}
	if p.EnableReverseIncrTransfer {
		out = append(out, StepAppSwitch, StepReverseIncr)
	}
	return out
}

// Int64 returns a pointer to v, for optional metric fields.
func Int64(v int64) *int64 { return &v }
