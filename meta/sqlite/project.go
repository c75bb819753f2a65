package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
)

const deleted = string(model.StatusDeleted)

// projectRow is a project as stored: the full JSON document plus the indexed copies.
type projectRow struct {
	p   model.Project // timestamps in UTC
	doc string
}

func encodeProject(in *model.Project) (projectRow, error) {
	p := *in
	p.GmtCreate, p.GmtModified = p.GmtCreate.UTC(), p.GmtModified.UTC()
	p.GmtStart, p.GmtFinish = utcp(p.GmtStart), utcp(p.GmtFinish)
	b, err := json.Marshal(&p)
	if err != nil {
		return projectRow{}, dbErr("encode project", err)
	}
	return projectRow{p: p, doc: string(b)}, nil
}

func decodeProject(doc, desired string) (*model.Project, error) {
	var p model.Project
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, dbErr("decode project", err)
	}
	p.Desired = model.ProjectStatus(desired)
	return &p, nil
}

func (s *Store) putLabels(ctx context.Context, tx *sql.Tx, p *model.Project) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM project_labels WHERE project_id = ?`, p.ID); err != nil {
		return dbErr("write project labels", err)
	}
	for _, l := range p.Labels {
		if l.ID == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO project_labels (project_id, label_id) VALUES (?, ?)`,
			p.ID, l.ID); err != nil {
			return dbErr("write project labels", err)
		}
	}
	return nil
}

// CreateProject stores p (Desired included) and its steps in one transaction. Steps with an
// empty status are stored as INIT; their ProjectID is taken from p. A duplicate id returns
// errs.CodeProjectDuplicate (KindConflict).
func (s *Store) CreateProject(ctx context.Context, p *model.Project, steps []model.Step) error {
	if p == nil || p.ID == "" {
		return errs.Invalid("a project needs an id")
	}
	row, err := encodeProject(p)
	if err != nil {
		return err
	}
	return s.writeFor(ctx, p.ID, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO projects (id, name, type, status, desired, source_id, sink_id,
			gmt_create, gmt_modified, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Name, string(p.Type), string(p.Status), string(p.Desired), p.SourceEndpointID, p.SinkEndpointID,
			ts(row.p.GmtCreate), ts(row.p.GmtModified), row.doc)
		if isUnique(err) {
			return errs.New(errs.KindConflict, errs.CodeProjectDuplicate,
				fmt.Sprintf("project %s already exists", p.ID), "Use another project id.").With("id", p.ID)
		}
		if err != nil {
			return dbErr("insert project", err)
		}
		if err := s.putLabels(ctx, tx, p); err != nil {
			return err
		}
		for i := range steps {
			st := steps[i]
			st.ProjectID = p.ID
			if st.Status == "" {
				st.Status = model.StepInit
			}
			if err := insertStep(ctx, tx, &st); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetProject returns the project; unknown and DELETED projects return errs.ProjectNotFound.
func (s *Store) GetProject(ctx context.Context, id string) (*model.Project, error) {
	var doc, desired string
	err := s.r.QueryRowContext(ctx, `SELECT doc, desired FROM projects WHERE id = ? AND status <> ?`, id, deleted).
		Scan(&doc, &desired)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ProjectNotFound(id)
	}
	if err != nil {
		return nil, dbErr("read project", err)
	}
	return decodeProject(doc, desired)
}

// ListProjects returns a page of projects and the total count. SearchKey matches a substring
// of the name or id (ASCII case-insensitive); LabelIDs matches projects carrying any of them.
func (s *Store) ListProjects(ctx context.Context, f meta.ProjectFilter) ([]model.Project, int64, error) {
	col, err := sortColumn(f.SortField)
	if err != nil {
		return nil, 0, err
	}
	where := []string{"status <> ?"}
	args := []any{deleted}
	if f.SearchKey != "" {
		where = append(where, `(instr(lower(name), lower(?)) > 0 OR instr(lower(id), lower(?)) > 0)`)
		args = append(args, f.SearchKey, f.SearchKey)
	}
	if f.Type != "" {
		where = append(where, "type = ?")
		args = append(args, f.Type)
	}
	if len(f.Statuses) > 0 {
		where = append(where, "status IN ("+placeholders(len(f.Statuses))+")")
		for _, st := range f.Statuses {
			args = append(args, st)
		}
	}
	if len(f.LabelIDs) > 0 {
		where = append(where, "EXISTS (SELECT 1 FROM project_labels l WHERE l.project_id = projects.id AND l.label_id IN ("+
			placeholders(len(f.LabelIDs))+"))")
		for _, l := range f.LabelIDs {
			args = append(args, l)
		}
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	dir := direction(f.Asc)
	out := []model.Project{}
	total, err := s.listPage(ctx, "projects", "doc, desired", "projects", cond,
		" ORDER BY "+col+" "+dir+", id "+dir+page(f.Page, f.Size), args, func(rows *sql.Rows) error {
			var doc, desired string
			if err := rows.Scan(&doc, &desired); err != nil {
				return err
			}
			p, err := decodeProject(doc, desired)
			if err != nil {
				return err
			}
			out = append(out, *p)
			return nil
		})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// ModifyProject reads project id, calls fn on it and writes the result back (document,
// status, desired, endpoints, labels) in one write transaction. The store has one writer
// connection and takes the write lock when the transaction begins (_txlock=immediate), so fn
// sees the latest committed row and no concurrent writer's change is lost in between. fn must
// not call the store (the writer connection is held). An error from fn aborts the write and
// is returned as is. DELETED and unknown projects return errs.ProjectNotFound.
func (s *Store) ModifyProject(ctx context.Context, id string, fn func(p *model.Project) error) (*model.Project, error) {
	var out *model.Project
	err := s.writeFor(ctx, id, func(tx *sql.Tx) error {
		var doc, desired string
		err := tx.QueryRowContext(ctx, `SELECT doc, desired FROM projects WHERE id = ? AND status <> ?`, id, deleted).
			Scan(&doc, &desired)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.ProjectNotFound(id)
		}
		if err != nil {
			return dbErr("read project", err)
		}
		p, err := decodeProject(doc, desired)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		if p.ID != id {
			return errs.Invalid("a project's id cannot change")
		}
		row, err := encodeProject(p)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE projects SET name = ?, type = ?, status = ?, desired = ?, source_id = ?,
			sink_id = ?, gmt_create = ?, gmt_modified = ?, doc = ? WHERE id = ?`,
			p.Name, string(p.Type), string(p.Status), string(p.Desired), p.SourceEndpointID, p.SinkEndpointID,
			ts(row.p.GmtCreate), ts(row.p.GmtModified), row.doc, p.ID); err != nil {
			return dbErr("update project", err)
		}
		out = p
		return s.putLabels(ctx, tx, p)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteProject marks the project DELETED and removes its steps, chunks, table state, state
// and logs in one transaction. Unknown or already DELETED projects return errs.ProjectNotFound.
func (s *Store) DeleteProject(ctx context.Context, id string) error {
	return s.writeFor(ctx, id, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE projects SET status = ?, doc = json_set(doc, '$.status', ?)
			WHERE id = ? AND status <> ?`, deleted, deleted, id, deleted)
		if err != nil {
			return dbErr("delete project", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.ProjectNotFound(id)
		}
		for _, t := range []string{"steps", "chunks", "tables_state", "state", "logs", "verify_runs", "metric_points"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE project_id = ?", id); err != nil {
				return dbErr("delete project "+t, err)
			}
		}
		return nil
	})
}
