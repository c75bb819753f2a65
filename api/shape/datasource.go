package shape

import "github.com/godwit/godwit/model"

// DataSourceItem is one ListDataSource element (oms-v2.md §6.12). It has no password field.
type DataSourceItem struct {
	ID                       string         `json:"id"`
	Name                     string         `json:"name"`
	Type                     string         `json:"type"`
	Role                     *string        `json:"role"`
	Owner                    *string        `json:"owner"`
	Tenant                   *string        `json:"tenant"`
	Cluster                  *string        `json:"cluster"`
	Schema                   *string        `json:"schema"`
	VpcID                    *string        `json:"vpcId"`
	IP                       string         `json:"ip"`
	Port                     int            `json:"port"`
	UserName                 string         `json:"userName"`
	Region                   *string        `json:"region"`
	Description              *string        `json:"description"`
	OcpName                  *string        `json:"ocpName"`
	OracleSid                *string        `json:"oracleSid"`
	OracleNlsLengthSemantics *string        `json:"oracleNlsLengthSemantics"`
	OperatingSystem          *string        `json:"operatingSystem"`
	Version                  *string        `json:"version"`
	Timezone                 string         `json:"timezone"`
	Charset                  string         `json:"charset"`
	TryKeepHb                bool           `json:"tryKeepHb"`
	ResourceOwner            *string        `json:"resourceOwner"`
	GmtCreate                *string        `json:"gmtCreate"`
	GmtModified              *string        `json:"gmtModified"`
	PartnerID                *string        `json:"partnerId"`
	ConnExtraAttributes      map[string]any `json:"connExtraAttributes"`
}

// Data source option keys the OMS adapter stores and this rendering reads.
const (
	OptTryKeepHb = "tryKeepHb"
	OptTenant    = "tenant"
	OptCluster   = "cluster"
)

// RenderDataSource renders ds as a ListDataSource element.
func RenderDataSource(ds *model.DataSource) DataSourceItem {
	return DataSourceItem{
		ID: ds.ID, Name: ds.Name, Type: string(ds.Type),
		Role:                nonEmpty(ds.Role),
		Owner:               nonEmpty(ds.Owner),
		Tenant:              nonEmpty(ds.Options[OptTenant]),
		Cluster:             nonEmpty(ds.Options[OptCluster]),
		Schema:              nonEmpty(ds.Schema),
		IP:                  ds.Host,
		Port:                ds.Port,
		UserName:            ds.User,
		Region:              nonEmpty(ds.Region),
		Description:         nonEmpty(ds.Description),
		Version:             nonEmpty(ds.Version),
		Timezone:            "+00:00",
		Charset:             "utf8mb4",
		TryKeepHb:           ds.Options[OptTryKeepHb] == "true",
		GmtCreate:           model.FormatTime(&ds.GmtCreate),
		GmtModified:         model.FormatTime(&ds.GmtModified),
		PartnerID:           nonEmpty(ds.PartnerID),
		ConnExtraAttributes: connExtra(ds),
	}
}
