package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/chunk"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// querier is what verification queries run on: the pool, or one snapshot connection.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Snapshot is one connection inside a REPEATABLE READ transaction started WITH CONSISTENT
// SNAPSHOT: every read through it sees the database as of BeginSnapshot. It offers the
// verification reads of Endpoint. Not safe for concurrent use; Close ends it.
type Snapshot struct {
	e    *Endpoint
	conn *sql.Conn
}

// BeginSnapshot opens a consistent-snapshot read transaction on a dedicated connection.
// It returns an endpoint.Endpoint so that callers outside this package can discover its
// methods (HashChunk, ReadRange, SplitRange, FetchKeys) by type assertion.
func (e *Endpoint) BeginSnapshot(ctx context.Context) (endpoint.Endpoint, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, myerr.DataPath(errs.CodeVerifyFailed, "cannot open a snapshot connection", "Check the server is reachable.", err)
	}
	for _, q := range []string{"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
		"START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.Raw(func(any) error { return errors.New("discard") }) //nolint:errcheck // marks the conn bad
			conn.Close()
			return nil, myerr.DataPath(errs.CodeVerifyFailed, "cannot start a consistent snapshot", "Check the server is reachable.", err)
		}
	}
	return &Snapshot{e: e, conn: conn}, nil
}

// Ping, Version and Close make a Snapshot an endpoint.Endpoint.
func (s *Snapshot) Ping(ctx context.Context) error { return s.conn.PingContext(ctx) }
func (s *Snapshot) Version() string                { return s.e.version }

// Close ends the transaction and returns the connection to the pool.
func (s *Snapshot) Close() error {
	_, err := s.conn.ExecContext(context.Background(), "ROLLBACK")
	return errors.Join(err, s.conn.Close())
}

// HashAlgorithms is Endpoint.HashAlgorithms.
func (s *Snapshot) HashAlgorithms() []string { return s.e.HashAlgorithms() }

// HashChunk is Endpoint.HashChunk inside the snapshot.
func (s *Snapshot) HashChunk(ctx context.Context, req endpoint.ChecksumRequest, algo string) (int64, string, error) {
	return hashChunk(ctx, s.conn, req, algo)
}

// ReadRange is Endpoint.ReadRange inside the snapshot.
func (s *Snapshot) ReadRange(ctx context.Context, req endpoint.ReadRequest, fn func(change.Row) error) error {
	return readRange(ctx, s.conn, req, fn)
}

// SplitRange is Endpoint.SplitRange inside the snapshot.
func (s *Snapshot) SplitRange(ctx context.Context, req endpoint.ReadRequest, every int) ([]change.Key, error) {
	return splitRange(ctx, s.conn, req, every)
}

// FetchKeys is Endpoint.FetchKeys inside the snapshot.
func (s *Snapshot) FetchKeys(ctx context.Context, req endpoint.ReadRequest, keys []change.Key, fn func(change.Row) error) error {
	return fetchKeys(ctx, s.conn, req, keys, fn)
}

// ReadRange streams the rows of req.Chunk (plus req.Where) to fn in key order, like
// ReadChunk (binary protocol, change conventions, fresh []byte values fn may keep).
func (e *Endpoint) ReadRange(ctx context.Context, req endpoint.ReadRequest, fn func(change.Row) error) error {
	return readRange(ctx, e.db, req, fn)
}

// SplitRange returns the keys that cut req.Chunk (plus req.Where) into pieces of about
// every rows, in key order: every every-th key of the range, excluding the range's upper
// bound. No keys means the range holds at most every rows.
func (e *Endpoint) SplitRange(ctx context.Context, req endpoint.ReadRequest, every int) ([]change.Key, error) {
	return splitRange(ctx, e.db, req, every)
}

// FetchKeys streams the rows whose key (req.Key) equals one of keys, in no given order.
// req.Where is applied too; rows not found are simply absent.
func (e *Endpoint) FetchKeys(ctx context.Context, req endpoint.ReadRequest, keys []change.Key, fn func(change.Row) error) error {
	return fetchKeys(ctx, e.db, req, keys, fn)
}

func readRange(ctx context.Context, q querier, req endpoint.ReadRequest, fn func(change.Row) error) error {
	cols := req.Columns
	if len(cols) == 0 {
		cols = req.Table.ColumnNames()
	}
	query, args, err := readChunkSQL(req.Table, selectList(cols), req.Key, req.Where, req.Chunk, true)
	if err != nil {
		return err
	}
	return scanRows(ctx, q, req.Table, query, args, fn)
}

func splitRange(ctx context.Context, q querier, req endpoint.ReadRequest, every int) ([]change.Key, error) {
	t := req.Table
	if len(req.Key) == 0 || every < 1 {
		return nil, nil
	}
	cols := make([]*schema.Column, len(req.Key))
	for i, k := range req.Key {
		if cols[i] = t.Column(k); cols[i] == nil {
			return nil, errs.New(errs.KindInvalid, errs.CodeVerifyFailed,
				fmt.Sprintf("key column %s not found in table %s.%s", k, t.Schema, t.Name), "Refresh the table definition.")
		}
	}
	var out []change.Key
	lower := req.Chunk.Lower
	for {
		c := change.Chunk{Lower: lower, Upper: req.Chunk.Upper}
		query, args, err := readChunkSQL(t, selectList(req.Key), req.Key, req.Where, c, true)
		if err != nil {
			return nil, err
		}
		query += fmt.Sprintf(" LIMIT 1 OFFSET %d", every-1)
		vals := make([]any, len(req.Key))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		err = q.QueryRowContext(ctx, query, args...).Scan(ptrs...)
		if errors.Is(err, sql.ErrNoRows) {
			return out, nil
		}
		if err != nil {
			return nil, readErr(t, "cannot split a verification range", err)
		}
		k := make(change.Key, len(vals))
		for i, v := range vals {
			k[i] = chunk.NormalizeKey(cols[i], v)
		}
		if req.Chunk.Upper != nil && keyEqual(k, req.Chunk.Upper) {
			return out, nil
		}
		out = append(out, k)
		lower = k
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

func keyEqual(a, b change.Key) bool {
	ea, _ := change.EncodeKey(a)
	eb, _ := change.EncodeKey(b)
	return ea == eb
}

// fetchKeysBatch bounds the OR list of one FetchKeys statement.
const fetchKeysBatch = 500

func fetchKeys(ctx context.Context, q querier, req endpoint.ReadRequest, keys []change.Key, fn func(change.Row) error) error {
	t := req.Table
	cols := req.Columns
	if len(cols) == 0 {
		cols = t.ColumnNames()
	}
	if len(req.Key) == 0 {
		return errs.New(errs.KindInvalid, errs.CodeVerifyFailed,
			fmt.Sprintf("table %s.%s has no key to fetch rows by", t.Schema, t.Name), "Rows can be fetched by key only in tables with a primary or unique key.")
	}
	for start := 0; start < len(keys); start += fetchKeysBatch {
		batch := keys[start:min(len(keys), start+fetchKeysBatch)]
		var b strings.Builder
		var args []any
		b.WriteString("SELECT " + selectList(cols) + " FROM " + sqlval.QuoteTable(t.Schema, t.Name) + " WHERE (")
		for i, k := range batch {
			if len(k) != len(req.Key) {
				return errs.New(errs.KindInvalid, errs.CodeVerifyFailed,
					fmt.Sprintf("a key of %s.%s has %d values for %d key columns", t.Schema, t.Name, len(k), len(req.Key)), "Pass whole keys.")
			}
			if i > 0 {
				b.WriteString(" OR ")
			}
			b.WriteByte('(')
			for j, kc := range req.Key {
				if j > 0 {
					b.WriteString(" AND ")
				}
				b.WriteString(sqlval.QuoteIdent(kc) + " = ?")
				args = append(args, k[j])
			}
			b.WriteByte(')')
		}
		b.WriteByte(')')
		if req.Where != "" {
			b.WriteString(" AND (" + req.Where + ")")
		}
		if err := scanRows(ctx, q, t, b.String(), args, fn); err != nil {
			return err
		}
	}
	return nil
}

// scanRows runs query (which has arguments, so the binary protocol is used) and streams its
// rows in change conventions.
func scanRows(ctx context.Context, q querier, t *schema.Table, query string, args []any, fn func(change.Row) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return readErr(t, "cannot read rows to verify", err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return readErr(t, "cannot read rows to verify", err)
	}
	unsigned := make([]bool, len(cts))
	for i, ct := range cts {
		unsigned[i] = ct.DatabaseTypeName() == "UNSIGNED BIGINT"
	}
	vals := make([]any, len(cts))
	ptrs := make([]any, len(cts))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return readErr(t, "cannot decode a row", err)
		}
		row := make(change.Row, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok && unsigned[i] {
				u, perr := strconv.ParseUint(string(b), 10, 64)
				if perr != nil {
					return readErr(t, "cannot decode a BIGINT UNSIGNED value", perr)
				}
				v = u
			}
			row[i] = v
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return readErr(t, "cannot read rows to verify", err)
	}
	return nil
}
