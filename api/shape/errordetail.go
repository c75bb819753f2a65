package shape

// ErrorDetail is the OMS structured error (envelope `errorDetail`, step
// `extraInfo.errorDetails[]`). All keys are always present.
type ErrorDetail struct {
	Code                string            `json:"code"`
	Level               string            `json:"level"` // FATAL | ERROR | WARNING | CRITICAL
	Message             string            `json:"message"`
	ExtraContext        map[string]string `json:"extraContext"`
	MessageMcmsKey      string            `json:"messageMcmsKey"`
	MessageMcmsContext  map[string]string `json:"messageMcmsContext"`
	Reason              *string           `json:"reason"`
	ReasonMcmsKey       *string           `json:"reasonMcmsKey"`
	ReasonMcmsContext   map[string]string `json:"reasonMcmsContext"`
	Proposal            *string           `json:"proposal"`
	ProposalMcmsKey     *string           `json:"proposalMcmsKey"`
	ProposalMcmsContext map[string]string `json:"proposalMcmsContext"`
	UpstreamErrorDetail any               `json:"upstreamErrorDetail"`
	RequestID           *string           `json:"requestId"`
}

// NewErrorDetail builds an ErrorDetail at level ERROR. params become both extraContext and
// messageMcmsContext; advice becomes proposal; an empty requestID renders null.
func NewErrorDetail(code, message, advice string, params map[string]string, requestID string) ErrorDetail {
	d := ErrorDetail{
		Code:               code,
		Level:              "ERROR",
		Message:            message,
		ExtraContext:       nonNilParams(params),
		MessageMcmsKey:     code,
		MessageMcmsContext: nonNilParams(params),
		Proposal:           nonEmpty(advice),
		RequestID:          nonEmpty(requestID),
	}
	return d
}
