package meta

import (
	"context"
	"time"
)

// LeaseStore gives a node ownership of a project. Embedded in Store.
//
// Contract (fencing): a project has at most one lease at a time. A lease carries a fencing
// token, an int64 that increases by one every time the lease is acquired (by anyone, also by
// the same owner again) and never decreases, not even when the lease is released or the
// project deleted. Expiry is judged with the caller's clock (now): nodes sharing a store need
// clocks that agree to well within the TTL. A lease that expired but that nobody took over
// stays valid for its holder: its token still matches, so its writes still succeed and
// RenewLease extends it. Ownership is enforced by the token, never by time alone: every write
// through Fenced(l) checks, in its own write transaction, that the project's stored token is
// still l.Token and otherwise changes nothing and returns errs.CodeLeaseLost.
type LeaseStore interface {
	// AcquireLease gives projectID's lease to owner until now+ttl with a new token. It is
	// refused with errs.CodeLeaseHeld (KindConflict) while another owner holds an unexpired
	// lease; an expired lease or one held by owner itself is taken over (its old token is then
	// fenced out). Unknown projects return errs.ProjectNotFound.
	AcquireLease(ctx context.Context, projectID, owner string, now time.Time, ttl time.Duration) (Lease, error)
	// AcquireNamedLease is AcquireLease for one of the project's named leases (a standalone
	// job's: JobLeaseName). Each name has its own holder and its own monotonic token, held
	// independently of the project's run lease (name ""); the same rules apply.
	AcquireNamedLease(ctx context.Context, projectID, name, owner string, now time.Time, ttl time.Duration) (Lease, error)
	// RenewLease extends l (of any name) to now+ttl. It returns errs.CodeLeaseLost if l.Token
	// is no longer the token of l's project and name (another owner took the lease over, or l was released).
	RenewLease(ctx context.Context, l Lease, now time.Time, ttl time.Duration) (Lease, error)
	// ReleaseLease gives up l so that any owner can acquire the project at once; releasing a
	// lease that was lost already is not an error (it changes nothing).
	ReleaseLease(ctx context.Context, l Lease) error
	// GetLease returns the project's current lease (Owner "" and zero Expires when nobody
	// holds it; the zero Lease when it was never acquired).
	GetLease(ctx context.Context, projectID string) (Lease, error)
	// Fenced returns a view of the store whose every write is conditional on l: the write
	// transaction first checks that the stored token of l's project and name is l.Token and fails with
	// errs.CodeLeaseLost, writing nothing, otherwise; writes keyed by another project than
	// l.ProjectID are refused the same way. Reads pass through. The view shares the store's
	// connections: closing it is a no-op.
	Fenced(l Lease) Store
}

// Lease is one owner's hold on a project.
type Lease struct {
	ProjectID string
	Name      string // "" for the project's run lease; JobLeaseName(kind) for a job's
	Owner     string
	Token     int64     // fencing token: monotonic per project
	Expires   time.Time // zero when released
}

// JobLeaseName is the name of the lease that makes a kind of standalone job of a project
// exclusive across nodes.
func JobLeaseName(kind string) string { return "job:" + kind }
