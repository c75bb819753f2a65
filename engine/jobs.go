package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

// JobKind names a kind of standalone job: work the engine runs for a project outside its run
// (a verification started by the API, a submitted precheck).
type JobKind string

// Job kinds.
const (
	JobVerify   JobKind = "VERIFY"
	JobPrecheck JobKind = "PRECHECK"
)

// JobStatus is a job's state.
type JobStatus string

// Job statuses.
const (
	JobReserved  JobStatus = "RESERVED" // reserved, not started yet
	JobRunning   JobStatus = "RUNNING"
	JobFinished  JobStatus = "FINISHED"
	JobFailed    JobStatus = "FAILED"
	JobCancelled JobStatus = "CANCELLED" // the engine closed while it ran
)

// jobHistory bounds how many ended jobs Jobs still lists.
const jobHistory = 100

// JobInfo is a job as listed.
type JobInfo struct {
	ID        string
	Kind      JobKind
	ProjectID string
	Status    JobStatus
	Error     string
	Started   time.Time
	Finished  time.Time // zero while running
}

type jobKey struct {
	project string
	kind    JobKind
}

type job struct {
	info JobInfo
	done chan struct{}
}

// Job is a reserved slot for a standalone job, returned by ReserveJob. Exactly one of Go or
// Abandon must be called. Not safe for concurrent use.
type Job struct {
	e     *Engine
	key   jobKey
	j     *job
	used  bool
	lease meta.Lease // the job's named lease (zero for projectID "")
	store meta.Store // the store, fenced by lease when there is one
}

// errJobLeaseLost is the cancel cause of a job whose lease another node took over.
var errJobLeaseLost = errors.New("the job's lease was taken over by another node")

// ReserveJob reserves the slot of a kind of job for a project: while it is reserved or its
// job runs, another reservation of the same (projectID, kind) is refused with errs.CodeJobBusy
// (KindState), on this node and on every node sharing the metadata store: the slot holds
// the project's named lease meta.JobLeaseName(kind), renewed while the job runs and released
// when it ends. projectID "" (a job tied to no stored project) is never exclusive. A closed
// engine refuses with KindUnavailable.
func (e *Engine) ReserveJob(ctx context.Context, kind JobKind, projectID string) (*Job, error) {
	e.mu.Lock()
	if e.base.Err() != nil {
		e.mu.Unlock()
		return nil, errs.New(errs.KindUnavailable, errs.CodeInternal, "godwit is shutting down", "Retry once it has restarted.")
	}
	key := jobKey{project: projectID, kind: kind}
	if projectID != "" {
		if cur := e.jobs[key]; cur != nil {
			e.mu.Unlock()
			return nil, jobBusy(kind, projectID, cur.info.ID, "")
		}
	}
	j := &job{info: JobInfo{Kind: kind, ProjectID: projectID, Status: JobReserved, Started: e.now().UTC()}, done: make(chan struct{})}
	h := &Job{e: e, key: key, j: j, store: e.store}
	if projectID == "" {
		e.mu.Unlock()
		return h, nil
	}
	e.jobs[key] = j
	e.mu.Unlock()
	l, err := e.store.AcquireNamedLease(ctx, projectID, meta.JobLeaseName(string(kind)), e.node, e.now(), e.ttl)
	if err != nil {
		h.Abandon()
		if ee := errs.As(err); ee.Code == errs.CodeLeaseHeld {
			owner := ee.Params["owner"]
			return nil, jobBusy(kind, projectID, "", owner)
		}
		return nil, err
	}
	h.lease, h.store = l, e.store.Fenced(l)
	return h, nil
}

// jobBusy is the refusal of a second job of a kind for a project: job is the running job's
// id on this node, owner the node holding it elsewhere.
func jobBusy(kind JobKind, projectID, job, owner string) error {
	what := fmt.Sprintf("a %s job (%s) of project %s is already running", kind, job, projectID)
	if owner != "" {
		what = fmt.Sprintf("a %s job of project %s is already running on node %s", kind, projectID, owner)
	}
	e := errs.New(errs.KindState, errs.CodeJobBusy, what,
		"Wait for it to finish (list the project's jobs or verification runs), then start another.").
		With("id", projectID)
	if job != "" {
		e = e.With("job", job)
	}
	if owner != "" {
		e = e.With("owner", owner)
	}
	return e
}

// Store is the metadata store the job writes through: fenced by the job's lease, so that once
// another node has taken the lease over none of the job's writes land.
func (h *Job) Store() meta.Store { return h.store }

// Abandon gives the slot back without running anything.
func (h *Job) Abandon() {
	if h.used {
		return
	}
	h.used = true
	h.release()
	h.e.mu.Lock()
	defer h.e.mu.Unlock()
	if h.e.jobs[h.key] == h.j {
		delete(h.e.jobs, h.key)
	}
	close(h.j.done)
}

// release gives up the job's lease, if it holds one.
func (h *Job) release() {
	if h.lease.Owner == "" {
		return
	}
	if err := h.e.store.ReleaseLease(context.Background(), h.lease); err != nil {
		h.e.log.Warn("releasing a job's lease failed", "project", h.lease.ProjectID, "lease", h.lease.Name, "err", err)
	}
}

// Go runs fn as job id in its own goroutine and returns a channel closed when fn has returned
// and the job is recorded as ended. fn's context is cancelled by Engine.Close, which waits for
// fn to return; fn's error (if any) sets the job FAILED, a cancellation by Close CANCELLED.
// If the engine closed since the reservation, fn is not run and Go returns an error: the
// caller then releases what fn would have.
func (h *Job) Go(id string, fn func(ctx context.Context) error) (<-chan struct{}, error) {
	if h.used {
		return nil, errors.New("engine: job slot used twice")
	}
	e := h.e
	e.mu.Lock()
	if e.base.Err() != nil {
		e.mu.Unlock()
		h.Abandon()
		return nil, errs.New(errs.KindUnavailable, errs.CodeInternal, "godwit is shutting down", "Retry once it has restarted.")
	}
	h.used = true
	ctx, cancel := context.WithCancelCause(e.base)
	h.j.info.ID, h.j.info.Status, h.j.info.Started = id, JobRunning, e.now().UTC()
	e.jobList = append(e.jobList, h.j)
	e.wg.Add(1) // under e.mu after the base check: Close cancels base under e.mu before it waits
	e.mu.Unlock()
	go func() {
		defer e.wg.Done()
		defer cancel(nil)
		renewed := make(chan struct{})
		rctx, stopRenew := context.WithCancel(ctx)
		go func() {
			defer close(renewed)
			if h.lease.Owner != "" {
				e.renewLease(rctx, h.lease, func() { cancel(errJobLeaseLost) })
			}
		}()
		err := fn(ctx)
		stopRenew()
		<-renewed
		h.release()
		if errors.Is(context.Cause(ctx), errJobLeaseLost) {
			err = errs.LeaseLost(h.lease.ProjectID, h.lease.Token)
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		h.j.info.Finished = e.now().UTC()
		switch {
		case e.base.Err() != nil && ctx.Err() != nil && !isLeaseLost(err):
			h.j.info.Status = JobCancelled
		case err != nil:
			h.j.info.Status, h.j.info.Error = JobFailed, errs.As(err).FullMessage()
		default:
			h.j.info.Status = JobFinished
		}
		if e.jobs[h.key] == h.j {
			delete(e.jobs, h.key)
		}
		e.trimJobs()
		close(h.j.done)
	}()
	return h.j.done, nil
}

// trimJobs drops the oldest ended jobs beyond jobHistory; e.mu is held.
func (e *Engine) trimJobs() {
	ended := 0
	for _, j := range e.jobList {
		if !j.info.Finished.IsZero() {
			ended++
		}
	}
	keep := e.jobList[:0]
	for _, j := range e.jobList {
		if ended > jobHistory && !j.info.Finished.IsZero() {
			ended--
			continue
		}
		keep = append(keep, j)
	}
	e.jobList = keep
}

// Jobs lists the running jobs and the last ended ones, oldest first; projectID "" lists all.
func (e *Engine) Jobs(projectID string) []JobInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []JobInfo{}
	for _, j := range e.jobList {
		if projectID == "" || j.info.ProjectID == projectID {
			out = append(out, j.info)
		}
	}
	return out
}
