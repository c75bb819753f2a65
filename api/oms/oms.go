// Package oms is godwit's OceanBase Migration Service compatible surface: the OMS OpenAPI v2
// actions (POST /api/v2?Action=…, oms-v2.md) and the OMS V3.3 progress endpoint
// (GET /api/omsp/v2/migrations/{projectId}/progress). It translates wire shapes onto
// service.API and nothing else; authentication, body limits, request IDs and panic recovery
// are done by the root api handler before a request arrives here.
//
// Business errors are HTTP 200 with success:false in the envelope; actions of the OMS
// catalogue that godwit does not implement answer code GHANA-OPERAT000404; an unknown or
// missing Action is a PARAM_ERROR.
package oms

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/service"
)

// Handler serves the OMS routes.
type Handler struct {
	svc     service.API
	log     *slog.Logger
	actions map[string]action // key: lower-cased action name
}

type action struct {
	name string
	fn   func(h *Handler, w http.ResponseWriter, r *http.Request, body []byte) error
}

// implemented lists the supported actions with their handlers.
var implemented = []action{
	{"CreateMySQLDataSource", (*Handler).createMySQLDataSource},
	{"CreateMySQLMasterSlaveDataSource", (*Handler).createMasterSlaveDataSource},
	{"ListDataSource", (*Handler).listDataSource},
	{"DeleteDataSource", (*Handler).deleteDataSource},
	{"CreateProject", (*Handler).createProject},
	{"ListProjects", (*Handler).listProjects},
	{"DescribeProject", (*Handler).describeProject},
	{"DescribeProjectSteps", (*Handler).describeProjectSteps},
	{"DescribeProjectProgress", (*Handler).describeProjectProgress},
	{"StartProject", lifecycle("StartProject")},
	{"StopProject", lifecycle("StopProject")},
	{"ResumeProject", lifecycle("ResumeProject")},
	{"ReleaseProject", lifecycle("ReleaseProject")},
	{"DeleteProject", lifecycle("DeleteProject")},
	{"UpdateProjectConfig", (*Handler).updateProjectConfig},
	{"AdvanceProject", (*Handler).advanceProject},
	{"DescribeProjectComponents", (*Handler).describeProjectComponents},
	{"DescribeProjectStepMetric", (*Handler).describeProjectStepMetric},
	{"StartProjectsByLabel", projectsByLabel(true)},
	{"StopProjectsByLabel", projectsByLabel(false)},
	{"SubmitPreCheck", (*Handler).submitPreCheck},
	{"GetPreCheckResult", (*Handler).getPreCheckResult},
	{"CreateProjectModifyRecords", (*Handler).createModifyRecords},
	{"ListProjectModifyRecords", (*Handler).listProjectModifyRecords},
	{"StopProjectModifyRecords", modifyRecordAction("stop")},
	{"RetryProjectModifyRecords", modifyRecordAction("retry")},
	{"CancelProjectModifyRecord", modifyRecordAction("cancel")},
	{"CreateOceanBaseDataSource", (*Handler).createOceanBaseDataSource},
	{"CreateLabel", (*Handler).createLabel},
	{"ListAllLabels", (*Handler).listAllLabels},
	{"ListProjectLogs", (*Handler).listProjectLogs}, // godwit extension
}

// unsupported is the rest of the oms-v2.md §5 catalogue.
// (Verification listings may be implemented by another file of this package, which then wins.)
var unsupported = []string{
	"ListProjectFullVerifyResult", "ListConflictData", "CreatePolarDBDataSource",
	"CreatePilarDBDataSource", "CreateOceanBaseODPDataSource",
	"ListFullVerifyInconsistenciesResult", "ListFullVerifyCorrectionsResult", "ListWorkerInstances",
	"ReleaseWorkerInstance", "CreateRdsPostgreSQLDataSource", "CreateOmsMysqlDataSource",
}

// New returns the OMS handler.
func New(svc service.API, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{svc: svc, log: log, actions: map[string]action{}}
	for _, a := range implemented {
		h.actions[strings.ToLower(a.name)] = a
	}
	for _, name := range unsupported {
		if _, done := h.actions[strings.ToLower(name)]; done {
			continue // implemented in another file of this package (registered from its init)
		}
		h.actions[strings.ToLower(name)] = action{name: name, fn: unsupportedAction(name)}
	}
	return h
}

// Register mounts the OMS routes on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("/api/v2", h.serveV2)
	mux.HandleFunc("/api/v2/{$}", h.serveV2)
	mux.HandleFunc("GET /api/omsp/v2/migrations/{projectId}/progress", h.serveV33Progress)
	mux.HandleFunc("/api/omsp/", func(w http.ResponseWriter, r *http.Request) {
		WriteV33Error(w, r, http.StatusNotFound, errs.New(errs.KindNotFound, errs.CodeParam,
			"no OMS V3.3 route "+r.Method+" "+r.URL.Path,
			"godwit implements only GET /api/omsp/v2/migrations/{projectId}/progress of OMS V3.3."))
	})
}

// Call is the OMS action a request names, resolved once per request by Resolve. The root
// handler authorises, dispatches and logs this one value (it travels in the request context,
// see WithCall), so the three can never disagree.
type Call struct {
	Name     string // the catalogue's spelling ("DeleteProject"); the value as sent when !Known
	Known    bool   // Name is an OMS action of the catalogue (implemented or not)
	Mutating bool   // Known and not a read action (see ReadOnlyAction)
}

type callKey struct{}

// WithCall stores the resolved action of a request.
func WithCall(ctx context.Context, c Call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// Resolve finds the one Action query parameter of r. Its name is matched case-insensitively
// (clients send Action and action); a request that names it more than once — in the same or
// another spelling, with equal values or not — is a PARAM_ERROR, and so are a malformed
// query string and a missing or empty Action. The value is matched case-insensitively
// against the catalogue; an unknown value resolves with Known false (answered PARAM_ERROR by
// the handler, whatever the role).
func (h *Handler) Resolve(r *http.Request) (Call, *errs.Error) {
	q, e := httpx.Query(r)
	if e != nil {
		return Call{}, e
	}
	var given []string
	for k, vs := range q {
		if strings.EqualFold(k, "Action") {
			given = append(given, vs...)
		}
	}
	switch {
	case len(given) > 1:
		return Call{}, errs.Invalid("the Action query parameter is given %d times (names are case-insensitive); give it once", len(given))
	case len(given) == 0 || strings.TrimSpace(given[0]) == "":
		return Call{}, errs.Invalid("the Action query parameter is required (POST /api/v2?Action=<name>)")
	}
	name := strings.TrimSpace(given[0])
	a, ok := h.actions[strings.ToLower(name)]
	if !ok {
		return Call{Name: name}, nil
	}
	return Call{Name: a.name, Known: true, Mutating: !ReadOnlyAction(a.name)}, nil
}

// call returns the action resolved by the root handler, resolving it here only when the
// handler is used without the root (tests of this package).
func (h *Handler) call(r *http.Request) (Call, *errs.Error) {
	if c, ok := r.Context().Value(callKey{}).(Call); ok {
		return c, nil
	}
	return h.Resolve(r)
}

// ReadOnlyAction reports whether an action only reads (List*, Describe*, Get*); the root
// handler lets the readonly role call exactly these (judged on the catalogue's spelling of
// the resolved action, never on the request's).
func ReadOnlyAction(name string) bool {
	l := strings.ToLower(name)
	return strings.HasPrefix(l, "list") || strings.HasPrefix(l, "describe") || strings.HasPrefix(l, "get")
}

func (h *Handler) serveV2(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		WriteError(w, r, http.StatusMethodNotAllowed, errs.Invalid("OMS actions are called with POST /api/v2?Action=<name>, not %s", r.Method))
		return
	}
	c, e := h.call(r)
	if e != nil {
		WriteError(w, r, http.StatusOK, e)
		return
	}
	a, ok := h.actions[strings.ToLower(c.Name)]
	if !c.Known || !ok {
		WriteError(w, r, http.StatusOK, errs.Invalid("unknown Action %q", c.Name).With("action", c.Name))
		return
	}
	body, rerr := httpx.ReadBody(r)
	if rerr != nil {
		WriteError(w, r, statusOf(rerr), rerr)
		return
	}
	if err := a.fn(h, w, r, body); err != nil {
		e := publicError(h.log, r, err)
		WriteError(w, r, statusOf(e), e)
	}
}

// statusOf is the HTTP status of an OMS error: 200 for business errors (OMS convention),
// the transport statuses only for oversize bodies.
func statusOf(e *errs.Error) int {
	if e.Kind == errs.KindTooLarge {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusOK
}

func unsupportedAction(name string) func(*Handler, http.ResponseWriter, *http.Request, []byte) error {
	return func(*Handler, http.ResponseWriter, *http.Request, []byte) error {
		return errs.Unsupported("Action "+name).With("action", name)
	}
}

// idRequest is the body of every single-id action.
type idRequest struct {
	ID string `json:"id"`
}

func decodeID(body []byte) (string, *errs.Error) {
	var req idRequest
	if e := Decode(body, &req); e != nil {
		return "", e
	}
	id := strings.TrimSpace(req.ID)
	if id == "" {
		return "", errs.Invalid("id is required")
	}
	return id, nil
}
