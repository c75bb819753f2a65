package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

var _ meta.OpsStore = (*Store)(nil)

// PutObject inserts (empty ID: a new sequence-numbered object) or replaces an object.
func (s *Store) PutObject(ctx context.Context, o *meta.Object) error {
	if o.Kind == "" {
		return errs.Invalid("object kind is required")
	}
	now := time.Now().UTC()
	if o.GmtCreate.IsZero() {
		o.GmtCreate = now
	}
	if o.GmtModified.IsZero() {
		o.GmtModified = now
	}
	doc := string(o.Doc)
	if doc == "" {
		doc = "{}"
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if o.ID == "" {
			res, err := tx.ExecContext(ctx, `INSERT INTO ops_objects (kind, id, project_id, name, doc, gmt_create, gmt_modified)
				VALUES (?, '', ?, ?, ?, ?, ?)`, o.Kind, o.ProjectID, o.Name, doc, ts(o.GmtCreate), ts(o.GmtModified))
			if err != nil {
				return dbErr("insert object", err)
			}
			seq, err := res.LastInsertId()
			if err != nil {
				return dbErr("insert object", err)
			}
			o.ID = strconv.FormatInt(seq, 10)
			if _, err := tx.ExecContext(ctx, `UPDATE ops_objects SET id = ? WHERE seq = ?`, o.ID, seq); err != nil {
				return dbErr("insert object", err)
			}
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO ops_objects (kind, id, project_id, name, doc, gmt_create, gmt_modified)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (kind, id) DO UPDATE SET project_id = excluded.project_id, name = excluded.name,
				doc = excluded.doc, gmt_modified = excluded.gmt_modified`,
			o.Kind, o.ID, o.ProjectID, o.Name, doc, ts(o.GmtCreate), ts(o.GmtModified))
		if err != nil {
			return dbErr("put object", err)
		}
		return nil
	})
}

func objectNotFound(kind, id string) *errs.Error {
	return errs.New(errs.KindNotFound, errs.CodeParam, fmt.Sprintf("%s %s does not exist", kind, id),
		"Check the ID.").With("id", id)
}

// GetObject returns one object.
func (s *Store) GetObject(ctx context.Context, kind, id string) (*meta.Object, error) {
	row := s.r.QueryRowContext(ctx, `SELECT kind, id, project_id, name, doc, gmt_create, gmt_modified
		FROM ops_objects WHERE kind = ? AND id = ?`, kind, id)
	o, err := scanObject(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, objectNotFound(kind, id)
	}
	if err != nil {
		return nil, dbErr("get object", err)
	}
	return o, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanObject(r scanner) (*meta.Object, error) {
	var o meta.Object
	var doc string
	var created, modified sql.NullInt64
	if err := r.Scan(&o.Kind, &o.ID, &o.ProjectID, &o.Name, &doc, &created, &modified); err != nil {
		return nil, err
	}
	o.Doc = []byte(doc)
	o.GmtCreate, o.GmtModified = fromTS(created), fromTS(modified)
	return &o, nil
}

// ListObjects lists objects of f.Kind, oldest first, with the total before paging.
func (s *Store) ListObjects(ctx context.Context, f meta.ObjectFilter) ([]meta.Object, int64, error) {
	where := ` WHERE kind = ?`
	args := []any{f.Kind}
	if f.ProjectID != "" {
		where += ` AND project_id = ?`
		args = append(args, f.ProjectID)
	}
	if f.Name != "" {
		where += ` AND name = ?`
		args = append(args, f.Name)
	}
	var total int64
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM ops_objects`+where, args...).Scan(&total); err != nil {
		return nil, 0, dbErr("count objects", err)
	}
	q := `SELECT kind, id, project_id, name, doc, gmt_create, gmt_modified FROM ops_objects` + where + ` ORDER BY seq`
	if f.Size > 0 {
		page := max(f.Page, 1)
		q += ` LIMIT ? OFFSET ?`
		args = append(args, f.Size, int64(page-1)*int64(f.Size))
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, dbErr("list objects", err)
	}
	defer rows.Close()
	out := []meta.Object{}
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return nil, 0, dbErr("list objects", err)
		}
		out = append(out, *o)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, dbErr("list objects", err)
	}
	return out, total, nil
}

// DeleteObject removes an object; deleting an absent object is not an error.
func (s *Store) DeleteObject(ctx context.Context, kind, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ops_objects WHERE kind = ? AND id = ?`, kind, id); err != nil {
			return dbErr("delete object", err)
		}
		return nil
	})
}
