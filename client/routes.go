package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// Health calls GET /api/v1/health (no auth needed).
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var h Health
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/health", nil, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// OpenAPI returns the OpenAPI document (GET /api/v1/openapi.yaml).
func (c *Client) OpenAPI(ctx context.Context) ([]byte, error) {
	return c.Do(ctx, http.MethodGet, "/api/v1/openapi.yaml", nil)
}

// CreateDataSource calls POST /api/v1/datasources.
func (c *Client) CreateDataSource(ctx context.Context, req CreateDataSourceRequest) (*DataSource, error) {
	var ds DataSource
	raw, err := c.call(ctx, http.MethodPost, "/api/v1/datasources", req, &ds)
	if err != nil {
		return nil, err
	}
	ds.Raw = raw
	return &ds, nil
}

// DataSourceQuery filters GET /api/v1/datasources; zero members are left out.
type DataSourceQuery struct {
	Search string
	Type   string
	Page   int
	Size   int
}

// ListDataSources calls GET /api/v1/datasources.
func (c *Client) ListDataSources(ctx context.Context, q DataSourceQuery) (*DataSourceList, error) {
	v := url.Values{"search": {q.Search}, "type": {q.Type},
		"page": {num(q.Page)}, "size": {num(q.Size)}}
	var l DataSourceList
	raw, err := c.call(ctx, http.MethodGet, "/api/v1/datasources"+query(v), nil, &l)
	if err != nil {
		return nil, err
	}
	l.Raw = raw
	items := itemsRaw(raw)
	for i := range l.Items {
		if i < len(items) {
			l.Items[i].Raw = items[i]
		}
	}
	return &l, nil
}

// GetDataSource calls GET /api/v1/datasources/{id}.
func (c *Client) GetDataSource(ctx context.Context, id string) (*DataSource, error) {
	var ds DataSource
	raw, err := c.call(ctx, http.MethodGet, "/api/v1/datasources/"+esc(id), nil, &ds)
	if err != nil {
		return nil, err
	}
	ds.Raw = raw
	return &ds, nil
}

// DeleteDataSource calls DELETE /api/v1/datasources/{id}.
func (c *Client) DeleteDataSource(ctx context.Context, id string) error {
	_, err := c.Do(ctx, http.MethodDelete, "/api/v1/datasources/"+esc(id), nil)
	return err
}

// CreateProject calls POST /api/v1/projects. body is the CreateProject JSON: raw bytes
// (json.RawMessage or []byte, sent as is) or any value that marshals to it.
func (c *Client) CreateProject(ctx context.Context, body any) (*Project, error) {
	return c.project(ctx, http.MethodPost, "/api/v1/projects", body)
}

// ProjectQuery filters GET /api/v1/projects; zero members are left out.
type ProjectQuery struct {
	Search string
	Status []string
	Page   int
	Size   int
}

// ListProjects calls GET /api/v1/projects.
func (c *Client) ListProjects(ctx context.Context, q ProjectQuery) (*ProjectList, error) {
	v := url.Values{"search": {q.Search}, "status": q.Status,
		"page": {num(q.Page)}, "size": {num(q.Size)}}
	var l ProjectList
	raw, err := c.call(ctx, http.MethodGet, "/api/v1/projects"+query(v), nil, &l)
	if err != nil {
		return nil, err
	}
	l.Raw = raw
	items := itemsRaw(raw)
	for i := range l.Items {
		if i < len(items) {
			l.Items[i].Raw = items[i]
		}
	}
	return &l, nil
}

// GetProject calls GET /api/v1/projects/{id}.
func (c *Client) GetProject(ctx context.Context, id string) (*Project, error) {
	return c.project(ctx, http.MethodGet, "/api/v1/projects/"+esc(id), nil)
}

// StartProject calls POST /api/v1/projects/{id}/start (INIT → RUNNING).
func (c *Client) StartProject(ctx context.Context, id string) (*Project, error) {
	return c.project(ctx, http.MethodPost, "/api/v1/projects/"+esc(id)+"/start", nil)
}

// StopProject calls POST /api/v1/projects/{id}/stop (RUNNING → SUSPEND).
func (c *Client) StopProject(ctx context.Context, id string) (*Project, error) {
	return c.project(ctx, http.MethodPost, "/api/v1/projects/"+esc(id)+"/stop", nil)
}

// ResumeProject calls POST /api/v1/projects/{id}/resume (SUSPEND | FAILED → RUNNING).
func (c *Client) ResumeProject(ctx context.Context, id string) (*Project, error) {
	return c.project(ctx, http.MethodPost, "/api/v1/projects/"+esc(id)+"/resume", nil)
}

// ReleaseProject calls POST /api/v1/projects/{id}/release.
func (c *Client) ReleaseProject(ctx context.Context, id string) (*Project, error) {
	return c.project(ctx, http.MethodPost, "/api/v1/projects/"+esc(id)+"/release", nil)
}

// DeleteProject calls DELETE /api/v1/projects/{id}.
func (c *Client) DeleteProject(ctx context.Context, id string) error {
	_, err := c.Do(ctx, http.MethodDelete, "/api/v1/projects/"+esc(id), nil)
	return err
}

// Steps calls GET /api/v1/projects/{id}/steps.
func (c *Client) Steps(ctx context.Context, id string) (*StepList, error) {
	var l StepList
	raw, err := c.call(ctx, http.MethodGet, "/api/v1/projects/"+esc(id)+"/steps", nil, &l)
	if err != nil {
		return nil, err
	}
	l.Raw = raw
	return &l, nil
}

// Progress calls GET /api/v1/projects/{id}/progress.
func (c *Client) Progress(ctx context.Context, id string) (*Progress, error) {
	var p Progress
	raw, err := c.call(ctx, http.MethodGet, "/api/v1/projects/"+esc(id)+"/progress", nil, &p)
	if err != nil {
		return nil, err
	}
	p.Raw = raw
	return &p, nil
}

// Tables calls GET /api/v1/projects/{id}/tables?step=STEP (step "" leaves the filter out).
func (c *Client) Tables(ctx context.Context, id, step string) (*TableList, error) {
	var l TableList
	path := "/api/v1/projects/" + esc(id) + "/tables" + query(url.Values{"step": {step}})
	raw, err := c.call(ctx, http.MethodGet, path, nil, &l)
	if err != nil {
		return nil, err
	}
	l.Raw = raw
	return &l, nil
}

// LogQuery filters GET /api/v1/projects/{id}/logs; zero members are left out.
type LogQuery struct {
	Level string
	Page  int
	Size  int
}

// Logs calls GET /api/v1/projects/{id}/logs.
func (c *Client) Logs(ctx context.Context, id string, q LogQuery) (*LogList, error) {
	v := url.Values{"level": {q.Level}, "page": {num(q.Page)}, "size": {num(q.Size)}}
	var l LogList
	raw, err := c.call(ctx, http.MethodGet, "/api/v1/projects/"+esc(id)+"/logs"+query(v), nil, &l)
	if err != nil {
		return nil, err
	}
	l.Raw = raw
	return &l, nil
}

// Precheck calls GET /api/v1/projects/{id}/precheck.
func (c *Client) Precheck(ctx context.Context, id string) (*CheckList, error) {
	var l CheckList
	raw, err := c.call(ctx, http.MethodGet, "/api/v1/projects/"+esc(id)+"/precheck", nil, &l)
	if err != nil {
		return nil, err
	}
	l.Raw = raw
	return &l, nil
}

func (c *Client) project(ctx context.Context, method, path string, body any) (*Project, error) {
	var p Project
	raw, err := c.call(ctx, method, path, body, &p)
	if err != nil {
		return nil, err
	}
	p.Raw = raw
	return &p, nil
}

// itemsRaw splits {"items":[…]} into the raw elements (nil when the shape differs).
func itemsRaw(raw []byte) []json.RawMessage {
	var v struct {
		Items []json.RawMessage `json:"items"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return v.Items
}

// num renders n for a query string; 0 means "not set" and renders as "".
func num(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
