package service_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	_ "github.com/godwit/godwit/endpoint/mysql"
	"github.com/godwit/godwit/engine"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/meta/sqlite"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/secret"
	"github.com/godwit/godwit/service"
	"github.com/godwit/godwit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestVerifyJobCancelledByClose: a standalone verification is an engine job. While it runs
// (held up by a write lock on the target table) a second one of the same project is refused
// with GODWIT-JOB-0001; Engine.Close cancels it and returns only once it has stopped, the job
// is listed CANCELLED and the run is recorded SUSPEND (resumable), not left RUNNING.
func TestVerifyJobCancelledByClose(t *testing.T) {
	ctx := context.Background()
	m := testenv.SharedMariaDB(t, "service")
	srcDB, dstDB := testenv.UniqueName("vjs"), testenv.UniqueName("vjd")
	for _, name := range []string{srcDB, dstDB} {
		db, err := m.CreateDatabase(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		defer m.DropDatabase(context.Background(), name) //nolint:errcheck
		if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))`); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 50; i++ {
			if _, err := db.ExecContext(ctx, `INSERT INTO t VALUES (?, ?)`, i, fmt.Sprint("v", i)); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
	}
	dst, err := m.DB(dstDB)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	lock, err := dst.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, `LOCK TABLES t WRITE`); err != nil {
		t.Fatal(err)
	}
	defer lock.ExecContext(context.Background(), `UNLOCK TABLES`) //nolint:errcheck

	log := slog.New(slog.DiscardHandler)
	box, err := secret.NewBox(bytes.Repeat([]byte{3}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, t.TempDir()+"/meta.db", box, log)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ds := m.DataSource("vj-ds")
	ds.ID = model.NewID("e")
	if err := store.CreateDataSource(ctx, &ds); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	p := &model.Project{ID: model.NewID("np"), Name: "vj", Type: model.ProjectMigration, Status: model.StatusInit,
		SourceEndpointID: ds.ID, SinkEndpointID: ds.ID, GmtCreate: now, GmtModified: now,
		TransferMapping: model.TransferMapping{Databases: []model.DbObject{{Name: srcDB, MappedName: dstDB}}}}
	p.ApplyDefaults()
	if err := store.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	eng := engine.New(store, log, engine.Options{DataDir: t.TempDir(), ReconcileEvery: -1})
	svc := service.New(store, eng, log)

	started, err := svc.StartVerify(ctx, p.ID, service.VerifyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.StartVerify(ctx, p.ID, service.VerifyRequest{})
	if err == nil || errs.As(err).Code != errs.CodeJobBusy {
		t.Fatalf("second verification while one runs: %v, want %s", err, errs.CodeJobBusy)
	}
	jobs := eng.Jobs(p.ID)
	if len(jobs) != 1 || jobs[0].ID != started.RunID || jobs[0].Status != engine.JobRunning || jobs[0].Kind != engine.JobVerify {
		t.Fatalf("jobs = %+v, want the one running verification %s", jobs, started.RunID)
	}
	closed := make(chan struct{})
	go func() {
		eng.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Engine.Close did not return: the verification job was not cancelled")
	}
	if jobs := eng.Jobs(p.ID); len(jobs) != 1 || jobs[0].Status != engine.JobCancelled || jobs[0].Finished.IsZero() {
		t.Fatalf("jobs after Close = %+v, want the verification CANCELLED", jobs)
	}
	r, err := store.GetVerifyRun(ctx, started.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != meta.VerifyStopped {
		t.Fatalf("run after Close = %s (%s), want %s", r.Status, r.Message, meta.VerifyStopped)
	}
	if _, err := svc.StartVerify(ctx, p.ID, service.VerifyRequest{}); err == nil || errs.As(err).Kind != errs.KindUnavailable {
		t.Fatalf("verification after Close: %v, want a KindUnavailable refusal", err)
	}
}
