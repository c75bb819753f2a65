package endpoint

import (
	"context"
	"errors"

	"github.com/godwit/godwit/schema"
)

// ObjectKind is what a name in a database denotes, in the words of the catalog
// (information_schema.TABLES.TABLE_TYPE for MySQL-family servers). Kinds other than the
// constants below are passed through as the catalog spells them.
type ObjectKind string

const (
	ObjectAbsent    ObjectKind = ""                 // nothing of that name
	ObjectTable     ObjectKind = "BASE TABLE"       // an ordinary table: the only kind godwit writes rows into
	ObjectView      ObjectKind = "VIEW"             // writes through it land in its base tables
	ObjectSequence  ObjectKind = "SEQUENCE"         // MariaDB sequence
	ObjectVersioned ObjectKind = "SYSTEM VERSIONED" // MariaDB system-versioned table (writes add history)
	ObjectSystem    ObjectKind = "SYSTEM VIEW"      // a catalog table (information_schema)
)

// IsTable reports whether k is an ordinary base table.
func (k ObjectKind) IsTable() bool { return k == ObjectTable }

// ObjectInspector tells what a name denotes. Steps use it to refuse writing rows into
// anything but a base table (a view would pass the rows to its base tables, a sequence or a
// system-versioned table would not hold what the copy wrote), and precheck and the
// verifier to say why a table cannot be used.
type ObjectInspector interface {
	// ObjectKind returns the kind of db.name, ObjectAbsent when nothing has that name.
	ObjectKind(ctx context.Context, db, name string) (ObjectKind, error)
}

// ErrUntranslatable is wrapped by a SchemaWriter's CreateView error when the view's
// definition cannot be expressed in the target's dialect: STRUCT_TRANSFER then reports the
// view (a WARN log entry naming it and the reason) and goes on instead of failing; the view
// is not created, and nothing else is dropped.
var ErrUntranslatable = errors.New("cannot be translated to the target's dialect")

// SchemaNoter is the optional capability of a SchemaWriter whose CreateTable may not
// reproduce everything of a source definition (another dialect): TableNotes returns what of
// table db.name it did not reproduce or changed (one line each), which STRUCT_TRANSFER
// logs as WARN entries after creating the table.
type SchemaNoter interface {
	TableNotes(t *schema.Table) []string
}
