package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/apply"
	"github.com/godwit/godwit/errs"
)

// The MySQL family's switchover capabilities: the fence is the global read_only flag
// (accounts with SUPER / READ_ONLY ADMIN and replication threads write through it, which
// is what lets the reverse stream apply to a fenced source), and the loop marker is the
// checkpoint table every applied transaction writes its position row into.

var (
	_ endpoint.Fencer     = (*Endpoint)(nil)
	_ endpoint.LoopMarker = (*Endpoint)(nil)
)

// MarkerTable implements endpoint.LoopMarker: <checkpointSchema>.checkpoint.
func (e *Endpoint) MarkerTable(checkpointSchema string) endpoint.TableName {
	if checkpointSchema == "" {
		checkpointSchema = DefaultCheckpointSchema
	}
	return endpoint.TableName{Schema: checkpointSchema, Name: checkpointTable}
}

// Fenced implements endpoint.Fencer.
func (e *Endpoint) Fenced(ctx context.Context) (bool, error) {
	var ro int
	if err := e.db.QueryRowContext(ctx, "SELECT @@global.read_only").Scan(&ro); err != nil {
		return false, apply.Err("reading read_only", err)
	}
	return ro != 0, nil
}

// Unfence implements endpoint.Fencer.
func (e *Endpoint) Unfence(ctx context.Context) error {
	if _, err := e.db.ExecContext(ctx, "SET GLOBAL read_only = OFF"); err != nil {
		return fenceErr("SET GLOBAL read_only = OFF failed: "+err.Error(), err)
	}
	return nil
}

// Fence implements endpoint.Fencer: SET GLOBAL read_only = ON, then open write
// transactions (InnoDB transactions that modified rows) of other sessions are waited out
// for opts.Wait and, with opts.Kill, their sessions killed (KILL CONNECTION rolls them
// back). Replication dump threads and godwit's own account are left alone.
func (e *Endpoint) Fence(ctx context.Context, opts endpoint.FenceOptions) (endpoint.FenceReport, error) {
	var rep endpoint.FenceReport
	was, err := e.Fenced(ctx)
	if err != nil {
		return rep, err
	}
	rep.WasFenced = was
	if !was {
		// SET GLOBAL read_only waits for running write statements and commits; bound it.
		sctx, cancel := context.WithTimeout(ctx, opts.Wait+5*time.Second)
		_, err := e.db.ExecContext(sctx, "SET GLOBAL read_only = ON")
		cancel()
		if err != nil {
			return rep, fenceErr("SET GLOBAL read_only = ON failed: "+err.Error(), err)
		}
	}
	undo := func() {
		if !was {
			_ = e.Unfence(context.WithoutCancel(ctx))
		}
	}
	start := time.Now()
	deadline := start.Add(opts.Wait)
	for {
		open, err := e.openWriters(ctx)
		if err != nil {
			undo()
			return rep, err
		}
		if len(open) == 0 {
			break
		}
		if time.Now().After(deadline) {
			if !opts.Kill {
				undo()
				return rep, errs.New(errs.KindState, errs.CodeSwitchFence,
					fmt.Sprintf("%d write transaction(s) stayed open on the source for %s after read_only=ON (sessions %v)", len(open), opts.Wait, open),
					"Finish or roll back those transactions, or set switchoverConfig.killOpenTransactions, and ask for the switchover again.").
					With("gate", "fence")
			}
			for _, id := range open {
				if _, err := e.db.ExecContext(ctx, fmt.Sprintf("KILL CONNECTION %d", id)); err != nil && !strings.Contains(err.Error(), "Unknown thread") {
					undo()
					return rep, fenceErr(fmt.Sprintf("KILL CONNECTION %d failed: %v", id, err), err)
				}
				rep.Killed++
			}
			// A killed session rolls back before it is gone: look again.
			deadline = time.Now().Add(10 * time.Second)
			opts.Kill = false
		}
		select {
		case <-ctx.Done():
			undo()
			return rep, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	rep.WaitedMillis = time.Since(start).Milliseconds()
	if rep.Bypass, err = e.bypassers(ctx); err != nil {
		undo()
		return rep, err
	}
	return rep, nil
}

// openWriters lists the thread ids of other sessions with an open InnoDB transaction that
// modified rows (or holds row locks for a write).
func (e *Endpoint) openWriters(ctx context.Context) ([]int64, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT trx_mysql_thread_id FROM information_schema.innodb_trx
WHERE trx_mysql_thread_id <> CONNECTION_ID() AND (trx_rows_modified > 0 OR trx_lock_structs > 0 AND trx_is_read_only = 0)`)
	if err != nil {
		return nil, apply.Err("listing open transactions", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id sql.NullInt64
		if err := rows.Scan(&id); err != nil {
			return nil, apply.Err("listing open transactions", err)
		}
		if id.Valid && id.Int64 > 0 {
			out = append(out, id.Int64)
		}
	}
	return out, rows.Err()
}

// bypassers lists the connected accounts, other than godwit's own and replication threads,
// that read_only does not stop (SUPER, READ_ONLY ADMIN / READ ONLY ADMIN, ALL PRIVILEGES).
func (e *Endpoint) bypassers(ctx context.Context) ([]string, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT DISTINCT p.USER FROM information_schema.PROCESSLIST p
WHERE p.ID <> CONNECTION_ID() AND p.USER <> SUBSTRING_INDEX(CURRENT_USER(), '@', 1)
  AND p.COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Daemon')
  AND p.USER NOT IN ('system user', 'event_scheduler', 'unauthenticated user')
  AND EXISTS (SELECT 1 FROM information_schema.USER_PRIVILEGES u
              WHERE u.GRANTEE LIKE CONCAT('''', p.USER, '''@%')
                AND u.PRIVILEGE_TYPE IN ('SUPER', 'READ_ONLY ADMIN', 'READ ONLY ADMIN'))`)
	if err != nil {
		return nil, apply.Err("listing sessions that bypass read_only", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, apply.Err("listing sessions that bypass read_only", err)
		}
		out = append(out, u)
	}
	sort.Strings(out)
	return out, rows.Err()
}

func fenceErr(msg string, err error) error {
	return errs.New(errs.KindState, errs.CodeSwitchFence, msg,
		"godwit's source account needs SUPER (MySQL 5.7) / SYSTEM_VARIABLES_ADMIN (MySQL 8) / SUPER or READ_ONLY ADMIN (MariaDB) to fence the source; or stop the writes yourself and use switchoverConfig.fenceMode USER.").
		With("gate", "fence").Wrap(err)
}
