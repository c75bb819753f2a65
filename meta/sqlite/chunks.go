package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
)

// SaveChunks replaces the chunk plan of (projectID, step, table) with chunks in one
// transaction. Each chunk's Table field is ignored in favour of table; an empty Status is
// stored as PENDING. The project must be live (errs.ProjectNotFound otherwise).
func (s *Store) SaveChunks(ctx context.Context, projectID string, step model.StepName, table string, chunks []meta.ChunkState) error {
	return s.writeFor(ctx, projectID, func(tx *sql.Tx) error {
		if err := s.projectExists(ctx, tx, projectID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM chunks WHERE project_id = ? AND step = ? AND tbl = ?`,
			projectID, string(step), table); err != nil {
			return dbErr("replace chunks", err)
		}
		ins := tx.StmtContext(ctx, s.insertChunk)
		defer ins.Close()
		for _, c := range chunks {
			status := c.Status
			if status == "" {
				status = meta.ChunkPending
			}
			_, err := ins.ExecContext(ctx, projectID, string(step), table, c.Seq, c.Lower, c.Upper, status,
				c.Rows, c.Bytes, c.Result)
			if isUnique(err) {
				return errs.Invalid("chunk plan of %s has sequence number %d twice", table, c.Seq)
			}
			if err != nil {
				return dbErr("insert chunk", err)
			}
		}
		return nil
	})
}

// ListChunks returns the chunk plan of (projectID, step, table) ordered by Seq; empty if none.
func (s *Store) ListChunks(ctx context.Context, projectID string, step model.StepName, table string) ([]meta.ChunkState, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, lower, upper, status, rows, bytes, result FROM chunks
		WHERE project_id = ? AND step = ? AND tbl = ? ORDER BY seq`, projectID, string(step), table)
	if err != nil {
		return nil, dbErr("list chunks", err)
	}
	defer rows.Close()
	out := []meta.ChunkState{}
	for rows.Next() {
		c := meta.ChunkState{Table: table}
		if err := rows.Scan(&c.Seq, &c.Lower, &c.Upper, &c.Status, &c.Rows, &c.Bytes, &c.Result); err != nil {
			return nil, dbErr("list chunks", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("list chunks", err)
	}
	return out, nil
}

// FinishChunk marks one chunk DONE with its rows, bytes and result in a single UPDATE. A chunk
// that is not in the plan returns a KindNotFound error.
// On a fenced view the UPDATE runs in a write transaction behind the lease check.
func (s *Store) FinishChunk(ctx context.Context, projectID string, step model.StepName, table string, seq int, rows, bytes int64, result string) error {
	args := []any{meta.ChunkDone, rows, bytes, result, projectID, string(step), table, seq}
	var res sql.Result
	var err error
	if s.fence == nil {
		res, err = s.finishChunk.ExecContext(ctx, args...)
	} else {
		err = s.writeFor(ctx, projectID, func(tx *sql.Tx) error {
			st := tx.StmtContext(ctx, s.finishChunk)
			defer st.Close()
			var e error
			res, e = st.ExecContext(ctx, args...)
			return e
		})
	}
	if err != nil {
		return dbErr("finish chunk", err) // a lease error passes as is
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.KindNotFound, errs.CodeInternal,
			fmt.Sprintf("chunk %d of %s (%s, project %s) is not in the plan", seq, table, step, projectID),
			"The chunk plan was reset while the chunk was running; the step will re-plan the table.").
			With("id", projectID).With("table", table).With("seq", strconv.Itoa(seq))
	}
	return nil
}

// ResetStepState drops every chunk and table state of (projectID, step) in one transaction.
func (s *Store) ResetStepState(ctx context.Context, projectID string, step model.StepName) error {
	return s.writeFor(ctx, projectID, func(tx *sql.Tx) error {
		for _, t := range []string{"chunks", "tables_state"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE project_id = ? AND step = ?",
				projectID, string(step)); err != nil {
				return dbErr("reset step state", err)
			}
		}
		return nil
	})
}

// PutTable inserts or replaces the state of (t.ProjectID, t.Step, t.Table). A zero Updated is
// stored as the current time. The project must be live (errs.ProjectNotFound otherwise).
func (s *Store) PutTable(ctx context.Context, t *meta.TableState) error {
	updated := t.Updated
	if updated.IsZero() {
		updated = time.Now()
	}
	return s.writeFor(ctx, t.ProjectID, func(tx *sql.Tx) error {
		if err := s.projectExists(ctx, tx, t.ProjectID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tables_state (project_id, step, tbl, target, status, capacity, done,
			bytes, extra, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (project_id, step, tbl) DO UPDATE SET target = excluded.target, status = excluded.status,
			capacity = excluded.capacity, done = excluded.done, bytes = excluded.bytes, extra = excluded.extra,
			updated = excluded.updated`,
			t.ProjectID, string(t.Step), t.Table, t.Target, t.Status, t.Capacity, t.Done, t.Bytes, t.Extra, ts(updated))
		if err != nil {
			return dbErr("put table state", err)
		}
		return nil
	})
}

// ListTables returns the table states of (projectID, step) ordered by table; empty if none.
func (s *Store) ListTables(ctx context.Context, projectID string, step model.StepName) ([]meta.TableState, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tbl, target, status, capacity, done, bytes, extra, updated
		FROM tables_state WHERE project_id = ? AND step = ? ORDER BY tbl`, projectID, string(step))
	if err != nil {
		return nil, dbErr("list tables", err)
	}
	defer rows.Close()
	out := []meta.TableState{}
	for rows.Next() {
		t := meta.TableState{ProjectID: projectID, Step: step}
		var updated sql.NullInt64
		if err := rows.Scan(&t.Table, &t.Target, &t.Status, &t.Capacity, &t.Done, &t.Bytes, &t.Extra, &updated); err != nil {
			return nil, dbErr("list tables", err)
		}
		t.Updated = fromTS(updated)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("list tables", err)
	}
	return out, nil
}
