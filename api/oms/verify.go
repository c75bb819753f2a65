package oms

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/service"
)

func init() {
	implemented = append(implemented,
		action{"ListProjectFullVerifyResult", (*Handler).listProjectFullVerifyResult},
		action{"ListFullVerifyInconsistenciesResult", (*Handler).listFullVerifyInconsistencies},
		action{"ListFullVerifyCorrectionsResult", (*Handler).listFullVerifyCorrections},
	)
}

// verifyListRequest is the request of the three verification listings (oms-v2.md §6.10;
// the inconsistency and correction listings follow the same style, with a table filter).
type verifyListRequest struct {
	pageRequest
	ProjectID     string   `json:"projectId"`
	SourceSchemas []string `json:"sourceSchemas"`
	DestSchemas   []string `json:"destSchemas"`
	Status        any      `json:"status"` // string (cloud) or string[] (ODC)
	// Inconsistencies/corrections: source table and difference kind filters, and the run
	// (default: the project's latest).
	SourceSchemaName string `json:"sourceSchemaName"`
	SourceTableName  string `json:"sourceTableName"`
	Type             string `json:"type"` // ONLY_IN_SOURCE | ONLY_IN_TARGET | DIFFERENT
	RunID            string `json:"runId"`
}

func (q *verifyListRequest) statuses() []string {
	var out []string
	switch s := q.Status.(type) {
	case string:
		if strings.TrimSpace(s) != "" {
			out = append(out, strings.ToUpper(strings.TrimSpace(s)))
		}
	case []any:
		for _, x := range s {
			if v, ok := x.(string); ok && v != "" {
				out = append(out, strings.ToUpper(v))
			}
		}
	}
	return out
}

// FullVerifyTableStatistic is one element of fullVerifyTableStatistics.
type FullVerifyTableStatistic struct {
	SourceTableName  string   `json:"sourceTableName"`
	SourceSchemaName string   `json:"sourceSchemaName"`
	DestTableName    string   `json:"destTableName"`
	DestSchemaName   string   `json:"destSchemaName"`
	SourceOnlyCount  int64    `json:"sourceOnlyCount"`
	DestOnlyCount    int64    `json:"destOnlyCount"`
	MismatchedCount  int64    `json:"mismatchedCount"`
	ConsistentCount  int64    `json:"consistentCount"`
	Progress         string   `json:"progress"`
	Message          *string  `json:"message"`
	Status           string   `json:"status"` // RUNNING | ERROR | FINISHED | SUSPEND
	ResultType       string   `json:"resultType"`
	ResultDesc       string   `json:"resultDesc"`
	ErrorDetails     []string `json:"errorDetails"`
}

// FullVerifyResult is the data of ListProjectFullVerifyResult.
type FullVerifyResult struct {
	DifferentNumber           int64                      `json:"differentNumber"`
	FullVerifyTableStatistics []FullVerifyTableStatistic `json:"fullVerifyTableStatistics"`
}

func omsVerifyStatus(t service.VerifyTable) string {
	switch {
	case t.Result == service.VerifyRuntimeException:
		return "ERROR"
	case t.Status == service.VerifyFinished:
		return "FINISHED"
	case t.Status == service.VerifyStopped:
		return "SUSPEND"
	}
	return "RUNNING"
}

// noRunYet reports whether err says the project has no verification run (an empty answer).
func noRunYet(ctx context.Context, h *Handler, projectID string, err error) bool {
	if errs.As(err).Kind != errs.KindNotFound {
		return false
	}
	_, perr := h.svc.GetProject(ctx, projectID)
	return perr == nil
}

func (h *Handler) listProjectFullVerifyResult(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req verifyListRequest
	if e := Decode(body, &req); e != nil {
		return e
	}
	if strings.TrimSpace(req.ProjectID) == "" {
		return errs.Invalid("projectId is required")
	}
	num, size, _, _, e := req.resolve(maxProjectPageSize)
	if e != nil {
		return e
	}
	ctx := r.Context()
	out := FullVerifyResult{FullVerifyTableStatistics: []FullVerifyTableStatistic{}}
	run, err := h.svc.VerifyRun(ctx, req.ProjectID, req.RunID)
	if err != nil {
		if noRunYet(ctx, h, req.ProjectID, err) {
			writeOK(w, r, out, &page{num, size, 0})
			return nil
		}
		return err
	}
	out.DifferentNumber = run.Diffs
	ts, _, err := h.svc.VerifyTables(ctx, req.ProjectID, service.VerifyTableFilter{RunID: run.ID,
		SourceSchemas: req.SourceSchemas, DestSchemas: req.DestSchemas})
	if err != nil {
		return err
	}
	want := req.statuses()
	var all []FullVerifyTableStatistic
	for _, t := range ts {
		st := omsVerifyStatus(t)
		if len(want) > 0 && !contains(want, st) {
			continue
		}
		sdb, stab, _ := strings.Cut(t.Table, ".")
		ddb, dtab, _ := strings.Cut(t.Target, ".")
		progress := "100"
		if t.Status != service.VerifyFinished && t.Chunks > 0 {
			progress = strconv.Itoa(t.ChunksDone * 100 / t.Chunks)
		}
		n := t.OnlyInSource + t.OnlyInTarget + t.Different
		desc := "consistent"
		if n > 0 {
			desc = fmt.Sprintf("%d rows differ", n)
		} else if !service.VerifyIsConsistent(t.Result) && t.Message != "" {
			desc = t.Message
		} else if !service.VerifyIsConsistent(t.Result) && t.Result != "" {
			desc = strings.ToLower(strings.ReplaceAll(t.Result, "_", " ")) // never "consistent" for a table that is not
		}
		all = append(all, FullVerifyTableStatistic{SourceTableName: stab, SourceSchemaName: sdb, DestTableName: dtab,
			DestSchemaName: ddb, SourceOnlyCount: t.OnlyInSource, DestOnlyCount: t.OnlyInTarget, MismatchedCount: t.Different,
			ConsistentCount: max(0, t.SourceRows-t.OnlyInSource-t.Different), Progress: progress, Message: nilIfEmpty(t.Message),
			Status: st, ResultType: t.Result, ResultDesc: desc, ErrorDetails: []string{}})
	}
	lo := min((num-1)*size, len(all))
	out.FullVerifyTableStatistics = append(out.FullVerifyTableStatistics, all[lo:min(lo+size, len(all))]...)
	writeOK(w, r, out, &page{num, size, int64(len(all))})
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FullVerifyInconsistency is one ListFullVerifyInconsistenciesResult element.
type FullVerifyInconsistency struct {
	SourceSchemaName  string   `json:"sourceSchemaName"`
	SourceTableName   string   `json:"sourceTableName"`
	DestSchemaName    string   `json:"destSchemaName"`
	DestTableName     string   `json:"destTableName"`
	InconsistencyType string   `json:"inconsistencyType"` // ONLY_IN_SOURCE | ONLY_IN_TARGET | DIFFERENT
	KeyValues         string   `json:"keyValues"`
	Columns           []string `json:"columns"`
	SourceSQL         string   `json:"sourceSql"`
	DestSQL           string   `json:"destSql"`
}

// FullVerifyCorrection is one ListFullVerifyCorrectionsResult element.
type FullVerifyCorrection struct {
	SourceSchemaName  string `json:"sourceSchemaName"`
	SourceTableName   string `json:"sourceTableName"`
	DestSchemaName    string `json:"destSchemaName"`
	DestTableName     string `json:"destTableName"`
	InconsistencyType string `json:"inconsistencyType"`
	KeyValues         string `json:"keyValues"`
	CorrectionSQL     string `json:"correctionSql"`
}

// diffPage decodes a listing request and returns a page of the run's differences.
func (h *Handler) diffPage(r *http.Request, body []byte) ([]service.VerifyDiff, *page, error) {
	var req verifyListRequest
	if e := Decode(body, &req); e != nil {
		return nil, nil, e
	}
	if strings.TrimSpace(req.ProjectID) == "" {
		return nil, nil, errs.Invalid("projectId is required")
	}
	num, size, _, _, e := req.resolve(1000)
	if e != nil {
		return nil, nil, e
	}
	kind := strings.ToUpper(req.Type)
	switch kind {
	case "", service.DiffOnlyInSource, service.DiffOnlyInTarget, service.DiffDifferent:
	default:
		return nil, nil, errs.Invalid("type must be ONLY_IN_SOURCE, ONLY_IN_TARGET or DIFFERENT, got %q", req.Type)
	}
	table := ""
	if req.SourceTableName != "" {
		if req.SourceSchemaName == "" {
			return nil, nil, errs.Invalid("sourceSchemaName is required with sourceTableName")
		}
		table = req.SourceSchemaName + "." + req.SourceTableName
	}
	ds, total, err := h.svc.VerifyDiffs(r.Context(), req.ProjectID, service.VerifyDiffFilter{RunID: req.RunID, Table: table,
		Kind: kind, Page: num, Size: size})
	if err != nil {
		if noRunYet(r.Context(), h, req.ProjectID, err) {
			return nil, &page{num, size, 0}, nil
		}
		return nil, nil, err
	}
	return ds, &page{num, size, total}, nil
}

func (h *Handler) listFullVerifyInconsistencies(w http.ResponseWriter, r *http.Request, body []byte) error {
	ds, pg, err := h.diffPage(r, body)
	if err != nil {
		return err
	}
	out := make([]FullVerifyInconsistency, 0, len(ds))
	for _, d := range ds {
		sdb, stab, _ := strings.Cut(d.Table, ".")
		ddb, dtab, _ := strings.Cut(d.Target, ".")
		cols := d.Columns
		if cols == nil {
			cols = []string{}
		}
		out = append(out, FullVerifyInconsistency{SourceSchemaName: sdb, SourceTableName: stab, DestSchemaName: ddb,
			DestTableName: dtab, InconsistencyType: d.Kind, KeyValues: d.KeyText, Columns: cols, SourceSQL: d.SourceSQL, DestSQL: d.TargetSQL})
	}
	writeOK(w, r, out, pg)
	return nil
}

func (h *Handler) listFullVerifyCorrections(w http.ResponseWriter, r *http.Request, body []byte) error {
	ds, pg, err := h.diffPage(r, body)
	if err != nil {
		return err
	}
	out := make([]FullVerifyCorrection, 0, len(ds))
	for _, d := range ds {
		sdb, stab, _ := strings.Cut(d.Table, ".")
		ddb, dtab, _ := strings.Cut(d.Target, ".")
		out = append(out, FullVerifyCorrection{SourceSchemaName: sdb, SourceTableName: stab, DestSchemaName: ddb,
			DestTableName: dtab, InconsistencyType: d.Kind, KeyValues: d.KeyText, CorrectionSQL: d.FixSQL})
	}
	writeOK(w, r, out, pg)
	return nil
}
