package oms

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/errs"
)

// Decode parses an OMS request body into dst (a pointer to a struct), leniently, the way OMS
// clients send it:
//   - an empty body is {} (actions without parameters);
//   - keys are case-insensitive at every depth: the decoded map's keys are normalised to
//     camelCase first (PascalCase "PageSize" → "pageSize", all-caps "ID" → "id"); an object
//     that names a key twice (in the same or another case: "id" and "ID") is a PARAM_ERROR,
//     never resolved by picking one;
//   - values are coerced towards dst's field types: numeric strings into numbers ("1"),
//     "true"/"false" into booleans, a string into a one-or-more element list (comma-separated),
//     numbers into strings;
//   - unknown keys are ignored (ODC sends `uid`, cloud clients send workerGradeId, …).
//
// Anything else (malformed JSON, a non-object body, an unconvertible type) is a PARAM_ERROR
// whose message names the offending parameter.
func Decode(body []byte, dst any) *errs.Error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return errs.Invalid("malformed JSON request body: %s", jsonErrText(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.Invalid("malformed JSON request body: unexpected data after the JSON object")
	}
	if p, dup := httpx.DuplicateKey(body); dup {
		return httpx.DuplicateKeyError(p)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return errs.Invalid("the request body must be a JSON object, got %s", jsonKind(v))
	}
	t := reflect.TypeOf(dst)
	if t.Kind() != reflect.Pointer {
		panic("oms.Decode: dst must be a pointer")
	}
	coerced := coerce(Normalise(m), t.Elem())
	raw, err := json.Marshal(coerced)
	if err != nil {
		return errs.Invalid("malformed JSON request body: %v", err)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "request body"
			}
			return errs.Invalid("parameter %s must be %s, got a JSON %s", field, httpx.JSONTypeName(te.Type), te.Value)
		}
		return errs.Invalid("invalid request body: %s", jsonErrText(err))
	}
	return nil
}

// Normalise returns v with every object key rewritten to camelCase, recursively.
func Normalise(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			ck := camel(k)
			if _, dup := out[ck]; dup && k != ck {
				continue // the exact camelCase spelling wins
			}
			out[ck] = Normalise(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Normalise(e)
		}
		return out
	}
	return v
}

// camel lowers the first letter of k, or all of k when k is entirely upper case ("ID", "IP").
func camel(k string) string {
	if k == "" {
		return k
	}
	hasLower := strings.IndexFunc(k, unicode.IsLower) >= 0
	if !hasLower {
		return strings.ToLower(k)
	}
	r, n := utf8.DecodeRuneInString(k)
	if !unicode.IsUpper(r) {
		return k
	}
	return string(unicode.ToLower(r)) + k[n:]
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// coerce converts v towards what type t can decode; values it cannot convert are returned
// unchanged so that encoding/json reports the type error.
func coerce(v any, t reflect.Type) any {
	if v == nil {
		return nil
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return v
	}
	switch t.Kind() {
	case reflect.Pointer:
		return coerce(v, t.Elem())
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		fields := structFields(t)
		out := make(map[string]any, len(m))
		for k, val := range m {
			if ft, ok := fields[k]; ok {
				out[k] = coerce(val, ft)
			} else if ft, ok := fields[strings.ToLower(k)]; ok {
				out[k] = coerce(val, ft)
			} else {
				out[k] = val
			}
		}
		return out
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return v // []byte: base64 string
		}
		switch x := v.(type) {
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = coerce(e, t.Elem())
			}
			return out
		case string:
			if t.Elem().Kind() == reflect.String {
				out := []any{}
				for _, part := range strings.Split(x, ",") {
					if p := strings.TrimSpace(part); p != "" {
						out = append(out, p)
					}
				}
				return out
			}
		}
		if _, isMap := v.(map[string]any); !isMap {
			return []any{coerce(v, t.Elem())}
		}
	case reflect.Map:
		if m, ok := v.(map[string]any); ok && t.Key().Kind() == reflect.String {
			out := make(map[string]any, len(m))
			for k, val := range m {
				out[k] = coerce(val, t.Elem())
			}
			return out
		}
	case reflect.String:
		switch x := v.(type) {
		case json.Number:
			return x.String()
		case bool:
			return strconv.FormatBool(x)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		if s, ok := v.(string); ok {
			s = strings.TrimSpace(s)
			if s == "" {
				return nil
			}
			if _, err := strconv.ParseFloat(s, 64); err == nil && json.Valid([]byte(s)) {
				return json.Number(s)
			}
		}
	case reflect.Bool:
		switch x := v.(type) {
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				return b
			}
		case json.Number:
			switch x.String() {
			case "0":
				return false
			case "1":
				return true
			}
		}
	}
	return v
}

// structFields maps the JSON names of t's fields (exact and lower-cased, the latter only
// when unambiguous) to their types, following embedded structs as encoding/json does.
func structFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	lower := map[string]int{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			out[name] = f.Type
			lower[strings.ToLower(name)]++
		}
	}
	walk(t)
	for name, ft := range out {
		if l := strings.ToLower(name); lower[l] == 1 && l != name {
			out[l] = ft
		}
	}
	return out
}

// DecodePassword decodes an OMS Base64 password field (oms-v2.md §1).
func DecodePassword(field, b64 string) (string, *errs.Error) {
	if b64 == "" {
		return "", nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(strings.TrimSpace(b64)); err == nil {
			return string(b), nil
		}
	}
	return "", errs.Invalid("%s must be the Base64 encoding of the password", field)
}

func jsonErrText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return "a value"
}
