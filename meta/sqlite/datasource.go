package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
)

// CreateDataSource stores ds with its password sealed. ds.ID and ds.Name are required; a name
// (or id) already present returns errs.CodeDataSourceDup (KindConflict). Timestamps are stored
// in UTC.
func (s *Store) CreateDataSource(ctx context.Context, ds *model.DataSource) error {
	if ds == nil || ds.ID == "" || ds.Name == "" {
		return errs.Invalid("a data source needs an id and a name")
	}
	c := *ds
	c.GmtCreate, c.GmtModified = c.GmtCreate.UTC(), c.GmtModified.UTC()
	doc, err := json.Marshal(&c)
	if err != nil {
		return dbErr("encode data source", err)
	}
	sealed, err := s.box.Seal(ds.Password)
	if err != nil {
		return dbErr("seal password", err)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO data_sources (id, name, type, doc, password, gmt_create, gmt_modified)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Name, string(c.Type), string(doc), sealed, ts(c.GmtCreate), ts(c.GmtModified))
		if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			return errs.New(errs.KindConflict, errs.CodeDataSourceDup,
				fmt.Sprintf("a data source with id %s already exists", c.ID),
				"Use another id, or use the existing data source.").With("id", c.ID)
		}
		if isUnique(err) {
			return errs.New(errs.KindConflict, errs.CodeDataSourceDup,
				fmt.Sprintf("a data source named %s already exists", c.Name),
				"Choose another name, or use the existing data source.").With("name", c.Name)
		}
		if err != nil {
			return dbErr("insert data source", err)
		}
		return nil
	})
}

// GetDataSource returns the data source with its password decrypted (for the engine only).
func (s *Store) GetDataSource(ctx context.Context, id string) (*model.DataSource, error) {
	var doc, sealed string
	err := s.r.QueryRowContext(ctx, `SELECT doc, password FROM data_sources WHERE id = ?`, id).Scan(&doc, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.DataSourceNotFound(id)
	}
	if err != nil {
		return nil, dbErr("read data source", err)
	}
	var ds model.DataSource
	if err := json.Unmarshal([]byte(doc), &ds); err != nil {
		return nil, dbErr("decode data source", err)
	}
	if ds.Password, err = s.box.Open(sealed); err != nil {
		return nil, errs.New(errs.KindInternal, errs.CodeInternal,
			fmt.Sprintf("the password of data source %s cannot be decrypted", id),
			"The secret key differs from the one the password was stored with: restore secret.key "+
				"(or GODWIT_SECRET_KEY), or recreate the data source.").With("id", id)
	}
	return &ds, nil
}

// ListDataSources returns a page of data sources (Password always empty) and the total count.
// SearchKey matches a substring of the name or id, case-insensitively.
func (s *Store) ListDataSources(ctx context.Context, f meta.DataSourceFilter) ([]model.DataSource, int64, error) {
	col, err := sortColumn(f.SortField)
	if err != nil {
		return nil, 0, err
	}
	var where []string
	var args []any
	if f.SearchKey != "" {
		where = append(where, `(instr(lower(name), lower(?)) > 0 OR instr(lower(id), lower(?)) > 0)`)
		args = append(args, f.SearchKey, f.SearchKey)
	}
	if len(f.Types) > 0 {
		where = append(where, "type IN ("+placeholders(len(f.Types))+")")
		for _, t := range f.Types {
			args = append(args, t)
		}
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	dir := direction(f.Asc)
	out := []model.DataSource{}
	total, err := s.listPage(ctx, "data sources", "doc", "data_sources", cond,
		" ORDER BY "+col+" "+dir+", id "+dir+page(f.Page, f.Size), args, func(rows *sql.Rows) error {
			var doc string
			if err := rows.Scan(&doc); err != nil {
				return err
			}
			var ds model.DataSource
			if err := json.Unmarshal([]byte(doc), &ds); err != nil {
				return err
			}
			out = append(out, ds)
			return nil
		})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// DeleteDataSource removes a data source. It refuses with errs.CodeDataSourceInUse (KindState)
// while a project that is neither DELETED nor RELEASED uses it as source or sink.
func (s *Store) DeleteDataSource(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM data_sources WHERE id = ?`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.DataSourceNotFound(id)
		}
		if err != nil {
			return dbErr("read data source", err)
		}
		var users []string
		rows, err := tx.QueryContext(ctx, `SELECT id FROM projects WHERE (source_id = ? OR sink_id = ?)
			AND status NOT IN (?, ?) ORDER BY id LIMIT 10`, id, id, string(model.StatusDeleted), string(model.StatusReleased))
		if err != nil {
			return dbErr("check data source use", err)
		}
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				rows.Close()
				return dbErr("check data source use", err)
			}
			users = append(users, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return dbErr("check data source use", err)
		}
		if len(users) > 0 {
			return errs.New(errs.KindState, errs.CodeDataSourceInUse,
				fmt.Sprintf("data source %s is used by project(s) %s", id, strings.Join(users, ", ")),
				"Release or delete those projects first.").With("id", id).With("projects", strings.Join(users, ","))
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM data_sources WHERE id = ?`, id)
		if err != nil {
			return dbErr("delete data source", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.DataSourceNotFound(id)
		}
		return nil
	})
}
