package endpoint

import "context"

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
