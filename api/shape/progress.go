package shape

import (
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// ProgressV4 is the DescribeProjectProgress `data` object (oms-v2.md §6.4).
type ProgressV4 struct {
	ProjectID                     string  `json:"projectId"`
	Status                        string  `json:"status"`
	AlarmLevel                    string  `json:"alarmLevel"`
	EnableIncrSync                bool    `json:"enableIncrSync"`
	CurrentStep                   *string `json:"currentStep"`
	IncrSyncCheckpoint            *int64  `json:"incrSyncCheckpoint"`
	EnableStructTransfer          bool    `json:"enableStructTransfer"`
	EnableFullTransfer            bool    `json:"enableFullTransfer"`
	StructTransferProgress        int     `json:"structTransferProgress"`
	FullTransferProgress          int     `json:"fullTransferProgress"`
	EnableReverseIncrTransfer     bool    `json:"enableReverseIncrTransfer"`
	ReverseIncrTransferCheckpoint *int64  `json:"reverseIncrTransferCheckpoint"`
}

// RenderProgressV4 renders p for DescribeProjectProgress.
func RenderProgressV4(p *service.Progress) ProgressV4 {
	return ProgressV4{
		ProjectID:                     p.ProjectID,
		Status:                        string(p.Status),
		AlarmLevel:                    p.Importance,
		EnableIncrSync:                p.EnableIncr,
		CurrentStep:                   nonEmpty(string(p.CurrentStep)),
		IncrSyncCheckpoint:            p.IncrCheckpoint,
		EnableStructTransfer:          p.EnableStruct,
		EnableFullTransfer:            p.EnableFull,
		StructTransferProgress:        clampPercent(p.StructProgress),
		FullTransferProgress:          clampPercent(p.FullProgress),
		EnableReverseIncrTransfer:     p.EnableReverse,
		ReverseIncrTransferCheckpoint: p.ReverseIncrCheckpoint,
	}
}

// ProgressV33 is the `data` object of OMS V3.3 GET /api/omsp/v2/migrations/{id}/progress
// (seed 002). It has no projectId.
type ProgressV33 struct {
	Status                    string  `json:"status"`
	Importance                string  `json:"importance"`
	EnableStructMigration     bool    `json:"enableStructMigration"`
	EnableFullMigration       bool    `json:"enableFullMigration"`
	EnableIncrSync            bool    `json:"enableIncrSync"`
	EnableReverseIncrSync     bool    `json:"enableReverseIncrSync"`
	CurrentStep               *string `json:"currentStep"`
	StructMigrationProgress   int     `json:"structMigrationProgress"`
	FullMigrationProgress     int     `json:"fullMigrationProgress"`
	IncrSyncCheckpoint        *int64  `json:"incrSyncCheckpoint"`
	ReverseIncrSyncCheckpoint *int64  `json:"reverseIncrSyncCheckpoint"`
}

// legacyStep maps V4 step names to the V3.3 names (INF: oms-v2.md §7).
var legacyStep = map[model.StepName]string{
	model.StepPrecheck:    "PRE_CHECK",
	model.StepStruct:      "STRUCT_MIGRATION",
	model.StepFull:        "FULL_MIGRATION",
	model.StepIndex:       "INDEX_MIGRATION",
	model.StepIncr:        "INCR_SYNC",
	model.StepAppSwitch:   "APP_SWITCH",
	model.StepReverseIncr: "REVERSE_INCR_SYNC",
	model.StepFullVerify:  "FULL_VALIDATION",
	model.StepIncrLogPull: "INCR_LOG_PULL",
}

// LegacyStepName returns the V3.3 name of a V4 step ("" stays ""; unknown names pass through).
func LegacyStepName(s model.StepName) string {
	if l, ok := legacyStep[s]; ok {
		return l
	}
	return string(s)
}

// RenderProgressV33 renders p for the V3.3 progress endpoint.
func RenderProgressV33(p *service.Progress) ProgressV33 {
	return ProgressV33{
		Status:                    string(p.Status),
		Importance:                p.Importance,
		EnableStructMigration:     p.EnableStruct,
		EnableFullMigration:       p.EnableFull,
		EnableIncrSync:            p.EnableIncr,
		EnableReverseIncrSync:     p.EnableReverse,
		CurrentStep:               nonEmpty(LegacyStepName(p.CurrentStep)),
		StructMigrationProgress:   clampPercent(p.StructProgress),
		FullMigrationProgress:     clampPercent(p.FullProgress),
		IncrSyncCheckpoint:        p.IncrCheckpoint,
		ReverseIncrSyncCheckpoint: p.ReverseIncrCheckpoint,
	}
}
