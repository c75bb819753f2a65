// Package shape renders godwit's model and service types into the OMS camelCase JSON objects
// (Project, Step, Progress V4 and V3.3, DataSource list item, ConnectInfo). The native REST
// adapter and the OMS adapters both use it, so one project looks the same on every surface.
//
// Contract: every key of an OMS object is always present (Go structs without omitempty);
// unknown values are JSON null, times are model.FormatTime strings, and no shape has a field
// that could carry a password.
package shape

import (
	"github.com/godwit/godwit/model"
)

// Step is one element of DescribeProjectSteps (seed 001).
type Step struct {
	Order       int           `json:"order"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Status      string        `json:"status"`
	ExtraInfo   StepExtraInfo `json:"extraInfo"`
	StartTime   *string       `json:"startTime"`
	FinishTime  *string       `json:"finishTime"`
	Progress    int           `json:"progress"`
	StepInfo    any           `json:"stepInfo"` // nil, *TransferStepInfo, *VerifierStepInfo, *IncrStepInfo, *AppSwitchStepInfo
}

// StepExtraInfo is a step's error record; every member is null while the step is healthy.
type StepExtraInfo struct {
	ErrorDetails []ErrorDetail     `json:"errorDetails"`
	ErrorCode    *string           `json:"errorCode"`
	ErrorMsg     *string           `json:"errorMsg"`
	ErrorParam   map[string]string `json:"errorParam"`
	FailedTime   *string           `json:"failedTime"`
}

// TransferStepInfo is the stepInfo of FULL_TRANSFER and FULL_VERIFIER. Members are null until
// measured. The *Ref baselines are the configured throttles (rows/s, bytes/s) once the step
// has started; RT baselines are not measured by godwit and stay null.
type TransferStepInfo struct {
	ProcessedRecords *int64 `json:"processedRecords"`
	Capacity         *int64 `json:"capacity"`
	SrcRps           *int64 `json:"srcRps"`
	SrcRt            *int64 `json:"srcRt"`
	SrcIops          *int64 `json:"srcIops"`
	DstRps           *int64 `json:"dstRps"`
	DstRt            *int64 `json:"dstRt"`
	DstIops          *int64 `json:"dstIops"`
	SrcRpsRef        *int64 `json:"srcRpsRef"`
	SrcRtRef         *int64 `json:"srcRtRef"`
	DstRpsRef        *int64 `json:"dstRpsRef"`
	DstRtRef         *int64 `json:"dstRtRef"`
	SrcIopsRef       *int64 `json:"srcIopsRef"`
}

// VerifierStepInfo is FULL_VERIFIER's stepInfo in the native shape: the OMS members plus
// the verification verdict.
type VerifierStepInfo struct {
	TransferStepInfo
	VerifyResult *string `json:"verifyResult"` // CONSISTENT | INCONSISTENT | null
	Message      *string `json:"message"`
}

// IncrStepInfo is the stepInfo of INCR_TRANSFER and REVERSE_INCR_TRANSFER.
type IncrStepInfo struct {
	IncrTimestampCheckpoint   *int64 `json:"incrTimestampCheckpoint"`
	CheckpointSampleTimestamp *int64 `json:"checkpointSampleTimestamp"`
	EnableIncrStatistics      bool   `json:"enableIncrStatistics"`
}

// AppSwitchStepInfo is the stepInfo of TRANSFER_APP_SWITCH.
type AppSwitchStepInfo struct {
	CheckpointSampleTimestamp *int64 `json:"checkpointSampleTimestamp"`
}

// Flavor selects the OMS or the native rendering where they differ (FULL_VERIFIER stepInfo).
type Flavor int

const (
	OMS Flavor = iota
	Native
)

// Steps renders steps in order. p supplies configuration the steps show (throttle baselines,
// enableIncrStatistics); it may be nil.
func Steps(steps []model.Step, p *model.Project, f Flavor) []Step {
	out := make([]Step, 0, len(steps))
	for i := range steps {
		out = append(out, RenderStep(&steps[i], p, f))
	}
	return out
}

// RenderStep renders one step.
func RenderStep(s *model.Step, p *model.Project, f Flavor) Step {
	desc := model.StepDescriptions[s.Name]
	if desc == "" {
		desc = string(s.Name)
	}
	st := Step{
		Order:       s.Order,
		Name:        string(s.Name),
		Description: desc,
		Status:      string(s.Status),
		StartTime:   model.FormatTime(s.StartTime),
		FinishTime:  model.FormatTime(s.FinishTime),
		Progress:    clampPercent(s.Progress),
		StepInfo:    stepInfo(s, p, f),
	}
	if st.Status == "" {
		st.Status = string(model.StepInit)
	}
	if e := s.Error; e != nil {
		code, msg := e.Code, e.Message
		st.ExtraInfo.ErrorCode = &code
		st.ExtraInfo.ErrorMsg = &msg
		st.ExtraInfo.ErrorParam = nonNilParams(e.Params)
		ft := e.FailedTime
		st.ExtraInfo.FailedTime = model.FormatTime(&ft)
		st.ExtraInfo.ErrorDetails = []ErrorDetail{NewErrorDetail(e.Code, e.Message, e.Advice, e.Params, "")}
	}
	return st
}

func stepInfo(s *model.Step, p *model.Project, f Flavor) any {
	in := s.Info
	switch s.Name {
	case model.StepFull, model.StepFullVerify:
		t := TransferStepInfo{
			ProcessedRecords: in.ProcessedRecords, Capacity: in.Capacity,
			SrcRps: in.SrcRps, SrcRt: in.SrcRt, SrcIops: in.SrcIops,
			DstRps: in.DstRps, DstRt: in.DstRt, DstIops: in.DstIops,
		}
		if p != nil && !isInit(s) { // a step not started yet shows only nulls (seed 001)
			t.SrcRpsRef = positive(p.FullTransferConfig.ThrottleRps)
			t.DstRpsRef = t.SrcRpsRef
			t.SrcIopsRef = positive(p.FullTransferConfig.ThrottleIOPS)
		}
		if s.Name == model.StepFullVerify && f == Native {
			return &VerifierStepInfo{TransferStepInfo: t, VerifyResult: nonEmpty(in.VerifyResult), Message: nonEmpty(in.Message)}
		}
		return &t
	case model.StepIncr, model.StepReverseIncr:
		// The seed shows a not-yet-started REVERSE_INCR_TRANSFER with stepInfo null (INF).
		if s.Name == model.StepReverseIncr && isInit(s) && in.IncrTimestampCheckpoint == nil {
			return nil
		}
		i := IncrStepInfo{IncrTimestampCheckpoint: in.IncrTimestampCheckpoint, CheckpointSampleTimestamp: in.CheckpointSampleTimestamp}
		if p != nil {
			if s.Name == model.StepIncr {
				i.EnableIncrStatistics = p.IncrTransferConfig.EnableIncrSyncStatistics
			} else {
				i.EnableIncrStatistics = p.ReverseIncrTransferConfig.EnableIncrSyncStatistics
			}
		}
		return &i
	case model.StepAppSwitch:
		return &AppSwitchStepInfo{CheckpointSampleTimestamp: in.CheckpointSampleTimestamp}
	}
	return nil
}

func isInit(s *model.Step) bool { return s.Status == "" || s.Status == model.StepInit }

func positive(v *int64) *int64 {
	if v == nil || *v <= 0 {
		return nil
	}
	c := *v
	return &c
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func clampPercent(v int) int {
	return min(max(v, 0), 100)
}

func nonNilParams(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
