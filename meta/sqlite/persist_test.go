package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
)

// TestReopenPersistence closes the store and reopens the file: data, pragmas and the schema
// version survive, and migrations are not re-applied.
func TestReopenPersistence(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "meta.db")
	box := testBox(t)
	s, err := Open(ctx, path, box, nil)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := s.SchemaVersion(ctx)
	if err != nil || v1 < 1 {
		t.Fatalf("SchemaVersion = %d, %v", v1, err)
	}
	ds := sampleDS("e_p", "persist", model.TypeMariaDB, t0)
	if err := s.CreateDataSource(ctx, ds); err != nil {
		t.Fatal(err)
	}
	p := fullProject()
	steps := []model.Step{{Order: 1, Name: model.StepPrecheck}, {Order: 2, Name: model.StepFull}}
	mustCreateProject(t, s, p, steps...)
	chunks := []meta.ChunkState{{Seq: 0, Upper: "a"}, {Seq: 1, Lower: "a"}}
	if err := s.SaveChunks(ctx, p.ID, model.StepFull, "app.t", chunks); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishChunk(ctx, p.ID, model.StepFull, "app.t", 1, 5, 50, "ok"); err != nil {
		t.Fatal(err)
	}
	tbl := meta.TableState{ProjectID: p.ID, Step: model.StepFull, Table: "app.t", Status: "RUNNING", Done: 5, Updated: t0}
	if err := s.PutTable(ctx, &tbl); err != nil {
		t.Fatal(err)
	}
	if err := s.PutState(ctx, p.ID, "pos", []byte("mysql-bin.000003:4")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendLog(ctx, meta.LogEntry{ProjectID: p.ID, Time: t0, Message: "started"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSetting(ctx, "admin.token", "tok", true); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, path, box, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v2, err := s.SchemaVersion(ctx); err != nil || v2 != v1 {
		t.Fatalf("SchemaVersion after reopen = %d, %v; want %d", v2, err, v1)
	}
	db := rawDB(t, path)
	files, _ := filepath.Glob("migrations/*.sql")
	if n := count(t, db, `SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0`); n != len(files) || n == 0 {
		t.Fatalf("goose_db_version holds %d applied migrations, want %d (re-applied?)", n, len(files))
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}

	if got, err := s.GetDataSource(ctx, "e_p"); err != nil || got.Password != ds.Password || got.Host != ds.Host {
		t.Fatalf("data source after reopen: %+v, %v", got, err)
	}
	got, err := s.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := inUTC(p); !reflect.DeepEqual(*got, want) {
		t.Fatalf("project after reopen = %+v\nwant %+v", *got, want)
	}
	if l, err := s.ListSteps(ctx, p.ID); err != nil || len(l) != 2 || l[1].Name != model.StepFull {
		t.Fatalf("steps after reopen: %+v, %v", l, err)
	}
	if l, _ := s.ListChunks(ctx, p.ID, model.StepFull, "app.t"); len(l) != 2 || l[1].Status != meta.ChunkDone || l[1].Rows != 5 {
		t.Fatalf("chunks after reopen: %+v", l)
	}
	if l, _ := s.ListTables(ctx, p.ID, model.StepFull); len(l) != 1 || !reflect.DeepEqual(l[0], tbl) {
		t.Fatalf("tables after reopen: %+v", l)
	}
	if v, _ := s.GetState(ctx, p.ID, "pos"); string(v) != "mysql-bin.000003:4" {
		t.Fatalf("state after reopen: %q", v)
	}
	if l, n, _ := s.ListLogs(ctx, meta.LogFilter{ProjectID: p.ID}); n != 1 || l[0].Message != "started" {
		t.Fatalf("logs after reopen: %+v", l)
	}
	if v, ok, err := s.GetSetting(ctx, "admin.token"); v != "tok" || !ok || err != nil {
		t.Fatalf("setting after reopen: %q %v %v", v, ok, err)
	}
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Open(ctx, filepath.Join(dir, "m.db"), nil, nil); err == nil {
		t.Fatal("Open without a Box succeeded")
	}
	for _, p := range []string{"", ":memory:", filepath.Join(dir, "a?mode=ro")} {
		if _, err := Open(ctx, p, testBox(t), nil); err == nil {
			t.Fatalf("Open(%q) succeeded", p)
		}
	}
}

// TestPragmas checks the durability and integrity settings each pool really runs with.
func TestPragmas(t *testing.T) {
	s, _ := newStore(t)
	pragma := func(db interface {
		QueryRow(string, ...any) *sql.Row
	}, name string) string {
		var v string
		if err := db.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	for name, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000"} {
		if got := pragma(s.w, name); got != want {
			t.Errorf("writer %s = %s, want %s", name, got, want)
		}
	}
	for name, want := range map[string]string{"query_only": "1", "foreign_keys": "1", "busy_timeout": "10000"} {
		if got := pragma(s.r, name); got != want {
			t.Errorf("reader %s = %s, want %s", name, got, want)
		}
	}
	if _, err := s.r.Exec(`DELETE FROM settings`); err == nil {
		t.Error("the read pool accepted a write")
	}
}
