package sampledb

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// quoteIdent quotes a MySQL identifier.
func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// appendQuoted appends s as a single-quoted literal for a session whose sql_mode has
// backslash escapes on (we set it): \0 \n \r \Z \\ \' are escaped, every other byte is
// kept as is.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 0:
			b = append(b, '\\', '0')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case 0x1a:
			b = append(b, '\\', 'Z')
		case '\\':
			b = append(b, '\\', '\\')
		case '\'':
			b = append(b, '\\', '\'')
		default:
			b = append(b, c)
		}
	}
	return append(b, '\'')
}

// q renders a string literal.
func q(s string) string { return string(appendQuoted(nil, s)) }

// x renders a binary literal: X'…' (X” for an empty value).
func x(p []byte) string { return "X'" + hex.EncodeToString(p) + "'" }

// f64 renders a DOUBLE exactly: the shortest text that parses back to the same bits.
// Negative zero becomes -0e0, which MariaDB keeps negative.
func f64(v float64) string {
	if v == 0 && math.Signbit(v) {
		return "-0e0"
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += "e0" // a float literal, not an integer one
	}
	return s
}

// f32 renders a FLOAT exactly: its value as a double literal, which the server narrows to
// the same float32 without a second rounding.
func f32(v float32) string { return f64(float64(v)) }

// dt renders a DATETIME(6)/TIMESTAMP(6) literal in UTC.
func dt(t time.Time) string { return "'" + t.UTC().Format("2006-01-02 15:04:05.000000") + "'" }

// date renders a DATE literal.
func date(t time.Time) string { return "'" + t.UTC().Format("2006-01-02") + "'" }

// inserter sends multi-row INSERTs of literal rows, flushing every maxRows rows or
// maxBytes of SQL. Each statement commits on its own (autocommit): one transaction per batch.
type inserter struct {
	ctx      context.Context
	conn     *sql.Conn
	prefix   string
	buf      []byte
	rows     int
	maxRows  int
	maxBytes int
	total    int64
}

func newInserter(ctx context.Context, conn *sql.Conn, db, table string, cols []string, maxRows int) *inserter {
	qc := make([]string, len(cols))
	for i, c := range cols {
		qc[i] = quoteIdent(c)
	}
	return &inserter{
		ctx: ctx, conn: conn, maxRows: maxRows, maxBytes: 4 << 20,
		prefix: "INSERT INTO " + quoteIdent(db) + "." + quoteIdent(table) + " (" + strings.Join(qc, ",") + ") VALUES ",
	}
}

// add appends one row of rendered literals.
func (in *inserter) add(vals ...string) error {
	if in.rows == 0 {
		in.buf = append(in.buf[:0], in.prefix...)
	} else {
		in.buf = append(in.buf, ',')
	}
	in.buf = append(in.buf, '(')
	for i, v := range vals {
		if i > 0 {
			in.buf = append(in.buf, ',')
		}
		in.buf = append(in.buf, v...)
	}
	in.buf = append(in.buf, ')')
	in.rows++
	if in.rows >= in.maxRows || len(in.buf) >= in.maxBytes {
		return in.flush()
	}
	return nil
}

// flush sends the pending rows, if any.
func (in *inserter) flush() error {
	if in.rows == 0 {
		return nil
	}
	if _, err := in.conn.ExecContext(in.ctx, string(in.buf)); err != nil {
		return fmt.Errorf("insert %d rows: %w", in.rows, err)
	}
	in.total += int64(in.rows)
	in.rows = 0
	return nil
}
