package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godwit/godwit/engine"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta/sqlite"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/secret"
	"github.com/godwit/godwit/steps"
	"github.com/godwit/godwit/testenv"
)

// twoNodeStores opens one SQLite metadata file twice, as two nodes sharing a store do; both
// are closed at the end of the test.
func twoNodeStores(t *testing.T, log *slog.Logger) (*sqlite.Store, *sqlite.Store) {
	t.Helper()
	box, err := secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/meta.db"
	var out [2]*sqlite.Store
	for i := range out {
		if out[i], err = sqlite.Open(context.Background(), path, box, log); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { out[i].Close() })
	}
	return out[0], out[1]
}

type nodeWrite struct {
	node string
	err  error
}

// TestLeaseTwoNodes runs two engines (nodes A and B) over one SQLite file. Only the lease
// holder runs the project; when B's clock passes A's lease expiry B takes the project over,
// A's next step write is refused with GODWIT-LEASE-0001, A's run exits without settling the
// project (it stays RUNNING, its step is not FAILED) and B runs it from then on; nothing A
// tried to write after the takeover is stored.
func TestLeaseTwoNodes(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	stA, stB := twoNodeStores(t, log)
	ds := testenv.SharedMariaDB(t, "engine").DataSource("lease-ds")
	ds.ID = model.NewID("e")
	if err := stA.CreateDataSource(ctx, &ds); err != nil {
		t.Fatal(err)
	}

	writes := make(chan nodeWrite, 10000)
	// The step writes "<node>-<n>" into the project's state every few milliseconds through
	// the engine's store, and returns the first error.
	stepOf := func(node string) map[model.StepName]steps.Func {
		return map[model.StepName]steps.Func{model.StepFull: func(ctx context.Context, env *steps.Env) error {
			for i := 0; ; i++ {
				err := env.Store.PutState(ctx, env.Project.ID, "owner", []byte(fmt.Sprintf("%s-%d", node, i)))
				writes <- nodeWrite{node, err}
				if err != nil {
					return err
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(3 * time.Millisecond):
				}
			}
		}}
	}
	var ahead atomic.Int64 // how far B's clock is ahead of A's
	engA := engine.New(stA, log, engine.Options{Steps: stepOf("A"), NodeID: "A", ReconcileEvery: -1, DataDir: t.TempDir()})
	engB := engine.New(stB, log, engine.Options{Steps: stepOf("B"), NodeID: "B", ReconcileEvery: -1, DataDir: t.TempDir(),
		Now: func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }})
	defer engA.Close()
	defer engB.Close()

	now := time.Now().UTC()
	p := &model.Project{ID: model.NewID("np"), Name: "p", Type: model.ProjectMigration, Status: model.StatusInit,
		SourceEndpointID: ds.ID, SinkEndpointID: ds.ID, GmtCreate: now, GmtModified: now}
	p.ApplyDefaults()
	if err := stA.CreateProject(ctx, p, []model.Step{{Order: 1, Name: model.StepFull}}); err != nil {
		t.Fatal(err)
	}
	if err := engA.StartProject(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	next := func(node string) nodeWrite {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case w := <-writes:
				if w.node == node {
					return w
				}
			case <-deadline:
				t.Fatalf("no write from node %s", node)
			}
		}
	}
	if w := next("A"); w.err != nil {
		t.Fatalf("A's first write: %v", w.err)
	}
	// B leaves a project alone while A's lease is live.
	if err := engB.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if engB.Running(p.ID) {
		t.Fatal("node B runs a project whose lease node A holds")
	}
	if l, _ := stB.GetLease(ctx, p.ID); l.Owner != "A" || l.Token != 1 {
		t.Fatalf("lease = %+v, want A's with token 1", l)
	}

	// A's lease expires on B's clock: B takes the project over.
	ahead.Store(int64(engine.DefaultLeaseTTL + time.Second))
	if err := engB.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if !engB.Running(p.ID) {
		t.Fatal("node B did not take over a project whose lease expired")
	}
	if l, _ := stB.GetLease(ctx, p.ID); l.Owner != "B" || l.Token != 2 {
		t.Fatalf("lease = %+v, want B's with token 2", l)
	}
	var lost nodeWrite
	for {
		if lost = next("A"); lost.err != nil {
			break
		}
	}
	if e := errs.As(lost.err); e.Code != errs.CodeLeaseLost {
		t.Fatalf("A's write after the takeover failed with %v, want %s", lost.err, errs.CodeLeaseLost)
	}
	waitFor(t, func() bool { return !engA.Running(p.ID) }, "node A's run did not exit after losing the lease")
	for i := 0; i < 3; i++ {
		if w := next("B"); w.err != nil {
			t.Fatalf("B's write: %v", w.err)
		}
	}
	// A settled nothing: the project is RUNNING (run by B), its step RUNNING without error, and
	// the state holds B's writes only.
	got, err := stA.GetProject(ctx, p.ID)
	if err != nil || got.Status != model.StatusRunning {
		t.Fatalf("project after A lost its lease = %v, %v; want RUNNING", got.Status, err)
	}
	list, _ := stA.ListSteps(ctx, p.ID)
	if list[0].Status != model.StepRunning || list[0].Error != nil {
		t.Fatalf("step after A lost its lease = %s %+v; want RUNNING without error", list[0].Status, list[0].Error)
	}
	if v, _ := stA.GetState(ctx, p.ID, "owner"); !strings.HasPrefix(string(v), "B-") {
		t.Fatalf("state = %q, want B's write", v)
	}
	if engA.Running(p.ID) {
		t.Fatal("A runs the project again")
	}
	// The holder settles: a stop through B records SUSPEND and frees the lease.
	if err := engB.StopProject(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := stA.GetProject(ctx, p.ID); got.Status != model.StatusSuspend {
		t.Fatalf("after B's stop: %s", got.Status)
	}
	if l, _ := stA.GetLease(ctx, p.ID); l.Owner != "" || l.Token != 2 {
		t.Fatalf("lease after the run exited = %+v, want released with token 2", l)
	}
}

// TestTransitions drives every lifecycle action from every status through the engine: an
// allowed one ends in its new status, a refused one returns GHANA-PROJECT000002 and changes
// nothing.
func TestTransitions(t *testing.T) {
	f := newFixture(t, func(f *fixture) map[model.StepName]steps.Func {
		return map[model.StepName]steps.Func{model.StepFull: func(ctx context.Context, env *steps.Env) error {
			<-ctx.Done()
			return ctx.Err()
		}}
	})
	ctx := context.Background()
	const gone = model.ProjectStatus("(deleted)")
	type act = func(context.Context, string) error
	actions := map[string]act{"start": f.eng.StartProject, "resume": f.eng.ResumeProject, "stop": f.eng.StopProject,
		"release": f.eng.ReleaseProject, "delete": f.eng.DeleteProject}
	allowed := map[string]map[model.ProjectStatus]model.ProjectStatus{
		"start":   {model.StatusInit: model.StatusRunning},
		"resume":  {model.StatusSuspend: model.StatusRunning, model.StatusFailed: model.StatusRunning},
		"stop":    {model.StatusRunning: model.StatusSuspend},
		"release": {model.StatusSuspend: model.StatusReleased, model.StatusFailed: model.StatusReleased, model.StatusFinished: model.StatusReleased},
		"delete":  {model.StatusInit: gone, model.StatusReleased: gone},
	}
	statuses := []model.ProjectStatus{model.StatusInit, model.StatusRunning, model.StatusSuspend, model.StatusFailed,
		model.StatusFinished, model.StatusReleasing, model.StatusReleased}
	status := func(id string) model.ProjectStatus {
		p, err := f.store.GetProject(ctx, id)
		if err != nil && errs.As(err).Code == errs.CodeProjectNotFound {
			return gone
		}
		if err != nil {
			t.Fatal(err)
		}
		return p.Status
	}
	for _, name := range []string{"start", "resume", "stop", "release", "delete"} {
		for _, from := range statuses {
			id := f.project(t, model.StepFull)
			if from == model.StatusRunning {
				if err := f.eng.StartProject(ctx, id); err != nil {
					t.Fatal(err)
				}
			} else if from != model.StatusInit {
				if _, err := f.store.ModifyProject(ctx, id, func(p *model.Project) error { p.Status = from; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			err := actions[name](ctx, id)
			want, ok := allowed[name][from]
			switch {
			case ok && err != nil:
				t.Errorf("%s from %s refused: %v", name, from, err)
			case ok && status(id) != want:
				t.Errorf("%s from %s: status %s, want %s", name, from, status(id), want)
			case !ok && (err == nil || errs.As(err).Code != errs.CodeProjectState):
				t.Errorf("%s from %s: err %v, want %s", name, from, err, errs.CodeProjectState)
			case !ok && status(id) != from:
				t.Errorf("refused %s from %s changed the status to %s", name, from, status(id))
			}
			if want == model.StatusRunning || from == model.StatusRunning {
				if got := f.eng.Running(id); got != (status(id) == model.StatusRunning) {
					t.Errorf("%s from %s: status %s but run registered = %v", name, from, status(id), got)
				}
			}
			if status(id) == model.StatusRunning {
				_ = f.eng.StopProject(ctx, id)
			}
		}
	}
}
