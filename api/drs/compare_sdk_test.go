package drs_test

import (
	"testing"

	hdrs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v5"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v5/model"
)

func compareReq(id string, ct model.ShowJobDetailRequestCompareType, qt model.ShowJobDetailRequestQueryType) *model.ShowJobDetailRequest {
	return &model.ShowJobDetailRequest{JobId: id, Type: model.GetShowJobDetailRequestTypeEnum().COMPARE, CompareType: &ct, QueryType: &qt}
}

func compareList(t *testing.T, c *hdrs.DrsClient, id string) []model.CompareJobInfo {
	t.Helper()
	r, err := c.ShowJobDetail(compareReq(id, model.GetShowJobDetailRequestCompareTypeEnum().DATA_COMPARE, model.GetShowJobDetailRequestQueryTypeEnum().LIST))
	if err != nil || r.Job.CompareResult == nil || r.Job.CompareResult.DataCompareTaskList == nil {
		t.Fatalf("data_compare/list: %+v %v", r, err)
	}
	return *r.Job.CompareResult.DataCompareTaskList
}

// checkCompare queries every compare_type × query_type pair of a finished FULL_TRANS job over
// database db (tables orders: 1500 rows, items: 2 rows) and checks each answer.
func checkCompare(t *testing.T, c *hdrs.DrsClient, id, db string) {
	t.Helper()
	ct, qt := model.GetShowJobDetailRequestCompareTypeEnum(), model.GetShowJobDetailRequestQueryTypeEnum()
	tasks := compareList(t, c, id)
	if len(tasks) != 1 || tasks[0].Status.Value() != "SUCCESSFUL" || *tasks[0].Id == "" {
		t.Fatalf("data_compare/list = %+v", tasks)
	}
	task := *tasks[0].Id
	get := func(cty model.ShowJobDetailRequestCompareType, qty model.ShowJobDetailRequestQueryType, mod func(*model.ShowJobDetailRequest)) *model.CompareResultInfo {
		t.Helper()
		req := compareReq(id, cty, qty)
		req.CompareTaskId = &task
		if mod != nil {
			mod(req)
		}
		r, err := c.ShowJobDetail(req)
		if err != nil || r.Job.CompareResult == nil {
			t.Fatalf("%s/%s: %+v %v", cty.Value(), qty.Value(), r, err)
		}
		return r.Job.CompareResult
	}
	ov := get(ct.OBJECT_COMPARE, qt.OVERVIEW, nil).ObjectsCompareOverviewInfo
	if ov == nil || ov.Status.Value() != "SUCCESSFUL" || len(*ov.CompareResults) != 2 || *(*ov.CompareResults)[1].SourceCount != 2 {
		t.Fatalf("object_compare/overview = %+v", ov)
	}
	for _, ot := range []model.ShowJobDetailRequestObjectType{model.GetShowJobDetailRequestObjectTypeEnum().DB, model.GetShowJobDetailRequestObjectTypeEnum().TABLE} {
		det := get(ct.OBJECT_COMPARE, qt.DETAIL, func(r *model.ShowJobDetailRequest) { r.ObjectType = &ot }).ObjectsCompareDetailInfos
		want := map[string]int{"DB": 1, "TABLE": 2}[ot.Value()]
		if det == nil || len(*det) != want || *(*det)[0].SourceDbName != db {
			t.Fatalf("object_compare/detail %s = %+v", ot.Value(), det)
		}
	}
	lo := get(ct.LINE_COMPARE, qt.OVERVIEW, nil).LineCompareOverviewInfos
	if lo == nil || len(*lo) != 1 || (*lo)[0].Status.Value() != "CONSISTENT" || *(*lo)[0].SourceDbName != db {
		t.Fatalf("line_compare/overview = %+v", lo)
	}
	ld := get(ct.LINE_COMPARE, qt.DETAIL, func(r *model.ShowJobDetailRequest) { r.SourceDbName, r.TargetDbName = &db, &db }).LineCompareDetailInfos
	if ld == nil || len(*ld) != 2 {
		t.Fatalf("line_compare/detail = %+v", ld)
	}
	for _, l := range *ld {
		want := map[string]string{"items": "2", "orders": "1500"}[*l.SourceTableName]
		if *l.SourceRowNum != want || *l.TargetRowNum != want || *l.DifferenceRowNum != "0" || l.Status.Value() != "CONSISTENT" {
			t.Fatalf("line_compare/detail row = %+v", l)
		}
	}
	co := get(ct.CONTENT_COMPARE, qt.OVERVIEW, nil).ContentCompareOverviewInfos
	if co == nil || len(*co) != 1 || !*(*co)[0].CompareResult {
		t.Fatalf("content_compare/overview = %+v", co)
	}
	cd := get(ct.CONTENT_COMPARE, qt.DETAIL, nil).ContentCompareDetailInfos
	if cd == nil || len(*cd) != 2 || *(*cd)[1].SourceRowNum != 1500 || !*(*cd)[1].ContentCompareResult || *(*cd)[1].DifferenceRowNum != 0 {
		t.Fatalf("content_compare/detail = %+v", cd)
	}
	diff := get(ct.CONTENT_COMPARE, qt.DIFF, nil).ContentDiffDetailInfo
	if diff == nil || *diff.Count != 0 || diff.ContentsInfos == nil {
		t.Fatalf("content_compare/diff = %+v", diff)
	}
	// A pairing that is not a comparison query is a DRS parameter error.
	if _, err := c.ShowJobDetail(compareReq(id, ct.DATA_COMPARE, qt.DIFF)); err == nil {
		t.Fatal("data_compare/diff answered")
	}
}
