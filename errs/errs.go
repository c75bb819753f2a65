// Package errs defines godwit's typed errors: a stable code, a message for humans and an
// advice line, plus a Kind that API adapters map to their own wire shapes (OMS envelope,
// DRS error_code, native problem JSON) and HTTP statuses. Match with errors.Is / errors.As.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for transport mapping; it is not shown to users.
type Kind int

const (
	KindInternal     Kind = iota // a bug or an unexpected failure; retried never automatically
	KindInvalid                  // the request is malformed or breaks a rule
	KindNotFound                 // the object does not exist
	KindState                    // the object exists but cannot do that in its current state
	KindConflict                 // a duplicate name or an object already present
	KindUnauthorized             // credentials missing or wrong
	KindForbidden                // credentials valid but role insufficient
	KindUnsupported              // godwit does not implement this yet
	KindUnavailable              // a database or network could not be reached; retryable
	KindTooLarge                 // request body over the limit
)

// Error is the one error type surfaced to users.
type Error struct {
	Kind    Kind
	Code    string            // stable, e.g. GHANA-PROJECT000001, GODWIT-FULL-0003
	Message string            // what happened
	Advice  string            // what to do about it
	Params  map[string]string // placeholder values (object names, ids)
	Err     error             // cause, may be nil; never contains secrets
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("[%s]: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("[%s]: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches two *Error by Code, so errors.Is(err, errs.ProjectNotFound("")) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// New builds an Error.
func New(kind Kind, code, msg, advice string) *Error {
	return &Error{Kind: kind, Code: code, Message: msg, Advice: advice}
}

// Wrap attaches a cause.
func (e *Error) Wrap(err error) *Error { c := *e; c.Err = err; return &c }

// With adds a parameter.
func (e *Error) With(k, v string) *Error {
	c := *e
	c.Params = make(map[string]string, len(e.Params)+1)
	for kk, vv := range e.Params {
		c.Params[kk] = vv
	}
	c.Params[k] = v
	return &c
}

// As returns err as *Error; anything else becomes an INNER_ERROR whose message is err's text.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInternal, Code: CodeInternal, Message: err.Error(),
		Advice: "Check the godwit log for details; if the problem persists, report it.", Err: err}
}

// FullMessage is the message plus the cause, for step error records and logs.
func (e *Error) FullMessage() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}
