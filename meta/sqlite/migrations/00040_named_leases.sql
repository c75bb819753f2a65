-- Named leases: besides a project's own lease (name ''), a project can have leases for its
-- standalone jobs (name 'job:VERIFY', 'job:PRECHECK'), each with its own monotonic fencing
-- token, so that two nodes sharing the store never run the same kind of job of one project.
-- Rows are never deleted (tokens never repeat).

-- +goose Up
CREATE TABLE leases_named (
    project_id TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',    -- '' = the project's run lease
    owner      TEXT NOT NULL DEFAULT '',    -- '' when released
    token      INTEGER NOT NULL,
    expires    INTEGER,                     -- unix nanoseconds; NULL when released
    PRIMARY KEY (project_id, name)
);
INSERT INTO leases_named (project_id, name, owner, token, expires)
    SELECT project_id, '', owner, token, expires FROM leases;
DROP TABLE leases;
ALTER TABLE leases_named RENAME TO leases;

-- +goose Down
CREATE TABLE leases_old (
    project_id TEXT PRIMARY KEY,
    owner      TEXT NOT NULL DEFAULT '',
    token      INTEGER NOT NULL,
    expires    INTEGER
);
INSERT INTO leases_old (project_id, owner, token, expires)
    SELECT project_id, owner, token, expires FROM leases WHERE name = '';
DROP TABLE leases;
ALTER TABLE leases_old RENAME TO leases;
