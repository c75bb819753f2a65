-- Verification runs, per-table results, per-chunk state and row differences.

-- +goose Up
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
CREATE INDEX verify_runs_project ON verify_runs (project_id, started);

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
CREATE INDEX verify_diffs_run ON verify_diffs (run_id, tbl, id);
CREATE INDEX verify_diffs_chunk ON verify_diffs (run_id, tbl, chunk);

-- +goose Down
DROP TABLE verify_diffs;
DROP TABLE verify_chunks;
DROP TABLE verify_tables;
DROP TABLE verify_runs;
