package model

import (
	"fmt"
	"unicode/utf8"
)

// MaxDisplayName is the longest data-source, project or label name, in bytes.
const MaxDisplayName = 128

// CheckDisplayName checks a name people read in lists, logs and consoles (data sources,
// projects, labels): at most MaxDisplayName bytes of valid UTF-8 without control characters
// (C0 U+0000..U+001F, DEL, C1 U+0080..U+009F), line or paragraph separators (U+2028,
// U+2029), bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A..U+202E,
// U+2066..U+2069), which can make a name display as another one, or U+FFFD (the
// replacement character, left where a client's input was not valid UTF-8). It returns nil
// or an error whose text states the broken rule; the caller names the field.
func CheckDisplayName(s string) error {
	if len(s) > MaxDisplayName {
		return fmt.Errorf("is longer than %d bytes", MaxDisplayName)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("is not valid UTF-8")
	}
	n := 0
	for _, r := range s {
		n++
		if what := unsafeRune(r); what != "" {
			return fmt.Errorf("contains %s %U at character %d", what, r, n)
		}
	}
	return nil
}

// unsafeRune names the class of r when a display name must not contain it, else "".
func unsafeRune(r rune) string {
	switch {
	case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
		return "the control character"
	case r == 0x2028 || r == 0x2029:
		return "the line or paragraph separator"
	case r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
		return "the bidirectional formatting character"
	case r == utf8.RuneError:
		return "the replacement character (the input was not valid UTF-8)"
	}
	return ""
}
