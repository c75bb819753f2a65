package drs

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// Comparison results (drs-v5.md §8). godwit answers every comparison from the job project's
// FULL_VERIFIER step (per-table row counts and chunk checksums). TODO(verify): when
// service.VerifyAPI gains run/result/diff methods, answer content_compare/diff rows and
// per-task results from it instead of the step's table state.

// CompareTaskInfo is one data_compare_task_list element.
type CompareTaskInfo struct {
	ID                  *string           `json:"id,omitempty"`
	Type                *string           `json:"type,omitempty"`
	StartTime           *string           `json:"start_time,omitempty"`
	EndTime             *string           `json:"end_time,omitempty"`
	Status              *string           `json:"status,omitempty"`
	ComputeType         *string           `json:"compute_type,omitempty"`
	ExportStatus        *string           `json:"export_status,omitempty"`
	ReportRemainSeconds *int64            `json:"report_remain_seconds,omitempty"`
	Options             map[string]string `json:"options,omitempty"`
	ErrorMsg            *string           `json:"error_msg,omitempty"`
}

// ObjectCount is one compare_results element of the object overview.
type ObjectCount struct {
	Type        *string `json:"type,omitempty"`
	SourceCount *int64  `json:"source_count,omitempty"`
	TargetCount *int64  `json:"target_count,omitempty"`
	Status      *string `json:"status,omitempty"`
}

// ObjectsOverview is objects_compare_overview_info.
type ObjectsOverview struct {
	CreateTime          *string       `json:"create_time,omitempty"`
	CompareResults      []ObjectCount `json:"compare_results,omitempty"`
	StartTime           *string       `json:"start_time,omitempty"`
	Status              *string       `json:"status,omitempty"`
	ExportStatus        *string       `json:"export_status,omitempty"`
	ReportRemainSeconds *int64        `json:"report_remain_seconds,omitempty"`
	CompareJobID        *string       `json:"compare_job_id,omitempty"`
	ErrorMsg            *string       `json:"error_msg,omitempty"`
}

// ObjectDetail is one objects_compare_detail_infos element.
type ObjectDetail struct {
	SourceDBValue *string `json:"source_db_value,omitempty"`
	TargetDBValue *string `json:"target_db_value,omitempty"`
	SourceDBName  *string `json:"source_db_name,omitempty"`
	TargetDBName  *string `json:"target_db_name,omitempty"`
	ErrorMessage  *string `json:"error_message,omitempty"`
}

// LineOverview is one line_compare_overview_infos element.
type LineOverview struct {
	SourceDBName *string `json:"source_db_name,omitempty"`
	TargetDBName *string `json:"target_db_name,omitempty"`
	Status       *string `json:"status,omitempty"`
}

// LineDetail is one line_compare_detail_infos element (row counts are strings).
type LineDetail struct {
	SourceTableName  *string `json:"source_table_name,omitempty"`
	SourceRowNum     *string `json:"source_row_num,omitempty"`
	TargetTableName  *string `json:"target_table_name,omitempty"`
	TargetRowNum     *string `json:"target_row_num,omitempty"`
	DifferenceRowNum *string `json:"difference_row_num,omitempty"`
	Status           *string `json:"status,omitempty"`
	Message          *string `json:"message,omitempty"`
}

// ContentOverview is one content_compare_overview_infos element.
type ContentOverview struct {
	SourceDB      *string `json:"source_db,omitempty"`
	TargetDB      *string `json:"target_db,omitempty"`
	Status        *string `json:"status,omitempty"`
	CompareResult *bool   `json:"compare_result,omitempty"`
}

// ContentDetail is one content_compare_detail_infos element (row counts are int64).
type ContentDetail struct {
	SourceDB             *string `json:"source_db,omitempty"`
	TargetDB             *string `json:"target_db,omitempty"`
	SourceTableName      *string `json:"source_table_name,omitempty"`
	TargetTableName      *string `json:"target_table_name,omitempty"`
	SourceRowNum         *int64  `json:"source_row_num,omitempty"`
	TargetRowNum         *int64  `json:"target_row_num,omitempty"`
	DifferenceRowNum     *int64  `json:"difference_row_num,omitempty"`
	LineCompareResult    *bool   `json:"line_compare_result,omitempty"`
	ContentCompareResult *bool   `json:"content_compare_result,omitempty"`
	Message              *string `json:"message,omitempty"`
}

// ContentDiffRow is one contents_infos element.
type ContentDiffRow struct {
	SourceKeyValue  []string `json:"source_key_value,omitempty"`
	TargetKeyValue  []string `json:"target_key_value,omitempty"`
	SourceSelectSQL *string  `json:"source_select_sql,omitempty"`
	TargetSelectSQL *string  `json:"target_select_sql,omitempty"`
}

// ContentDiff is content_diff_detail_info.
type ContentDiff struct {
	Count                   *int64           `json:"count,omitempty"`
	TargetMetaIsNull        *int64           `json:"target_meta_is_null,omitempty"`
	SourceMetaIsNull        *int64           `json:"source_meta_is_null,omitempty"`
	SourceTargetMetaNotNull *int64           `json:"source_target_meta_not_null,omitempty"`
	ContentsInfos           []ContentDiffRow `json:"contents_infos"`
}

// CompareResult is compare_result; one member is set per compare_type × query_type.
type CompareResult struct {
	ObjectsCompareOverviewInfo  *ObjectsOverview  `json:"objects_compare_overview_info,omitempty"`
	ObjectsCompareDetailInfos   []ObjectDetail    `json:"objects_compare_detail_infos,omitempty"`
	DataCompareTaskList         []CompareTaskInfo `json:"data_compare_task_list,omitempty"`
	LineCompareOverviewInfos    []LineOverview    `json:"line_compare_overview_infos,omitempty"`
	LineCompareDetailInfos      []LineDetail      `json:"line_compare_detail_infos,omitempty"`
	ContentCompareOverviewInfos []ContentOverview `json:"content_compare_overview_infos,omitempty"`
	ContentCompareDetailInfos   []ContentDetail   `json:"content_compare_detail_infos,omitempty"`
	ContentDiffDetailInfo       *ContentDiff      `json:"content_diff_detail_info,omitempty"`
}

// verifyTable is one table's verification state (FULL_VERIFIER table state).
type verifyTable struct {
	SrcDB, SrcTable, DstDB, DstTable string
	SrcRows, DstRows                 int64
	Result                           string // CONSISTENT | INCONSISTENT | "" (not compared yet)
	MismatchChunks                   int
	// Uncompared is the DRS status of a finished table whose rows could not be compared
	// (TARGET_DB_NOT_EXIST, FAILED_TO_COMPARE), "" otherwise; Message says why.
	Uncompared, Message string
}

// lineStatus is the table's line (row count) comparison status: a table whose rows were not
// compared never shows CONSISTENT, even when both counts are 0.
func (t verifyTable) lineStatus(vs *verifyState) string {
	if t.Uncompared != "" {
		return t.Uncompared
	}
	return resultStatus(consistentIf(t.Result != "" && t.SrcRows == t.DstRows), vs)
}

// verifyState is what the compare queries are answered from.
type verifyState struct {
	step   *model.Step // nil when the job's project does not verify (or has not started)
	tables []verifyTable
}

func (h *Handler) verifyState(ctx context.Context, v *service.ProjectView) (*verifyState, error) {
	vs := &verifyState{}
	if v == nil {
		return vs, nil
	}
	for i := range v.Steps {
		if v.Steps[i].Name == model.StepFullVerify {
			vs.step = &v.Steps[i]
		}
	}
	if vs.step == nil {
		return vs, nil
	}
	ts, err := h.svc.Tables(ctx, v.ID, model.StepFullVerify)
	if err != nil {
		return nil, err
	}
	vs.tables = verifyTablesOf(ts)
	return vs, nil
}

// verifyTablesOf reads FULL_VERIFIER's table states (steps.VerifyTableExtra), sorted by
// source table.
func verifyTablesOf(ts []service.TableState) []verifyTable {
	var out []verifyTable
	for _, t := range ts {
		var x struct {
			Result         string `json:"result"`
			ResultType     string `json:"resultType"`
			Message        string `json:"message"`
			SrcRows        int64  `json:"srcRows"`
			DstRows        int64  `json:"dstRows"`
			MismatchChunks []int  `json:"mismatchChunks"`
		}
		_ = json.Unmarshal([]byte(t.Extra), &x)
		sdb, stab, _ := strings.Cut(t.Table, ".")
		ddb, dtab, _ := strings.Cut(t.Target, ".")
		if t.Target == "" {
			ddb, dtab = sdb, stab
		}
		vt := verifyTable{SrcDB: sdb, SrcTable: stab, DstDB: ddb, DstTable: dtab,
			SrcRows: x.SrcRows, DstRows: x.DstRows, Result: strings.ToUpper(x.Result), MismatchChunks: len(x.MismatchChunks)}
		if x.ResultType != "" && !service.VerifyCompared(x.ResultType) {
			vt.Uncompared, vt.Message = service.VerifyDRSStatus(service.VerifyFinished, x.ResultType), x.Message
		}
		out = append(out, vt)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SrcDB+"."+out[i].SrcTable < out[j].SrcDB+"."+out[j].SrcTable })
	return out
}

// tableCounts counts the source tables and the compared tables whose target table exists.
func (vs *verifyState) tableCounts() (src, dst int64) {
	for _, t := range vs.tables {
		src++
		if t.Result != "" && t.Uncompared != service.VerifyDRSStatus(service.VerifyFinished, service.VerifyTargetTableNotExist) {
			dst++
		}
	}
	return src, dst
}

// taskStatus is the comparison task status from the verify step.
func (vs *verifyState) taskStatus() string {
	if vs.step == nil {
		return "WAITING_FOR_RUNNING"
	}
	switch vs.step.Status {
	case model.StepRunning:
		return "RUNNING"
	case model.StepFinished:
		return "SUCCESSFUL"
	case model.StepFailed:
		return "FAILED"
	}
	return "WAITING_FOR_RUNNING"
}

// resultStatus is a table/database result status.
func resultStatus(result string, vs *verifyState) string {
	switch result {
	case "CONSISTENT", "INCONSISTENT":
		return result
	}
	if vs.step != nil && vs.step.Status == model.StepRunning {
		return "COMPARING"
	}
	return "WAITING_FOR_COMPARISON"
}

// tasks lists the job's comparison tasks; a job whose project verifies always has one.
func (d *jobDoc) tasks(vs *verifyState) []compareTask {
	out := append([]compareTask(nil), d.Compares...)
	if len(out) == 0 && vs.step != nil {
		out = append(out, compareTask{ID: "auto-" + d.ProjectID, Type: "lines", Created: d.Created})
	}
	return out
}

func (h *Handler) compare(ctx context.Context, r *http.Request, d *jobDoc, v *service.ProjectView) (*CompareResult, error) {
	q := r.URL.Query()
	ct, qt := q.Get("compare_type"), q.Get("query_type")
	offset, err := queryInt(r, "offset", 0, 0, 1_000_000)
	if err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit", 10, 1, 1000)
	if err != nil {
		return nil, err
	}
	vs, err := h.verifyState(ctx, v)
	if err != nil {
		return nil, err
	}
	if id := q.Get("compare_task_id"); id != "" {
		found := false
		for _, t := range d.tasks(vs) {
			found = found || t.ID == id
		}
		if !found {
			return nil, invalid("compare_task_id %s is not a comparison of this job", strconvQuote(id))
		}
	}
	srcDB, dstDB := q.Get("source_db_name"), q.Get("target_db_name")
	tables := make([]verifyTable, 0, len(vs.tables))
	for _, t := range vs.tables {
		if (srcDB == "" || t.SrcDB == srcDB) && (dstDB == "" || t.DstDB == dstDB) {
			tables = append(tables, t)
		}
	}
	pageT := func() []verifyTable { lo := min(offset, len(tables)); return tables[lo:min(lo+limit, len(tables))] }
	dbs := databasesOf(vs.tables, vs)
	res := &CompareResult{}
	switch ct + "/" + qt {
	case "data_compare/list":
		res.DataCompareTaskList = []CompareTaskInfo{}
		for _, t := range d.tasks(vs) {
			st := vs.taskStatus()
			if t.Cancelled {
				st = "CANCELLED"
			}
			info := CompareTaskInfo{ID: sp(t.ID), Type: sp(t.Type), StartTime: sp(utc(t.Created)), Status: sp(st),
				ComputeType: sp("drs"), ExportStatus: sp(""), ReportRemainSeconds: new(int64), Options: map[string]string{}}
			if vs.step != nil {
				info.EndTime = utcp(vs.step.FinishTime)
				if vs.step.Error != nil {
					info.ErrorMsg = sp(vs.step.Error.Message)
				}
			}
			res.DataCompareTaskList = append(res.DataCompareTaskList, info)
		}
	case "object_compare/overview":
		srcT, dstT := vs.tableCounts()
		n := int64(len(dbs))
		id := ""
		if ts := d.tasks(vs); len(ts) > 0 {
			id = ts[0].ID
		}
		res.ObjectsCompareOverviewInfo = &ObjectsOverview{CreateTime: sp(utc(d.Created)), Status: sp(vs.taskStatus()),
			CompareJobID: sp(id), ExportStatus: sp(""), ReportRemainSeconds: new(int64),
			CompareResults: []ObjectCount{
				{Type: sp("DB"), SourceCount: &n, TargetCount: &n, Status: sp(resultStatus(consistentIf(dstT == srcT && srcT > 0), vs))},
				{Type: sp("TABLE"), SourceCount: &srcT, TargetCount: &dstT, Status: sp(resultStatus(consistentIf(dstT == srcT && srcT > 0), vs))},
			}}
		if vs.step != nil {
			res.ObjectsCompareOverviewInfo.StartTime = utcp(vs.step.StartTime)
		}
	case "object_compare/detail":
		res.ObjectsCompareDetailInfos = []ObjectDetail{}
		if q.Get("compare_detail_type") == "uncompare" {
			break
		}
		switch q.Get("object_type") {
		case "DB":
			for _, db := range dbs {
				res.ObjectsCompareDetailInfos = append(res.ObjectsCompareDetailInfos, ObjectDetail{SourceDBValue: sp(db.src),
					TargetDBValue: sp(db.dst), SourceDBName: sp(db.src), TargetDBName: sp(db.dst)})
			}
		case "", "TABLE":
			for _, t := range pageT() {
				res.ObjectsCompareDetailInfos = append(res.ObjectsCompareDetailInfos, ObjectDetail{SourceDBValue: sp(t.SrcTable),
					TargetDBValue: sp(t.DstTable), SourceDBName: sp(t.SrcDB), TargetDBName: sp(t.DstDB)})
			}
		case "INDEX": // indexes are created by STRUCT_TRANSFER / INDEX_TRANSFER, not compared
		default:
			return nil, invalid("object_type must be DB, TABLE or INDEX")
		}
	case "line_compare/overview":
		res.LineCompareOverviewInfos = []LineOverview{}
		for _, db := range dbs {
			res.LineCompareOverviewInfos = append(res.LineCompareOverviewInfos, LineOverview{SourceDBName: sp(db.src), TargetDBName: sp(db.dst), Status: sp(db.status)})
		}
	case "line_compare/detail":
		res.LineCompareDetailInfos = []LineDetail{}
		for _, t := range pageT() {
			diff := abs(t.SrcRows - t.DstRows)
			res.LineCompareDetailInfos = append(res.LineCompareDetailInfos, LineDetail{SourceTableName: sp(t.SrcTable),
				SourceRowNum: i64s(t.SrcRows), TargetTableName: sp(t.DstTable), TargetRowNum: i64s(t.DstRows),
				DifferenceRowNum: i64s(diff), Status: sp(t.lineStatus(vs)), Message: sp(t.Message)})
		}
	case "content_compare/overview":
		res.ContentCompareOverviewInfos = []ContentOverview{}
		for _, db := range dbs {
			res.ContentCompareOverviewInfos = append(res.ContentCompareOverviewInfos, ContentOverview{SourceDB: sp(db.src), TargetDB: sp(db.dst),
				Status: sp(db.status), CompareResult: bp(db.status == "CONSISTENT")})
		}
	case "content_compare/detail":
		res.ContentCompareDetailInfos = []ContentDetail{}
		for _, t := range pageT() {
			src, dst, diff := t.SrcRows, t.DstRows, abs(t.SrcRows-t.DstRows)
			res.ContentCompareDetailInfos = append(res.ContentCompareDetailInfos, ContentDetail{SourceDB: sp(t.SrcDB), TargetDB: sp(t.DstDB),
				SourceTableName: sp(t.SrcTable), TargetTableName: sp(t.DstTable), SourceRowNum: &src, TargetRowNum: &dst, DifferenceRowNum: &diff,
				LineCompareResult: bp(t.lineStatus(vs) == "CONSISTENT"), ContentCompareResult: bp(t.Result == "CONSISTENT"), Message: sp(t.Message)})
		}
	case "content_compare/diff":
		var mism int64
		for _, t := range tables {
			mism += int64(t.MismatchChunks)
		}
		zero := int64(0)
		res.ContentDiffDetailInfo = &ContentDiff{Count: &mism, TargetMetaIsNull: &zero, SourceMetaIsNull: &zero,
			SourceTargetMetaNotNull: &mism, ContentsInfos: []ContentDiffRow{}}
	default:
		if ct == "" || qt == "" {
			return nil, invalid("type=compare needs compare_type and query_type")
		}
		return nil, errs.New(errs.KindInvalid, CodeInvalid, "compare_type "+strconvQuote(ct)+" with query_type "+strconvQuote(qt)+
			" is not a comparison query", "Use data_compare/list, object_compare/overview|detail, line_compare/overview|detail or content_compare/overview|detail|diff.")
	}
	return res, nil
}

func consistentIf(ok bool) string {
	if ok {
		return "CONSISTENT"
	}
	return "INCONSISTENT"
}

type dbPair struct{ src, dst, status string }

// databasesOf groups tables by database pair with the worst status.
func databasesOf(ts []verifyTable, vs *verifyState) []dbPair {
	var out []dbPair
	idx := map[string]int{}
	for _, t := range ts {
		st := resultStatus(t.Result, vs)
		i, ok := idx[t.SrcDB]
		if !ok {
			idx[t.SrcDB] = len(out)
			out = append(out, dbPair{src: t.SrcDB, dst: t.DstDB, status: st})
			continue
		}
		if out[i].status == "CONSISTENT" && st != "CONSISTENT" {
			out[i].status = st
		}
	}
	return out
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
