package sqlval

import "strings"

// QuoteIdent quotes a MySQL identifier with backticks, doubling embedded backticks.
func QuoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// QuoteTable quotes db.name.
func QuoteTable(db, name string) string { return QuoteIdent(db) + "." + QuoteIdent(name) }

// QuoteString renders s as a single-quoted SQL string literal, escaping for the default
// sql_mode (backslash escapes on).
func QuoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	WriteEscaped(&b, s)
	b.WriteByte('\'')
	return b.String()
}

// WriteEscaped writes s escaped for a single-quoted literal under a sql_mode without
// NO_BACKSLASH_ESCAPES.
func WriteEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case 0:
			b.WriteString(`\0`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '"':
			b.WriteString(`\"`)
		case 0x1a:
			b.WriteString(`\Z`)
		default:
			b.WriteByte(c)
		}
	}
}
