package postgres

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// kind is how values of a target column travel: the PostgreSQL type family of the column
// and therefore its binary format. Rows arrive in the change package's conventions (MySQL
// forms); the kind says how to turn each into the column's binary value.
type kind uint8

const (
	kText kind = iota
	kInt2
	kInt4
	kInt8
	kNumeric
	kFloat4
	kFloat8
	kBool
	kBytea
	kBit
	kJSONB
	kJSON
	kDate
	kTimestamp
	kTimestamptz
	kInterval
	kTime
	kEnum  // a PostgreSQL enum type: the label's text
	kOther // a type godwit does not encode in binary (read as text)
)

// colMap is one column as the target holds it.
type colMap struct {
	Name     string
	PGType   string // the type as written in DDL
	Kind     kind
	Bits     int      // bit(n): n
	Labels   []string // ENUM members (enum mapping and CHECK)
	Check    string   // CHECK expression ("" none)
	EnumType string   // quoted, qualified enum type name (OptEnum=enum)
	Nullable bool
	Identity bool   // AUTO_INCREMENT: identity column (or an owned sequence)
	Default  string // translated default expression ("" none)
	Gen      string // translated generation expression ("" not generated)
	ZeroNull bool   // zero dates written as NULL
	StripNul bool   // NUL bytes removed from text
	Notes    []string
}

// translateTable maps every column of a MySQL-typed table.
func translateTable(t *schema.Table, m Mapping) ([]colMap, error) {
	out := make([]colMap, len(t.Columns))
	for i := range t.Columns {
		cm, err := translateColumn(t, &t.Columns[i], m)
		if err != nil {
			return nil, err
		}
		out[i] = cm
	}
	return out, nil
}

// typeArgs returns the numbers inside "name(a,b)".
func typeArgs(ct string) []int {
	i := strings.IndexByte(ct, '(')
	j := strings.IndexByte(ct, ')')
	if i < 0 || j < i {
		return nil
	}
	var out []int
	for _, p := range strings.Split(ct[i+1:j], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}

// enumLabels parses the members of "enum('a','b”c')" / "set(...)".
func enumLabels(ct string) []string {
	i := strings.IndexByte(ct, '(')
	if i < 0 {
		return nil
	}
	s := ct[i+1:]
	var out []string
	for {
		s = strings.TrimLeft(s, ", ")
		if s == "" || s[0] != '\'' {
			return out
		}
		var b strings.Builder
		j := 1
		for j < len(s) {
			if s[j] == '\'' {
				if j+1 < len(s) && s[j+1] == '\'' {
					b.WriteByte('\'')
					j += 2
					continue
				}
				break
			}
			if s[j] == '\\' && j+1 < len(s) {
				j++
			}
			b.WriteByte(s[j])
			j++
		}
		out = append(out, b.String())
		if j >= len(s) {
			return out
		}
		s = s[j+1:]
	}
}

func unsupportedType(t *schema.Table, c *schema.Column) error {
	return errs.New(errs.KindUnsupported, errs.CodeSchemaCreate,
		fmt.Sprintf("column %s.%s.%s has type %s, which godwit cannot map to PostgreSQL", t.Schema, t.Name, c.Name, c.ColumnType),
		"Leave the column out (filterColumns) or create the target table yourself with a type of your choice before the project runs.").
		With("column", c.Name)
}

// translateColumn maps one MySQL column (see docs/POSTGRESQL.md for the table).
func translateColumn(t *schema.Table, c *schema.Column, m Mapping) (colMap, error) {
	cm := colMap{Name: c.Name, Nullable: c.Nullable}
	dt := strings.ToLower(c.DataType)
	ct := strings.ToLower(c.ColumnType)
	args := typeArgs(ct)
	unsigned := c.Unsigned || strings.Contains(ct, "unsigned")
	set := func(pg string, k kind) { cm.PGType, cm.Kind = pg, k }
	switch dt {
	case "tinyint":
		switch {
		case strings.HasPrefix(ct, "tinyint(1)") && !unsigned && m.Tinyint1 == "boolean":
			set("boolean", kBool)
		default:
			set("smallint", kInt2)
		}
	case "smallint":
		if unsigned {
			set("integer", kInt4)
		} else {
			set("smallint", kInt2)
		}
	case "mediumint":
		set("integer", kInt4)
	case "int", "integer":
		if unsigned {
			set("bigint", kInt8)
		} else {
			set("integer", kInt4)
		}
	case "bigint":
		if unsigned {
			set("numeric(20,0)", kNumeric)
		} else {
			set("bigint", kInt8)
		}
	case "decimal", "numeric", "dec", "fixed":
		p, s := 10, 0
		if len(args) >= 1 {
			p = args[0]
		}
		if len(args) >= 2 {
			s = args[1]
		}
		set(fmt.Sprintf("numeric(%d,%d)", p, s), kNumeric)
	case "float":
		set("real", kFloat4)
	case "double", "real", "double precision":
		set("double precision", kFloat8)
	case "date":
		set("date", kDate)
	case "datetime":
		set(fmt.Sprintf("timestamp(%d) without time zone", fspOf(args)), kTimestamp)
	case "timestamp":
		set(fmt.Sprintf("timestamp(%d) with time zone", fspOf(args)), kTimestamptz)
	case "time":
		if m.Time == "time" {
			set(fmt.Sprintf("time(%d) without time zone", fspOf(args)), kTime)
		} else {
			set(fmt.Sprintf("interval(%d)", fspOf(args)), kInterval)
		}
	case "year":
		set("smallint", kInt2)
	case "bit":
		n := 1
		if len(args) == 1 {
			n = args[0]
		}
		cm.Bits = n
		set(fmt.Sprintf("bit(%d)", n), kBit)
	case "enum":
		cm.Labels = enumLabels(c.ColumnType)
		if m.Enum == "enum" {
			cm.EnumType = quoteIdent(t.Schema) + "." + quoteIdent(enumTypeName(t.Name, c.Name))
			set(cm.EnumType, kEnum)
		} else {
			set("text", kText)
			lits := make([]string, 0, len(cm.Labels)+1)
			lits = append(lits, quoteLiteral("")) // MySQL's error member, stored by non-strict writes
			for _, l := range cm.Labels {
				if l != "" {
					lits = append(lits, quoteLiteral(l))
				}
			}
			cm.Check = fmt.Sprintf("%s IN (%s)", quoteIdent(c.Name), strings.Join(lits, ", "))
		}
	case "set":
		cm.Labels = enumLabels(c.ColumnType)
		set("text", kText)
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext":
		if strings.EqualFold(c.Charset, "binary") {
			set("bytea", kBytea)
			break
		}
		if (dt == "char" || dt == "varchar") && len(args) == 1 {
			// CHAR too becomes varchar: MySQL returns CHAR values without their trailing
			// spaces, PostgreSQL's character(n) would return them padded.
			set(fmt.Sprintf("varchar(%d)", max(args[0], 1)), kText)
		} else {
			set("text", kText)
		}
		cm.StripNul = m.NulInText == "strip"
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
		"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection":
		set("bytea", kBytea)
	case "json":
		if m.JSON == "json" {
			set("json", kJSON)
		} else {
			set("jsonb", kJSONB)
		}
	default:
		return cm, unsupportedType(t, c)
	}
	if (cm.Kind == kDate || cm.Kind == kTimestamp || cm.Kind == kTimestamptz) && m.ZeroDate == "null" {
		cm.ZeroNull = true // where the column allows NULL; a NOT NULL column still refuses a zero date
	}
	if c.AutoIncrement {
		cm.Identity = true
	}
	if c.Generated != "" {
		cm.Gen = translateExpr(c.Generated, func(name string) string {
			if rc := t.Column(name); rc != nil && isIntegerType(rc.DataType) {
				return "(" + quoteIdent(rc.Name) + ")::numeric"
			}
			return quoteIdent(name)
		})
	} else if c.Default != nil && !c.AutoIncrement {
		d, note := translateDefault(c, &cm)
		cm.Default = d
		if note != "" {
			cm.Notes = append(cm.Notes, note)
		}
	}
	if c.OnUpdate != "" {
		cm.Notes = append(cm.Notes, "ON UPDATE "+c.OnUpdate+" not translated (PostgreSQL has no such clause; add a trigger if the application relies on it)")
	}
	return cm, nil
}

func fspOf(args []int) int {
	if len(args) == 1 && args[0] >= 0 && args[0] <= 6 {
		return args[0]
	}
	return 0
}

// enumTypeName is the enum type created for an ENUM column (OptEnum=enum).
func enumTypeName(table, col string) string {
	n := table + "_" + col + "_enum"
	if len(n) > 63 {
		n = n[:63]
	}
	return n
}

// translateDefault renders a MySQL default in PostgreSQL ("" and a note when it cannot).
func translateDefault(c *schema.Column, cm *colMap) (string, string) {
	d := strings.TrimSpace(*c.Default)
	ld := strings.ToLower(d)
	switch {
	case ld == "null":
		return "", ""
	case strings.HasPrefix(ld, "current_timestamp") || ld == "now()" || strings.HasPrefix(ld, "localtimestamp"):
		switch cm.Kind {
		case kTimestamptz:
			return "CURRENT_TIMESTAMP", ""
		case kTimestamp:
			return "LOCALTIMESTAMP", ""
		case kDate:
			return "CURRENT_DATE", ""
		}
	case strings.HasPrefix(d, "'"):
		lit := unquoteMySQL(d)
		return literalDefault(c, cm, lit)
	case strings.HasPrefix(ld, "b'"):
		bits := strings.TrimSuffix(d[2:], "'")
		if cm.Kind == kBit {
			for len(bits) < cm.Bits {
				bits = "0" + bits
			}
			return "B" + quoteLiteral(bits), ""
		}
	default:
		if _, err := strconv.ParseFloat(d, 64); err == nil {
			return literalDefault(c, cm, d)
		}
	}
	return "", fmt.Sprintf("default %s not translated (no PostgreSQL equivalent known to godwit)", d)
}

func literalDefault(c *schema.Column, cm *colMap, lit string) (string, string) {
	switch cm.Kind {
	case kBool:
		switch lit {
		case "0":
			return "false", ""
		case "1":
			return "true", ""
		}
		return "", "default " + lit + " is not a boolean"
	case kInt2, kInt4, kInt8, kNumeric, kFloat4, kFloat8:
		if _, err := strconv.ParseFloat(lit, 64); err == nil {
			return lit, ""
		}
		return "", "default " + lit + " is not a number"
	case kDate, kTimestamp, kTimestamptz:
		if strings.HasPrefix(lit, "0000-00-00") || strings.Contains(lit, "-00") {
			return "", "zero-date default " + lit + " not translated"
		}
		return quoteLiteral(lit), ""
	case kInterval, kTime, kText, kJSON, kJSONB:
		if strings.IndexByte(lit, 0) >= 0 {
			return "", "default holds a NUL byte"
		}
		return quoteLiteral(lit), ""
	case kEnum:
		return quoteLiteral(lit) + "::" + cm.EnumType, ""
	case kBytea:
		return fmt.Sprintf("'\\x%x'::bytea", lit), ""
	case kBit:
		if t, err := bitTextOf([]byte(lit), cm.Bits); err == nil {
			return "B" + quoteLiteral(t), ""
		}
	}
	return "", "default " + lit + " not translated"
}

// unquoteMySQL reads a single-quoted MySQL literal (” and backslash escapes).
func unquoteMySQL(s string) string {
	if len(s) < 2 {
		return s
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case ch == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case 'Z':
				b.WriteByte(26)
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// translateExpr rewrites a MySQL generation expression for PostgreSQL: identifiers in
// backticks become double-quoted, and integer arithmetic is done in numeric (MySQL computes
// in BIGINT/DECIMAL and never overflows an INT sum; PostgreSQL would in integer). The result
// is checked by PostgreSQL when the table is created; what it refuses fails the step with
// the expression named.
func translateExpr(e string, ident func(string) string) string {
	var b strings.Builder
	for i := 0; i < len(e); i++ {
		switch e[i] {
		case '`':
			j := strings.IndexByte(e[i+1:], '`')
			if j < 0 {
				b.WriteString(e[i:])
				return b.String()
			}
			b.WriteString(ident(e[i+1 : i+1+j]))
			i += j + 1
		case '\'':
			j := i + 1
			for j < len(e) && !(e[j] == '\'' && (j+1 >= len(e) || e[j+1] != '\'')) {
				if e[j] == '\'' {
					j++
				}
				j++
			}
			b.WriteString(e[i:min(j+1, len(e))])
			i = j
		default:
			b.WriteByte(e[i])
		}
	}
	return b.String()
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteTable quotes schema.name.
func quoteTable(s, n string) string { return quoteIdent(s) + "." + quoteIdent(n) }

// quoteLiteral renders s as a standard-conforming string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func isIntegerType(dt string) bool {
	switch strings.ToLower(dt) {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year":
		return true
	}
	return false
}
