package mysql

import (
	"strings"

	"github.com/godwit/godwit/endpoint"
)

var _ endpoint.ViewRenamer = (*Endpoint)(nil)

// RenameViewRefs replaces backquoted `db`.`table` references in a view definition read from
// the catalog (which always qualifies and quotes names) with their targets: table's answer
// when it has one, else the table under database's answer. Quoted text that is not a
// qualified name (aliases, columns, string literals) is kept. It implements
// endpoint.ViewRenamer.
func (e *Endpoint) RenameViewRefs(def string, table func(db, name string) (string, string, bool), database func(db string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(def); {
		if def[i] != '`' {
			b.WriteByte(def[i])
			i++
			continue
		}
		db, n1 := readQuotedIdent(def[i:])
		j := i + n1
		if j < len(def) && def[j] == '.' && j+1 < len(def) && def[j+1] == '`' {
			tbl, n2 := readQuotedIdent(def[j+1:])
			if tdb, tname, ok := table(db, tbl); ok {
				b.WriteString(quoteBT(tdb) + "." + quoteBT(tname))
				i = j + 1 + n2
				continue
			}
			if r, ok := database(db); ok {
				b.WriteString(quoteBT(r) + "." + quoteBT(tbl))
				i = j + 1 + n2
				continue
			}
		}
		b.WriteString(def[i:j])
		i = j
	}
	return b.String()
}

// readQuotedIdent reads the backquoted identifier at the start of s (pcIdent's rules) and
// returns it and its length; an unterminated one takes the rest of s.
func readQuotedIdent(s string) (string, int) {
	id, rest, ok := pcIdent(s)
	if !ok {
		return "", len(s)
	}
	return id, len(s) - len(rest)
}

func quoteBT(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
