package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

var _ meta.VerifyStore = (*Store)(nil)

func verifyRunNotFound(id string) error {
	return errs.New(errs.KindNotFound, errs.CodeVerifyFailed, fmt.Sprintf("verification run %s does not exist", id),
		"List the project's verification runs for valid ids.").With("id", id)
}

// CreateVerifyRun stores a new run.
func (s *Store) CreateVerifyRun(ctx context.Context, r *meta.VerifyRun) error {
	if r.Started.IsZero() {
		r.Started = time.Now().UTC()
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO verify_runs (id, project_id, kind, status, result, tables, diffs,
			message, options, started, finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.ProjectID, r.Kind, r.Status, r.Result, r.Tables, r.Diffs, r.Message, r.Options, ts(r.Started), ts(r.Finished))
		if isUnique(err) {
			return errs.New(errs.KindConflict, errs.CodeVerifyFailed, "verification run "+r.ID+" already exists", "Use a new id.")
		}
		if err != nil {
			return dbErr("create verify run", err)
		}
		return nil
	})
}

// UpdateVerifyRun overwrites the mutable fields of a run.
func (s *Store) UpdateVerifyRun(ctx context.Context, r *meta.VerifyRun) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE verify_runs SET status = ?, result = ?, tables = ?, diffs = ?,
			message = ?, finished = ? WHERE id = ?`, r.Status, r.Result, r.Tables, r.Diffs, r.Message, ts(r.Finished), r.ID)
		if err != nil {
			return dbErr("update verify run", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return verifyRunNotFound(r.ID)
		}
		return nil
	})
}

const verifyRunCols = `id, project_id, kind, status, result, tables, diffs, message, options, started, finished`

func scanVerifyRun(sc interface{ Scan(...any) error }) (meta.VerifyRun, error) {
	var r meta.VerifyRun
	var started, finished sql.NullInt64
	err := sc.Scan(&r.ID, &r.ProjectID, &r.Kind, &r.Status, &r.Result, &r.Tables, &r.Diffs, &r.Message, &r.Options,
		&started, &finished)
	r.Started, r.Finished = fromTS(started), fromTS(finished)
	return r, err
}

// GetVerifyRun returns one run.
func (s *Store) GetVerifyRun(ctx context.Context, id string) (*meta.VerifyRun, error) {
	r, err := scanVerifyRun(s.r.QueryRowContext(ctx, `SELECT `+verifyRunCols+` FROM verify_runs WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, verifyRunNotFound(id)
	}
	if err != nil {
		return nil, dbErr("get verify run", err)
	}
	return &r, nil
}

// ListVerifyRuns lists a project's runs, newest first.
func (s *Store) ListVerifyRuns(ctx context.Context, projectID string, pg, size int) ([]meta.VerifyRun, int64, error) {
	out := []meta.VerifyRun{}
	total, err := s.listPage(ctx, "verify runs", verifyRunCols, "verify_runs", " WHERE project_id = ?",
		" ORDER BY started DESC, id DESC"+page(pg, size), []any{projectID}, func(rows *sql.Rows) error {
			r, err := scanVerifyRun(rows)
			out = append(out, r)
			return err
		})
	return out, total, err
}

// SaveVerifyChunks replaces the chunk plan of (runID, table).
func (s *Store) SaveVerifyChunks(ctx context.Context, runID, table string, chunks []meta.VerifyChunk) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM verify_chunks WHERE run_id = ? AND tbl = ?`, runID, table); err != nil {
			return dbErr("replace verify chunks", err)
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO verify_chunks (run_id, tbl, seq, lower, upper, status,
			source_rows, target_rows, only_src, only_dst, different, mismatch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return dbErr("insert verify chunk", err)
		}
		defer st.Close()
		for _, c := range chunks {
			status := c.Status
			if status == "" {
				status = meta.ChunkPending
			}
			_, err := st.ExecContext(ctx, runID, table, c.Seq, c.Lower, c.Upper, status, c.SourceRows, c.TargetRows,
				c.OnlyInSource, c.OnlyInTarget, c.Different, c.Mismatch)
			if isForeignKey(err) {
				return verifyRunNotFound(runID)
			}
			if err != nil {
				return dbErr("insert verify chunk", err)
			}
		}
		return nil
	})
}

// ListVerifyChunks returns the plan of (runID, table) ordered by seq.
func (s *Store) ListVerifyChunks(ctx context.Context, runID, table string) ([]meta.VerifyChunk, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, lower, upper, status, source_rows, target_rows, only_src, only_dst,
		different, mismatch FROM verify_chunks WHERE run_id = ? AND tbl = ? ORDER BY seq`, runID, table)
	if err != nil {
		return nil, dbErr("list verify chunks", err)
	}
	defer rows.Close()
	out := []meta.VerifyChunk{}
	for rows.Next() {
		c := meta.VerifyChunk{RunID: runID, Table: table}
		if err := rows.Scan(&c.Seq, &c.Lower, &c.Upper, &c.Status, &c.SourceRows, &c.TargetRows, &c.OnlyInSource,
			&c.OnlyInTarget, &c.Different, &c.Mismatch); err != nil {
			return nil, dbErr("list verify chunks", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("list verify chunks", err)
	}
	return out, nil
}

// FinishVerifyChunk marks a chunk DONE and replaces its differences, atomically.
func (s *Store) FinishVerifyChunk(ctx context.Context, c meta.VerifyChunk, diffs []meta.VerifyDiff) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE verify_chunks SET status = ?, source_rows = ?, target_rows = ?, only_src = ?,
			only_dst = ?, different = ?, mismatch = ? WHERE run_id = ? AND tbl = ? AND seq = ?`, meta.ChunkDone, c.SourceRows, c.TargetRows,
			c.OnlyInSource, c.OnlyInTarget, c.Different, c.Mismatch, c.RunID, c.Table, c.Seq)
		if err != nil {
			return dbErr("finish verify chunk", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.KindNotFound, errs.CodeVerifyFailed,
				fmt.Sprintf("verification chunk %d of %s (run %s) is not in the plan", c.Seq, c.Table, c.RunID),
				"The plan was reset while the chunk ran; the verification re-plans the table.")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM verify_diffs WHERE run_id = ? AND tbl = ? AND chunk = ?`,
			c.RunID, c.Table, c.Seq); err != nil {
			return dbErr("replace verify diffs", err)
		}
		return insertDiffs(ctx, tx, diffs)
	})
}

func insertDiffs(ctx context.Context, tx *sql.Tx, diffs []meta.VerifyDiff) error {
	if len(diffs) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO verify_diffs (run_id, tbl, target, chunk, kind, key_enc, key_text,
		columns, source_sql, target_sql, fix_sql) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return dbErr("insert verify diffs", err)
	}
	defer st.Close()
	for _, d := range diffs {
		cols := d.Columns
		if cols == nil {
			cols = []string{}
		}
		cj, _ := json.Marshal(cols)
		_, err := st.ExecContext(ctx, d.RunID, d.Table, d.Target, d.Chunk, d.Kind, d.Key, d.KeyText, string(cj),
			d.SourceSQL, d.TargetSQL, d.FixSQL)
		if isForeignKey(err) {
			return verifyRunNotFound(d.RunID)
		}
		if err != nil {
			return dbErr("insert verify diffs", err)
		}
	}
	return nil
}

// AddVerifyDiffs appends differences.
func (s *Store) AddVerifyDiffs(ctx context.Context, diffs []meta.VerifyDiff) error {
	return s.write(ctx, func(tx *sql.Tx) error { return insertDiffs(ctx, tx, diffs) })
}

// PutVerifyTable inserts or replaces a table result.
func (s *Store) PutVerifyTable(ctx context.Context, t *meta.VerifyTable) error {
	updated := t.Updated
	if updated.IsZero() {
		updated = time.Now()
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO verify_tables (run_id, tbl, target, status, result, source_rows,
			target_rows, only_in_source, only_in_target, different, chunks, chunks_done, message, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (run_id, tbl) DO UPDATE SET target = excluded.target, status = excluded.status,
			result = excluded.result, source_rows = excluded.source_rows, target_rows = excluded.target_rows,
			only_in_source = excluded.only_in_source, only_in_target = excluded.only_in_target,
			different = excluded.different, chunks = excluded.chunks, chunks_done = excluded.chunks_done,
			message = excluded.message, updated = excluded.updated`,
			t.RunID, t.Table, t.Target, t.Status, t.Result, t.SourceRows, t.TargetRows, t.OnlyInSource, t.OnlyInTarget,
			t.Different, t.Chunks, t.ChunksDone, t.Message, ts(updated))
		if isForeignKey(err) {
			return verifyRunNotFound(t.RunID)
		}
		if err != nil {
			return dbErr("put verify table", err)
		}
		return nil
	})
}

// ListVerifyTables lists table results ordered by table.
func (s *Store) ListVerifyTables(ctx context.Context, f meta.VerifyTableFilter) ([]meta.VerifyTable, int64, error) {
	cond := " WHERE run_id = ?"
	args := []any{f.RunID}
	in := func(col string, vals []string, prefix bool) {
		if len(vals) == 0 {
			return
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			if prefix {
				parts[i] = col + " LIKE ? ESCAPE '\\'"
				args = append(args, likeEscape(v)+".%")
			} else {
				parts[i] = col + " = ?"
				args = append(args, v)
			}
		}
		cond += " AND (" + strings.Join(parts, " OR ") + ")"
	}
	in("tbl", f.SourceSchemas, true)
	in("target", f.DestSchemas, true)
	in("status", f.Statuses, false)
	out := []meta.VerifyTable{}
	total, err := s.listPage(ctx, "verify tables", `tbl, target, status, result, source_rows, target_rows,
		only_in_source, only_in_target, different, chunks, chunks_done, message, updated`, "verify_tables", cond,
		" ORDER BY tbl"+page(f.Page, f.Size), args, func(rows *sql.Rows) error {
			t := meta.VerifyTable{RunID: f.RunID}
			var updated sql.NullInt64
			err := rows.Scan(&t.Table, &t.Target, &t.Status, &t.Result, &t.SourceRows, &t.TargetRows, &t.OnlyInSource,
				&t.OnlyInTarget, &t.Different, &t.Chunks, &t.ChunksDone, &t.Message, &updated)
			t.Updated = fromTS(updated)
			out = append(out, t)
			return err
		})
	return out, total, err
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// ListVerifyDiffs lists differences ordered by table, then insertion.
func (s *Store) ListVerifyDiffs(ctx context.Context, f meta.VerifyDiffFilter) ([]meta.VerifyDiff, int64, error) {
	cond := " WHERE run_id = ?"
	args := []any{f.RunID}
	if f.Table != "" {
		cond += " AND tbl = ?"
		args = append(args, f.Table)
	}
	if f.Kind != "" {
		cond += " AND kind = ?"
		args = append(args, f.Kind)
	}
	out := []meta.VerifyDiff{}
	total, err := s.listPage(ctx, "verify diffs", `id, tbl, target, chunk, kind, key_enc, key_text, columns, source_sql,
		target_sql, fix_sql`, "verify_diffs", cond, " ORDER BY tbl, id"+page(f.Page, f.Size), args,
		func(rows *sql.Rows) error {
			d := meta.VerifyDiff{RunID: f.RunID}
			var cols string
			if err := rows.Scan(&d.ID, &d.Table, &d.Target, &d.Chunk, &d.Kind, &d.Key, &d.KeyText, &cols, &d.SourceSQL,
				&d.TargetSQL, &d.FixSQL); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(cols), &d.Columns); err != nil {
				return err
			}
			out = append(out, d)
			return nil
		})
	return out, total, err
}

// DeleteVerifyRuns removes every run of a project (cascading to its rows).
func (s *Store) DeleteVerifyRuns(ctx context.Context, projectID string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM verify_runs WHERE project_id = ?`, projectID); err != nil {
			return dbErr("delete verify runs", err)
		}
		return nil
	})
}
