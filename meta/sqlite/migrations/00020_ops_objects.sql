-- API-surface documents (labels, modify records, prechecks, DRS jobs, alarm rules): meta.OpsStore.

-- +goose Up
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
CREATE INDEX ops_objects_project ON ops_objects (kind, project_id);
CREATE INDEX ops_objects_name ON ops_objects (kind, name);

-- +goose Down
DROP TABLE ops_objects;
