package shape

import (
	"strings"

	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// Project is the DescribeProject `data` object (oms-v2.md §6.3) and the native Project JSON.
type Project struct {
	ID                 string        `json:"id"`
	Name               string        `json:"name"`
	Type               string        `json:"type"`
	Labels             []model.Label `json:"labels"`
	Owner              string        `json:"owner"`
	Importance         string        `json:"importance"`
	Status             string        `json:"status"`
	GmtCreate          *string       `json:"gmtCreate"`
	GmtModified        *string       `json:"gmtModified"`
	GmtStart           *string       `json:"gmtStart"`
	GmtFinish          *string       `json:"gmtFinish"`
	DestConnID         *string       `json:"destConnId"`
	IsMerging          bool          `json:"isMerging"`
	IsModifying        bool          `json:"isModifying"`
	IsSubProject       bool          `json:"isSubProject"`
	SourceEndpointType string        `json:"sourceEndpointType"`
	SinkEndpointType   string        `json:"sinkEndpointType"`
	SourceEndpointID   string        `json:"sourceEndpointId"`
	SinkEndpointID     string        `json:"sinkEndpointId"`
	WorkerGradeID      *string       `json:"workerGradeId"`   // cloud only: null
	WorkerGradeInfo    any           `json:"workerGradeInfo"` // cloud only: null

	TransferMapping           model.TransferMapping      `json:"transferMapping"`
	CommonTransferConfig      model.CommonTransferConfig `json:"commonTransferConfig"`
	EnableStructTransfer      bool                       `json:"enableStructTransfer"`
	EnableFullTransfer        bool                       `json:"enableFullTransfer"`
	EnableFullVerify          bool                       `json:"enableFullVerify"`
	EnableIncrTransfer        bool                       `json:"enableIncrTransfer"`
	EnableIncrVerify          bool                       `json:"enableIncrVerify"`
	EnableReverseIncrTransfer bool                       `json:"enableReverseIncrTransfer"`
	StructTransferConfig      model.StructTransferConfig `json:"structTransferConfig"`
	FullTransferConfig        model.FullTransferConfig   `json:"fullTransferConfig"`
	IncrTransferConfig        model.IncrTransferConfig   `json:"incrTransferConfig"`
	ReverseIncrTransferConfig model.IncrTransferConfig   `json:"reverseIncrTransferConfig"`

	SourceConnectInfo *ConnectInfo `json:"sourceConnectInfo"`
	SinkConnectInfo   *ConnectInfo `json:"sinkConnectInfo"`
	Steps             []Step       `json:"steps"`
	ExtraInfo         *ExtraInfo   `json:"extraInfo"`
	AlarmStats        AlarmStats   `json:"alarmStats"`
}

// ConnectInfo is a project's view of one of its data sources. It never carries a password.
type ConnectInfo struct {
	ID                  string         `json:"id"`
	EndpointName        string         `json:"endpointName"`
	EndpointID          string         `json:"endpointId"`
	EndpointSide        string         `json:"endpointSide"` // source | sink
	DbEngine            string         `json:"dbEngine"`     // <TYPE>_PUBLIC
	ConnectionInfo      *string        `json:"connectionInfo"`
	Username            string         `json:"username"`
	Version             *string        `json:"version"`
	Timezone            string         `json:"timezone"`
	Charset             string         `json:"charset"`
	NlsLengthSemantics  *string        `json:"nlsLengthSemantics"`
	OperatingSystem     *string        `json:"operatingSystem"`
	Region              *string        `json:"region"`
	OcpName             *string        `json:"ocpName"`
	ConnExtraAttributes map[string]any `json:"connExtraAttributes"`
	Owner               *string        `json:"owner"`
	ResourceOwner       *string        `json:"resourceOwner"`
	Host                string         `json:"host"`
	Port                int            `json:"port"`
}

// ExtraInfo is the derived run state of a project (§6.3 extraInfo).
type ExtraInfo struct {
	RunningStep               *string           `json:"runningStep"`
	RunningProgress           int               `json:"runningProgress"`
	MonitoringIncr            bool              `json:"monitoringIncr"`
	Subtopics                 []string          `json:"subtopics"`
	ReverseSubtopics          []string          `json:"reverseSubtopics"`
	LogServiceStartCheckpoint *int64            `json:"logServiceStartCheckpoint"`
	SourceStoreKeptHour       int               `json:"sourceStoreKeptHour"`
	SyncDelay                 *int64            `json:"syncDelay"`
	SyncDelaySampleTimestamp  *int64            `json:"syncDelaySampleTimestamp"`
	AccessObSource            bool              `json:"accessObSource"`
	OverwriteConfig           bool              `json:"overwriteConfig"`
	IgnoreUnsupportDdl        bool              `json:"ignoreUnsupportDdl"`
	SubDbs                    map[string][]any  `json:"subDbs"`
	SubConds                  map[string][]any  `json:"subConds"`
	SubIds                    map[string]string `json:"subIds"`
	MaxConnectorCount         int               `json:"maxConnectorCount"`
	StoreIncr                 bool              `json:"storeIncr"`
	IncrSyncTimestamp         *int64            `json:"incrSyncTimestamp"`
}

// AlarmStats is the alarm summary (sync-delay alarms, service.Alarms).
type AlarmStats struct {
	Target                     *string        `json:"target"`
	Alarming                   bool           `json:"alarming"`
	RecentlyTriggerCount       int            `json:"recentlyTriggerCount"`
	RuleToRecentlyTriggerCount map[string]int `json:"ruleToRecentlyTriggerCount"`
	AlarmContent               *string        `json:"alarmContent"`
	OpenMonitor                bool           `json:"openMonitor"`
}

// RenderProject renders a project view.
func RenderProject(v *service.ProjectView, f Flavor) Project {
	p := &v.Project
	out := Project{
		ID: p.ID, Name: p.Name, Type: string(p.Type), Labels: p.Labels, Owner: p.Owner,
		Importance: p.Importance, Status: string(p.Status),
		GmtCreate: model.FormatTime(&p.GmtCreate), GmtModified: model.FormatTime(&p.GmtModified),
		GmtStart: model.FormatTime(p.GmtStart), GmtFinish: model.FormatTime(p.GmtFinish),
		SourceEndpointID: p.SourceEndpointID, SinkEndpointID: p.SinkEndpointID,
		TransferMapping:           mapping(p.TransferMapping),
		CommonTransferConfig:      p.CommonTransferConfig,
		EnableStructTransfer:      p.EnableStructTransfer,
		EnableFullTransfer:        p.EnableFullTransfer,
		EnableFullVerify:          p.EnableFullVerify,
		EnableIncrTransfer:        p.EnableIncrTransfer,
		EnableIncrVerify:          p.EnableIncrVerify,
		EnableReverseIncrTransfer: p.EnableReverseIncrTransfer,
		StructTransferConfig:      p.StructTransferConfig,
		FullTransferConfig:        p.FullTransferConfig,
		IncrTransferConfig:        p.IncrTransferConfig,
		ReverseIncrTransferConfig: p.ReverseIncrTransferConfig,
		SourceConnectInfo:         RenderConnectInfo(v.Source, "source"),
		SinkConnectInfo:           RenderConnectInfo(v.Sink, "sink"),
		Steps:                     Steps(v.Steps, p, f),
		AlarmStats:                RenderAlarmStats(v.Alarm),
	}
	if out.Labels == nil {
		out.Labels = []model.Label{}
	}
	if v.Source != nil {
		out.SourceEndpointType = string(v.Source.Type)
	}
	if v.Sink != nil {
		out.SinkEndpointType = string(v.Sink.Type)
	}
	out.ExtraInfo = renderExtra(v)
	return out
}

// RenderAlarmStats renders the service's alarm summary; nil renders quiet.
func RenderAlarmStats(a *service.AlarmStats) AlarmStats {
	if a == nil {
		return QuietAlarmStats()
	}
	out := AlarmStats{Alarming: a.Alarming, RecentlyTriggerCount: a.RecentlyTriggerCount,
		RuleToRecentlyTriggerCount: map[string]int{}, OpenMonitor: a.OpenMonitor}
	for k, v := range a.RuleToRecentlyTriggerCount {
		out.RuleToRecentlyTriggerCount[k] = v
	}
	if a.Target != "" {
		out.Target = &a.Target
	}
	if a.AlarmContent != "" {
		out.AlarmContent = &a.AlarmContent
	}
	return out
}

// QuietAlarmStats is the alarmStats of a project without alarms.
func QuietAlarmStats() AlarmStats {
	return AlarmStats{RuleToRecentlyTriggerCount: map[string]int{}}
}

func renderExtra(v *service.ProjectView) *ExtraInfo {
	x := v.Extra
	e := &ExtraInfo{
		RunningStep:              nonEmpty(x.RunningStep),
		RunningProgress:          clampPercent(x.RunningProgress),
		MonitoringIncr:           x.MonitoringIncr,
		Subtopics:                []string{},
		ReverseSubtopics:         reverseSubtopics(v),
		SourceStoreKeptHour:      v.IncrTransferConfig.StoreLogKeptHour,
		SyncDelay:                x.SyncDelay,
		SyncDelaySampleTimestamp: x.SyncDelaySample,
		AccessObSource:           v.Source != nil && v.Source.Type == model.TypeOBMySQL,
		SubDbs:                   map[string][]any{},
		SubConds:                 map[string][]any{},
		SubIds:                   map[string]string{},
		MaxConnectorCount:        -1,
		StoreIncr:                v.EnableIncrTransfer,
		IncrSyncTimestamp:        x.IncrSyncTimestamp,
	}
	return e
}

// mapping returns m with nil top-level lists rendered as [] instead of null.
func mapping(m model.TransferMapping) model.TransferMapping {
	if m.Databases == nil {
		m.Databases = []model.DbObject{}
	}
	if m.DatabasesBlack == nil {
		m.DatabasesBlack = []model.DbObject{}
	}
	if m.TableAndViewWhiteList == nil {
		m.TableAndViewWhiteList = []string{}
	}
	if m.TableAndViewBlackList == nil {
		m.TableAndViewBlackList = []string{}
	}
	return m
}

// DbEngine is the OMS connect-info engine name of a data source type: "<TYPE>_PUBLIC".
func DbEngine(t model.DataSourceType) string { return string(t) + "_PUBLIC" }

// RenderConnectInfo renders ds as seen from side ("source" | "sink"); nil when ds is nil
// (a data source deleted after the project was created).
func RenderConnectInfo(ds *model.DataSource, side string) *ConnectInfo {
	if ds == nil {
		return nil
	}
	return &ConnectInfo{
		ID:                  "c_" + strings.TrimPrefix(ds.ID, "e_"),
		EndpointName:        ds.Name,
		EndpointID:          ds.ID,
		EndpointSide:        side,
		DbEngine:            DbEngine(ds.Type),
		Username:            ds.User,
		Version:             nonEmpty(ds.Version),
		Timezone:            "+00:00",
		Charset:             "utf8mb4",
		Region:              nonEmpty(ds.Region),
		ConnExtraAttributes: connExtra(ds),
		Owner:               nonEmpty(ds.Owner),
		Host:                ds.Host,
		Port:                ds.Port,
	}
}

// connExtra renders the per-type connExtraAttributes (§6.12) from the data source options;
// nil (JSON null) for plain MySQL-family and PostgreSQL sources.
func connExtra(ds *model.DataSource) map[string]any {
	opt := func(k string) any {
		if v, ok := ds.Options[k]; ok {
			return v
		}
		return nil
	}
	switch ds.Type {
	case model.TypeOBMySQL:
		return map[string]any{
			"cluster": opt("cluster"), "tenant": opt("tenant"), "isLogicSource": false,
			"useLogProxy": ds.Options["logProxyIp"] != "", "drcUser": opt("drcUser"),
			"configUrl": opt("configUrl"), "logProxyIp": opt("logProxyIp"),
			"logProxyPort": opt("logProxyPort"), "noUserAuth": false,
		}
	case model.TypeKafka:
		return map[string]any{
			"endpoint": opt("endpoint"), "username": opt("username"), "enableSSL": ds.Options["enableSSL"] == "true",
			"enableSASL": ds.Options["enableSASL"] == "true", "saslMechanism": opt("saslMechanism"),
			"disableIdentificationAlgorithm": ds.Options["disableIdentificationAlgorithm"] == "true",
		}
	}
	return nil
}

// reverseSubtopics names the reverse stream once REVERSE_INCR_TRANSFER started (its change
// store's subtopic, "<project>.reverse"); empty before.
func reverseSubtopics(v *service.ProjectView) []string {
	for _, s := range v.Steps {
		if s.Name == model.StepReverseIncr && s.Status != model.StepInit {
			return []string{v.ID + ".reverse"}
		}
	}
	return []string{}
}
