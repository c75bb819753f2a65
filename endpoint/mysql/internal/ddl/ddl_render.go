package ddl

import (
	"strconv"
	"strings"

	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/schema"
)

// RenderCreateTable renders the CREATE TABLE statement for t (names as in t). Every column
// carries its exact type, charset and collation, nullability, default, ON UPDATE,
// AUTO_INCREMENT, generation expression, visibility and comment; then the primary key, the
// indexes and the table options. With deferIndexes only the keys the table needs from the
// start are kept: the primary key, or lacking one the unique key KeyColumns picks, and a key
// led by an AUTO_INCREMENT column when no kept key is. It performs no I/O.
func RenderCreateTable(t *schema.Table, deferIndexes bool) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	b.WriteString(sqlval.QuoteTable(t.Schema, t.Name))
	b.WriteString(" (\n")
	var lines []string
	for i := range t.Columns {
		lines = append(lines, "  "+ddlColumn(&t.Columns[i]))
	}
	if len(t.PrimaryKey) > 0 {
		cols := make([]string, len(t.PrimaryKey))
		for i, c := range t.PrimaryKey {
			cols[i] = sqlval.QuoteIdent(c)
		}
		lines = append(lines, "  PRIMARY KEY ("+strings.Join(cols, ",")+")")
	}
	keep := ddlKeepAtCreate(t)
	for i := range t.Indexes {
		if !deferIndexes || keep[i] {
			lines = append(lines, "  "+IndexDef(&t.Indexes[i], t.Engine))
		}
	}
	b.WriteString(strings.Join(lines, ",\n"))
	b.WriteString("\n)")
	if t.Engine != "" {
		b.WriteString(" ENGINE=" + Word(t.Engine))
	}
	if t.Charset != "" {
		b.WriteString(" DEFAULT CHARSET=" + Word(t.Charset))
	}
	if t.Collation != "" {
		b.WriteString(" COLLATE=" + Word(t.Collation))
	}
	if t.Options != "" {
		b.WriteString(" " + t.Options)
	}
	if t.Comment != "" {
		b.WriteString(" COMMENT=" + sqlval.QuoteString(t.Comment))
	}
	return b.String()
}

// ddlKeepAtCreate returns the positions in t.Indexes that must exist from the start even
// when indexes are deferred.
func ddlKeepAtCreate(t *schema.Table) map[int]bool {
	keep := map[int]bool{}
	if len(t.PrimaryKey) == 0 {
		if key := t.KeyColumns(); key != nil {
			for i, ix := range t.Indexes {
				if ix.Unique && ddlSameColumns(ix, key) {
					keep[i] = true
					break
				}
			}
		}
	}
	for _, c := range t.Columns {
		if !c.AutoIncrement {
			continue
		}
		led := len(t.PrimaryKey) > 0 && strings.EqualFold(t.PrimaryKey[0], c.Name)
		for i, ix := range t.Indexes {
			if keep[i] && len(ix.Parts) > 0 && strings.EqualFold(ix.Parts[0].Column, c.Name) {
				led = true
			}
		}
		if led {
			continue
		}
		for i, ix := range t.Indexes {
			if len(ix.Parts) > 0 && strings.EqualFold(ix.Parts[0].Column, c.Name) {
				keep[i] = true
				break
			}
		}
	}
	return keep
}

func ddlSameColumns(ix schema.Index, cols []string) bool {
	if len(ix.Parts) != len(cols) {
		return false
	}
	for i, p := range ix.Parts {
		if !strings.EqualFold(p.Column, cols[i]) {
			return false
		}
	}
	return true
}

// ddlColumn renders one column definition.
func ddlColumn(c *schema.Column) string {
	var b strings.Builder
	b.WriteString(sqlval.QuoteIdent(c.Name))
	b.WriteByte(' ')
	typ := c.ColumnType
	if typ == "" {
		typ = c.DataType
	}
	b.WriteString(typ)
	if c.Charset != "" {
		b.WriteString(" CHARACTER SET " + Word(c.Charset))
	}
	if c.Collation != "" {
		b.WriteString(" COLLATE " + Word(c.Collation))
	}
	if c.Generated != "" {
		b.WriteString(" GENERATED ALWAYS AS (" + c.Generated + ")")
		if c.Stored {
			b.WriteString(" STORED")
		} else {
			b.WriteString(" VIRTUAL")
		}
		if !c.Nullable {
			b.WriteString(" NOT NULL")
		}
	} else {
		if c.Nullable {
			b.WriteString(" NULL")
		} else {
			b.WriteString(" NOT NULL")
		}
		if c.Default != nil {
			b.WriteString(" DEFAULT " + ddlDefault(*c.Default))
		}
		if c.OnUpdate != "" {
			b.WriteString(" ON UPDATE " + c.OnUpdate)
		}
		if c.AutoIncrement {
			b.WriteString(" AUTO_INCREMENT")
		}
	}
	if c.Invisible {
		b.WriteString(" INVISIBLE")
	}
	if c.Comment != "" {
		b.WriteString(" COMMENT " + sqlval.QuoteString(c.Comment))
	}
	return b.String()
}

// IndexDef renders a secondary index definition (without ADD) for a table of the given
// engine: USING is written when the kind is not the engine's default.
func IndexDef(ix *schema.Index, engine string) string {
	var b strings.Builder
	switch strings.ToUpper(ix.Kind) {
	case "FULLTEXT":
		b.WriteString("FULLTEXT KEY ")
	case "SPATIAL":
		b.WriteString("SPATIAL KEY ")
	default:
		if ix.Unique {
			b.WriteString("UNIQUE KEY ")
		} else {
			b.WriteString("KEY ")
		}
	}
	b.WriteString(sqlval.QuoteIdent(ix.Name))
	b.WriteString(" (")
	for i, p := range ix.Parts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(sqlval.QuoteIdent(p.Column))
		if p.Length > 0 {
			b.WriteString("(" + strconv.Itoa(p.Length) + ")")
		}
		if p.Desc {
			b.WriteString(" DESC")
		}
	}
	b.WriteByte(')')
	memory := strings.EqualFold(engine, "MEMORY") || strings.EqualFold(engine, "HEAP")
	switch {
	case strings.EqualFold(ix.Kind, "HASH") && !memory:
		b.WriteString(" USING HASH")
	case strings.EqualFold(ix.Kind, "BTREE") && memory:
		b.WriteString(" USING BTREE")
	}
	if ix.Comment != "" {
		b.WriteString(" COMMENT " + sqlval.QuoteString(ix.Comment))
	}
	return b.String()
}

// ddlDefault renders a default expression: literals bare, anything else in parentheses
// (the expression-default form of MySQL 8.0.13+ and MariaDB 10.2+).
func ddlDefault(d string) string {
	if ddlIsLiteral(d) {
		return d
	}
	if strings.HasPrefix(d, "(") && strings.HasSuffix(d, ")") && ddlBalanced(d[1:len(d)-1]) {
		return d
	}
	return "(" + d + ")"
}

// ddlIsLiteral reports whether d is a single literal: NULL, a number, a quoted string
// (optionally with a charset introducer), a b'…'/x'…'/0x… value, or a current-time function.
func ddlIsLiteral(d string) bool {
	l := strings.ToLower(strings.TrimSpace(d))
	if l == "null" || l == "true" || l == "false" {
		return true
	}
	if _, err := strconv.ParseFloat(l, 64); err == nil && !strings.ContainsAny(l, "xpin") {
		return true
	}
	for _, f := range []string{"current_timestamp", "now", "localtime", "localtimestamp", "curdate", "current_date"} {
		if l == f || strings.HasPrefix(l, f+"(") && strings.HasSuffix(l, ")") &&
			!strings.ContainsAny(l[len(f)+1:len(l)-1], "()'\"`") {
			return true
		}
	}
	if strings.HasPrefix(l, "0x") && len(l) > 2 && strings.Trim(l[2:], "0123456789abcdef") == "" {
		return true
	}
	if strings.HasPrefix(l, "_") {
		if i := strings.IndexByte(l, '\''); i > 0 {
			l = l[i:]
		}
	}
	if strings.HasPrefix(l, "b'") || strings.HasPrefix(l, "x'") {
		l = l[1:]
	}
	return ddlIsQuoted(l)
}

// ddlIsQuoted reports whether s is exactly one single-quoted string literal.
func ddlIsQuoted(s string) bool {
	if len(s) < 2 || s[0] != '\'' {
		return false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				i++
				continue
			}
			return i == len(s)-1
		}
	}
	return false
}

// ddlBalanced reports whether the parentheses outside quotes in s balance.
func ddlBalanced(s string) bool {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote != '`' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0 && quote == 0
}

// Word renders a charset, collation or engine name: bare when it is a plain word,
// otherwise as a string literal so it cannot break out of the statement.
func Word(s string) string {
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return sqlval.QuoteString(s)
		}
	}
	return s
}
