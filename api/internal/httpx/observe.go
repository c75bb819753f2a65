package httpx

import "context"

// ErrorNote is where the adapters record the code of the error a request answered with, so
// the root middleware can count errors by code (OMS business errors are HTTP 200, so the
// status alone does not say). One note per request; written by the handler's goroutine and
// read by the middleware after the handler returned.
type ErrorNote struct{ Code string }

const keyErrorNote ctxKey = 100

// WithErrorNote returns ctx carrying a fresh note and the note.
func WithErrorNote(ctx context.Context) (context.Context, *ErrorNote) {
	n := &ErrorNote{}
	return context.WithValue(ctx, keyErrorNote, n), n
}

// NoteError records code on the request's note, if it has one.
func NoteError(ctx context.Context, code string) {
	if n, ok := ctx.Value(keyErrorNote).(*ErrorNote); ok {
		n.Code = code
	}
}
