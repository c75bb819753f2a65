package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/godwit/godwit/meta"
)

// AppendPoints stores points (meta.HistoryStore). The history is the server's own
// observation, not a project's state: it is written without the lease fence.
func (s *Store) AppendPoints(ctx context.Context, pts []meta.MetricPoint) error {
	if len(pts) == 0 {
		return nil
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO metric_points (project_id, step, metric, res, ts, value, n)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (project_id, step, metric, res, ts) DO UPDATE SET value = excluded.value, n = excluded.n`)
		if err != nil {
			return dbErr("append metric points", err)
		}
		defer st.Close()
		for _, p := range pts {
			n := p.N
			if n <= 0 {
				n = 1
			}
			if _, err := st.ExecContext(ctx, p.ProjectID, p.Step, p.Metric, p.Res, p.Time.UnixMilli(), p.Value, n); err != nil {
				return dbErr("append metric points", err)
			}
		}
		return nil
	})
}

// QueryPoints returns one series in [From, To], oldest first.
func (s *Store) QueryPoints(ctx context.Context, q meta.PointQuery) ([]meta.MetricPoint, error) {
	to := q.To
	if to.IsZero() {
		to = time.Now()
	}
	rows, err := s.r.QueryContext(ctx, `SELECT res, ts, value, n FROM metric_points
		WHERE project_id = ? AND step = ? AND metric = ? AND ts >= ? AND ts <= ? ORDER BY ts, res`,
		q.ProjectID, q.Step, q.Metric, q.From.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, dbErr("query metric points", err)
	}
	defer rows.Close()
	var out []meta.MetricPoint
	for rows.Next() {
		p := meta.MetricPoint{ProjectID: q.ProjectID, Step: q.Step, Metric: q.Metric}
		var ts int64
		if err := rows.Scan(&p.Res, &ts, &p.Value, &p.N); err != nil {
			return nil, dbErr("query metric points", err)
		}
		p.Time = time.UnixMilli(ts).UTC()
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("query metric points", err)
	}
	return out, nil
}

// CompactPoints downsamples and trims the history (meta.HistoryStore). Only whole buckets
// are folded: the cutoff is aligned down to the coarser resolution, so a bucket is averaged
// once, from all its samples.
func (s *Store) CompactPoints(ctx context.Context, p meta.HistoryPolicy, now time.Time) error {
	p = p.WithDefaults()
	fold := func(tx *sql.Tx, from, to int, before time.Time) error {
		bucket := int64(to) * 1000
		cut := before.UnixMilli() / bucket * bucket
		if _, err := tx.ExecContext(ctx, `INSERT INTO metric_points (project_id, step, metric, res, ts, value, n)
			SELECT project_id, step, metric, ?, (ts / ?) * ?, SUM(value * n) / SUM(n), SUM(n)
			FROM metric_points WHERE res = ? AND ts < ?
			GROUP BY project_id, step, metric, ts / ?
			ON CONFLICT (project_id, step, metric, res, ts) DO UPDATE SET
				value = (metric_points.value * metric_points.n + excluded.value * excluded.n) / (metric_points.n + excluded.n),
				n = metric_points.n + excluded.n`,
			to, bucket, bucket, from, cut, bucket); err != nil {
			return dbErr("compact metric points", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM metric_points WHERE res = ? AND ts < ?`, from, cut); err != nil {
			return dbErr("compact metric points", err)
		}
		return nil
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := fold(tx, 0, 60, now.Add(-p.RawFor)); err != nil {
			return err
		}
		if err := fold(tx, 60, 600, now.Add(-p.MinuteFor)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM metric_points WHERE ts < ?`, now.Add(-p.Keep).UnixMilli()); err != nil {
			return dbErr("trim metric points", err)
		}
		return nil
	})
}
