package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

// stepCols encodes the mutable columns of s in the order ord, status, progress, start_time,
// finish_time, error, info.
func stepCols(s *model.Step) ([]any, error) {
	var errDoc any
	if s.Error != nil {
		e := *s.Error
		e.FailedTime = e.FailedTime.UTC()
		b, err := json.Marshal(&e)
		if err != nil {
			return nil, dbErr("encode step error", err)
		}
		errDoc = string(b)
	}
	info, err := json.Marshal(&s.Info)
	if err != nil {
		return nil, dbErr("encode step info", err)
	}
	return []any{s.Order, string(s.Status), s.Progress, tsp(s.StartTime), tsp(s.FinishTime), errDoc, string(info)}, nil
}

func insertStep(ctx context.Context, tx *sql.Tx, s *model.Step) error {
	cols, err := stepCols(s)
	if err != nil {
		return err
	}
	args := append([]any{s.ProjectID, string(s.Name)}, cols...)
	_, err = tx.ExecContext(ctx, `INSERT INTO steps (project_id, name, ord, status, progress, start_time, finish_time,
		error, info) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if isUnique(err) {
		return errs.Invalid("step %s is listed twice", s.Name)
	}
	if err != nil {
		return dbErr("insert step", err)
	}
	return nil
}

// ListSteps returns the steps of a live project ordered by Order; an unknown or DELETED project
// returns errs.ProjectNotFound.
func (s *Store) ListSteps(ctx context.Context, projectID string) ([]model.Step, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, ord, status, progress, start_time, finish_time, error, info
		FROM steps WHERE project_id = ? ORDER BY ord, name`, projectID)
	if err != nil {
		return nil, dbErr("list steps", err)
	}
	defer rows.Close()
	out := []model.Step{}
	for rows.Next() {
		var st model.Step
		var name, status, info string
		var start, finish sql.NullInt64
		var errDoc sql.NullString
		if err := rows.Scan(&name, &st.Order, &status, &st.Progress, &start, &finish, &errDoc, &info); err != nil {
			return nil, dbErr("list steps", err)
		}
		st.ProjectID, st.Name, st.Status = projectID, model.StepName(name), model.StepStatus(status)
		st.StartTime, st.FinishTime = fromTSP(start), fromTSP(finish)
		if errDoc.Valid {
			st.Error = new(model.StepError)
			if err := json.Unmarshal([]byte(errDoc.String), st.Error); err != nil {
				return nil, dbErr("decode step error", err)
			}
		}
		if err := json.Unmarshal([]byte(info), &st.Info); err != nil {
			return nil, dbErr("decode step info", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("list steps", err)
	}
	if len(out) == 0 {
		if err := s.projectExists(ctx, s.r, projectID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateStep overwrites the step (ProjectID, Name): order, status, progress, times, error and
// info. An unknown project returns errs.ProjectNotFound; an unknown step of a live project
// returns a KindNotFound error.
func (s *Store) UpdateStep(ctx context.Context, st *model.Step) error {
	cols, err := stepCols(st)
	if err != nil {
		return err
	}
	return s.writeFor(ctx, st.ProjectID, func(tx *sql.Tx) error {
		args := append(cols, st.ProjectID, string(st.Name))
		res, err := tx.ExecContext(ctx, `UPDATE steps SET ord = ?, status = ?, progress = ?, start_time = ?,
			finish_time = ?, error = ?, info = ? WHERE project_id = ? AND name = ?`, args...)
		if err != nil {
			return dbErr("update step", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		if err := s.projectExists(ctx, tx, st.ProjectID); err != nil {
			return err
		}
		return errs.New(errs.KindNotFound, errs.CodeStepNotSupported,
			fmt.Sprintf("project %s has no step %s", st.ProjectID, st.Name),
			"Only the steps the project was created with can be updated.").
			With("id", st.ProjectID).With("step", string(st.Name))
	})
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// projectExists returns nil if projectID is a live (not DELETED) project, else errs.ProjectNotFound.
func (s *Store) projectExists(ctx context.Context, q queryer, projectID string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM projects WHERE id = ? AND status <> ?`, projectID, deleted).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.ProjectNotFound(projectID)
	}
	if err != nil {
		return dbErr("read project", err)
	}
	return nil
}
