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
	"log/slog"
	"net/http"
	"slices"
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

// ActionOf returns the Action query parameter (the name is matched case-insensitively).
func ActionOf(r *http.Request) string {
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, "Action") && len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
	}
	return ""
}

// Mutating reports whether r calls a known OMS action that changes state. Unknown and
// missing actions are not mutating: they are answered with PARAM_ERROR whatever the role.
func Mutating(r *http.Request) bool {
	name := ActionOf(r)
	known := slices.ContainsFunc(implemented, func(a action) bool { return strings.EqualFold(a.name, name) }) ||
		slices.ContainsFunc(unsupported, func(u string) bool { return strings.EqualFold(u, name) })
	return known && !ReadOnlyAction(name)
}

// ReadOnlyAction reports whether an action only reads (List*, Describe*, Get*); the root
// handler lets the readonly role call exactly these.
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
	name := ActionOf(r)
	if name == "" {
		WriteError(w, r, http.StatusOK, errs.Invalid("the Action query parameter is required (POST /api/v2?Action=<name>)"))
		return
	}
	a, ok := h.actions[strings.ToLower(name)]
	if !ok {
		WriteError(w, r, http.StatusOK, errs.Invalid("unknown Action %q", name).With("action", name))
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
