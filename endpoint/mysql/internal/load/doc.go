// Package load is the MySQL-family bulk-load path: LOAD DATA LOCAL … REPLACE text. PlanFor
// turns a write request into a Plan (per-column encodings by target type, generated columns
// skipped, the statement); Rows streams change.Rows through it, Bytes loads text already
// encoded, and ReadEncoded reads a chunk at the driver level and encodes it straight into
// that text (Encoding), so a MySQL → MySQL copy never builds change.Rows. A server that
// refuses LOAD DATA LOCAL yields an error wrapping ErrRefused; remembering the refusal and
// falling back to statements is the caller's (package mysql's writer). It depends on
// packages change, endpoint, errs, schema, myerr and sqlval, and on the driver's reader
// registry.
package load
