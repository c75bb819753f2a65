package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

// AcquireLease implements meta.LeaseStore: the project's run lease (name "").
func (s *Store) AcquireLease(ctx context.Context, projectID, owner string, now time.Time, ttl time.Duration) (meta.Lease, error) {
	return s.AcquireNamedLease(ctx, projectID, "", owner, now, ttl)
}

// AcquireNamedLease implements meta.LeaseStore: one write transaction reads the lease row of
// the project and name and, unless another owner's lease is still unexpired at now, stores
// owner with the next token.
func (s *Store) AcquireNamedLease(ctx context.Context, projectID, name, owner string, now time.Time, ttl time.Duration) (meta.Lease, error) {
	if owner == "" || ttl <= 0 {
		return meta.Lease{}, errs.Invalid("a lease needs an owner and a positive TTL")
	}
	var out meta.Lease
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.projectExists(ctx, tx, projectID); err != nil {
			return err
		}
		cur, err := readLease(ctx, tx, projectID, name)
		if err != nil {
			return err
		}
		if cur.Owner != "" && cur.Owner != owner && cur.Expires.After(now) {
			what := "project " + projectID
			if name != "" {
				what = "lease " + name + " of project " + projectID
			}
			return errs.New(errs.KindConflict, errs.CodeLeaseHeld,
				fmt.Sprintf("%s is held by node %s until %s", what, cur.Owner, cur.Expires.Format(time.RFC3339)),
				"Another godwit node runs the project; act on it there, or wait until its lease expires.").
				With("id", projectID).With("owner", cur.Owner)
		}
		out = meta.Lease{ProjectID: projectID, Name: name, Owner: owner, Token: cur.Token + 1, Expires: now.Add(ttl).UTC()}
		if _, err := tx.ExecContext(ctx, `INSERT INTO leases (project_id, name, owner, token, expires) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (project_id, name) DO UPDATE SET owner = excluded.owner, token = excluded.token, expires = excluded.expires`,
			projectID, name, owner, out.Token, ts(out.Expires)); err != nil {
			return dbErr("acquire lease", err)
		}
		return nil
	})
	return out, err
}

// RenewLease implements meta.LeaseStore.
func (s *Store) RenewLease(ctx context.Context, l meta.Lease, now time.Time, ttl time.Duration) (meta.Lease, error) {
	l.Expires = now.Add(ttl).UTC()
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE leases SET expires = ? WHERE project_id = ? AND name = ? AND token = ? AND owner = ?`,
			ts(l.Expires), l.ProjectID, l.Name, l.Token, l.Owner)
		if err != nil {
			return dbErr("renew lease", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.LeaseLost(l.ProjectID, l.Token)
		}
		return nil
	})
	return l, err
}

// ReleaseLease implements meta.LeaseStore: the row keeps its token, so the next acquire
// still gets a higher one.
func (s *Store) ReleaseLease(ctx context.Context, l meta.Lease) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE leases SET owner = '', expires = NULL WHERE project_id = ? AND name = ? AND token = ?`,
			l.ProjectID, l.Name, l.Token); err != nil {
			return dbErr("release lease", err)
		}
		return nil
	})
}

// GetLease implements meta.LeaseStore.
func (s *Store) GetLease(ctx context.Context, projectID string) (meta.Lease, error) {
	return readLease(ctx, s.r, projectID, "")
}

// Fenced implements meta.LeaseStore: the view is a copy of s that shares its connections and
// prepared statements and checks l in every write transaction (see write).
func (s *Store) Fenced(l meta.Lease) meta.Store {
	c := *s
	c.fence = &l
	return &c
}

func readLease(ctx context.Context, q queryer, projectID, name string) (meta.Lease, error) {
	l := meta.Lease{ProjectID: projectID, Name: name}
	var exp sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT owner, token, expires FROM leases WHERE project_id = ? AND name = ?`, projectID, name).
		Scan(&l.Owner, &l.Token, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return l, nil
	}
	if err != nil {
		return l, dbErr("read lease", err)
	}
	l.Expires = fromTS(exp)
	return l, nil
}

// checkFence refuses the transaction unless the view is unfenced, projectID is "" or the
// fenced project, and the stored token of the fenced lease (project and name) is still the
// view's.
func (s *Store) checkFence(ctx context.Context, tx *sql.Tx, projectID string) error {
	f := s.fence
	if f == nil {
		return nil
	}
	if projectID != "" && projectID != f.ProjectID {
		return errs.New(errs.KindState, errs.CodeLeaseLost,
			fmt.Sprintf("a write for project %s through the lease of project %s is refused", projectID, f.ProjectID),
			"This is a godwit bug: report it with the log.").With("id", projectID)
	}
	var token int64
	err := tx.QueryRowContext(ctx, `SELECT token FROM leases WHERE project_id = ? AND name = ?`, f.ProjectID, f.Name).Scan(&token)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return dbErr("check lease", err)
	}
	if err != nil || token != f.Token {
		return errs.LeaseLost(f.ProjectID, f.Token)
	}
	return nil
}
