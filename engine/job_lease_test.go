package engine_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godwit/godwit/engine"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

// TestJobLeaseTwoNodes runs two engines (nodes A and B) over one SQLite file: a standalone
// job of a kind is exclusive across them, not only within one process. While A's VERIFY job
// of a project runs, B's reservation of the same kind is refused with GODWIT-JOB-0001 naming
// node A, and another kind is not. When B's clock passes A's job lease expiry, B takes the
// job over: A's job is cancelled, ends FAILED with GODWIT-LEASE-0001, and nothing it writes
// after the takeover is stored.
func TestJobLeaseTwoNodes(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	stA, stB := twoNodeStores(t, log)
	ds := model.DataSource{ID: model.NewID("e"), Name: "job-lease-ds", Type: model.TypeMariaDB, Host: "127.0.0.1", Port: 1, User: "u"}
	if err := stA.CreateDataSource(ctx, &ds); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	p := &model.Project{ID: model.NewID("np"), Name: "p", Type: model.ProjectMigration, Status: model.StatusInit,
		SourceEndpointID: ds.ID, SinkEndpointID: ds.ID, GmtCreate: now, GmtModified: now}
	p.ApplyDefaults()
	if err := stA.CreateProject(ctx, p, []model.Step{{Order: 1, Name: model.StepFull}}); err != nil {
		t.Fatal(err)
	}

	var ahead atomic.Int64 // how far B's clock is ahead of A's
	opts := func(node string) engine.Options {
		return engine.Options{NodeID: node, ReconcileEvery: -1, DataDir: t.TempDir(),
			LeaseTTL: 2 * time.Second, LeaseRenew: 50 * time.Millisecond}
	}
	engA := engine.New(stA, log, opts("A"))
	ob := opts("B")
	ob.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	engB := engine.New(stB, log, ob)
	defer engA.Close()
	defer engB.Close()

	jobA, err := engA.ReserveJob(ctx, engine.JobVerify, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	written := make(chan error, 1000)
	doneA, err := jobA.Go("vr_a", func(jctx context.Context) error {
		for i := 0; ; i++ {
			err := jobA.Store().PutState(jctx, p.ID, "job-owner", []byte{'A', byte(i)})
			written <- err
			if err != nil {
				return err
			}
			select {
			case <-jctx.Done():
				return jctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-written; err != nil {
		t.Fatalf("A's first write: %v", err)
	}

	// B is refused the same kind of job while A's lease is live, and allowed another kind.
	_, err = engB.ReserveJob(ctx, engine.JobVerify, p.ID)
	if e := errs.As(err); e == nil || e.Code != errs.CodeJobBusy || e.Params["owner"] != "A" {
		t.Fatalf("B's reservation during A's job: %v, want %s naming node A", err, errs.CodeJobBusy)
	}
	pre, err := engB.ReserveJob(ctx, engine.JobPrecheck, p.ID)
	if err != nil {
		t.Fatalf("B's PRECHECK reservation: %v", err)
	}
	pre.Abandon()
	// The renewal keeps A's lease past its first TTL: B is still refused after it.
	time.Sleep(2500 * time.Millisecond) // real time must pass a TTL for this check
	if _, err := engB.ReserveJob(ctx, engine.JobVerify, p.ID); errs.As(err).Code != errs.CodeJobBusy {
		t.Fatalf("B's reservation after A's first TTL: %v, want %s (A renews)", err, errs.CodeJobBusy)
	}

	// B's clock passes A's lease expiry by far more than A renews ahead: B takes the job over.
	ahead.Store(int64(time.Hour))
	jobB, err := engB.ReserveJob(ctx, engine.JobVerify, p.ID)
	if err != nil {
		t.Fatalf("B's takeover of an expired job lease: %v", err)
	}
	defer jobB.Abandon()
	select {
	case <-doneA:
	case <-time.After(20 * time.Second):
		t.Fatal("A's job still runs after its lease was taken over")
	}
	var info engine.JobInfo
	for _, j := range engA.Jobs(p.ID) {
		if j.ID == "vr_a" {
			info = j
		}
	}
	if info.Status != engine.JobFailed {
		t.Fatalf("A's job ended %s (%s), want FAILED with a lost lease", info.Status, info.Error)
	}
	// Nothing A writes after the takeover lands.
	if err := jobB.Store().PutState(ctx, p.ID, "job-owner", []byte("B")); err != nil {
		t.Fatalf("B's write: %v", err)
	}
	if err := jobA.Store().PutState(ctx, p.ID, "job-owner", []byte("A-late")); errs.As(err).Code != errs.CodeLeaseLost {
		t.Fatalf("A's write after the takeover: %v, want %s", err, errs.CodeLeaseLost)
	}
	got, err := stA.GetState(ctx, p.ID, "job-owner")
	if err != nil || string(got) != "B" {
		t.Fatalf("stored job-owner = %q, %v; want B's write", got, err)
	}
}
