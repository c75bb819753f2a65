package shape

import (
	"strings"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

// ProjectRequest is the CreateProject body (oms-v2.md §6.1) shared by the OMS CreateProject
// action and native POST /api/v1/projects. Cloud-only fields (workerGradeId, useOss, ossKey)
// and the ignored `id` are accepted by the decoders and dropped.
type ProjectRequest struct {
	Name                      string                     `json:"name"`
	Type                      string                     `json:"type"`
	LabelIDs                  []string                   `json:"labelIds"`
	Importance                string                     `json:"importance"`
	SourceEndpointID          string                     `json:"sourceEndpointId"`
	SinkEndpointID            string                     `json:"sinkEndpointId"`
	TransferMapping           model.TransferMapping      `json:"transferMapping"`
	CommonTransferConfig      model.CommonTransferConfig `json:"commonTransferConfig"`
	EnableStructTransfer      bool                       `json:"enableStructTransfer"`
	StructTransferConfig      model.StructTransferConfig `json:"structTransferConfig"`
	EnableFullTransfer        bool                       `json:"enableFullTransfer"`
	EnableFullVerify          bool                       `json:"enableFullVerify"`
	FullTransferConfig        model.FullTransferConfig   `json:"fullTransferConfig"`
	EnableIncrTransfer        bool                       `json:"enableIncrTransfer"`
	EnableIncrVerify          bool                       `json:"enableIncrVerify"`
	IncrTransferConfig        model.IncrTransferConfig   `json:"incrTransferConfig"`
	EnableReverseIncrTransfer bool                       `json:"enableReverseIncrTransfer"`
	ReverseIncrTransferConfig model.IncrTransferConfig   `json:"reverseIncrTransferConfig"`
	SwitchoverConfig          model.SwitchoverConfig     `json:"switchoverConfig"` // godwit extension
}

// MaxLabels is the OMS limit on labelIds.
const MaxLabels = 5

// ToModel checks the fields OMS marks required and returns the project to create, owned by
// owner. Labels carry only their ids (godwit has no label store yet).
func (r *ProjectRequest) ToModel(owner string) (model.Project, *errs.Error) {
	if strings.TrimSpace(r.Name) == "" {
		return model.Project{}, errs.Invalid("name is required")
	}
	if r.SourceEndpointID == "" {
		return model.Project{}, errs.Invalid("sourceEndpointId is required")
	}
	if r.SinkEndpointID == "" {
		return model.Project{}, errs.Invalid("sinkEndpointId is required")
	}
	typ := model.ProjectType(strings.ToUpper(r.Type))
	switch typ {
	case "", model.ProjectMigration, model.ProjectSync:
	default:
		return model.Project{}, errs.Invalid("type must be MIGRATION or SYNC, got %q", r.Type)
	}
	if len(r.LabelIDs) > MaxLabels {
		return model.Project{}, errs.Invalid("labelIds has %d entries; at most %d are allowed", len(r.LabelIDs), MaxLabels)
	}
	labels := make([]model.Label, 0, len(r.LabelIDs))
	for _, id := range r.LabelIDs {
		labels = append(labels, model.Label{ID: id})
	}
	return model.Project{
		Name: r.Name, Type: typ, Labels: labels, Owner: owner, Importance: strings.ToUpper(r.Importance),
		SourceEndpointID: r.SourceEndpointID, SinkEndpointID: r.SinkEndpointID,
		TransferMapping: r.TransferMapping, CommonTransferConfig: r.CommonTransferConfig,
		EnableStructTransfer: r.EnableStructTransfer, StructTransferConfig: r.StructTransferConfig,
		EnableFullTransfer: r.EnableFullTransfer, EnableFullVerify: r.EnableFullVerify,
		FullTransferConfig: r.FullTransferConfig, EnableIncrTransfer: r.EnableIncrTransfer,
		EnableIncrVerify: r.EnableIncrVerify, IncrTransferConfig: r.IncrTransferConfig,
		EnableReverseIncrTransfer: r.EnableReverseIncrTransfer, ReverseIncrTransferConfig: r.ReverseIncrTransferConfig,
		SwitchoverConfig: r.SwitchoverConfig,
	}, nil
}
