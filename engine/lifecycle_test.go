package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/godwit/godwit/endpoint/mysql"
	"github.com/godwit/godwit/engine"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/meta/sqlite"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/secret"
	"github.com/godwit/godwit/steps"
	"github.com/godwit/godwit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fixture is an engine over a real metadata store whose projects use one real MariaDB as
// source and sink; the step functions are the test's, so what runs is observable.
type fixture struct {
	eng   *engine.Engine
	store *sqlite.Store
	dsID  string
	// active counts step functions currently executing, per project.
	mu     sync.Mutex
	active map[string]int
}

func newFixture(t *testing.T, fns func(f *fixture) map[model.StepName]steps.Func) *fixture {
	t.Helper()
	ctx := context.Background()
	box, err := secret.NewBox(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	store, err := sqlite.Open(ctx, t.TempDir()+"/meta.db", box, log)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: store, active: map[string]int{}}
	m := testenv.SharedMariaDB(t, "engine")
	ds := m.DataSource("engine-ds")
	ds.ID = model.NewID("e")
	if err := store.CreateDataSource(ctx, &ds); err != nil {
		t.Fatal(err)
	}
	f.dsID = ds.ID
	f.eng = engine.New(store, log, engine.Options{Steps: fns(f), DataDir: t.TempDir()})
	t.Cleanup(func() {
		f.eng.Close()
		store.Close()
	})
	return f
}

func (f *fixture) enter(id string) {
	f.mu.Lock()
	f.active[id]++
	f.mu.Unlock()
}

func (f *fixture) leave(id string) {
	f.mu.Lock()
	f.active[id]--
	f.mu.Unlock()
}

func (f *fixture) activeSteps(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.active[id]
}

// project creates an INIT project with the given steps.
func (f *fixture) project(t *testing.T, names ...model.StepName) string {
	t.Helper()
	now := time.Now().UTC()
	p := &model.Project{ID: model.NewID("np"), Name: "p", Type: model.ProjectMigration, Status: model.StatusInit,
		SourceEndpointID: f.dsID, SinkEndpointID: f.dsID, GmtCreate: now, GmtModified: now}
	p.ApplyDefaults()
	var st []model.Step
	for i, n := range names {
		st = append(st, model.Step{Order: i + 1, Name: n})
	}
	if err := f.store.CreateProject(context.Background(), p, st); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func (f *fixture) status(t *testing.T, id string) model.ProjectStatus {
	t.Helper()
	p, err := f.store.GetProject(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p.Status
}

// continuousSteps: a log pull and an incremental apply that detach and run until cancelled,
// counted in f.active while they execute.
func continuousSteps(f *fixture) map[model.StepName]steps.Func {
	run := func(ctx context.Context, env *steps.Env) error {
		f.enter(env.Project.ID)
		defer f.leave(env.Project.ID)
		env.Detach()
		<-ctx.Done()
		return ctx.Err()
	}
	return map[model.StepName]steps.Func{model.StepIncrLogPull: run, model.StepIncr: run}
}

// TestLifecycleHammer sends random concurrent start / stop / resume to one project, round
// after round, and checks after each round that the status is true: SUSPEND means no step of
// the project executes, RUNNING means its steps execute; and that the next transition is
// accepted (the project is never stuck). With GODWIT_SOAK=1 it runs 10x more rounds. It
// fails within a round or two on an engine whose stop re-reads the status after the run exited.
func TestLifecycleHammer(t *testing.T) {
	f := newFixture(t, continuousSteps)
	id := f.project(t, model.StepIncrLogPull, model.StepIncr)
	ctx := context.Background()
	if err := f.eng.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	rounds, clients := 60, 50
	if raceEnabled {
		rounds = 20
	}
	if os.Getenv("GODWIT_SOAK") == "1" {
		rounds *= 10
	}
	actions := []struct {
		name string
		fn   func(context.Context, string) error
	}{{"stop", f.eng.StopProject}, {"resume", f.eng.ResumeProject}, {"start", f.eng.StartProject}}
	for round := 0; round < rounds; round++ {
		var wg sync.WaitGroup
		gate := make(chan struct{})
		var unexpected atomic.Value
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				// A few actions each, spread over a few milliseconds, so that some land in
				// every window of a transition in progress.
				for k := 0; k < 4; k++ {
					a := actions[rand.IntN(len(actions))]
					if err := a.fn(ctx, id); err != nil && errs.As(err).Code != errs.CodeProjectState {
						unexpected.Store(fmt.Sprintf("%s: %v", a.name, err))
					}
					time.Sleep(time.Duration(rand.IntN(1000)) * time.Microsecond)
				}
			}()
		}
		close(gate)
		wg.Wait()
		if u := unexpected.Load(); u != nil {
			t.Fatalf("round %d: unexpected error %v", round, u)
		}
		checkTrue(t, f, id, round)
	}
}

// checkTrue asserts that the project's status describes what executes, and that it can be
// moved on (stop from RUNNING, resume from SUSPEND) — a stuck project fails here.
func checkTrue(t *testing.T, f *fixture, id string, round int) {
	t.Helper()
	ctx := context.Background()
	switch st := f.status(t, id); st {
	case model.StatusSuspend:
		// Every request has returned; a SUSPEND recorded means the run has exited.
		if n := f.activeSteps(id); n != 0 || f.eng.Running(id) {
			t.Fatalf("round %d: SUSPEND while %d steps execute (run registered: %v)", round, n, f.eng.Running(id))
		}
		if err := f.eng.ResumeProject(ctx, id); err != nil {
			t.Fatalf("round %d: resume from SUSPEND refused: %v", round, err)
		}
	case model.StatusRunning:
		if !f.eng.Running(id) {
			t.Fatalf("round %d: RUNNING with no run", round)
		}
		waitFor(t, func() bool { return f.activeSteps(id) == 2 }, "round %d: RUNNING but %d steps execute", round, f.activeSteps(id))
		if round%2 == 0 { // also exercise stop → resume sequentially
			if err := f.eng.StopProject(ctx, id); err != nil {
				t.Fatalf("round %d: stop from RUNNING refused: %v", round, err)
			}
			if n := f.activeSteps(id); n != 0 || f.status(t, id) != model.StatusSuspend {
				t.Fatalf("round %d: after stop returned: %s with %d steps executing", round, f.status(t, id), n)
			}
			if err := f.eng.ResumeProject(ctx, id); err != nil {
				t.Fatalf("round %d: resume refused: %v", round, err)
			}
		}
	default:
		t.Fatalf("round %d: project %s", round, st)
	}
}

func waitFor(t *testing.T, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf(format, args...)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestStopWhileStepEnds: a stop racing with a run that finishes or fails by itself ends in a
// status that is true for what happened (FINISHED / FAILED / SUSPEND), never RUNNING without
// a run, and the project can be moved on.
func TestStopWhileStepEnds(t *testing.T) {
	var fail atomic.Bool
	f := newFixture(t, func(f *fixture) map[model.StepName]steps.Func {
		return map[model.StepName]steps.Func{model.StepFull: func(ctx context.Context, env *steps.Env) error {
			f.enter(env.Project.ID)
			defer f.leave(env.Project.ID)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(rand.IntN(3)) * time.Millisecond):
			}
			if fail.Load() {
				return errors.New("step failed by itself")
			}
			return nil
		}}
	})
	ctx := context.Background()
	for i := 0; i < 40; i++ {
		fail.Store(i%2 == 1)
		id := f.project(t, model.StepFull)
		if err := f.eng.StartProject(ctx, id); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond) // vary the interleaving, not a synchronisation
		err := f.eng.StopProject(ctx, id)
		if err != nil && errs.As(err).Code != errs.CodeProjectState {
			t.Fatalf("stop: %v", err)
		}
		waitFor(t, func() bool { return !f.eng.Running(id) }, "project %s still has a run", id)
		st := f.status(t, id)
		if n := f.activeSteps(id); n != 0 {
			t.Fatalf("%s with %d steps executing", st, n)
		}
		switch {
		case st == model.StatusSuspend, st == model.StatusFinished && !fail.Load(), st == model.StatusFailed && fail.Load():
		default:
			t.Fatalf("iteration %d (fail=%v): ended %s", i, fail.Load(), st)
		}
		if err := f.eng.ReleaseProject(ctx, id); err != nil {
			t.Fatalf("release from %s: %v", st, err)
		}
	}
}

// dataSource stores ds (a copy of the fixture's server with other credentials or port).
func (f *fixture) dataSource(t *testing.T, mut func(ds *model.DataSource)) string {
	t.Helper()
	m := testenv.SharedMariaDB(t, "engine")
	ds := m.DataSource(testenv.UniqueName("ds"))
	ds.ID = model.NewID("e")
	mut(&ds)
	if err := f.store.CreateDataSource(context.Background(), &ds); err != nil {
		t.Fatal(err)
	}
	return ds.ID
}

func (f *fixture) logs(t *testing.T, id string) []meta.LogEntry {
	t.Helper()
	l, _, err := f.store.ListLogs(context.Background(), meta.LogFilter{ProjectID: id})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestAccessDeniedFailsAtOnce: a data source whose password the server refuses fails the
// project at once with the server's cause and CodeAccessDenied — not a minute of retries
// showing RUNNING with an empty log.
func TestAccessDeniedFailsAtOnce(t *testing.T) {
	f := newFixture(t, func(f *fixture) map[model.StepName]steps.Func {
		return map[model.StepName]steps.Func{model.StepFull: func(context.Context, *steps.Env) error {
			f.enter("called")
			return nil
		}}
	})
	m := testenv.SharedMariaDB(t, "engine")
	db, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	user := testenv.UniqueName("gw")
	if _, err := db.Exec("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'right-password'"); err != nil {
		t.Fatal(err)
	}
	bad := f.dataSource(t, func(ds *model.DataSource) { ds.User, ds.Password = user, "wrong-password" })
	id := f.project(t, model.StepFull)
	if _, err := f.store.ModifyProject(context.Background(), id, func(p *model.Project) error {
		p.SourceEndpointID = bad
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := f.eng.StartProject(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return f.status(t, id) == model.StatusFailed }, "project not FAILED within 10 s: %s", f.status(t, id))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("access denied took %s to fail; it must not be retried", d)
	}
	list, err := f.store.ListSteps(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	e := list[0].Error
	if e == nil || e.Code != errs.CodeAccessDenied || !strings.Contains(e.Message, "Access denied") || strings.Contains(e.Message, "wrong-password") {
		t.Fatalf("step error %+v, want %s with the server's cause and no password", e, errs.CodeAccessDenied)
	}
	if f.activeSteps("called") != 0 {
		t.Fatal("the step ran although the source refused the credentials")
	}
	var logged bool
	for _, l := range f.logs(t, id) {
		logged = logged || (l.Level == "ERROR" && strings.Contains(l.Message, errs.CodeAccessDenied))
	}
	if !logged {
		t.Fatalf("project log has no ERROR line with %s: %+v", errs.CodeAccessDenied, f.logs(t, id))
	}
}

// TestStopWhileUnreachable: a project retrying an unreachable source says so in its log, and
// a stop ends it SUSPEND with no step error — a cancelled retry is not "unreachable".
func TestStopWhileUnreachable(t *testing.T) {
	f := newFixture(t, continuousSteps)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	down := f.dataSource(t, func(ds *model.DataSource) { ds.Port = port })
	id := f.project(t, model.StepIncrLogPull, model.StepIncr)
	ctx := context.Background()
	if _, err := f.store.ModifyProject(ctx, id, func(p *model.Project) error { p.SourceEndpointID = down; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := f.eng.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		for _, l := range f.logs(t, id) {
			if l.Level == "WARN" && strings.Contains(l.Message, "unreachable") {
				return true
			}
		}
		return false
	}, "no WARN line about the unreachable source in the project log")
	if st := f.status(t, id); st != model.StatusRunning {
		t.Fatalf("while retrying: %s", st)
	}
	if err := f.eng.StopProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	if st := f.status(t, id); st != model.StatusSuspend {
		t.Fatalf("after stop: %s", st)
	}
	list, err := f.store.ListSteps(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if list[0].Status != model.StepSuspend || list[0].Error != nil {
		t.Fatalf("first step after stop: %s error %+v, want SUSPEND without error", list[0].Status, list[0].Error)
	}
	for _, l := range f.logs(t, id) {
		if strings.Contains(l.Message, "context canceled") || l.Level == "ERROR" {
			t.Fatalf("the stop was logged as a failure: %+v", l)
		}
	}
}
