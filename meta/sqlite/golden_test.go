package sqlite

// Golden files for what the metadata store persists: the project document, step rows and the
// migrated schema. An upgrade must keep reading what an older godwit wrote, so each test both
// decodes the golden bytes with today's code (and compares with a Go literal field by field)
// and encodes the literal with today's code (and compares with the golden bytes).
//
// When a format change is intended, regenerate the files and review the diff:
//
//	go test ./meta/sqlite -run Golden -update
//
// A change to an existing field's encoding also needs an upgrade path for stored rows.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ from the current encoders")

// checkGolden compares got with testdata/name, or rewrites the file under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the persisted encoding of %s changed: stored rows written by older versions may no longer "+
			"read back the same. If intended, add an upgrade path and rerun with -update.\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func indentJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

func compactJSON(t *testing.T, b []byte) string {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

var (
	gStart  = time.Date(2025, 3, 14, 16, 9, 26, 535897932, time.UTC)
	gFinish = time.Date(2025, 3, 14, 17, 9, 26, 0, time.UTC)
)

// goldenProject is a project with every field set, as GetProject returns it (UTC times).
// Every slice and pointer is non-nil so that a dropped or renamed JSON field is noticed.
func goldenProject() model.Project {
	i64 := func(v int64) *int64 { return &v }
	start, finish := gStart, gFinish
	return model.Project{
		ID: "np_golden", Name: "Golden \"project\" ✓", Type: model.ProjectSync,
		Labels: []model.Label{{ID: "l_a", Name: "A"}, {ID: "l_b", Name: "B"}},
		Owner:  "alice", Importance: "HIGH", Status: model.StatusRunning,
		GmtCreate:   time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC),
		GmtModified: time.Date(2025, 3, 14, 15, 10, 0, 1, time.UTC),
		GmtStart:    &start, GmtFinish: &finish,
		SourceEndpointID: "e_src", SinkEndpointID: "e_dst",
		TransferMapping: model.TransferMapping{
			Mode: "SPECIFIC",
			Databases: []model.DbObject{{ID: "d1", Name: "app", MappedName: "app2",
				Tables: []model.TableObject{
					{ID: "t1", Name: "orders", MappedName: "orders_v2", WhereClause: "id > 10 AND note = 'it''s'",
						FilterColumns: []string{"id", "note", "total"}, ShardColumns: []string{"id"}},
					{Name: "users", MappedName: "", WhereClause: "", FilterColumns: []string{}, ShardColumns: []string{}},
				},
				Views: []model.TableObject{{ID: "v1", Name: "v_orders", MappedName: "v_orders2",
					FilterColumns: []string{}, ShardColumns: []string{}}}}},
			DatabasesBlack: []model.DbObject{{Name: "mysql", MappedName: "", Tables: []model.TableObject{},
				Views: []model.TableObject{}}},
			TableAndViewWhiteList: []string{"app.*"},
			TableAndViewBlackList: []string{"app.tmp_*"},
		},
		CommonTransferConfig: model.CommonTransferConfig{TableCategory: "WITH_UNIQUE_ROW_ID", ActiveActive: true},
		EnableStructTransfer: true, EnableFullTransfer: true, EnableFullVerify: true,
		EnableIncrTransfer: true, EnableIncrVerify: true, EnableReverseIncrTransfer: true,
		StructTransferConfig: model.StructTransferConfig{ByteCharConvertStrategy: "DO_NOTHING", DeferIndexCreation: true},
		FullTransferConfig: model.FullTransferConfig{NonePkUkTruncateDstTable: true, AllowDestTableNotEmpty: true,
			FullTransferSpeedMode: "FAST", FullVerifySpeedMode: "STEADY", WriteWorkerNum: 8, ReadWorkerNum: 6,
			ThrottleRps: i64(5000), ThrottleIOPS: i64(1 << 20), ChunkRows: 2500,
			SpeedLimit: []model.SpeedLimitWindow{{Begin: "01:00", End: "05:59", Speed: 2.5}, {Begin: "22:00", End: "00:30", Speed: 10}}},
		IncrTransferConfig: model.IncrTransferConfig{StartTimestamp: i64(1700000000), RecordTypeWhiteList: []string{"INSERT", "DELETE"},
			StoreLogKeptHour: 24, EnableSequencingWithinTxn: true, IncrSyncConcurrency: 32,
			EnableIncrSyncStatistics: true, ThrottleRps: i64(700), ThrottleIOPS: i64(9000),
			SupportDDLTypes: []string{"CREATE_TABLE", "ADD_COLUMN"}, CheckpointSchema: "godwit_ckpt",
			ConflictPolicy: "ignore", DDLPolicy: "stop", StoreFsync: "always"},
		ReverseIncrTransferConfig: model.IncrTransferConfig{StartTimestamp: i64(1700000600), RecordTypeWhiteList: []string{"UPDATE"},
			StoreLogKeptHour: 48, EnableSequencingWithinTxn: false, IncrSyncConcurrency: 4,
			EnableIncrSyncStatistics: false, ThrottleRps: i64(1), ThrottleIOPS: i64(2),
			SupportDDLTypes: []string{}, CheckpointSchema: "godwit_rev",
			ConflictPolicy: "stop", DDLPolicy: "skip", StoreFsync: "never"},
		Desired: model.StatusSuspend,
	}
}

// insertRawProject writes a projects row holding doc, as an older godwit would have.
func insertRawProject(t *testing.T, db *sql.DB, id, status, desired, doc string) {
	t.Helper()
	if _, err := db.Exec(`INSERT INTO projects (id, name, type, status, desired, source_id, sink_id, gmt_create,
		gmt_modified, doc) VALUES (?, 'n', 'SYNC', ?, ?, 'e_src', 'e_dst', 1, 1, ?)`, id, status, desired, doc); err != nil {
		t.Fatal(err)
	}
}

func diffProject(t *testing.T, got, want model.Project) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("field %s: got %#v, want %#v", gv.Type().Field(i).Name, gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
	t.FailNow()
}

// TestGoldenProjectDocument: writing the fully populated literal stores exactly the document in
// testdata/project_v2.json (v2: with switchoverConfig), and both that document and the one an
// older version wrote (testdata/project_v1.json, without it) read back as the literal.
func TestGoldenProjectDocument(t *testing.T) {
	ctx := context.Background()
	want := goldenProject()

	// Encode: the store writes the literal as the golden document.
	s, path := newStore(t)
	p := want
	mustCreateProject(t, s, &p)
	var doc, desired string
	if err := rawDB(t, path).QueryRow(`SELECT doc, desired FROM projects WHERE id = ?`, want.ID).Scan(&doc, &desired); err != nil {
		t.Fatal(err)
	}
	if desired != string(model.StatusSuspend) {
		t.Fatalf("desired column = %q", desired)
	}
	checkGolden(t, "project_v2.json", indentJSON(t, []byte(doc)))
	if doc != compactJSON(t, readGolden(t, "project_v2.json")) {
		t.Fatalf("stored document is not the compact form of the golden file:\n%s", doc)
	}

	// Decode: a row holding a golden document (written with raw SQL) reads back field by field.
	for _, file := range []string{"project_v2.json", "project_v1.json"} {
		s2, path2 := newStore(t)
		insertRawProject(t, rawDB(t, path2), want.ID, "RUNNING", "SUSPEND", compactJSON(t, readGolden(t, file)))
		got, err := s2.GetProject(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		diffProject(t, *got, want)
	}
}

// goldenSteps are step rows covering every StepInfo and StepError field, a step without an
// error or times, and one with an empty info.
func goldenSteps() []model.Step {
	i64 := func(v int64) *int64 { return &v }
	yes := true
	start, finish, failed := gStart, gFinish, time.Date(2025, 3, 14, 17, 0, 0, 42, time.UTC)
	return []model.Step{
		{ProjectID: "np_golden", Order: 1, Name: model.StepPrecheck, Status: model.StepFinished, Progress: 100,
			StartTime: &start, FinishTime: &finish},
		{ProjectID: "np_golden", Order: 2, Name: model.StepFull, Status: model.StepFailed, Progress: 37,
			StartTime: &start, FinishTime: &finish,
			Error: &model.StepError{Code: "GODWIT-COPY-0001", Message: "copy of app.orders failed: \"dup\"",
				Advice: "Check the target.", Params: map[string]string{"table": "app.orders", "chunk": "7"}, FailedTime: failed},
			Info: model.StepInfo{ProcessedRecords: i64(1234), Capacity: i64(5000), SrcRps: i64(10), SrcRt: i64(2),
				SrcIops: i64(300), DstRps: i64(11), DstRt: i64(3), DstIops: i64(400),
				IncrTimestampCheckpoint: i64(1700000001), CheckpointSampleTimestamp: i64(1700000002),
				EnableIncrStatistics: &yes, VerifyResult: "INCONSISTENT", Message: "2 tables differ",
				RemainingSeconds: i64(99), ProcessedBytes: i64(1 << 33)}},
		{ProjectID: "np_golden", Order: 3, Name: model.StepIncr, Status: model.StepInit},
	}
}

// stepRow is a steps row as stored (the error and info columns hold JSON text).
type stepRow struct {
	Name       string  `json:"name"`
	Ord        int     `json:"ord"`
	Status     string  `json:"status"`
	Progress   int     `json:"progress"`
	StartTime  *int64  `json:"start_time"`
	FinishTime *int64  `json:"finish_time"`
	Error      *string `json:"error"`
	Info       string  `json:"info"`
}

// TestGoldenStepRows: step rows in testdata/steps_v1.json (as stored, error and info being
// JSON text) read back as the literal steps, and the store writes the literal as those rows.
func TestGoldenStepRows(t *testing.T) {
	ctx := context.Background()
	want := goldenSteps()

	s, path := newStore(t)
	p := goldenProject()
	mustCreateProject(t, s, &p, want...)
	rows, err := rawDB(t, path).Query(`SELECT name, ord, status, progress, start_time, finish_time, error, info
		FROM steps WHERE project_id = ? ORDER BY ord`, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var stored []stepRow
	for rows.Next() {
		var r stepRow
		if err := rows.Scan(&r.Name, &r.Ord, &r.Status, &r.Progress, &r.StartTime, &r.FinishTime, &r.Error, &r.Info); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	b, err := json.MarshalIndent(stored, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "steps_v1.json", append(b, '\n'))

	var golden []stepRow
	if err := json.Unmarshal(readGolden(t, "steps_v1.json"), &golden); err != nil {
		t.Fatal(err)
	}
	s2, path2 := newStore(t)
	db := rawDB(t, path2)
	insertRawProject(t, db, p.ID, "RUNNING", "RUNNING", compactJSON(t, readGolden(t, "project_v1.json")))
	for _, r := range golden {
		if _, err := db.Exec(`INSERT INTO steps (project_id, name, ord, status, progress, start_time, finish_time, error, info)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, r.Name, r.Ord, r.Status, r.Progress, r.StartTime, r.FinishTime, r.Error, r.Info); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s2.ListSteps(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		for i := range max(len(got), len(want)) {
			if i >= len(got) || i >= len(want) || !reflect.DeepEqual(got[i], want[i]) {
				gj, _ := json.Marshal(got)
				t.Fatalf("step rows read back differently (first difference at %d):\n got %+v\nwant %+v\n%s", i, got, want, gj)
			}
		}
	}
}

// TestGoldenSchema pins the migrated schema (testdata/schema.sql): a migration that changes
// an existing table, index or trigger shows up here and must come with a reviewed -update.
func TestGoldenSchema(t *testing.T) {
	_, path := newStore(t)
	rows, err := rawDB(t, path).Query(`SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master
		WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE 'goose_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var versions string
	if err := rawDB(t, path).QueryRow(`SELECT group_concat(version_id, ',') FROM (SELECT version_id FROM goose_db_version
		WHERE is_applied AND version_id > 0 ORDER BY version_id)`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("-- migrations applied: " + versions + "\n\n")
	for rows.Next() {
		var typ, name, tbl, stmt string
		if err := rows.Scan(&typ, &name, &tbl, &stmt); err != nil {
			t.Fatal(err)
		}
		b.WriteString("-- " + typ + " " + name + " on " + tbl + "\n" + stmt + ";\n\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "schema.sql", []byte(b.String()))
}

// TestOpenPreviousSchemaVersion builds a database at the schema version before the newest
// migration (goose, from the embedded migrations), stores a project, its steps and state the
// way that version did (raw SQL with the golden documents), and opens it with today's Open:
// the migration applies and everything reads back.
func TestOpenPreviousSchemaVersion(t *testing.T) {
	ctx := context.Background()
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prov, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	srcs := prov.ListSources()
	if len(srcs) < 2 {
		t.Fatalf("%d migration(s): the test needs a previous schema version to open", len(srcs))
	}
	prev, latest := srcs[len(srcs)-2].Version, srcs[len(srcs)-1].Version
	if _, err := prov.UpTo(ctx, prev); err != nil {
		t.Fatal(err)
	}
	want := goldenProject()
	insertRawProject(t, db, want.ID, "RUNNING", "SUSPEND", compactJSON(t, readGolden(t, "project_v1.json")))
	var golden []stepRow
	if err := json.Unmarshal(readGolden(t, "steps_v1.json"), &golden); err != nil {
		t.Fatal(err)
	}
	for _, r := range golden {
		if _, err := db.Exec(`INSERT INTO steps (project_id, name, ord, status, progress, start_time, finish_time, error, info)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, want.ID, r.Name, r.Ord, r.Status, r.Progress, r.StartTime, r.FinishTime, r.Error, r.Info); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO state (project_id, key, value) VALUES (?, 'incr.p0', ?)`,
		want.ID, []byte(`{"pos":"mysql-bin.000003:4","time":1700000000}`)); err != nil {
		t.Fatal(err)
	}
	// A project lease as version 30 (one lease per project) stored it: the upgrade keeps its
	// holder and token, so fencing survives it.
	if _, err := db.Exec(`INSERT INTO leases (project_id, owner, token, expires) VALUES (?, 'node-a', 41, ?)`,
		want.ID, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path, testBox(t), nil)
	if err != nil {
		t.Fatalf("Open of a version %d database: %v", prev, err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != latest {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, latest)
	}
	got, err := s.GetProject(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	diffProject(t, *got, want)
	steps, err := s.ListSteps(ctx, want.ID)
	if err != nil || !reflect.DeepEqual(steps, goldenSteps()) {
		t.Fatalf("steps after upgrade: %+v, %v", steps, err)
	}
	if v, err := s.GetState(ctx, want.ID, "incr.p0"); err != nil || string(v) != `{"pos":"mysql-bin.000003:4","time":1700000000}` {
		t.Fatalf("state after upgrade: %q, %v", v, err)
	}
	if l, err := s.GetLease(ctx, want.ID); err != nil || l.Owner != "node-a" || l.Token != 41 {
		t.Fatalf("lease after upgrade: %+v, %v", l, err)
	}
	if l, err := s.AcquireNamedLease(ctx, want.ID, "job:VERIFY", "node-b", time.Now(), time.Minute); err != nil || l.Token != 1 {
		t.Fatalf("a job lease after upgrade: %+v, %v", l, err)
	}
	if _, err := s.AcquireLease(ctx, want.ID, "node-b", time.Now(), time.Minute); errs.As(err).Code != errs.CodeLeaseHeld {
		t.Fatalf("the upgraded project lease did not hold: %v", err)
	}
	// The upgraded database takes writes of the new version.
	if _, err := s.ModifyProject(ctx, want.ID, func(p *model.Project) error { p.Name = "renamed"; return nil }); err != nil {
		t.Fatal(err)
	}
}
