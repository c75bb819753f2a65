package sqlite

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
)

func TestChunks(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	mustCreateProject(t, s, minimalProject("np_c", t0))
	plan := []meta.ChunkState{
		{Seq: 2, Lower: "k2", Upper: ""},
		{Seq: 0, Lower: "", Upper: "k1"},
		{Seq: 1, Lower: "k1", Upper: "k2", Status: meta.ChunkDone, Rows: 7, Bytes: 70, Result: "r"},
	}
	if err := s.SaveChunks(ctx, "np_c", model.StepFull, "app.t", plan); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveChunks(ctx, "np_c", model.StepFull, "app.u", []meta.ChunkState{{Seq: 0}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveChunks(ctx, "np_c", model.StepFullVerify, "app.t", []meta.ChunkState{{Seq: 0}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListChunks(ctx, "np_c", model.StepFull, "app.t")
	if err != nil {
		t.Fatal(err)
	}
	want := []meta.ChunkState{
		{Table: "app.t", Seq: 0, Lower: "", Upper: "k1", Status: meta.ChunkPending},
		{Table: "app.t", Seq: 1, Lower: "k1", Upper: "k2", Status: meta.ChunkDone, Rows: 7, Bytes: 70, Result: "r"},
		{Table: "app.t", Seq: 2, Lower: "k2", Upper: "", Status: meta.ChunkPending},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ListChunks = %+v\nwant %+v", got, want)
	}

	if err := s.FinishChunk(ctx, "np_c", model.StepFull, "app.t", 2, 100, 4096, `{"c":1}`); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListChunks(ctx, "np_c", model.StepFull, "app.t")
	want[2].Status, want[2].Rows, want[2].Bytes, want[2].Result = meta.ChunkDone, 100, 4096, `{"c":1}`
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after FinishChunk = %+v\nwant %+v", got, want)
	}
	err = s.FinishChunk(ctx, "np_c", model.StepFull, "app.t", 9, 1, 1, "")
	wantCode(t, err, errs.CodeInternal, errs.KindNotFound)

	// Replacing the plan drops the old chunks of that table only.
	if err := s.SaveChunks(ctx, "np_c", model.StepFull, "app.t", []meta.ChunkState{{Seq: 0, Lower: "new"}}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListChunks(ctx, "np_c", model.StepFull, "app.t")
	if len(got) != 1 || got[0].Lower != "new" || got[0].Status != meta.ChunkPending {
		t.Fatalf("replaced plan = %+v", got)
	}
	if u, _ := s.ListChunks(ctx, "np_c", model.StepFull, "app.u"); len(u) != 1 {
		t.Fatalf("other table's plan touched: %+v", u)
	}
	// A failing plan (duplicate seq) leaves the previous plan in place.
	err = s.SaveChunks(ctx, "np_c", model.StepFull, "app.t", []meta.ChunkState{{Seq: 5}, {Seq: 5}})
	wantCode(t, err, errs.CodeParam, errs.KindInvalid)
	if got, _ = s.ListChunks(ctx, "np_c", model.StepFull, "app.t"); len(got) != 1 || got[0].Lower != "new" {
		t.Fatalf("failed SaveChunks was not atomic: %+v", got)
	}
	wantCode(t, s.SaveChunks(ctx, "np_nope", model.StepFull, "app.t", nil), errs.CodeProjectNotFound, errs.KindNotFound)

	// ResetStepState clears one step's chunks and tables, not the other step's.
	for _, st := range []model.StepName{model.StepFull, model.StepFullVerify} {
		if err := s.PutTable(ctx, &meta.TableState{ProjectID: "np_c", Step: st, Table: "app.t", Status: "RUNNING"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.ResetStepState(ctx, "np_c", model.StepFull); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range []string{"app.t", "app.u"} {
		if l, err := s.ListChunks(ctx, "np_c", model.StepFull, tbl); err != nil || len(l) != 0 {
			t.Fatalf("chunks of %s after reset: %v %v", tbl, l, err)
		}
	}
	if l, _ := s.ListTables(ctx, "np_c", model.StepFull); len(l) != 0 {
		t.Fatalf("tables after reset: %v", l)
	}
	if l, _ := s.ListChunks(ctx, "np_c", model.StepFullVerify, "app.t"); len(l) != 1 {
		t.Fatal("reset removed another step's chunks")
	}
	if l, _ := s.ListTables(ctx, "np_c", model.StepFullVerify); len(l) != 1 {
		t.Fatal("reset removed another step's tables")
	}
}

// TestConcurrentFinishChunk finishes every chunk of a large plan from many goroutines while
// readers list the plan, and checks each chunk's final values.
func TestConcurrentFinishChunk(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	mustCreateProject(t, s, minimalProject("np_conc", t0))
	const n, workers = 1000, 32
	plan := make([]meta.ChunkState, n)
	for i := range plan {
		plan[i] = meta.ChunkState{Seq: i, Lower: fmt.Sprint(i), Upper: fmt.Sprint(i + 1)}
	}
	if err := s.SaveChunks(ctx, "np_conc", model.StepFull, "app.big", plan); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errc := make(chan error, workers+4)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for seq := w; seq < n; seq += workers {
				if err := s.FinishChunk(ctx, "np_conc", model.StepFull, "app.big", seq, int64(seq), int64(seq*10), fmt.Sprint("r", seq)); err != nil {
					errc <- err
					return
				}
			}
		}(w)
	}
	stop := make(chan struct{})
	var rg sync.WaitGroup
	for r := 0; r < 4; r++ {
		rg.Add(1)
		go func() {
			defer rg.Done()
			prevDone := 0
			for {
				select {
				case <-stop:
					return
				default:
				}
				l, err := s.ListChunks(ctx, "np_conc", model.StepFull, "app.big")
				if err != nil {
					errc <- err
					return
				}
				done := 0
				for _, c := range l {
					if c.Status == meta.ChunkDone {
						done++
					}
				}
				if len(l) != n || done < prevDone {
					errc <- fmt.Errorf("reader saw %d chunks, %d done after %d", len(l), done, prevDone)
					return
				}
				prevDone = done
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	got, err := s.ListChunks(ctx, "np_conc", model.StepFull, "app.big")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d chunks, want %d", len(got), n)
	}
	for i, c := range got {
		if c.Seq != i || c.Status != meta.ChunkDone || c.Rows != int64(i) || c.Bytes != int64(i*10) || c.Result != fmt.Sprint("r", i) {
			t.Fatalf("chunk %d = %+v", i, c)
		}
	}
}

func TestTables(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	mustCreateProject(t, s, minimalProject("np_t", t0))
	b := &meta.TableState{ProjectID: "np_t", Step: model.StepFull, Table: "app.b", Target: "app2.b", Status: "PLANNED",
		Capacity: 1000, Extra: `{"k":1}`, Updated: t0.In(time.FixedZone("W", 7200))}
	a := &meta.TableState{ProjectID: "np_t", Step: model.StepFull, Table: "app.a", Status: "INIT"}
	before := time.Now()
	for _, ts := range []*meta.TableState{b, a} {
		if err := s.PutTable(ctx, ts); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ListTables(ctx, "np_t", model.StepFull)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Table != "app.a" || got[1].Table != "app.b" {
		t.Fatalf("ListTables order: %+v", got)
	}
	if got[0].Updated.Before(before.Add(-time.Second)) || got[0].Updated.Location() != time.UTC {
		t.Fatalf("zero Updated not stored as now (UTC): %v", got[0].Updated)
	}
	wantB := *b
	wantB.Updated = t0
	if !reflect.DeepEqual(got[1], wantB) {
		t.Fatalf("table b = %+v\nwant %+v", got[1], wantB)
	}
	// Upsert.
	b.Status, b.Done, b.Bytes, b.Updated = "FINISHED", 1000, 1<<20, t0.Add(time.Minute)
	if err := s.PutTable(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListTables(ctx, "np_t", model.StepFull)
	wantB = *b
	wantB.Updated = t0.Add(time.Minute)
	if len(got) != 2 || !reflect.DeepEqual(got[1], wantB) {
		t.Fatalf("after upsert = %+v", got)
	}
	if l, err := s.ListTables(ctx, "np_t", model.StepFullVerify); err != nil || len(l) != 0 {
		t.Fatalf("other step: %v %v", l, err)
	}
	err = s.PutTable(ctx, &meta.TableState{ProjectID: "np_nope", Step: model.StepFull, Table: "x"})
	wantCode(t, err, errs.CodeProjectNotFound, errs.KindNotFound)
}
