package native

import (
	"net/http"
	"strings"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// DataSource is the native data source JSON. It never has a password.
type DataSource struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	Host        string            `json:"host"`
	Port        int               `json:"port"`
	User        string            `json:"user"`
	Schema      string            `json:"schema"`
	Description string            `json:"description"`
	Options     map[string]string `json:"options"`
	Version     string            `json:"version"`
	GmtCreate   *string           `json:"gmtCreate"`
	GmtModified *string           `json:"gmtModified"`
}

// RenderDataSource renders ds in the native shape.
func RenderDataSource(ds *model.DataSource) DataSource {
	opts := ds.Options
	if opts == nil {
		opts = map[string]string{}
	}
	return DataSource{
		ID: ds.ID, Name: ds.Name, Type: string(ds.Type), Host: ds.Host, Port: ds.Port, User: ds.User,
		Schema: ds.Schema, Description: ds.Description, Options: opts, Version: ds.Version,
		GmtCreate: model.FormatTime(&ds.GmtCreate), GmtModified: model.FormatTime(&ds.GmtModified),
	}
}

// CreateDataSourceRequest is the body of POST /api/v1/datasources. Password is plain text.
type CreateDataSourceRequest struct {
	Name                 string            `json:"name"`
	Type                 string            `json:"type"`
	Host                 string            `json:"host"`
	Port                 int               `json:"port"`
	User                 string            `json:"user"`
	Password             string            `json:"password"`
	Schema               string            `json:"schema"`
	Description          string            `json:"description"`
	Options              map[string]string `json:"options"`
	SkipConnectivityTest bool              `json:"skipConnectivityTest"`
}

func (h *Handler) createDataSource(w http.ResponseWriter, r *http.Request) error {
	var req CreateDataSourceRequest
	if err := Decode(r, &req); err != nil {
		return err
	}
	ds := model.DataSource{
		Name: req.Name, Type: model.DataSourceType(strings.ToUpper(strings.TrimSpace(req.Type))),
		Host: req.Host, Port: req.Port, User: req.User, Password: req.Password, Schema: req.Schema,
		Description: req.Description, Options: req.Options, Owner: owner(r),
	}
	id, err := h.svc.CreateDataSource(r.Context(), ds, req.SkipConnectivityTest)
	if err != nil {
		return err
	}
	got, err := h.svc.GetDataSource(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, RenderDataSource(got))
	return nil
}

func (h *Handler) listDataSources(w http.ResponseWriter, r *http.Request) error {
	page, size, err := pageParams(r, 50, 1000)
	if err != nil {
		return err
	}
	list0, total, err := h.svc.ListDataSources(r.Context(), service.DataSourceFilter{
		SearchKey: r.URL.Query().Get("search"), Types: multi(r, "type"), Page: page, Size: size,
		SortField: "gmtCreate",
	})
	if err != nil {
		return err
	}
	out := list[DataSource]{Items: make([]DataSource, 0, len(list0)), Total: total, Page: page, Size: size}
	for i := range list0 {
		out.Items = append(out.Items, RenderDataSource(&list0[i]))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) getDataSource(w http.ResponseWriter, r *http.Request) error {
	ds, err := h.svc.GetDataSource(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, RenderDataSource(ds))
	return nil
}

func (h *Handler) deleteDataSource(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.DeleteDataSource(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
