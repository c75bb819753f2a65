package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

// AppendLog stores one project event. A zero Time is stored as now and an empty Level as
// INFO; e.ID is ignored (the store assigns increasing ids).
func (s *Store) AppendLog(ctx context.Context, e meta.LogEntry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.Level == "" {
		e.Level = "INFO"
	}
	args := []any{e.ProjectID, e.Time.UnixNano(), e.Level, e.Step, e.Message}
	if s.fence != nil { // behind the lease check
		return s.writeFor(ctx, e.ProjectID, func(tx *sql.Tx) error {
			st := tx.StmtContext(ctx, s.insertLog)
			defer st.Close()
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return dbErr("append log", err)
			}
			return nil
		})
	}
	if _, err := s.insertLog.ExecContext(ctx, args...); err != nil {
		return dbErr("append log", err)
	}
	return nil
}

// ListLogs returns a page of log entries, newest first (ties by id), and the total count.
// Since and Until, when set, bound Time inclusively.
func (s *Store) ListLogs(ctx context.Context, f meta.LogFilter) ([]meta.LogEntry, int64, error) {
	var where []string
	var args []any
	if f.ProjectID != "" {
		where = append(where, "project_id = ?")
		args = append(args, f.ProjectID)
	}
	if f.Level != "" {
		where = append(where, "level = ?")
		args = append(args, f.Level)
	}
	if !f.Since.IsZero() {
		where = append(where, "time >= ?")
		args = append(args, f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		where = append(where, "time <= ?")
		args = append(args, f.Until.UnixNano())
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	out := []meta.LogEntry{}
	total, err := s.listPage(ctx, "logs", "id, project_id, time, level, step, message", "logs", cond,
		" ORDER BY time DESC, id DESC"+page(f.Page, f.Size), args, func(rows *sql.Rows) error {
			var e meta.LogEntry
			var t int64
			if err := rows.Scan(&e.ID, &e.ProjectID, &t, &e.Level, &e.Step, &e.Message); err != nil {
				return err
			}
			e.Time = time.Unix(0, t).UTC()
			out = append(out, e)
			return nil
		})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// PutState stores value (nil is stored as empty) under (projectID, key). The project must be
// live (errs.ProjectNotFound otherwise).
func (s *Store) PutState(ctx context.Context, projectID, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	return s.writeFor(ctx, projectID, func(tx *sql.Tx) error {
		if err := s.projectExists(ctx, tx, projectID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO state (project_id, key, value) VALUES (?, ?, ?)
			ON CONFLICT (project_id, key) DO UPDATE SET value = excluded.value`, projectID, key, value)
		if err != nil {
			return dbErr("put state", err)
		}
		return nil
	})
}

// GetState returns the value under (projectID, key), a non-nil empty slice for a stored empty
// value, and nil, nil when absent.
func (s *Store) GetState(ctx context.Context, projectID, key string) ([]byte, error) {
	var v []byte
	err := s.r.QueryRowContext(ctx, `SELECT value FROM state WHERE project_id = ? AND key = ?`, projectID, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, dbErr("get state", err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// PutSetting stores a server-wide setting; secret values are sealed with the Box.
func (s *Store) PutSetting(ctx context.Context, key, value string, secret bool) error {
	stored := value
	if secret {
		var err error
		if stored, err = s.box.Seal(value); err != nil {
			return dbErr("seal setting", err)
		}
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, secret) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, secret = excluded.secret`, key, stored, secret)
		if err != nil {
			return dbErr("put setting", err)
		}
		return nil
	})
}

// GetSetting returns the setting (opened if secret) and whether it exists.
func (s *Store) GetSetting(ctx context.Context, key string) (string, bool, error) {
	var v string
	var secret bool
	err := s.r.QueryRowContext(ctx, `SELECT value, secret FROM settings WHERE key = ?`, key).Scan(&v, &secret)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, dbErr("get setting", err)
	}
	if secret {
		plain, err := s.box.Open(v)
		if err != nil {
			return "", false, errs.New(errs.KindInternal, errs.CodeInternal,
				fmt.Sprintf("setting %s cannot be decrypted", key),
				"The secret key differs from the one the setting was stored with: restore secret.key "+
					"(or GODWIT_SECRET_KEY), or set the setting again.").With("key", key)
		}
		return plain, true, nil
	}
	return v, true, nil
}
