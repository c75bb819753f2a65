package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
)

const ttl = 30 * time.Second

func TestLeaseAcquireRenewExpireSteal(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	mustCreateProject(t, s, minimalProject("p1", t0))

	a, err := s.AcquireLease(ctx, "p1", "node-a", t0, ttl)
	if err != nil || a.Token != 1 || a.Owner != "node-a" || !a.Expires.Equal(t0.Add(ttl)) {
		t.Fatalf("first acquire = %+v, %v; want token 1 until t0+ttl", a, err)
	}
	// Another owner is refused while the lease is live, also one nanosecond before expiry.
	_, err = s.AcquireLease(ctx, "p1", "node-b", t0.Add(ttl-1), ttl)
	wantCode(t, err, errs.CodeLeaseHeld, errs.KindConflict)

	// Renewal moves the expiry; B is still refused at the old expiry.
	if a, err = s.RenewLease(ctx, a, t0.Add(20*time.Second), ttl); err != nil || !a.Expires.Equal(t0.Add(50*time.Second)) {
		t.Fatalf("renew = %+v, %v", a, err)
	}
	_, err = s.AcquireLease(ctx, "p1", "node-b", t0.Add(ttl+time.Second), ttl)
	wantCode(t, err, errs.CodeLeaseHeld, errs.KindConflict)

	// After expiry B steals it with the next token; A's renewal is refused from then on.
	b, err := s.AcquireLease(ctx, "p1", "node-b", t0.Add(51*time.Second), ttl)
	if err != nil || b.Token != 2 || b.Owner != "node-b" {
		t.Fatalf("steal after expiry = %+v, %v; want token 2 for node-b", b, err)
	}
	_, err = s.RenewLease(ctx, a, t0.Add(52*time.Second), ttl)
	wantCode(t, err, errs.CodeLeaseLost, errs.KindState)
	// A's release of its lost lease changes nothing.
	if err := s.ReleaseLease(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetLease(ctx, "p1"); got.Owner != "node-b" || got.Token != 2 {
		t.Fatalf("after a stale release the lease is %+v, want node-b's", got)
	}

	// Release, then anyone acquires at once; tokens never go back, also for the same owner.
	if err := s.ReleaseLease(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetLease(ctx, "p1"); got.Owner != "" || !got.Expires.IsZero() || got.Token != 2 {
		t.Fatalf("released lease = %+v", got)
	}
	last := int64(2)
	for i, owner := range []string{"node-a", "node-a", "node-b"} {
		l, err := s.AcquireLease(ctx, "p1", owner, t0.Add(time.Minute), ttl)
		if err != nil || l.Token <= last {
			t.Fatalf("acquire %d by %s = %+v, %v; want a token above %d", i, owner, l, err, last)
		}
		last = l.Token
		if i == 1 { // node-b may not take node-a's live lease
			_, err := s.AcquireLease(ctx, "p1", "node-b", t0.Add(time.Minute), ttl)
			wantCode(t, err, errs.CodeLeaseHeld, errs.KindConflict)
			_ = s.ReleaseLease(ctx, l)
		}
	}
	// Renewing a lease that was re-acquired (by the same owner) under a newer token fails.
	_, err = s.RenewLease(ctx, meta.Lease{ProjectID: "p1", Owner: "node-b", Token: last - 1}, t0, ttl)
	wantCode(t, err, errs.CodeLeaseLost, errs.KindState)

	_, err = s.AcquireLease(ctx, "nope", "node-a", t0, ttl)
	wantCode(t, err, errs.CodeProjectNotFound, errs.KindNotFound)
}

// dumpAll renders every row of every godwit table but leases, so a test can tell that a
// refused write changed nothing.
func dumpAll(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('leases', 'sqlite_sequence') AND name NOT LIKE 'goose%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, tb := range tables {
		r, err := db.Query("SELECT * FROM " + tb + " ORDER BY 1, 2")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %v\n", tb, vals)
		}
		r.Close()
	}
	return b.String()
}

func TestFencedWritesRefusedAfterTakeover(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
	db := rawDB(t, path)
	steps := []model.Step{{Order: 1, Name: model.StepFull}}
	mustCreateProject(t, s, minimalProject("p1", t0), steps...)
	a, err := s.AcquireLease(ctx, "p1", "node-a", t0, ttl)
	if err != nil {
		t.Fatal(err)
	}
	fa := s.Fenced(a)
	run := &meta.VerifyRun{ID: "vr1", ProjectID: "p1", Kind: "FULL", Status: meta.VerifyRunning, Started: t0}
	chunk := meta.VerifyChunk{RunID: "vr1", Table: "d.t", Seq: 1, Lower: "a", Upper: "b"}
	diff := meta.VerifyDiff{RunID: "vr1", Table: "d.t", Chunk: -1, Kind: meta.DiffDifferent, Key: "k"}
	writes := []struct {
		name string
		do   func(st meta.Store) error
	}{
		{"UpdateStep", func(st meta.Store) error {
			return st.UpdateStep(ctx, &model.Step{ProjectID: "p1", Name: model.StepFull, Order: 1, Status: model.StepRunning})
		}},
		{"PutState", func(st meta.Store) error { return st.PutState(ctx, "p1", "k", []byte("v")) }},
		{"SaveChunks", func(st meta.Store) error {
			return st.SaveChunks(ctx, "p1", model.StepFull, "d.t", []meta.ChunkState{{Seq: 1}, {Seq: 2}})
		}},
		{"FinishChunk", func(st meta.Store) error {
			return st.FinishChunk(ctx, "p1", model.StepFull, "d.t", 1, 10, 100, "r")
		}},
		{"PutTable", func(st meta.Store) error {
			return st.PutTable(ctx, &meta.TableState{ProjectID: "p1", Step: model.StepFull, Table: "d.t", Status: "RUNNING", Updated: t0})
		}},
		{"ModifyProject", func(st meta.Store) error {
			_, err := st.ModifyProject(ctx, "p1", func(p *model.Project) error { p.Status = model.StatusRunning; return nil })
			return err
		}},
		{"AppendLog", func(st meta.Store) error {
			return st.AppendLog(ctx, meta.LogEntry{ProjectID: "p1", Time: t0, Message: "m"})
		}},
		{"CreateVerifyRun", func(st meta.Store) error { r := *run; return st.CreateVerifyRun(ctx, &r) }},
		{"UpdateVerifyRun", func(st meta.Store) error {
			r := *run
			r.Status = meta.VerifyFinished
			return st.UpdateVerifyRun(ctx, &r)
		}},
		{"SaveVerifyChunks", func(st meta.Store) error {
			return st.SaveVerifyChunks(ctx, "vr1", "d.t", []meta.VerifyChunk{chunk})
		}},
		{"FinishVerifyChunk", func(st meta.Store) error {
			c := chunk
			c.SourceRows = 5
			d := diff
			d.Chunk = 1
			return st.FinishVerifyChunk(ctx, c, []meta.VerifyDiff{d})
		}},
		{"PutVerifyTable", func(st meta.Store) error {
			return st.PutVerifyTable(ctx, &meta.VerifyTable{RunID: "vr1", Table: "d.t", Status: "FINISHED", Updated: t0})
		}},
		{"AddVerifyDiffs", func(st meta.Store) error { return st.AddVerifyDiffs(ctx, []meta.VerifyDiff{diff}) }},
		{"ResetStepState", func(st meta.Store) error { return st.ResetStepState(ctx, "p1", model.StepFull) }},
	}
	// While A holds the lease every write goes through its fenced view.
	for _, w := range writes {
		if err := w.do(fa); err != nil {
			t.Fatalf("%s through the held lease: %v", w.name, err)
		}
	}
	// A write for another project through p1's lease is refused.
	mustCreateProject(t, s, minimalProject("p2", t0))
	wantCode(t, fa.PutState(ctx, "p2", "k", []byte("v")), errs.CodeLeaseLost, errs.KindState)

	// Refill what ResetStepState dropped, then let B take the lease over after expiry.
	for _, w := range writes[2:5] {
		if err := w.do(s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AcquireLease(ctx, "p1", "node-b", t0.Add(ttl+time.Second), ttl); err != nil {
		t.Fatal(err)
	}
	for _, w := range writes {
		before := dumpAll(t, db)
		err := w.do(fa)
		wantCode(t, err, errs.CodeLeaseLost, errs.KindState)
		if after := dumpAll(t, db); after != before {
			t.Errorf("%s: the refused write changed the store:\nbefore:\n%s\nafter:\n%s", w.name, before, after)
		}
	}
	// The plain store and B's own view still write.
	b, _ := s.GetLease(ctx, "p1")
	if err := s.Fenced(b).PutState(ctx, "p1", "k", []byte("b")); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.GetState(ctx, "p1", "k"); string(v) != "b" {
		t.Fatalf("state = %q, want B's write", v)
	}
	if err := fa.Close(); err != nil { // a view's Close leaves the store open
		t.Fatal(err)
	}
	if _, err := s.GetProject(ctx, "p1"); err != nil {
		t.Fatalf("store unusable after closing a fenced view: %v", err)
	}
}
