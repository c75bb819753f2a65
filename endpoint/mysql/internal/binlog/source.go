package binlog

import (
	"database/sql"

	"github.com/godwit/godwit/model"
)

// Source is the binlog side of one MySQL-family data source: db is its pool (catalog
// queries, SHOW BINARY LOGS), ds its connection settings (the dump connections), mariadb
// selects the flavor. Safe for concurrent use; it owns nothing and closes nothing.
type Source struct {
	db        *sql.DB
	ds        model.DataSource
	mariadb   bool
	partBytes int // transactions larger than this are delivered in parts (txnAssembler)
}

// New returns the binlog source over db and ds; StreamChanges delivers a transaction whose
// events reach partBytes in parts (0: whole, whatever its size).
func New(db *sql.DB, ds model.DataSource, mariadb bool, partBytes int) *Source {
	return &Source{db: db, ds: ds, mariadb: mariadb, partBytes: partBytes}
}
