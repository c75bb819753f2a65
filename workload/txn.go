package workload

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

// Prepare creates the workload's own tables in dbName (a sampledb database): w_seq, the
// append-only table numbered 1..N. It is idempotent.
func Prepare(ctx context.Context, db *sql.DB, dbName string) error {
	_, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+qi(dbName)+`.w_seq (
  n BIGINT NOT NULL,
  writer SMALLINT NOT NULL,
  at DATETIME(6) NOT NULL,
  note VARCHAR(64) NULL,
  PRIMARY KEY (n)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='append-only, numbered 1..N without gaps by the workload'`)
	if err != nil {
		return fmt.Errorf("workload: create w_seq: %w", err)
	}
	return nil
}

// txnTimeout bounds one transaction; statements never use the workload's own context, so
// stopping never aborts a transaction half way (which would make its outcome unknown).
const txnTimeout = 60 * time.Second

// exec runs t until it commits, is rolled back (on purpose or by a conflict), or fails
// with an error that is not a lost connection.
func (wr *writer) exec(ctx context.Context, t txn) error {
	w := wr.w
	for attempt := 0; ; attempt++ {
		if t.seq {
			w.seq.mu.Lock()
		}
		n := w.seq.next.Load() + 1
		d, atCommit, err := wr.try(t, n)
		if err == nil && !t.rollback {
			if t.seq {
				w.seq.next.Store(n)
			}
			wr.commit(d, t)
		}
		if t.seq && err != nil && isConn(err) && atCommit {
			// The commit may or may not have happened: ask the server once it is back.
			committed, rerr := wr.resolveSeq(n)
			if rerr != nil {
				w.seq.mu.Unlock()
				return rerr
			}
			if committed {
				w.seq.next.Store(n)
				wr.commit(d, t)
				err = nil
			}
		}
		if t.seq {
			w.seq.mu.Unlock()
		}
		switch {
		case err == nil:
			if t.rollback {
				w.c.rolledBack.Add(1)
			}
			return nil
		case isConflict(err):
			w.c.conflicts.Add(1)
			return nil
		case isConn(err):
			w.c.connErrors.Add(1)
			if w.cfg.Logf != nil {
				w.cfg.Logf("workload: writer %d: connection error (attempt %d), retrying: %v", wr.id, attempt+1, err)
			}
			if ctx.Err() != nil {
				return nil
			}
			backoff(ctx, min(2*time.Second, 50*time.Millisecond<<min(attempt, 5)))
			if ctx.Err() != nil {
				return nil
			}
		default:
			return err
		}
	}
}

func (wr *writer) commit(d delta, t txn) {
	c := &wr.w.c
	c.txns.Add(1)
	c.inserts.Add(d.inserts)
	c.updates.Add(d.updates)
	c.pkUpdates.Add(d.pk)
	c.ukUpdates.Add(d.uk)
	c.deletes.Add(d.deletes)
	if len(d.tables) > 1 {
		c.multi.Add(1)
	}
	wr.ops++
	if t.after != nil {
		t.after()
	}
}

// try runs one attempt of t; with t.seq it first inserts w_seq row n. atCommit reports
// that the error came from COMMIT (outcome unknown on a lost connection).
func (wr *writer) try(t txn, n int64) (d delta, atCommit bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), txnTimeout)
	defer cancel()
	db := wr.w.cfg.DB
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return d, false, err
	}
	x := &execer{ctx: ctx, tx: tx, db: wr.w.cfg.Database, d: &d}
	if t.seq {
		if _, err := x.exec("w_seq", fmt.Sprintf("INSERT INTO %s (n, writer, at, note) VALUES (%d, %d, NOW(6), %s)",
			x.t("w_seq"), n, wr.id, q(text(wr.r, alphabet, 20)))); err != nil {
			tx.Rollback()
			return d, false, err
		}
		d.inserts++
	}
	if err := t.body(x); err != nil {
		tx.Rollback()
		return d, false, err
	}
	if t.rollback {
		return d, false, tx.Rollback()
	}
	if err := tx.Commit(); err != nil {
		return d, true, err
	}
	return d, false, nil
}

// resolveSeq reads whether w_seq row n exists, retrying while the server is unreachable
// (up to 3 minutes).
func (wr *writer) resolveSeq(n int64) (bool, error) {
	deadline := time.Now().Add(3 * time.Minute)
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var c int
		err := wr.w.cfg.DB.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM %s.w_seq WHERE n=%d", qi(wr.w.cfg.Database), n)).Scan(&c)
		cancel()
		if err == nil {
			return c == 1, nil
		}
		if !isConn(err) || time.Now().After(deadline) {
			return false, fmt.Errorf("workload: cannot tell whether w_seq %d committed: %w", n, err)
		}
		time.Sleep(min(2*time.Second, 50*time.Millisecond<<min(attempt, 5)))
	}
}

// isConflict reports a deadlock, lock wait timeout or duplicate key.
func isConflict(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1213, 1205, 1062:
			return true
		}
	}
	return false
}

// isConn reports a lost or refused connection, or a server shutting down.
func isConn(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1053, 1927, 1152, 1043: // shutdown in progress, connection killed, aborted, bad handshake
			return true
		}
		return false
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, gomysql.ErrInvalidConn) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, sql.ErrTxDone)
}
