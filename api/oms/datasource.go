package oms

import (
	"net/http"
	"strings"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/api/shape"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// mysqlDataSource is one MySQL data source as CreateMySQLDataSource and each half of
// CreateMySQLMasterSlaveDataSource send it (oms-v2.md §6.14). Both `userName` and
// `username` are accepted; `host` is accepted as an alias of `ip`.
type mysqlDataSource struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	IP          string `json:"ip"`
	Host        string `json:"host"`
	Port        int    `json:"port"`
	Schema      string `json:"schema"`
	UserName    string `json:"userName"`
	Username    string `json:"username"`
	Password    string `json:"password"` // Base64
	Description string `json:"description"`
	Region      string `json:"region"`
	TryKeepHb   bool   `json:"tryKeepHb"`
	Role        string `json:"role"`
}

// dataSourceType maps the OMS/cloud `type` of a MySQL data source to godwit's: cloud network
// kinds (INTERNET, VPC, RDS, DG, POLARDB) and "" mean MYSQL; MYSQL-family engines, POSTGRESQL
// and "<TYPE>_PUBLIC" forms pass through.
func dataSourceType(t string) (model.DataSourceType, *errs.Error) {
	u := strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(t)), "_PUBLIC")
	switch u {
	case "", "INTERNET", "VPC", "RDS", "DG", "POLARDB":
		return model.TypeMySQL, nil
	case string(model.TypeMySQL), string(model.TypeMariaDB), string(model.TypeOBMySQL),
		string(model.TypeTiDB), string(model.TypePostgreSQL):
		return model.DataSourceType(u), nil
	}
	return "", errs.Invalid("type %q is not a MySQL data source type (MYSQL, MARIADB, OB_MYSQL, TIDB, POSTGRESQL)", t)
}

// toModel validates the fields and decodes the Base64 password. field prefixes messages
// ("master." for the master/slave action).
func (m *mysqlDataSource) toModel(field string) (model.DataSource, *errs.Error) {
	typ, e := dataSourceType(m.Type)
	if e != nil {
		return model.DataSource{}, e
	}
	user := m.UserName
	if user == "" {
		user = m.Username
	}
	host := m.IP
	if host == "" {
		host = m.Host
	}
	switch {
	case strings.TrimSpace(m.Name) == "":
		return model.DataSource{}, errs.Invalid("%sname is required", field)
	case host == "":
		return model.DataSource{}, errs.Invalid("%sip is required", field)
	case m.Port < 1 || m.Port > 65535:
		return model.DataSource{}, errs.Invalid("%sport must be between 1 and 65535, got %d", field, m.Port)
	case user == "":
		return model.DataSource{}, errs.Invalid("%suserName is required", field)
	}
	pw, e := DecodePassword(field+"password", m.Password)
	if e != nil {
		return model.DataSource{}, e
	}
	ds := model.DataSource{
		Name: m.Name, Type: typ, Host: host, Port: m.Port, User: user, Password: pw,
		Schema: m.Schema, Region: m.Region, Description: m.Description,
		Role: strings.ToUpper(m.Role), Options: map[string]string{},
	}
	if m.TryKeepHb {
		ds.Options[shape.OptTryKeepHb] = "true"
	}
	return ds, nil
}

func owner(r *http.Request) string {
	if p, ok := httpx.PrincipalFrom(r.Context()); ok {
		return p.Name
	}
	return ""
}

func (h *Handler) createMySQLDataSource(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req mysqlDataSource
	if e := Decode(body, &req); e != nil {
		return e
	}
	ds, e := req.toModel("")
	if e != nil {
		return e
	}
	ds.Owner = owner(r)
	id, err := h.svc.CreateDataSource(r.Context(), ds, false)
	if err != nil {
		return err
	}
	writeOK(w, r, id, nil)
	return nil
}

type masterSlaveRequest struct {
	Master *mysqlDataSource `json:"master"`
	Slave  *mysqlDataSource `json:"slave"`
}

// slaveSuffix makes the standby's name unique when both halves carry the same name, as
// OMS clients send them (INF: godwit data source names are unique).
const slaveSuffix = "_slave"

// createMasterSlaveDataSource creates the master, then the slave with role SLAVE and
// partnerId = the master's id, and returns the master's id. If the slave cannot be created
// the master is deleted again, so the action is all-or-nothing.
func (h *Handler) createMasterSlaveDataSource(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req masterSlaveRequest
	if e := Decode(body, &req); e != nil {
		return e
	}
	if req.Master == nil || req.Slave == nil {
		return errs.Invalid("both master and slave are required")
	}
	master, e := req.Master.toModel("master.")
	if e != nil {
		return e
	}
	slave, e := req.Slave.toModel("slave.")
	if e != nil {
		return e
	}
	master.Role, slave.Role = "MASTER", "SLAVE"
	master.Owner, slave.Owner = owner(r), owner(r)
	if slave.Name == master.Name {
		slave.Name += slaveSuffix
	}
	mid, err := h.svc.CreateDataSource(r.Context(), master, false)
	if err != nil {
		return err
	}
	slave.PartnerID = mid
	if _, err := h.svc.CreateDataSource(r.Context(), slave, false); err != nil {
		if derr := h.svc.DeleteDataSource(r.Context(), mid); derr != nil {
			h.log.Warn("cannot roll back master data source", "id", mid, "err", derr)
		}
		return err
	}
	writeOK(w, r, mid, nil)
	return nil
}

type listDataSourceRequest struct {
	pageRequest
	SearchKey string   `json:"searchKey"`
	Types     []string `json:"types"`
	Type      []string `json:"type"`
}

func (h *Handler) listDataSource(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req listDataSourceRequest
	if e := Decode(body, &req); e != nil {
		return e
	}
	num, size, sf, asc, e := req.resolve(maxDataSourcePageSz)
	if e != nil {
		return e
	}
	types := make([]string, 0, len(req.Types)+len(req.Type))
	for _, t := range append(req.Types, req.Type...) {
		types = append(types, strings.TrimSuffix(strings.ToUpper(t), "_PUBLIC"))
	}
	list, total, err := h.svc.ListDataSources(r.Context(), service.DataSourceFilter{
		SearchKey: req.SearchKey, Types: types, Page: num, Size: size, SortField: sf, Asc: asc,
	})
	if err != nil {
		return err
	}
	items := make([]shape.DataSourceItem, 0, len(list))
	for i := range list {
		items = append(items, shape.RenderDataSource(&list[i]))
	}
	writeOK(w, r, items, &page{num, size, total})
	return nil
}

func (h *Handler) deleteDataSource(w http.ResponseWriter, r *http.Request, body []byte) error {
	id, e := decodeID(body)
	if e != nil {
		return e
	}
	if err := h.svc.DeleteDataSource(r.Context(), id); err != nil {
		return err
	}
	writeOK(w, r, nil, nil)
	return nil
}
