package model

import "time"

// DataSourceType is the engine of a data source (OMS ListDataSource `type`).
type DataSourceType string

const (
	TypeMySQL      DataSourceType = "MYSQL"
	TypeMariaDB    DataSourceType = "MARIADB"
	TypeOBMySQL    DataSourceType = "OB_MYSQL"
	TypeTiDB       DataSourceType = "TIDB"
	TypePostgreSQL DataSourceType = "POSTGRESQL"
	TypeKafka      DataSourceType = "KAFKA"
)

// DataSource is a connection a project reads from or writes to (OMS "endpoint", id e_…).
// Password holds the clear text only in memory; the metadata store keeps it encrypted and
// no API shape or log line ever renders it.
type DataSource struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Type        DataSourceType    `json:"type"`
	Role        string            `json:"role,omitempty"` // MASTER | SLAVE
	PartnerID   string            `json:"partnerId,omitempty"`
	Host        string            `json:"host"`
	Port        int               `json:"port"`
	User        string            `json:"user"`
	Password    string            `json:"-"`
	Schema      string            `json:"schema,omitempty"`
	Region      string            `json:"region,omitempty"`
	Description string            `json:"description,omitempty"`
	Options     map[string]string `json:"options,omitempty"`
	Owner       string            `json:"owner,omitempty"`
	Version     string            `json:"version,omitempty"` // server version seen at creation
	GmtCreate   time.Time         `json:"gmtCreate"`
	GmtModified time.Time         `json:"gmtModified"`
}

// IsMySQLFamily reports whether the type speaks the MySQL protocol.
func (t DataSourceType) IsMySQLFamily() bool {
	switch t {
	case TypeMySQL, TypeMariaDB, TypeOBMySQL, TypeTiDB:
		return true
	}
	return false
}

// KnownDataSourceType reports whether godwit accepts t at all.
func KnownDataSourceType(t DataSourceType) bool {
	return t.IsMySQLFamily() || t == TypePostgreSQL || t == TypeKafka
}
