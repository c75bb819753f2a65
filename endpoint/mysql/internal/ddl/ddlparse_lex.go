package ddl

import "strings"

// ddlTok is one significant token of a SQL statement (comments and whitespace dropped),
// with its byte span in the original text so names can be replaced in place.
type ddlTok struct {
	kind       byte   // 'w' word, 'q' backquoted identifier, 's' string, 'p' punctuation
	val        string // word text, unquoted identifier, or the punctuation character
	start, end int
}

// ident reports whether the token can be an identifier (a word or a backquoted name).
func (t ddlTok) ident() bool { return t.kind == 'w' || t.kind == 'q' }

// is reports whether the token is the (unquoted, case-insensitive) keyword or punctuation s.
func (t ddlTok) is(s string) bool {
	return (t.kind == 'w' || t.kind == 'p') && strings.EqualFold(t.val, s)
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// ddlLex splits q into tokens. Comments of every form (#, -- , /* */ including the
// executable /*! */ and /*M! */) are skipped; their text stays in q untouched. It never
// fails: an unterminated string or name runs to the end of the text.
func ddlLex(q string) []ddlTok {
	var toks []ddlTok
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '#':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '-' && i+1 < len(q) && q[i+1] == '-' && (i+2 == len(q) || q[i+2] <= ' '):
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				i = len(q)
			} else {
				i += j + 4
			}
		case c == '\'' || c == '"':
			start := i
			i++
			for i < len(q) {
				if q[i] == '\\' {
					i += 2
					continue
				}
				if q[i] == c {
					if i+1 < len(q) && q[i+1] == c {
						i += 2
						continue
					}
					i++
					break
				}
				i++
			}
			i = min(i, len(q))
			toks = append(toks, ddlTok{kind: 's', val: q[start:i], start: start, end: i})
		case c == '`':
			start := i
			var b strings.Builder
			i++
			for i < len(q) {
				if q[i] == '`' {
					if i+1 < len(q) && q[i+1] == '`' {
						b.WriteByte('`')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(q[i])
				i++
			}
			toks = append(toks, ddlTok{kind: 'q', val: b.String(), start: start, end: i})
		case isWordByte(c):
			start := i
			for i < len(q) && isWordByte(q[i]) {
				i++
			}
			toks = append(toks, ddlTok{kind: 'w', val: q[start:i], start: start, end: i})
		default:
			toks = append(toks, ddlTok{kind: 'p', val: q[i : i+1], start: i, end: i + 1})
			i++
		}
	}
	return toks
}
