-- Project ownership: one lease per project with a monotonic fencing token (meta.LeaseStore).
-- Rows are never deleted, so a token never repeats, not even after a release or a delete.

-- +goose Up
CREATE TABLE leases (
    project_id TEXT PRIMARY KEY,
    owner      TEXT NOT NULL DEFAULT '',   -- '' when released
    token      INTEGER NOT NULL,
    expires    INTEGER                     -- unix nanoseconds; NULL when released
);

-- +goose Down
DROP TABLE leases;
