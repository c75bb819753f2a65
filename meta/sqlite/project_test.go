package sqlite

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
)

// fullProject sets every field of a project, with a non-UTC zone on its timestamps.
func fullProject() *model.Project {
	zone := time.FixedZone("X", -5*3600)
	start := t0.Add(time.Hour).In(zone)
	finish := t0.Add(2*time.Hour + 123*time.Nanosecond).In(zone)
	rps, iops, startTS := int64(5000), int64(1<<20), int64(1700000000)
	p := &model.Project{
		ID: "np_full", Name: "Full Project", Type: model.ProjectSync,
		Labels: []model.Label{{ID: "l_a", Name: "A"}, {ID: "l_b", Name: "B"}},
		Owner:  "alice", Importance: "HIGH", Status: model.StatusRunning,
		GmtCreate: t0.In(zone), GmtModified: t0.Add(time.Minute).In(zone), GmtStart: &start, GmtFinish: &finish,
		SourceEndpointID: "e_src", SinkEndpointID: "e_dst",
		TransferMapping: model.TransferMapping{
			Mode: "SPECIFIC",
			Databases: []model.DbObject{{ID: "d1", Name: "app", MappedName: "app2",
				Tables: []model.TableObject{{ID: "t1", Name: "orders", MappedName: "orders_v2",
					WhereClause: "id > 10 AND note = 'it''s'", FilterColumns: []string{"id", "note"}, ShardColumns: []string{"id"}}},
				Views: []model.TableObject{{Name: "v_orders"}}}},
			DatabasesBlack:        []model.DbObject{{Name: "mysql"}},
			TableAndViewWhiteList: []string{"app.*"},
			TableAndViewBlackList: []string{"app.tmp_*"},
		},
		CommonTransferConfig: model.CommonTransferConfig{TableCategory: "ALL", ActiveActive: true},
		EnableStructTransfer: true, EnableFullTransfer: true, EnableFullVerify: true,
		EnableIncrTransfer: true, EnableIncrVerify: true, EnableReverseIncrTransfer: true,
		StructTransferConfig: model.StructTransferConfig{ByteCharConvertStrategy: "DO_NOTHING", DeferIndexCreation: true},
		FullTransferConfig: model.FullTransferConfig{NonePkUkTruncateDstTable: true, AllowDestTableNotEmpty: true,
			FullTransferSpeedMode: "FAST", FullVerifySpeedMode: "STEADY", WriteWorkerNum: 8, ReadWorkerNum: 6,
			ThrottleRps: &rps, ThrottleIOPS: &iops},
		IncrTransferConfig: model.IncrTransferConfig{StartTimestamp: &startTS, RecordTypeWhiteList: []string{"INSERT"},
			StoreLogKeptHour: 24, EnableSequencingWithinTxn: true, IncrSyncConcurrency: 32,
			EnableIncrSyncStatistics: true, ThrottleRps: &rps, SupportDDLTypes: []string{"CREATE_TABLE"}},
		Desired: model.StatusSuspend,
	}
	p.ApplyDefaults()
	return p
}

// inUTC is what the store should return for p: the same project with UTC timestamps.
func inUTC(p *model.Project) model.Project {
	w := *p
	w.GmtCreate, w.GmtModified = w.GmtCreate.UTC(), w.GmtModified.UTC()
	w.GmtStart, w.GmtFinish = utcp(w.GmtStart), utcp(w.GmtFinish)
	return w
}

func TestProjectRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
	p := fullProject()
	mustCreateProject(t, s, p)
	want := inUTC(p)

	got, err := s.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Fatalf("GetProject differs:\n got %s desired=%s\nwant %s desired=%s", gj, got.Desired, wj, want.Desired)
	}
	if got.GmtStart.Location() != time.UTC || got.GmtFinish.Nanosecond() != want.GmtFinish.Nanosecond() {
		t.Fatalf("timestamps not UTC with sub-second precision: %v %v", got.GmtStart, got.GmtFinish)
	}

	// Golden-ish: the stored document is the OMS JSON shape and decodes back equal.
	db := rawDB(t, path)
	var doc, desired, status string
	if err := db.QueryRow(`SELECT doc, desired, status FROM projects WHERE id = ?`, p.ID).Scan(&doc, &desired, &status); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	if m["gmtCreate"] != "2025-03-14T15:09:26.535897932Z" || m["sourceEndpointId"] != "e_src" || m["status"] != "RUNNING" {
		t.Fatalf("stored document fields: gmtCreate=%v sourceEndpointId=%v status=%v", m["gmtCreate"], m["sourceEndpointId"], m["status"])
	}
	if _, ok := m["Desired"]; ok {
		t.Fatal("Desired leaked into the JSON document")
	}
	var decoded model.Project
	if err := json.Unmarshal([]byte(doc), &decoded); err != nil {
		t.Fatal(err)
	}
	decoded.Desired = model.ProjectStatus(desired)
	if !reflect.DeepEqual(decoded, want) || status != "RUNNING" || desired != "SUSPEND" {
		t.Fatalf("stored document does not decode back equal (status %s desired %s)", status, desired)
	}

	wantCode(t, s.CreateProject(ctx, fullProject(), nil), errs.CodeProjectDuplicate, errs.KindConflict)
	_, err = s.GetProject(ctx, "np_nope")
	wantCode(t, err, errs.CodeProjectNotFound, errs.KindNotFound)
	_, err = s.ModifyProject(ctx, "np_nope", func(*model.Project) error { return nil })
	wantCode(t, err, errs.CodeProjectNotFound, errs.KindNotFound)
}

func TestUpdateProject(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	p := fullProject()
	mustCreateProject(t, s, p)
	p.Status, p.Desired = model.StatusFailed, model.StatusRunning
	p.Labels = []model.Label{{ID: "l_c", Name: "C"}}
	p.GmtModified = t0.Add(time.Hour)
	p.FullTransferConfig.ReadWorkerNum = 1
	if _, err := s.ModifyProject(ctx, p.ID, func(cur *model.Project) error { *cur = *p; return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := inUTC(p); !reflect.DeepEqual(*got, want) {
		t.Fatalf("after update got %+v\nwant %+v", *got, want)
	}
	for labels, n := range map[string]int64{"l_a": 0, "l_c": 1} {
		_, total, err := s.ListProjects(ctx, meta.ProjectFilter{LabelIDs: []string{labels}})
		if err != nil || total != n {
			t.Fatalf("label %s: total %d err %v, want %d", labels, total, err, n)
		}
	}
	_, total, _ := s.ListProjects(ctx, meta.ProjectFilter{Statuses: []string{"FAILED"}})
	if total != 1 {
		t.Fatalf("status column not updated")
	}
}

func TestDeleteProject(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
	keep := minimalProject("np_keep", t0)
	gone := minimalProject("np_gone", t0)
	for _, p := range []*model.Project{keep, gone} {
		mustCreateProject(t, s, p, model.Step{Order: 1, Name: model.StepPrecheck}, model.Step{Order: 2, Name: model.StepFull})
		if err := s.SaveChunks(ctx, p.ID, model.StepFull, "app.t", []meta.ChunkState{{Seq: 0}, {Seq: 1}}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutTable(ctx, &meta.TableState{ProjectID: p.ID, Step: model.StepFull, Table: "app.t", Status: "RUNNING"}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutState(ctx, p.ID, "ckpt", []byte("x")); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendLog(ctx, meta.LogEntry{ProjectID: p.ID, Message: "hello"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteProject(ctx, "np_gone"); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetProject(ctx, "np_gone")
	wantCode(t, err, errs.CodeProjectNotFound, errs.KindNotFound)
	_, err = s.ListSteps(ctx, "np_gone")
	wantCode(t, err, errs.CodeProjectNotFound, errs.KindNotFound)
	wantCode(t, s.DeleteProject(ctx, "np_gone"), errs.CodeProjectNotFound, errs.KindNotFound)
	_, err = s.ModifyProject(ctx, gone.ID, func(*model.Project) error { return nil })
	wantCode(t, err, errs.CodeProjectNotFound, errs.KindNotFound)
	wantCode(t, s.PutState(ctx, "np_gone", "k", nil), errs.CodeProjectNotFound, errs.KindNotFound)
	wantCode(t, s.SaveChunks(ctx, "np_gone", model.StepFull, "app.t", nil), errs.CodeProjectNotFound, errs.KindNotFound)
	if _, n, _ := s.ListProjects(ctx, meta.ProjectFilter{}); n != 1 {
		t.Fatalf("ListProjects total %d after delete, want 1", n)
	}
	if _, n, _ := s.ListProjects(ctx, meta.ProjectFilter{Statuses: []string{"DELETED"}}); n != 0 {
		t.Fatal("DELETED project listed")
	}

	db := rawDB(t, path)
	if st := count(t, db, `SELECT COUNT(*) FROM projects WHERE id = 'np_gone' AND status = 'DELETED' AND json_extract(doc, '$.status') = 'DELETED'`); st != 1 {
		t.Fatal("deleted project row not marked DELETED")
	}
	for _, tbl := range []string{"steps", "chunks", "tables_state", "state", "logs"} {
		if n := count(t, db, "SELECT COUNT(*) FROM "+tbl+" WHERE project_id = 'np_gone'"); n != 0 {
			t.Errorf("%s still holds %d rows of the deleted project", tbl, n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM "+tbl+" WHERE project_id = 'np_keep'"); n == 0 {
			t.Errorf("%s lost the rows of the other project", tbl)
		}
	}
}

func TestListProjectsFilters(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	specs := []struct {
		id, name string
		typ      model.ProjectType
		status   model.ProjectStatus
		labels   []string
	}{
		{"np_a1", "Orders migration", model.ProjectMigration, model.StatusRunning, []string{"l_x"}},
		{"np_b2", "users sync", model.ProjectSync, model.StatusInit, []string{"l_y"}},
		{"np_c3", "ORDERS archive", model.ProjectMigration, model.StatusFinished, []string{"l_x", "l_y"}},
		{"np_d4", "billing", model.ProjectMigration, model.StatusFailed, nil},
		{"np_e5", "orders deleted", model.ProjectMigration, model.StatusInit, []string{"l_x"}},
	}
	for i, sp := range specs {
		p := minimalProject(sp.id, t0.Add(time.Duration(i)*time.Second))
		p.Name, p.Type, p.Status = sp.name, sp.typ, sp.status
		p.GmtModified = t0.Add(time.Duration(10-i) * time.Hour)
		for _, l := range sp.labels {
			p.Labels = append(p.Labels, model.Label{ID: l, Name: l})
		}
		mustCreateProject(t, s, p)
	}
	if err := s.DeleteProject(ctx, "np_e5"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		f     meta.ProjectFilter
		want  []string
		total int64
	}{
		{"all newest first", meta.ProjectFilter{}, []string{"np_d4", "np_c3", "np_b2", "np_a1"}, 4},
		{"asc", meta.ProjectFilter{Asc: true}, []string{"np_a1", "np_b2", "np_c3", "np_d4"}, 4},
		{"modified desc", meta.ProjectFilter{SortField: "gmtModified"}, []string{"np_a1", "np_b2", "np_c3", "np_d4"}, 4},
		{"search name ci", meta.ProjectFilter{SearchKey: "orders"}, []string{"np_c3", "np_a1"}, 2},
		{"search id", meta.ProjectFilter{SearchKey: "NP_B"}, []string{"np_b2"}, 1},
		{"type", meta.ProjectFilter{Type: "SYNC"}, []string{"np_b2"}, 1},
		{"statuses", meta.ProjectFilter{Statuses: []string{"RUNNING", "FAILED", "DELETED"}}, []string{"np_d4", "np_a1"}, 2},
		{"label any", meta.ProjectFilter{LabelIDs: []string{"l_y", "l_z"}}, []string{"np_c3", "np_b2"}, 2},
		{"labels no dup rows", meta.ProjectFilter{LabelIDs: []string{"l_x", "l_y"}}, []string{"np_c3", "np_b2", "np_a1"}, 3},
		{"label + search", meta.ProjectFilter{LabelIDs: []string{"l_x"}, SearchKey: "archive"}, []string{"np_c3"}, 1},
		{"page 2 of 3", meta.ProjectFilter{Page: 2, Size: 3}, []string{"np_a1"}, 4},
		{"filtered page", meta.ProjectFilter{Type: "MIGRATION", Page: 1, Size: 2, Asc: true}, []string{"np_a1", "np_c3"}, 3},
	}
	for _, c := range cases {
		got, total, err := s.ListProjects(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		ids := []string{}
		for _, p := range got {
			ids = append(ids, p.ID)
		}
		if !reflect.DeepEqual(ids, c.want) || total != c.total {
			t.Errorf("%s: got %v total %d, want %v total %d", c.name, ids, total, c.want, c.total)
		}
	}
	_, _, err := s.ListProjects(ctx, meta.ProjectFilter{SortField: "1; DROP TABLE projects"})
	wantCode(t, err, errs.CodeParam, errs.KindInvalid)
}

func TestSteps(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	p := minimalProject("np_steps", t0)
	mustCreateProject(t, s, p,
		model.Step{Order: 3, Name: model.StepFull},
		model.Step{Order: 1, Name: model.StepPrecheck},
		model.Step{Order: 2, Name: model.StepStruct, Status: model.StepFinished, Progress: 100})
	steps, err := s.ListSteps(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Step{
		{ProjectID: p.ID, Order: 1, Name: model.StepPrecheck, Status: model.StepInit},
		{ProjectID: p.ID, Order: 2, Name: model.StepStruct, Status: model.StepFinished, Progress: 100},
		{ProjectID: p.ID, Order: 3, Name: model.StepFull, Status: model.StepInit},
	}
	if !reflect.DeepEqual(steps, want) {
		t.Fatalf("ListSteps = %+v\nwant %+v", steps, want)
	}

	start, finish := t0.Add(time.Millisecond).In(time.FixedZone("Y", 3600)), t0.Add(time.Second)
	upd := model.Step{ProjectID: p.ID, Order: 3, Name: model.StepFull, Status: model.StepFailed, Progress: 42,
		StartTime: &start, FinishTime: &finish,
		Error: &model.StepError{Code: "GODWIT-FULL-0002", Message: "write failed", Advice: "retry",
			Params: map[string]string{"table": "app.t"}, FailedTime: t0.In(time.FixedZone("Z", -3600))},
		Info: model.StepInfo{ProcessedRecords: model.Int64(1234), Capacity: model.Int64(5000), SrcRps: model.Int64(99),
			VerifyResult: "INCONSISTENT", Message: "m"}}
	if err := s.UpdateStep(ctx, &upd); err != nil {
		t.Fatal(err)
	}
	steps, err = s.ListSteps(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantStep := upd
	wantStep.StartTime, wantStep.FinishTime = utcp(&start), utcp(&finish)
	e := *upd.Error
	e.FailedTime = e.FailedTime.UTC()
	wantStep.Error = &e
	if !reflect.DeepEqual(steps[2], wantStep) {
		t.Fatalf("updated step = %+v\nwant %+v", steps[2], wantStep)
	}
	// Clearing the error and times.
	upd.Error, upd.StartTime, upd.FinishTime, upd.Status = nil, nil, nil, model.StepRunning
	if err := s.UpdateStep(ctx, &upd); err != nil {
		t.Fatal(err)
	}
	steps, _ = s.ListSteps(ctx, p.ID)
	if steps[2].Error != nil || steps[2].StartTime != nil || steps[2].Status != model.StepRunning {
		t.Fatalf("step not cleared: %+v", steps[2])
	}

	err = s.UpdateStep(ctx, &model.Step{ProjectID: p.ID, Name: model.StepReverseIncr})
	wantCode(t, err, errs.CodeStepNotSupported, errs.KindNotFound)
	err = s.UpdateStep(ctx, &model.Step{ProjectID: "np_nope", Name: model.StepFull})
	wantCode(t, err, errs.CodeProjectNotFound, errs.KindNotFound)
	_, err = s.ListSteps(ctx, "np_nope")
	wantCode(t, err, errs.CodeProjectNotFound, errs.KindNotFound)

	// A project without steps lists none, without error.
	mustCreateProject(t, s, minimalProject("np_nosteps", t0))
	if l, err := s.ListSteps(ctx, "np_nosteps"); err != nil || len(l) != 0 {
		t.Fatalf("ListSteps(no steps) = %v, %v", l, err)
	}
	// Duplicate step names roll the whole creation back.
	err = s.CreateProject(ctx, minimalProject("np_dupstep", t0), []model.Step{{Name: model.StepFull}, {Name: model.StepFull}})
	wantCode(t, err, errs.CodeParam, errs.KindInvalid)
	_, err = s.GetProject(ctx, "np_dupstep")
	wantCode(t, err, errs.CodeProjectNotFound, errs.KindNotFound)
}

// TestModifyProjectIsAtomic: concurrent read-modify-writes of one project never lose an update,
// and an error from fn writes nothing.
func TestModifyProjectIsAtomic(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	p := minimalProject("np_cas", t0)
	mustCreateProject(t, s, p)
	const n = 40
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := s.ModifyProject(ctx, p.ID, func(cur *model.Project) error {
				if i%2 == 0 {
					cur.FullTransferConfig.ReadWorkerNum++
				} else {
					cur.FullTransferConfig.WriteWorkerNum++
				}
				return nil
			}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	got, err := s.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r, w := got.FullTransferConfig.ReadWorkerNum-p.FullTransferConfig.ReadWorkerNum,
		got.FullTransferConfig.WriteWorkerNum-p.FullTransferConfig.WriteWorkerNum; r != n/2 || w != n/2 {
		t.Fatalf("after %d concurrent increments: +%d reads +%d writes, want +%d each", n, r, w, n/2)
	}
	boom := errs.Invalid("refused")
	_, err = s.ModifyProject(ctx, p.ID, func(cur *model.Project) error {
		cur.Status = model.StatusFailed
		return boom
	})
	if err != boom {
		t.Fatalf("fn error: got %v, want it returned as is", err)
	}
	if got, _ := s.GetProject(ctx, p.ID); got.Status != p.Status {
		t.Fatalf("aborted modify wrote status %s", got.Status)
	}
	if _, err := s.ModifyProject(ctx, p.ID, func(cur *model.Project) error { cur.ID = "np_other"; return nil }); err == nil {
		t.Fatal("changing the id was accepted")
	}
}
