-- migrations applied: 1,10,20,30,40,50

-- table chunks on chunks
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

-- table data_sources on data_sources
CREATE TABLE data_sources (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    type         TEXT NOT NULL,
    doc          TEXT NOT NULL,              -- model.DataSource JSON (never holds the password)
    password     TEXT NOT NULL DEFAULT '',   -- secret.Box sealed
    gmt_create   INTEGER,
    gmt_modified INTEGER
);

-- index data_sources_create on data_sources
CREATE INDEX data_sources_create ON data_sources (gmt_create);

-- table leases on leases
CREATE TABLE "leases" (
    project_id TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',    -- '' = the project's run lease
    owner      TEXT NOT NULL DEFAULT '',    -- '' when released
    token      INTEGER NOT NULL,
    expires    INTEGER,                     -- unix nanoseconds; NULL when released
    PRIMARY KEY (project_id, name)
);

-- table logs on logs
CREATE TABLE logs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL,
    time       INTEGER NOT NULL,
    level      TEXT NOT NULL,
    step       TEXT NOT NULL DEFAULT '',
    message    TEXT NOT NULL
);

-- index logs_project_time on logs
CREATE INDEX logs_project_time ON logs (project_id, time);

-- table metric_points on metric_points
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

-- index metric_points_age on metric_points
CREATE INDEX metric_points_age ON metric_points (res, ts);

-- table ops_objects on ops_objects
CREATE TABLE ops_objects (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    id           TEXT NOT NULL,
    project_id   TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    doc          TEXT NOT NULL,
    gmt_create   INTEGER,
    gmt_modified INTEGER,
    UNIQUE (kind, id)
);

-- index ops_objects_name on ops_objects
CREATE INDEX ops_objects_name ON ops_objects (kind, name);

-- index ops_objects_project on ops_objects
CREATE INDEX ops_objects_project ON ops_objects (kind, project_id);

-- table project_labels on project_labels
CREATE TABLE project_labels (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    label_id   TEXT NOT NULL,
    PRIMARY KEY (project_id, label_id)
) WITHOUT ROWID;

-- index project_labels_label on project_labels
CREATE INDEX project_labels_label ON project_labels (label_id);

-- table projects on projects
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

-- index projects_create on projects
CREATE INDEX projects_create ON projects (gmt_create);

-- index projects_sink on projects
CREATE INDEX projects_sink ON projects (sink_id);

-- index projects_source on projects
CREATE INDEX projects_source ON projects (source_id);

-- index projects_status on projects
CREATE INDEX projects_status ON projects (status, gmt_create);

-- table settings on settings
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL,
    secret INTEGER NOT NULL DEFAULT 0 CHECK (secret IN (0, 1))
);

-- table state on state
CREATE TABLE state (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      BLOB NOT NULL,
    PRIMARY KEY (project_id, key)
);

-- table steps on steps
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

-- table tables_state on tables_state
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

-- table verify_chunks on verify_chunks
CREATE TABLE verify_chunks (
    run_id      TEXT NOT NULL REFERENCES verify_runs (id) ON DELETE CASCADE,
    tbl         TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    lower       TEXT NOT NULL,
    upper       TEXT NOT NULL,
    status      TEXT NOT NULL,
    source_rows INTEGER NOT NULL DEFAULT 0,
    target_rows INTEGER NOT NULL DEFAULT 0,
    only_src    INTEGER NOT NULL DEFAULT 0,
    only_dst    INTEGER NOT NULL DEFAULT 0,
    different   INTEGER NOT NULL DEFAULT 0,
    mismatch    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, tbl, seq)
) WITHOUT ROWID;

-- table verify_diffs on verify_diffs
CREATE TABLE verify_diffs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id     TEXT NOT NULL REFERENCES verify_runs (id) ON DELETE CASCADE,
    tbl        TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    chunk      INTEGER NOT NULL DEFAULT -1,
    kind       TEXT NOT NULL,
    key_enc    TEXT NOT NULL,
    key_text   TEXT NOT NULL DEFAULT '',
    columns    TEXT NOT NULL DEFAULT '[]',
    source_sql TEXT NOT NULL DEFAULT '',
    target_sql TEXT NOT NULL DEFAULT '',
    fix_sql    TEXT NOT NULL DEFAULT ''
);

-- index verify_diffs_chunk on verify_diffs
CREATE INDEX verify_diffs_chunk ON verify_diffs (run_id, tbl, chunk);

-- index verify_diffs_run on verify_diffs
CREATE INDEX verify_diffs_run ON verify_diffs (run_id, tbl, id);

-- table verify_runs on verify_runs
CREATE TABLE verify_runs (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL,
    result     TEXT NOT NULL DEFAULT '',
    tables     INTEGER NOT NULL DEFAULT 0,
    diffs      INTEGER NOT NULL DEFAULT 0,
    message    TEXT NOT NULL DEFAULT '',
    options    TEXT NOT NULL DEFAULT '',
    started    INTEGER,
    finished   INTEGER
);

-- index verify_runs_project on verify_runs
CREATE INDEX verify_runs_project ON verify_runs (project_id, started);

-- table verify_tables on verify_tables
CREATE TABLE verify_tables (
    run_id         TEXT NOT NULL REFERENCES verify_runs (id) ON DELETE CASCADE,
    tbl            TEXT NOT NULL,
    target         TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    result         TEXT NOT NULL DEFAULT '',
    source_rows    INTEGER NOT NULL DEFAULT 0,
    target_rows    INTEGER NOT NULL DEFAULT 0,
    only_in_source INTEGER NOT NULL DEFAULT 0,
    only_in_target INTEGER NOT NULL DEFAULT 0,
    different      INTEGER NOT NULL DEFAULT 0,
    chunks         INTEGER NOT NULL DEFAULT 0,
    chunks_done    INTEGER NOT NULL DEFAULT 0,
    message        TEXT NOT NULL DEFAULT '',
    updated        INTEGER,
    PRIMARY KEY (run_id, tbl)
) WITHOUT ROWID;

