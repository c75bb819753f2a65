package oms

import (
	"net/http"
	"strings"

	"github.com/godwit/godwit/api/shape"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

// obDataSource is the CreateOceanBaseDataSource body (oms-v2.md §6.13). godwit reaches
// OceanBase MySQL-mode tenants through the MySQL protocol (OBProxy or an observer); the
// log-proxy and DRC-user fields serve OceanBase incremental capture, which godwit does not
// have, so they are accepted and dropped (drcPassword is never stored).
type obDataSource struct {
	Name         string `json:"name"`
	Type         string `json:"type"`
	Tenant       string `json:"tenant"`
	Cluster      string `json:"cluster"`
	Schema       string `json:"schema"`
	IP           string `json:"ip"`
	Port         int    `json:"port"`
	UserName     string `json:"userName"`
	Username     string `json:"username"`
	Password     string `json:"password"` // Base64
	Region       string `json:"region"`
	Description  string `json:"description"`
	OcpName      string `json:"ocpName"`
	ConfigURL    string `json:"configUrl"`
	DrcUserName  string `json:"drcUserName"`
	DrcPassword  string `json:"drcPassword"` // Base64, validated then dropped
	LogProxyIP   string `json:"logProxyIp"`
	LogProxyPort int    `json:"logProxyPort"`
}

func (h *Handler) createOceanBaseDataSource(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req obDataSource
	if e := Decode(body, &req); e != nil {
		return e
	}
	switch strings.ToUpper(trimmed(req.Type)) {
	case "OB_MYSQL", "OB_MYSQL_CE", "OB_MYSQL_TENANT", "OB_MYSQL_VPC", "OB_MYSQL_PUBLIC":
	case "OB_ORACLE", "OB_ORACLE_TENANT", "OB_ORACLE_VPC":
		return errs.Unsupported("OceanBase Oracle mode (type " + req.Type + ")")
	case "":
		return errs.Invalid("type is required (OB_MYSQL, OB_MYSQL_CE, …)")
	default:
		return errs.Invalid("type %q is not an OceanBase type (OB_MYSQL, OB_MYSQL_CE, OB_MYSQL_TENANT, OB_MYSQL_VPC)", req.Type)
	}
	user := req.UserName
	if user == "" {
		user = req.Username
	}
	switch {
	case trimmed(req.Name) == "":
		return errs.Invalid("name is required")
	case trimmed(req.Tenant) == "":
		return errs.Invalid("tenant is required")
	case trimmed(req.IP) == "":
		return errs.Invalid("ip is required")
	case req.Port < 1 || req.Port > 65535:
		return errs.Invalid("port must be between 1 and 65535, got %d", req.Port)
	case user == "":
		return errs.Invalid("userName is required")
	}
	pw, e := DecodePassword("password", req.Password)
	if e != nil {
		return e
	}
	if _, e := DecodePassword("drcPassword", req.DrcPassword); e != nil {
		return e
	}
	login := user
	if !strings.Contains(login, "@") { // OBProxy login: user@tenant#cluster
		login += "@" + req.Tenant
		if req.Cluster != "" {
			login += "#" + req.Cluster
		}
	}
	ds := model.DataSource{Name: req.Name, Type: model.TypeOBMySQL, Host: req.IP, Port: req.Port, User: login, Password: pw,
		Schema: req.Schema, Region: req.Region, Description: req.Description, Owner: owner(r),
		Options: map[string]string{shape.OptTenant: req.Tenant}}
	if req.Cluster != "" {
		ds.Options[shape.OptCluster] = req.Cluster
	}
	id, err := h.svc.CreateDataSource(r.Context(), ds, false)
	if err != nil {
		return err
	}
	writeOK(w, r, id, nil)
	return nil
}
