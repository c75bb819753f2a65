package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

func TestVerifyStoreRoundTrip(t *testing.T) {
	s, path := newStore(t)
	ctx := context.Background()
	if _, err := s.GetVerifyRun(ctx, "vr_x"); errs.As(err).Kind != errs.KindNotFound {
		t.Fatalf("unknown run: %v", err)
	}
	r := &meta.VerifyRun{ID: "vr_1", ProjectID: "np_1", Kind: "FULL", Status: meta.VerifyRunning, Tables: 2,
		Started: time.Unix(100, 0).UTC()}
	if err := s.CreateVerifyRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateVerifyRun(ctx, r); errs.As(err).Kind != errs.KindConflict {
		t.Fatalf("duplicate run: %v", err)
	}
	cs := []meta.VerifyChunk{{Seq: 0, Lower: "", Upper: "[1]"}, {Seq: 1, Lower: "[1]", Upper: ""}}
	if err := s.SaveVerifyChunks(ctx, "vr_1", "db.t", cs); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveVerifyChunks(ctx, "vr_nope", "db.t", cs); errs.As(err).Kind != errs.KindNotFound {
		t.Fatalf("chunks of an unknown run: %v", err)
	}
	d := meta.VerifyDiff{RunID: "vr_1", Table: "db.t", Target: "db2.t", Chunk: 1, Kind: meta.DiffDifferent, Key: "k",
		KeyText: "id=2", Columns: []string{"a", "b"}, SourceSQL: "s", TargetSQL: "t", FixSQL: "f"}
	done := meta.VerifyChunk{RunID: "vr_1", Table: "db.t", Seq: 1, SourceRows: 5, TargetRows: 5, Different: 1, Mismatch: true}
	// Finishing a chunk twice (a redo after a crash) keeps one copy of its differences.
	for range 2 {
		if err := s.FinishVerifyChunk(ctx, done, []meta.VerifyDiff{d}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddVerifyDiffs(ctx, []meta.VerifyDiff{{RunID: "vr_1", Table: "db.a", Chunk: -1, Kind: meta.DiffOnlyInSource, Key: "k2"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutVerifyTable(ctx, &meta.VerifyTable{RunID: "vr_1", Table: "db.t", Target: "db2.t", Status: meta.VerifyFinished,
		Result: "INCONSISTENT", SourceRows: 5, Different: 1, Chunks: 2, ChunksDone: 1}); err != nil {
		t.Fatal(err)
	}
	r.Status, r.Result, r.Diffs, r.Finished = meta.VerifyFinished, "INCONSISTENT", 2, time.Unix(200, 0).UTC()
	if err := s.UpdateVerifyRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(ctx, path, testBox(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.GetVerifyRun(ctx, "vr_1")
	if err != nil || got.Result != "INCONSISTENT" || !got.Finished.Equal(r.Finished) || got.Diffs != 2 {
		t.Fatalf("run %+v %v", got, err)
	}
	list, err := s2.ListVerifyChunks(ctx, "vr_1", "db.t")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[1].Status != meta.ChunkDone || !list[1].Mismatch || list[1].Different != 1 || list[0].Status != meta.ChunkPending {
		t.Fatalf("chunks %+v", list)
	}
	ds, n, err := s2.ListVerifyDiffs(ctx, meta.VerifyDiffFilter{RunID: "vr_1", Table: "db.t"})
	if err != nil || n != 1 || len(ds[0].Columns) != 2 || ds[0].FixSQL != "f" || ds[0].KeyText != "id=2" {
		t.Fatalf("diffs %+v %d %v", ds, n, err)
	}
	if _, n, _ := s2.ListVerifyDiffs(ctx, meta.VerifyDiffFilter{RunID: "vr_1", Page: 2, Size: 1}); n != 2 {
		t.Fatalf("all diffs: %d", n)
	}
	ts, n, err := s2.ListVerifyTables(ctx, meta.VerifyTableFilter{RunID: "vr_1", SourceSchemas: []string{"db"}})
	if err != nil || n != 1 || ts[0].Different != 1 {
		t.Fatalf("tables %+v %v", ts, err)
	}
	if _, n, _ := s2.ListVerifyTables(ctx, meta.VerifyTableFilter{RunID: "vr_1", SourceSchemas: []string{"d_"}}); n != 0 {
		t.Fatal("schema filter is a prefix match with LIKE wildcards escaped")
	}
	runs, n, _ := s2.ListVerifyRuns(ctx, "np_1", 1, 10)
	if n != 1 || runs[0].ID != "vr_1" {
		t.Fatalf("runs %+v", runs)
	}
	if err := s2.DeleteVerifyRuns(ctx, "np_1"); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := s2.ListVerifyDiffs(ctx, meta.VerifyDiffFilter{RunID: "vr_1"}); n != 0 {
		t.Fatal("diffs survive the run's deletion")
	}
}
