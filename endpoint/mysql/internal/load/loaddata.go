package load

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// The LOAD DATA write path.
//
// A batch is encoded on the fly (loadStream) in the server's default LOAD DATA text format
// (fields terminated by TAB, lines by LF, escaped by backslash, NULL as \N) and streamed
// with LOAD DATA LOCAL INFILE 'Reader::…' through the driver's reader handlers: no file, no
// second copy of the batch in memory, no statement-size limit, and the server parses
// tab-separated text far faster than multi-row INSERT literals. Every value is validated
// before the statement starts, because a stream cannot fail without the server keeping
// what it already received. REPLACE INTO TABLE keeps the write idempotent by key; one LOAD DATA
// statement is atomic (autocommit), so WriteRows stays atomic per call.
//
// Encoding by column (see loadAppend):
//   - NULL → \N; integers → decimal (YEAR 0 as "0000": the text "0" would load as 2000); FLOAT/DOUBLE → the shortest exact decimal (as sqlval.Append)
//   - text and binary bytes → raw bytes with \0 \t \n \r \\ \Z escaped; the statement says
//     CHARACTER SET utf8mb4 (the connection charset the source text arrived in), which the
//     server converts to each text column's charset and never applies to binary columns,
//     or binary when every text column is utf8mb4 itself (Charset)
//   - BIT → the unsigned integer, loaded into a user variable and assigned with
//     SET col = CAST(@v AS UNSIGNED), the documented way to load BIT values.

// ErrRefused says the server (or the client library) refuses LOAD DATA LOCAL; the caller
// falls back to multi-row statements for good.
var ErrRefused = errors.New("LOAD DATA LOCAL INFILE is refused")

// loadRefusedNumbers are the server errors that mean "LOAD DATA LOCAL is not allowed here":
// 1148 ER_NOT_ALLOWED_COMMAND (MariaDB/MySQL with local_infile=OFF), 3948 (MySQL 8:
// loading local data is disabled), 4166 (MariaDB 10.6+: local infile capability disabled),
// 1235 ER_NOT_SUPPORTED_YET (some MySQL-compatible servers).
var loadRefusedNumbers = map[uint16]bool{1148: true, 3948: true, 4166: true, 1235: true}

// Plan is the statement and per-column encoding of one WriteRequest.
type Plan struct {
	kinds []sqlval.Kind
	keep  []bool // false for generated columns (computed by the target)
	year  []bool // YEAR columns: 0 must be sent as "0000" (text "0" loads as 2000)
	stmt  string // without the reader name: "%s" placeholder

	table   *schema.Table // the target table, for errors
	columns []string      // req.Columns, for errors
}

// PlanFor validates req's columns against the target table and builds the statement.
func PlanFor(req endpoint.WriteRequest) (*Plan, error) {
	t := req.Table
	p := &Plan{kinds: make([]sqlval.Kind, len(req.Columns)), keep: make([]bool, len(req.Columns)),
		year: make([]bool, len(req.Columns)), table: t, columns: req.Columns}
	var cols, sets []string
	for i, n := range req.Columns {
		c := t.Column(n)
		if c == nil {
			return nil, errs.New(errs.KindInvalid, errs.CodeCopyWrite,
				fmt.Sprintf("column %s not found in target table %s.%s", n, t.Schema, t.Name),
				"Check the column mapping and the target table definition.")
		}
		p.kinds[i] = sqlval.KindOf(c)
		p.year[i] = strings.EqualFold(c.DataType, "year")
		if p.keep[i] = c.Generated == ""; !p.keep[i] {
			continue
		}
		if p.kinds[i] == sqlval.Bit {
			v := "@godwit_v" + strconv.Itoa(i)
			cols = append(cols, v)
			sets = append(sets, sqlval.QuoteIdent(n)+" = CAST("+v+" AS UNSIGNED)")
		} else {
			cols = append(cols, sqlval.QuoteIdent(n))
		}
	}
	mode := "REPLACE "
	if len(t.KeyColumns()) == 0 {
		mode = "" // a table without a key is truncated by the copy step before it is loaded
	}
	var b strings.Builder
	b.WriteString("LOAD DATA LOCAL INFILE '%s' ")
	b.WriteString(mode)
	b.WriteString("INTO TABLE ")
	b.WriteString(strings.ReplaceAll(sqlval.QuoteTable(t.Schema, t.Name), "%", "%%"))
	b.WriteString(" CHARACTER SET ")
	b.WriteString(Charset(t, req.Columns))
	b.WriteString(" FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (")
	b.WriteString(strings.ReplaceAll(strings.Join(cols, ", "), "%", "%%"))
	b.WriteString(")")
	if len(sets) > 0 {
		b.WriteString(" SET ")
		b.WriteString(strings.ReplaceAll(strings.Join(sets, ", "), "%", "%%"))
	}
	p.stmt = b.String()
	return p, nil
}

// Charset is the CHARACTER SET of the LOAD DATA text. Text arrives in utf8mb4 (the
// connection charset). When every loaded text column stores utf8mb4 itself, the bytes are
// already what the column stores, and "binary" lets the server store them without a
// conversion pass (measured: about a tenth less server CPU per row); otherwise utf8mb4, so
// the server converts to each column's charset. JSON columns (MySQL 8 refuses binary
// strings for them) keep utf8mb4.
func Charset(t *schema.Table, columns []string) string {
	for _, n := range columns {
		c := t.Column(n)
		if c == nil || c.Generated != "" || sqlval.KindOf(c) != sqlval.Text {
			continue
		}
		switch strings.ToLower(c.DataType) {
		case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set":
			if !strings.EqualFold(c.Charset, "utf8mb4") {
				return "utf8mb4"
			}
		case "json":
			return "utf8mb4"
		}
	}
	return "binary"
}

// validate checks every value of rows before anything is sent: once LOAD DATA streams,
// a failure can no longer abort the statement (the driver ends the stream and the server
// keeps what it received), so the stream itself must not be able to fail.
func (p *Plan) validate(t *schema.Table, columns []string, rows []change.Row) error {
	var scratch []byte
	for ri, row := range rows {
		if len(row) != len(p.kinds) {
			return errs.New(errs.KindInternal, errs.CodeCopyWrite,
				fmt.Sprintf("row %d for %s.%s has %d values for %d columns", ri, t.Schema, t.Name, len(row), len(p.kinds)),
				"Report this; the row does not match the column list.")
		}
		for i, v := range row {
			if !p.keep[i] {
				continue
			}
			var err error
			switch x := v.(type) {
			case []byte:
				if p.kinds[i] == sqlval.Bit && len(x) > 8 {
					err = fmt.Errorf("BIT value of %d bytes exceeds 64 bits", len(x))
				}
			case string:
				if p.kinds[i] == sqlval.Bit && len(x) > 8 {
					err = fmt.Errorf("BIT value of %d bytes exceeds 64 bits", len(x))
				}
			default:
				scratch, err = loadAppend(scratch[:0], p.kinds[i], v)
			}
			if err != nil {
				return errs.New(errs.KindInvalid, errs.CodeCopyWrite,
					fmt.Sprintf("cannot write column %s of %s.%s: %v", columns[i], t.Schema, t.Name, err),
					"Check the column mapping; the value cannot be stored in the target column.")
			}
		}
	}
	return nil
}

// loadEscape marks the bytes LOAD DATA needs escaped, with their escape letter.
var loadEscape = [256]byte{0: '0', '\t': 't', '\n': 'n', '\r': 'r', '\\': '\\', 0x1a: 'Z'}

// loadStream is the io.Reader LOAD DATA reads a batch from: it encodes rows on the fly
// (fields streamed straight into the driver's packet buffer), so a batch is never held
// twice in memory. Rows must have passed validate.
type loadStream struct {
	p     *Plan
	rows  []change.Row
	ri    int    // current row
	ci    int    // next column of the current row
	first bool   // no field of the current row emitted yet
	val   []byte // rest of the text/binary field being streamed (escaped on the fly)
	small []byte // pending encoded bytes: separators, numbers, a split escape
	n     int64  // bytes produced
}

func newLoadStream(p *Plan, rows []change.Row) *loadStream {
	return &loadStream{p: p, rows: rows, first: true}
}

// Read implements io.Reader.
func (s *loadStream) Read(b []byte) (int, error) {
	w := 0
	for w < len(b) {
		if len(s.small) > 0 {
			k := copy(b[w:], s.small)
			s.small = s.small[k:]
			w += k
			continue
		}
		if len(s.val) > 0 {
			w += s.escapeInto(b[w:])
			continue
		}
		if !s.next() {
			break
		}
	}
	s.n += int64(w)
	if w == 0 && len(b) > 0 {
		return 0, io.EOF
	}
	return w, nil
}

// escapeInto copies as much of s.val as fits into b, escaping; a 2-byte escape that does
// not fit goes to s.small.
func (s *loadStream) escapeInto(b []byte) int {
	w := 0
	v := s.val
	for len(v) > 0 && w < len(b) {
		run, lim := 0, min(len(v), len(b)-w) // never scan past what fits: keeps Read O(len(b))
		for run < lim && loadEscape[v[run]] == 0 {
			run++
		}
		if run > 0 {
			k := copy(b[w:], v[:run])
			w += k
			v = v[k:]
			continue
		}
		e := loadEscape[v[0]]
		v = v[1:]
		if w+2 <= len(b) {
			b[w], b[w+1] = '\\', e
			w += 2
		} else {
			s.small = append(s.small[:0], '\\', e)
			break
		}
	}
	s.val = v
	return w
}

// next queues the next field (or line end) into small/val; false at the end of the batch.
func (s *loadStream) next() bool {
	if s.ri >= len(s.rows) {
		return false
	}
	row := s.rows[s.ri]
	for s.ci < len(row) && !s.p.keep[s.ci] {
		s.ci++
	}
	if s.ci >= len(row) {
		s.small = append(s.small[:0], '\n')
		s.ri, s.ci, s.first = s.ri+1, 0, true
		return true
	}
	i := s.ci
	s.ci++
	s.small = s.small[:0]
	if !s.first {
		s.small = append(s.small, '\t')
	}
	s.first = false
	if raw, ok := s.p.rawField(i, row[i]); ok {
		s.val = raw
		return true
	}
	s.small, _ = s.p.appendScalar(s.small, i, row[i]) // validated: cannot fail
	return true
}

// rawField returns the bytes of v to be sent escaped (text and binary values of columns
// that are not BIT), or false when v is encoded by appendScalar.
func (p *Plan) rawField(i int, v any) ([]byte, bool) {
	if p.kinds[i] == sqlval.Bit {
		return nil, false
	}
	switch x := v.(type) {
	case []byte:
		if p.year[i] && string(x) == "0" {
			return nil, false
		}
		return x, true
	case string:
		return []byte(x), true
	}
	return nil, false
}

// appendScalar appends the field text of a value rawField does not take: NULL, numbers,
// BIT values, YEAR 0.
func (p *Plan) appendScalar(b []byte, i int, v any) ([]byte, error) {
	if p.year[i] && isZeroInt(v) {
		return append(b, "0000"...), nil
	}
	return loadAppend(b, p.kinds[i], v)
}

// appendRow appends row as one LOAD DATA line (fields of generated columns left out).
func (p *Plan) appendRow(b []byte, row []any) ([]byte, error) {
	if len(row) != len(p.kinds) {
		return b, errs.New(errs.KindInternal, errs.CodeCopyWrite,
			fmt.Sprintf("a row for %s.%s has %d values for %d columns", p.table.Schema, p.table.Name, len(row), len(p.kinds)),
			"Report this; the row does not match the column list.")
	}
	first := true
	for i, v := range row {
		if !p.keep[i] {
			continue
		}
		if !first {
			b = append(b, '\t')
		}
		first = false
		if raw, ok := p.rawField(i, v); ok {
			b = loadEscapeAppend(b, raw)
			continue
		}
		var err error
		if b, err = p.appendScalar(b, i, v); err != nil {
			return b, errs.New(errs.KindInvalid, errs.CodeCopyWrite,
				fmt.Sprintf("cannot write column %s of %s.%s: %v", p.columns[i], p.table.Schema, p.table.Name, err),
				"Check the column mapping; the value cannot be stored in the target column.")
		}
	}
	return append(b, '\n'), nil
}

// loadEscapeAppend appends v with the LOAD DATA escapes, copying unescaped runs whole.
func loadEscapeAppend(b, v []byte) []byte {
	for len(v) > 0 {
		run := 0
		for run < len(v) && loadEscape[v[run]] == 0 {
			run++
		}
		b = append(b, v[:run]...)
		if run == len(v) {
			break
		}
		b = append(b, '\\', loadEscape[v[run]])
		v = v[run+1:]
	}
	return b
}

func isZeroInt(v any) bool {
	switch x := v.(type) {
	case int64:
		return x == 0
	case uint64:
		return x == 0
	case int:
		return x == 0
	case []byte:
		return string(x) == "0"
	}
	return false
}

// loadAppend appends v's LOAD DATA field text for a column of kind k.
func loadAppend(b []byte, k sqlval.Kind, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, '\\', 'N'), nil
	case []byte:
		return loadAppendBytes(b, k, x)
	case string:
		return loadAppendBytes(b, k, []byte(x))
	}
	// Numbers and bools render exactly as SQL literals (digits, exponent form for floats).
	return sqlval.Append(b, k, v)
}

func loadAppendBytes(b []byte, k sqlval.Kind, v []byte) ([]byte, error) {
	if k == sqlval.Bit {
		return sqlval.AppendBytes(b, sqlval.Bit, v)
	}
	return loadEscapeAppend(b, v), nil
}

// Rows writes req with one LOAD DATA LOCAL statement. It returns the bytes streamed, or
// an error wrapping ErrRefused when the server does not allow LOAD DATA LOCAL.
func Rows(ctx context.Context, db *sql.DB, req endpoint.WriteRequest) (int64, error) {
	p, err := PlanFor(req)
	if err != nil {
		return 0, err
	}
	if err := p.validate(req.Table, req.Columns, req.Rows); err != nil {
		return 0, err
	}
	st := newLoadStream(p, req.Rows)
	if err := exec(ctx, db, req, p, st); err != nil {
		return 0, err
	}
	return st.n, nil
}

// exec runs p's LOAD DATA statement reading r, mapping a refusal to ErrRefused.
func exec(ctx context.Context, db *sql.DB, req endpoint.WriteRequest, p *Plan, r io.Reader) error {
	name := readerName()
	gomysql.RegisterReaderHandler(name, func() io.Reader { return r })
	defer gomysql.DeregisterReaderHandler(name)
	if _, err := db.ExecContext(ctx, fmt.Sprintf(p.stmt, "Reader::"+name)); err != nil {
		var me *gomysql.MySQLError
		if errors.As(err, &me) && loadRefusedNumbers[me.Number] {
			return fmt.Errorf("%w: %v", ErrRefused, err)
		}
		return myerr.CopyWrite(req.Table.Schema, req.Table.Name, "cannot load rows", err)
	}
	return nil
}

// readerName names one reader-handler registration. The driver's registry is process-global,
// so the name must be unique among concurrent loads of every endpoint in the process: 128
// random bits make it so without a shared counter.
func readerName() string {
	return "godwit-" + rand.Text()
}
