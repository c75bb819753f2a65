package model

import "time"

// ProjectType is MIGRATION or SYNC (OMS `type`).
type ProjectType string

const (
	ProjectMigration ProjectType = "MIGRATION"
	ProjectSync      ProjectType = "SYNC"
)

// ProjectStatus is the OMS project state.
type ProjectStatus string

const (
	StatusInit      ProjectStatus = "INIT"
	StatusRunning   ProjectStatus = "RUNNING"
	StatusSuspend   ProjectStatus = "SUSPEND"
	StatusFailed    ProjectStatus = "FAILED"
	StatusFinished  ProjectStatus = "FINISHED"
	StatusReleasing ProjectStatus = "RELEASING"
	StatusReleased  ProjectStatus = "RELEASED"
	StatusDeleted   ProjectStatus = "DELETED"
)

// Label tags projects (OMS l_… ids).
type Label struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Project is what a user asked godwit to do. Its JSON shape is the OMS CreateProject /
// DescribeProject camelCase shape, so adapters can reuse it.
type Project struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	Type       ProjectType   `json:"type"`
	Labels     []Label       `json:"labels"`
	Owner      string        `json:"owner"`
	Importance string        `json:"importance"` // HIGH | MEDIUM | LOW | IGNORE
	Status     ProjectStatus `json:"status"`

	GmtCreate   time.Time  `json:"gmtCreate"`
	GmtModified time.Time  `json:"gmtModified"`
	GmtStart    *time.Time `json:"gmtStart"`
	GmtFinish   *time.Time `json:"gmtFinish"`

	SourceEndpointID string `json:"sourceEndpointId"`
	SinkEndpointID   string `json:"sinkEndpointId"`

	TransferMapping      TransferMapping      `json:"transferMapping"`
	CommonTransferConfig CommonTransferConfig `json:"commonTransferConfig"`

	EnableStructTransfer      bool `json:"enableStructTransfer"`
	EnableFullTransfer        bool `json:"enableFullTransfer"`
	EnableFullVerify          bool `json:"enableFullVerify"`
	EnableIncrTransfer        bool `json:"enableIncrTransfer"`
	EnableIncrVerify          bool `json:"enableIncrVerify"`
	EnableReverseIncrTransfer bool `json:"enableReverseIncrTransfer"`

	StructTransferConfig      StructTransferConfig `json:"structTransferConfig"`
	FullTransferConfig        FullTransferConfig   `json:"fullTransferConfig"`
	IncrTransferConfig        IncrTransferConfig   `json:"incrTransferConfig"`
	ReverseIncrTransferConfig IncrTransferConfig   `json:"reverseIncrTransferConfig"`
	// SwitchoverConfig configures TRANSFER_APP_SWITCH (a godwit extension).
	SwitchoverConfig SwitchoverConfig `json:"switchoverConfig"`

	// Desired is the state the user last asked for (RUNNING after start/resume,
	// SUSPEND after stop). The engine uses it at boot to resume what was running.
	Desired ProjectStatus `json:"-"`
}

// TransferMapping selects and renames the objects to move.
type TransferMapping struct {
	Mode                  string     `json:"mode"` // SPECIFIC | WILDCARD
	Databases             []DbObject `json:"databases"`
	DatabasesBlack        []DbObject `json:"databasesBlack"`
	TableAndViewWhiteList []string   `json:"tableAndViewWhiteList"`
	TableAndViewBlackList []string   `json:"tableAndViewBlackList"`
}

// DbObject is one database in a mapping. Tables empty means "every table" in the database.
type DbObject struct {
	ID         string        `json:"id,omitempty"`
	Name       string        `json:"name"`
	MappedName string        `json:"mappedName"`
	Tables     []TableObject `json:"tables"`
	Views      []TableObject `json:"views"`
}

// TableObject is one table (or view) with its rename, row filter and column filter.
// WhereClause is user SQL: it is parsed and re-rendered, never pasted.
// FilterColumns, when non-empty, is the list of columns to move (all others are left out).
type TableObject struct {
	ID            string   `json:"id,omitempty"`
	Name          string   `json:"name"`
	MappedName    string   `json:"mappedName"`
	WhereClause   string   `json:"whereClause"`
	FilterColumns []string `json:"filterColumns"`
	ShardColumns  []string `json:"shardColumns"`
}

// CommonTransferConfig holds settings shared by all steps.
type CommonTransferConfig struct {
	TableCategory string `json:"tableCategory"` // ALL | WITH_UNIQUE_ROW_ID | WITHOUT_UNIQUE_ROW_ID
	ActiveActive  bool   `json:"activeActive"`

	// Message-queue targets (KAFKA), OMS fields: the serializer (DEFAULT | CANAL | DEBEZIUM |
	// DEBEZIUMFLATTEN), the partition mode (ONE | HASH | TABLE) and, for ONE, the partition.
	// Validated at creation for a Kafka target and refused for any other (see endpoint/kafka).
	MqSerializerType string `json:"mqSerializerType,omitempty"`
	MqPartitionMode  string `json:"mqPartitionMode,omitempty"`
	MqPartition      int    `json:"mqPartition,omitempty"`
	// godwit extensions for Kafka targets. MqTopic sends every table to one topic; otherwise
	// each table has its own topic <MqTopicPrefix>.<database>.<table> (prefix default "godwit").
	MqTopic       string `json:"mqTopic,omitempty"`
	MqTopicPrefix string `json:"mqTopicPrefix,omitempty"`
	// MqWithSchema adds Debezium's "schema" part to DEBEZIUM / DEBEZIUMFLATTEN messages.
	MqWithSchema bool `json:"mqWithSchema,omitempty"`
	// MqDecimalHandlingMode is Debezium's decimal.handling.mode: precise (default: base64 of
	// the unscaled two's-complement big-endian integer), string or double.
	MqDecimalHandlingMode string `json:"mqDecimalHandlingMode,omitempty"`
}

// StructTransferConfig configures STRUCT_TRANSFER.
type StructTransferConfig struct {
	ByteCharConvertStrategy string `json:"byteCharConvertStrategy"`
	DeferIndexCreation      bool   `json:"deferIndexCreation"`
}

// FullTransferConfig configures FULL_TRANSFER and FULL_VERIFIER.
// ThrottleRps is rows/s and ThrottleIOPS bytes/s; nil or 0 means unlimited.
type FullTransferConfig struct {
	NonePkUkTruncateDstTable bool   `json:"nonePkUkTruncateDstTable"`
	AllowDestTableNotEmpty   bool   `json:"allowDestTableNotEmpty"`
	FullTransferSpeedMode    string `json:"fullTransferSpeedMode"` // STEADY | NORMAL | FAST
	FullVerifySpeedMode      string `json:"fullVerifySpeedMode"`
	WriteWorkerNum           int    `json:"writeWorkerNum"`
	ReadWorkerNum            int    `json:"readWorkerNum"`
	ThrottleRps              *int64 `json:"throttleRps"`
	ThrottleIOPS             *int64 `json:"throttleIOPS"`
	// ChunkRows is a godwit extension: rows per copy chunk (0 = chosen from the row width).
	ChunkRows int `json:"chunkRows,omitempty"`
	// SpeedLimit holds DRS-style speed_limit windows (UTC, MB/s of source data); while one
	// is active the copy's byte rate is held to the lowest active limit (and ThrottleIOPS).
	SpeedLimit []SpeedLimitWindow `json:"speedLimit,omitempty"`
}

// IncrTransferConfig configures INCR_TRANSFER and REVERSE_INCR_TRANSFER.
type IncrTransferConfig struct {
	StartTimestamp            *int64   `json:"startTimestamp"`
	RecordTypeWhiteList       []string `json:"recordTypeWhiteList"`
	StoreLogKeptHour          int      `json:"storeLogKeptHour"`
	EnableSequencingWithinTxn bool     `json:"enableSequencingWithinTxn"`
	IncrSyncConcurrency       int      `json:"incrSyncConcurrency"`
	EnableIncrSyncStatistics  bool     `json:"enableIncrSyncStatistics"`
	ThrottleRps               *int64   `json:"throttleRps"`
	ThrottleIOPS              *int64   `json:"throttleIOPS"`
	SupportDDLTypes           []string `json:"supportDDLTypes"`

	// godwit extensions.
	// CheckpointSchema is the target database holding godwit's apply checkpoints (default "godwit").
	CheckpointSchema string `json:"checkpointSchema,omitempty"`
	// ConflictPolicy applies once past the full copy's end (DRS conflict_policy): "overwrite"
	// (default: upsert, delete-if-exists), "ignore" (keep the target row on conflict), "stop"
	// (fail the project on the first conflict).
	ConflictPolicy string `json:"conflictPolicy,omitempty"`
	// DDLPolicy says what happens to a DDL whose type is not in SupportDDLTypes: "skip"
	// (default, logged as a warning) or "stop" (the project fails with GODWIT-INCR-0006).
	DDLPolicy string `json:"ddlPolicy,omitempty"`
	// StoreFsync is the change store's fsync policy: "interval" (default), "always", "never".
	StoreFsync string `json:"storeFsync,omitempty"`
}

// DefaultDDLTypes are applied when SupportDDLTypes is absent (null) from the project.
var DefaultDDLTypes = []string{"CREATE_TABLE", "ADD_COLUMN", "MODIFY_COLUMN", "CHANGE_COLUMN",
	"DROP_INDEX", "ADD_INDEX", "CREATE_INDEX", "RENAME_INDEX"}

// ApplyDefaults fills unset configuration with godwit's defaults.
func (p *Project) ApplyDefaults() {
	if p.Type == "" {
		p.Type = ProjectMigration
	}
	if p.Importance == "" {
		p.Importance = "LOW"
	}
	if p.TransferMapping.Mode == "" {
		p.TransferMapping.Mode = "SPECIFIC"
	}
	if p.CommonTransferConfig.TableCategory == "" {
		p.CommonTransferConfig.TableCategory = "ALL"
	}
	f := &p.FullTransferConfig
	if f.FullTransferSpeedMode == "" {
		f.FullTransferSpeedMode = "NORMAL"
	}
	if f.FullVerifySpeedMode == "" {
		f.FullVerifySpeedMode = "NORMAL"
	}
	if f.ReadWorkerNum <= 0 {
		f.ReadWorkerNum = 4
	}
	if f.WriteWorkerNum <= 0 {
		f.WriteWorkerNum = 4
	}
	for _, c := range []*IncrTransferConfig{&p.IncrTransferConfig, &p.ReverseIncrTransferConfig} {
		if c.StoreLogKeptHour <= 0 {
			c.StoreLogKeptHour = 168
		}
		if c.IncrSyncConcurrency <= 0 {
			c.IncrSyncConcurrency = 16
		}
		if len(c.RecordTypeWhiteList) == 0 {
			c.RecordTypeWhiteList = []string{"INSERT", "UPDATE", "DELETE"}
		}
		if c.SupportDDLTypes == nil {
			c.SupportDDLTypes = append([]string(nil), DefaultDDLTypes...)
		}
		if c.CheckpointSchema == "" {
			c.CheckpointSchema = "godwit"
		}
		if c.ConflictPolicy == "" {
			c.ConflictPolicy = "overwrite"
		}
		if c.DDLPolicy == "" {
			c.DDLPolicy = "skip"
		}
		if c.StoreFsync == "" {
			c.StoreFsync = "interval"
		}
	}
	if p.Labels == nil {
		p.Labels = []Label{}
	}
}

// TargetName returns mapped if set, else name (OMS `mappedName` semantics).
func TargetName(name, mapped string) string {
	if mapped != "" {
		return mapped
	}
	return name
}
