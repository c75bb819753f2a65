package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/godwit/godwit/errs"
)

// This file holds the checks that make a request mean one thing: every layer (authorisation,
// dispatch, the access log, and any proxy in front) must read the same path, the same query
// and the same body fields. Anything a reader could resolve two ways is refused instead.

// CheckPath refuses a request path that the root handler and the router would read
// differently: an encoded slash (%2F) is one segment to the router (which matches on the
// escaped path) but a separator in the decoded path the root handler authorises, so such a
// path is refused whatever follows. No godwit id or route contains a slash.
func CheckPath(r *http.Request) *errs.Error {
	if p := r.URL.EscapedPath(); strings.Contains(p, "%2F") || strings.Contains(p, "%2f") {
		return errs.Invalid("the request path must not contain an encoded slash (%%2F)").With("path", r.URL.EscapedPath())
	}
	return nil
}

// Query parses the raw query of r strictly: url.URL.Query silently drops malformed pairs
// (bad escapes, semicolons), which a proxy in front may read otherwise, so a malformed query
// is an error here.
func Query(r *http.Request) (url.Values, *errs.Error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errs.Invalid("malformed query string: %v", err)
	}
	return q, nil
}

// SingleValued checks that no query parameter of q is given more than once, in the same or
// another letter case (case-insensitive readers would take one, case-sensitive readers
// another), except the names in repeatable (compared exactly), which may repeat in their
// own spelling only.
func SingleValued(q url.Values, repeatable ...string) *errs.Error {
	seen := make(map[string]string, len(q))
	for k, vs := range q {
		f := Fold(k)
		if other, dup := seen[f]; dup {
			a, b := min(k, other), max(k, other)
			return errs.Invalid("query parameter %s is given more than once (as %s and %s)", strconv.Quote(k), strconv.Quote(a), strconv.Quote(b)).With("parameter", a)
		}
		seen[f] = k
		if len(vs) > 1 && !contains(repeatable, k) {
			return errs.Invalid("query parameter %s is given %d times; give it once", strconv.Quote(k), len(vs)).With("parameter", k)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// Fold returns the case-folded form of s: two strings have the same Fold exactly when
// strings.EqualFold says they are equal (the matching encoding/json uses for object keys).
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		// The smallest rune of r's simple-folding orbit represents the orbit.
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

// DuplicateKey reports the first object key of a JSON document that occurs twice in one
// object, compared case-insensitively as encoding/json matches keys to fields (so
// {"id":1,"ID":2} is a duplicate). Decoders keep one of the two (the last, or by map order);
// a body whose meaning depends on which is refused instead. Malformed JSON reports nothing:
// the decoder reports it. path is the key's location, e.g. "job.action_name".
func DuplicateKey(body []byte) (path string, found bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return dupValue(dec, 0)
}

// maxDepth bounds the nesting DuplicateKey walks (encoding/json refuses deeper documents).
const maxDepth = 10000

// dupValue consumes one JSON value from dec and reports a duplicate key inside it, with its
// path relative to the value (built only on a hit).
func dupValue(dec *json.Decoder, depth int) (string, bool) {
	if depth > maxDepth {
		return "", false
	}
	tok, err := dec.Token()
	if err != nil {
		return "", false
	}
	d, isDelim := tok.(json.Delim)
	if !isDelim {
		return "", false
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", false
			}
			k, _ := kt.(string)
			f := Fold(k)
			if seen[f] {
				return k, true
			}
			seen[f] = true
			if sub, ok := dupValue(dec, depth+1); ok {
				if strings.HasPrefix(sub, "[") {
					return k + sub, true
				}
				return k + "." + sub, true
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if sub, ok := dupValue(dec, depth+1); ok {
				if strings.HasPrefix(sub, "[") {
					return fmt.Sprintf("[%d]%s", i, sub), true
				}
				return fmt.Sprintf("[%d].%s", i, sub), true
			}
		}
	}
	_, _ = dec.Token() // the closing delimiter; an error shows at the next Token
	return "", false
}

// DuplicateKeyError is the error for a body with a duplicated key (see DuplicateKey).
func DuplicateKeyError(path string) *errs.Error {
	if len(path) > 200 {
		path = path[:200] + "…"
	}
	if !utf8.ValidString(path) {
		path = strconv.QuoteToASCII(path)
	}
	return errs.Invalid("the request body names %s more than once (keys are matched case-insensitively)", path).With("parameter", path)
}
