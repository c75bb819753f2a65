// Package httpx holds the small HTTP plumbing shared by godwit's API adapters: per-request
// context values (request ID, start time, authenticated principal), request ID generation,
// bounded body reading and JSON writing. It knows nothing about any wire shape.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"time"

	"github.com/godwit/godwit/errs"
)

// Roles a principal can hold.
const (
	RoleAdmin    = "admin"
	RoleReadonly = "readonly"
)

// Principal is the authenticated caller. Name is a user name, or "token" for bearer tokens.
type Principal struct {
	Name string
	Role string
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyStart
	keyPrincipal
)

// WithRequest stores the request ID and the time the request arrived.
func WithRequest(ctx context.Context, id string, start time.Time) context.Context {
	ctx = context.WithValue(ctx, keyRequestID, id)
	return context.WithValue(ctx, keyStart, start)
}

// RequestID returns the request ID stored by WithRequest, or a fresh one when none is stored
// (adapters used without the root middleware, e.g. in tests).
func RequestID(ctx context.Context) string {
	if id, ok := ctx.Value(keyRequestID).(string); ok && id != "" {
		return id
	}
	return NewRequestID()
}

// Start returns when the request arrived (now when unknown).
func Start(ctx context.Context) time.Time {
	if t, ok := ctx.Value(keyStart).(time.Time); ok {
		return t
	}
	return time.Now()
}

// WithPrincipal stores the authenticated caller.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, keyPrincipal, p)
}

// PrincipalFrom returns the authenticated caller, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(keyPrincipal).(Principal)
	return p, ok
}

// NewRequestID returns a random RFC 4122 version-4 UUID string from crypto/rand.
func NewRequestID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never on Linux
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// TooLarge is the error for a request body over limit bytes.
func TooLarge(limit int64) *errs.Error {
	return errs.New(errs.KindTooLarge, errs.CodeBodyTooLarge,
		fmt.Sprintf("request body is larger than the limit of %d bytes", limit),
		"Send a smaller request body.").With("limit", fmt.Sprint(limit))
}

// ReadBody reads the whole request body. The root handler bounds it with
// http.MaxBytesReader; exceeding that bound yields a KindTooLarge error.
func ReadBody(r *http.Request) ([]byte, *errs.Error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, TooLarge(mbe.Limit)
		}
		return nil, errs.Invalid("cannot read the request body: %v", err)
	}
	return b, nil
}

// WriteJSON writes v as JSON with the given status. Encoding failures cannot happen for the
// adapters' own types; if one does, the client sees a truncated body and the status stands.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// Elapsed renders the time since the request started as OMS does: "<n> ms".
func Elapsed(ctx context.Context) string {
	return fmt.Sprintf("%d ms", time.Since(Start(ctx)).Milliseconds())
}

// JSONTypeName describes what JSON value decodes into t ("an integer", "an array of strings").
func JSONTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.String {
			return "an array of strings"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}
