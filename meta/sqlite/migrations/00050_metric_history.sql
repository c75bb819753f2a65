-- Metric history (meta.HistoryStore): one row per series point. res is the resolution in
-- seconds (0 raw sample, 60 and 600 averages over a bucket starting at ts); n is how many raw
-- samples an average stands for. Compaction folds old rows into coarser ones.

-- +goose Up
CREATE TABLE metric_points (
    project_id TEXT NOT NULL,
    step       TEXT NOT NULL,
    metric     TEXT NOT NULL,
    res        INTEGER NOT NULL,
    ts         INTEGER NOT NULL,  -- unix milliseconds
    value      REAL NOT NULL,
    n          INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (project_id, step, metric, res, ts)
) WITHOUT ROWID;
CREATE INDEX metric_points_age ON metric_points (res, ts);

-- +goose Down
DROP TABLE metric_points;
