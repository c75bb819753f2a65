// Package sqlparse holds the one Vitess SQL parser endpoint/mysql uses (row filters and DDL
// analysis): built once, on first use, for MySQL 8.0.30 syntax, and immutable afterwards,
// so it is safe for concurrent use. It depends on Vitess's sqlparser only.
package sqlparse

import (
	"sync"

	"vitess.io/vitess/go/vt/sqlparser"
)

// Parser returns the shared parser (the same one on every call), or the error building it
// failed with.
func Parser() (*sqlparser.Parser, error) { return parser() }

// parser builds the parser once; it is set at package initialisation and never reassigned.
var parser = sync.OnceValues(func() (*sqlparser.Parser, error) {
	return sqlparser.New(sqlparser.Options{MySQLServerVersion: "8.0.30"})
})
