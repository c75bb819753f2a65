package endpoint

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/godwit/godwit/model"
)

// NameKind is the kind of identifier a naming rule applies to.
type NameKind string

const (
	NameDatabase NameKind = "database"
	NameTable    NameKind = "table"
	NameColumn   NameKind = "column"
)

// Naming is a data-source type's identifier rules, the ones that can be checked without a
// server: at project creation godwit refuses names the source or target would refuse (or
// that cannot exist there), instead of failing at a step with a raw server error. Endpoint
// packages register theirs in init (RegisterNaming).
type Naming interface {
	// CheckName returns nil when name is a valid identifier of kind, else an error whose
	// text states the broken rule (e.g. "is longer than 64 characters").
	CheckName(kind NameKind, name string) error
	// SystemSchema reports whether db is one of the server's own databases (catalogs,
	// privilege tables), which godwit never reads as a source nor writes into.
	SystemSchema(db string) bool
	// Rules is a one-line summary of the rules CheckName applies, for advice texts.
	Rules() string
}

var namings = map[model.DataSourceType]Naming{}

// RegisterNaming binds identifier rules to data-source types. Called from endpoint
// packages' init.
func RegisterNaming(n Naming, types ...model.DataSourceType) {
	mu.Lock()
	defer mu.Unlock()
	for _, t := range types {
		namings[t] = n
	}
}

// NamingOf returns the rules registered for t, or nil when its endpoint registered none.
func NamingOf(t model.DataSourceType) Naming {
	mu.RLock()
	defer mu.RUnlock()
	return namings[t]
}

// CheckName validates name as an identifier of kind on a data source of type t: the rules
// every database shares (not empty, valid UTF-8, no NUL), then t's registered rules. The
// error's text states the broken rule; the caller names the field.
func CheckName(t model.DataSourceType, kind NameKind, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("is empty")
	case !utf8.ValidString(name):
		return fmt.Errorf("is not valid UTF-8")
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("contains the NUL character (U+0000)")
	}
	if n := NamingOf(t); n != nil {
		return n.CheckName(kind, name)
	}
	return nil
}

// SystemSchema reports whether db is a system database of data sources of type t (false
// when the type registered no naming rules).
func SystemSchema(t model.DataSourceType, db string) bool {
	n := NamingOf(t)
	return n != nil && n.SystemSchema(db)
}
