-- godwit metadata schema v1. Timestamps are INTEGER unix nanoseconds, UTC; NULL = unset.

-- +goose Up
CREATE TABLE data_sources (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    type         TEXT NOT NULL,
    doc          TEXT NOT NULL,              -- model.DataSource JSON (never holds the password)
    password     TEXT NOT NULL DEFAULT '',   -- secret.Box sealed
    gmt_create   INTEGER,
    gmt_modified INTEGER
);
CREATE INDEX data_sources_create ON data_sources (gmt_create);

CREATE TABLE projects (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    type         TEXT NOT NULL,
    status       TEXT NOT NULL,
    desired      TEXT NOT NULL DEFAULT '',
    source_id    TEXT NOT NULL DEFAULT '',
    sink_id      TEXT NOT NULL DEFAULT '',
    gmt_create   INTEGER,
    gmt_modified INTEGER,
    doc          TEXT NOT NULL               -- model.Project JSON
);
CREATE INDEX projects_status ON projects (status, gmt_create);
CREATE INDEX projects_create ON projects (gmt_create);
CREATE INDEX projects_source ON projects (source_id);
CREATE INDEX projects_sink ON projects (sink_id);

CREATE TABLE project_labels (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    label_id   TEXT NOT NULL,
    PRIMARY KEY (project_id, label_id)
) WITHOUT ROWID;
CREATE INDEX project_labels_label ON project_labels (label_id);

CREATE TABLE steps (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    ord         INTEGER NOT NULL,
    status      TEXT NOT NULL,
    progress    INTEGER NOT NULL DEFAULT 0,
    start_time  INTEGER,
    finish_time INTEGER,
    error       TEXT,                        -- model.StepError JSON, NULL if none
    info        TEXT NOT NULL DEFAULT '{}',  -- model.StepInfo JSON
    PRIMARY KEY (project_id, name)
);

CREATE TABLE chunks (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    step       TEXT NOT NULL,
    tbl        TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    lower      TEXT NOT NULL,
    upper      TEXT NOT NULL,
    status     TEXT NOT NULL,
    rows       INTEGER NOT NULL DEFAULT 0,
    bytes      INTEGER NOT NULL DEFAULT 0,
    result     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, step, tbl, seq)
) WITHOUT ROWID;

CREATE TABLE tables_state (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    step       TEXT NOT NULL,
    tbl        TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL,
    capacity   INTEGER NOT NULL DEFAULT 0,
    done       INTEGER NOT NULL DEFAULT 0,
    bytes      INTEGER NOT NULL DEFAULT 0,
    extra      TEXT NOT NULL DEFAULT '',
    updated    INTEGER,
    PRIMARY KEY (project_id, step, tbl)
) WITHOUT ROWID;

CREATE TABLE logs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL,
    time       INTEGER NOT NULL,
    level      TEXT NOT NULL,
    step       TEXT NOT NULL DEFAULT '',
    message    TEXT NOT NULL
);
CREATE INDEX logs_project_time ON logs (project_id, time);

CREATE TABLE state (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      BLOB NOT NULL,
    PRIMARY KEY (project_id, key)
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL,
    secret INTEGER NOT NULL DEFAULT 0 CHECK (secret IN (0, 1))
);

-- +goose Down
DROP TABLE settings;
DROP TABLE state;
DROP TABLE logs;
DROP TABLE tables_state;
DROP TABLE chunks;
DROP TABLE steps;
DROP TABLE project_labels;
DROP TABLE projects;
DROP TABLE data_sources;
