package drs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Wire types of the DRS v5 job API. Field names, JSON types and optionality follow the
// models of github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v5 (v0.1.207), whose
// decoder rejects a JSON number where it expects a string and vice versa: every *string
// below is a string on the wire even when it carries a number.

// FlexString decodes a JSON string or number and always encodes as a JSON string (DRS types
// db_port, expired_days, speed as strings; REST users often send numbers).
type FlexString string

// UnmarshalJSON accepts "14" and 14.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number")
	}
	*f = FlexString(n.String())
	return nil
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// BaseInfo is JobBaseInfo.
type BaseInfo struct {
	Name                string      `json:"name,omitempty"`
	JobType             string      `json:"job_type,omitempty"`
	MultiWrite          *bool       `json:"multi_write,omitempty"`
	EngineType          string      `json:"engine_type,omitempty"`
	JobDirection        string      `json:"job_direction,omitempty"`
	TaskType            string      `json:"task_type,omitempty"`
	NetType             string      `json:"net_type,omitempty"`
	ChargingMode        string      `json:"charging_mode,omitempty"`
	EnterpriseProjectID string      `json:"enterprise_project_id,omitempty"`
	Description         *string     `json:"description,omitempty"`
	StartTime           string      `json:"start_time,omitempty"`
	ExpiredDays         *FlexString `json:"expired_days,omitempty"`
	Tags                []Tag       `json:"tags,omitempty"`
	IsOpenFastClean     *bool       `json:"is_open_fast_clean,omitempty"`
}

// BaseEndpoint is the connection of one side. DBPassword is only ever decoded: responses
// clear it (omitempty) before encoding.
type BaseEndpoint struct {
	ID           string      `json:"id,omitempty"`
	EndpointName string      `json:"endpoint_name"`
	IP           string      `json:"ip,omitempty"`
	DBPort       *FlexString `json:"db_port,omitempty"`
	DBUser       string      `json:"db_user"`
	DBPassword   string      `json:"db_password,omitempty"`
	InstanceID   string      `json:"instance_id,omitempty"`
	InstanceName string      `json:"instance_name,omitempty"`
	DBName       string      `json:"db_name,omitempty"`
}

// EndpointInfo is JobEndpointInfo.
type EndpointInfo struct {
	DBType        string          `json:"db_type"`
	EndpointType  string          `json:"endpoint_type"`
	EndpointRole  string          `json:"endpoint_role"`
	Endpoint      *BaseEndpoint   `json:"endpoint"`
	Cloud         json.RawMessage `json:"cloud,omitempty"`
	Vpc           json.RawMessage `json:"vpc,omitempty"`
	Config        json.RawMessage `json:"config,omitempty"`
	SSL           json.RawMessage `json:"ssl,omitempty"`
	CustomizedDNS json.RawMessage `json:"customized_dns,omitempty"`
}

// AlarmNotify is AlarmNotifyConfig.
type AlarmNotify struct {
	AlarmToUser bool    `json:"alarm_to_user"`
	TopicURN    *string `json:"topic_urn,omitempty"`
	DelayTime   *int64  `json:"delay_time,omitempty"`
	RpoDelay    *int64  `json:"rpo_delay,omitempty"`
	RtoDelay    *int64  `json:"rto_delay,omitempty"`
}

// TableObject is an object-selection table.
type TableObject struct {
	SyncType         *string  `json:"sync_type,omitempty"`
	Type             *string  `json:"type,omitempty"`
	Name             *string  `json:"name,omitempty"`
	All              *bool    `json:"all,omitempty"`
	DBAliasName      *string  `json:"db_alias_name,omitempty"`
	Filtered         *bool    `json:"filtered,omitempty"`
	FilterConditions []string `json:"filter_conditions,omitempty"`
}

// DatabaseObject is an object-selection database.
type DatabaseObject struct {
	SyncType *string                `json:"sync_type,omitempty"`
	Name     *string                `json:"name,omitempty"` // target name
	All      *bool                  `json:"all,omitempty"`
	Tables   map[string]TableObject `json:"tables,omitempty"`
}

// DBObject is the object selection of a job.
type DBObject struct {
	ObjectScope string                    `json:"object_scope"`
	ObjectInfo  map[string]DatabaseObject `json:"object_info,omitempty"`
}

// CreateJobReq is the body of CreateJob ({"job": …}) and, with the extra blocks, of one
// BatchCreateJobsAsync element.
type CreateJobReq struct {
	BaseInfo       *BaseInfo       `json:"base_info"`
	SourceEndpoint []EndpointInfo  `json:"source_endpoint"`
	TargetEndpoint []EndpointInfo  `json:"target_endpoint"`
	NodeInfo       json.RawMessage `json:"node_info,omitempty"`
	PeriodOrder    json.RawMessage `json:"period_order,omitempty"`
	PublicIPList   json.RawMessage `json:"public_ip_list,omitempty"`

	AlarmNotify   *AlarmNotify    `json:"alarm_notify,omitempty"`
	SpeedLimit    json.RawMessage `json:"speed_limit,omitempty"`
	UserMigration json.RawMessage `json:"user_migration,omitempty"`
	PolicyConfig  json.RawMessage `json:"policy_config,omitempty"`
	DBObject      *DBObject       `json:"db_object,omitempty"`
	DBParam       json.RawMessage `json:"db_param,omitempty"`
	TuningParams  json.RawMessage `json:"tuning_params,omitempty"`
}

// CreateJobResp is the CreateJob response.
type CreateJobResp struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	CreateTime string `json:"create_time"`
	IsCloneJob string `json:"is_clone_job"`
}

// JobActions is ShowActions / the list item's job_action.
type JobActions struct {
	AvailableActions   []string `json:"available_actions"`
	UnavailableActions []string `json:"unavailable_actions"`
	CurrentAction      string   `json:"current_action"`
}

// JobListItem is one ListJobs element; every field is required by the SDK model.
type JobListItem struct {
	ID                  string      `json:"id"`
	Name                string      `json:"name"`
	Status              string      `json:"status"`
	Description         string      `json:"description"`
	CreateTime          string      `json:"create_time"`
	EngineType          string      `json:"engine_type"`
	NetType             string      `json:"net_type"`
	ChargingMode        string      `json:"charging_mode"`
	BillingTag          bool        `json:"billing_tag"`
	JobDirection        string      `json:"job_direction"`
	JobType             string      `json:"job_type"`
	TaskType            string      `json:"task_type"`
	EnterpriseProjectID string      `json:"enterprise_project_id"`
	JobMode             string      `json:"job_mode"`
	JobModeRole         string      `json:"job_mode_role"`
	IsMultiAz           bool        `json:"is_multi_az"`
	NodeRole            string      `json:"node_role"`
	NodeNewFramework    bool        `json:"node_new_framework"`
	JobAction           *JobActions `json:"job_action"`
	Children            []any       `json:"children,omitempty"`
}

// NetworkResult is one network_results element.
type NetworkResult struct {
	IP        *string `json:"ip,omitempty"`
	Success   bool    `json:"success"`
	Result    *string `json:"result,omitempty"`
	Status    string  `json:"status"` // success | failed
	ErrorCode *string `json:"error_code,omitempty"`
	ErrorMsg  *string `json:"error_msg,omitempty"`
}

// PrecheckItem is one precheck_results element.
type PrecheckItem struct {
	Item          *string `json:"item,omitempty"`
	Result        *string `json:"result,omitempty"` // PASSED | ALARM | FAILED
	FailedReason  *string `json:"failed_reason,omitempty"`
	Data          *string `json:"data,omitempty"`
	RawErrorMsg   *string `json:"raw_error_msg,omitempty"`
	Group         *string `json:"group,omitempty"`
	IsSupportSkip *bool   `json:"is_support_skip,omitempty"`
	IsSkipped     *bool   `json:"is_skipped,omitempty"`
}

// PrecheckResult is precheck_result.
type PrecheckResult struct {
	Result          *bool          `json:"result,omitempty"`
	Process         *string        `json:"process,omitempty"`
	TotalPassedRate *string        `json:"total_passed_rate,omitempty"`
	JobDirection    *string        `json:"job_direction,omitempty"`
	PrecheckResults []PrecheckItem `json:"precheck_results,omitempty"`
}

// ProgressComplete is a progress_map value.
type ProgressComplete struct {
	Completed     *string `json:"completed,omitempty"`
	RemainingTime *string `json:"remaining_time,omitempty"`
}

// ProgressInfo is progress_info (all strings).
type ProgressInfo struct {
	Progress             *string                     `json:"progress,omitempty"`
	IncrTransDelay       *string                     `json:"incr_trans_delay,omitempty"`
	IncrTransDelayMillis *string                     `json:"incr_trans_delay_millis,omitempty"`
	TaskMode             *string                     `json:"task_mode,omitempty"`
	TransferStatus       *string                     `json:"transfer_status,omitempty"`
	ProcessTime          *string                     `json:"process_time,omitempty"`
	RemainingTime        *string                     `json:"remaining_time,omitempty"`
	ProgressMap          map[string]ProgressComplete `json:"progress_map,omitempty"`
}

// ObjectOverview is one migration_object_overview element.
type ObjectOverview struct {
	Type      *string `json:"type,omitempty"`
	SrcCount  *string `json:"src_count,omitempty"`
	DstCount  *string `json:"dst_count,omitempty"`
	Status    *string `json:"status,omitempty"`
	StartTime *string `json:"start_time,omitempty"`
	EndTime   *string `json:"end_time,omitempty"`
}

// ObjectProgress is migration_object_progress_info.
type ObjectProgress struct {
	MigrationObjectOverview []ObjectOverview `json:"migration_object_overview,omitempty"`
	CreateTime              *string          `json:"create_time,omitempty"`
	FullStartTime           *string          `json:"full_start_time,omitempty"`
	FullCompleteTime        *string          `json:"full_complete_time,omitempty"`
	IncrStartTime           *string          `json:"incr_start_time,omitempty"`
	EndTime                 *string          `json:"end_time,omitempty"`
}

// LogInfo is one logs element.
type LogInfo struct {
	Level      *string `json:"level,omitempty"`
	Message    *string `json:"message,omitempty"`
	CreateTime *string `json:"create_time,omitempty"`
}

// ImportFile is support_import_file_resp.
type ImportFile struct {
	FileSize       *string `json:"file_size,omitempty"`
	PreviousSelect *string `json:"previous_select,omitempty"`
}

// JobDetail is the ShowJobDetail `job` object; only the blocks of the asked type are set.
type JobDetail struct {
	ID                          *string           `json:"id,omitempty"`
	Status                      *string           `json:"status,omitempty"`
	CreateTime                  *string           `json:"create_time,omitempty"`
	TotalCount                  *int32            `json:"total_count,omitempty"`
	MasterJobID                 *string           `json:"master_job_id,omitempty"`
	BaseInfo                    *BaseInfo         `json:"base_info,omitempty"`
	SourceEndpoint              []EndpointInfo    `json:"source_endpoint,omitempty"`
	TargetEndpoint              []EndpointInfo    `json:"target_endpoint,omitempty"`
	AlarmNotify                 *AlarmNotify      `json:"alarm_notify,omitempty"`
	SpeedLimit                  json.RawMessage   `json:"speed_limit,omitempty"`
	UserMigration               json.RawMessage   `json:"user_migration,omitempty"`
	PolicyConfig                json.RawMessage   `json:"policy_config,omitempty"`
	DBParam                     json.RawMessage   `json:"db_param,omitempty"`
	TuningParams                json.RawMessage   `json:"tuning_params,omitempty"`
	PeriodOrder                 json.RawMessage   `json:"period_order,omitempty"`
	NodeInfo                    json.RawMessage   `json:"node_info,omitempty"`
	Logs                        []LogInfo         `json:"logs,omitempty"`
	NetworkResults              []NetworkResult   `json:"network_results,omitempty"`
	PrecheckResult              *PrecheckResult   `json:"precheck_result,omitempty"`
	ProgressInfo                *ProgressInfo     `json:"progress_info,omitempty"`
	MigrationObjectProgressInfo *ObjectProgress   `json:"migration_object_progress_info,omitempty"`
	CompareResult               *CompareResult    `json:"compare_result,omitempty"`
	SupportImportFileResp       *ImportFile       `json:"support_import_file_resp,omitempty"`
	InstanceFeatures            map[string]string `json:"instance_features,omitempty"`
	TaskVersion                 *string           `json:"task_version,omitempty"`
	PublicIPList                json.RawMessage   `json:"public_ip_list,omitempty"`
	IsWritable                  *string           `json:"is_writable,omitempty"`
	JobKernelDirection          *string           `json:"job_kernel_direction,omitempty"`
}

// ActionParams is ActionReq.action_params (the parts godwit reads).
type ActionParams struct {
	PrecheckMode     *string           `json:"precheck_mode,omitempty"`
	PauseMode        *string           `json:"pause_mode,omitempty"`
	StartTime        *string           `json:"start_time,omitempty"`
	CompareTaskParam *CompareTaskParam `json:"compare_task_param,omitempty"`
	ForceDelete      *bool             `json:"force_delete,omitempty"`
}

// CompareTaskParam is compare_task_param.
type CompareTaskParam struct {
	CompareTaskID *string           `json:"compare_task_id,omitempty"`
	Type          *string           `json:"type,omitempty"` // object | lines | contents
	StartTime     *string           `json:"start_time,omitempty"`
	Option        map[string]string `json:"option,omitempty"`
}

// ActionReq is one job action.
type ActionReq struct {
	JobID        string        `json:"job_id,omitempty"`
	ActionName   string        `json:"action_name"`
	ActionParams *ActionParams `json:"action_params,omitempty"`
}

// ActionResult is the batch action response element.
type ActionResult struct {
	QueryID string `json:"query_id"`
	ID      string `json:"id"`
	Name    string `json:"name"`
}

// JobResult is a per-job result of stop/delete (batch) responses.
type JobResult struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Status    string `json:"status"` // success | failed
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

func i64s(n int64) *string { s := strconv.FormatInt(n, 10); return &s }
func sp(s string) *string  { return &s }
func bp(b bool) *bool      { return &b }
