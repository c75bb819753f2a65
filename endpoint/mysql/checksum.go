package mysql

import (
	"context"
	"fmt"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.Checksummer = (*Endpoint)(nil)

// Hash algorithms of the pushed-down verification hash. Two MySQL-family servers computing
// the same algorithm over the same values (under any column order, names, charsets and
// collations) produce the same sum; the verifier picks the first algorithm both sides offer.
const (
	// HashCRC64 hashes each row to CRC32(s)<<32 | CRC32C(s) (MariaDB 10.8+).
	HashCRC64 = "mysql-crc32+crc32c/1"
	// HashCRC32 hashes each row to CRC32(s) (every MySQL-family server).
	HashCRC32 = "mysql-crc32/1"
)

// HashAlgorithms lists the pushed-down hash algorithms this server supports, best first.
func (e *Endpoint) HashAlgorithms() []string {
	if e.mariadb && versionAtLeast(e.version, 10, 8) {
		return []string{HashCRC64, HashCRC32}
	}
	return []string{HashCRC32}
}

// versionAtLeast parses "10.11.6-MariaDB…" style versions.
func versionAtLeast(v string, major, minor int) bool {
	var a, b int
	if _, err := fmt.Sscanf(v, "%d.%d", &a, &b); err != nil {
		return false
	}
	return a > major || (a == major && b >= minor)
}

// Checksum is HashChunk with the best algorithm of this server. Two servers compare only if
// they chose the same algorithm (see HashAlgorithms).
func (e *Endpoint) Checksum(ctx context.Context, req endpoint.ChecksumRequest) (int64, string, error) {
	return e.HashChunk(ctx, req, e.HashAlgorithms()[0])
}

// HashChunk returns the number of rows of req.Chunk (plus req.Where) and an
// order-independent hash of req.Columns (all columns when empty) over them, computed on the
// server in one aggregate query: "rows:agg" where agg is BIT_XOR of the per-row hashes for a
// table with a key (rows are distinct) and their exact SUM for a table without one (XOR
// would cancel duplicate rows).
//
// A row hashes the concatenation, separated by the byte 0xFF, of canonical column forms
// plus, when any compared column is nullable, a NULL bitmap; the forms are exact and
// independent of column order, charset and collation: character data as its utf8mb4 bytes,
// binary data as "length:raw bytes", BIT as HEX of its value, FLOAT widened to DOUBLE (whose
// text form is the shortest round-trip decimal, so every bit counts), other types in their
// text form (every microsecond and decimal digit). NULL differs from ” through the bitmap.
// The caller must pass tables whose Nullable flags agree on both sides.
func (e *Endpoint) HashChunk(ctx context.Context, req endpoint.ChecksumRequest, algo string) (int64, string, error) {
	return hashChunk(ctx, e.db, req, algo)
}

func hashChunk(ctx context.Context, q querier, req endpoint.ChecksumRequest, algo string) (int64, string, error) {
	t := req.Table
	row, err := RowHashExpr(t, req.Columns, algo)
	if err != nil {
		return 0, "", err
	}
	agg := "BIT_XOR"
	if len(req.Key) == 0 {
		agg = "SUM"
	}
	sel := "COUNT(*), COALESCE(" + agg + "(" + row + "),0)"
	query, args, err := readChunkSQL(t, sel, req.Key, req.Where, req.Chunk, false)
	if err != nil {
		return 0, "", err
	}
	var count int64
	var sum []byte
	if err := q.QueryRowContext(ctx, query, args...).Scan(&count, &sum); err != nil {
		return 0, "", myerr.DataPath(errs.CodeVerifyFailed,
			fmt.Sprintf("cannot checksum a chunk of %s.%s", t.Schema, t.Name),
			"Check the database is reachable and the table readable; verification retries transient failures.", err)
	}
	return count, fmt.Sprintf("%d:%s", count, sum), nil
}

// RowHashExpr is the SQL expression of one row's hash under algo (an unsigned integer).
func RowHashExpr(t *schema.Table, cols []string, algo string) (string, error) {
	if len(cols) == 0 {
		cols = t.ColumnNames()
	}
	parts := make([]string, 0, len(cols)+1)
	var nulls []string
	for _, n := range cols {
		c := t.Column(n)
		if c == nil {
			return "", errs.New(errs.KindInvalid, errs.CodeVerifyFailed,
				fmt.Sprintf("column %s not found in table %s.%s", n, t.Schema, t.Name),
				"Refresh the table definition; the schema may have changed.")
		}
		parts = append(parts, checksumColumnExpr(c))
		if c.Nullable {
			nulls = append(nulls, "ISNULL("+sqlval.QuoteIdent(c.Name)+")")
		}
	}
	if len(nulls) > 0 {
		parts = append(parts, "CONCAT("+strings.Join(nulls, ",")+")")
	}
	// A binary separator makes the concatenation binary: no charset conversion or collation
	// mix between columns, and 0xFF cannot occur in the (UTF-8) text forms.
	s := "CONCAT_WS(CAST(X'FF' AS BINARY)," + strings.Join(parts, ",") + ")"
	switch algo {
	case HashCRC64:
		return "(CRC32(" + s + ")<<32|CRC32C(" + s + "))", nil
	case HashCRC32:
		return "CRC32(" + s + ")", nil
	}
	return "", errs.New(errs.KindInvalid, errs.CodeVerifyFailed, "unknown hash algorithm "+algo,
		"Use one of the algorithms HashAlgorithms lists.")
}

// checksumColumnExpr is c's exact canonical form (NULL for NULL). Character data is its
// utf8mb4 bytes as stored (converted from other charsets), which never contain the byte 0xFF
// that separates the columns; binary data, which may, is length-prefixed.
func checksumColumnExpr(c *schema.Column) string {
	q := sqlval.QuoteIdent(c.Name)
	switch strings.ToLower(c.DataType) {
	case "bit":
		return "HEX(" + q + ")"
	case "float":
		return "CAST(" + q + " AS DOUBLE)"
	}
	if sqlval.KindOf(c) == sqlval.Binary {
		return "CONCAT(LENGTH(" + q + "),':'," + q + ")"
	}
	switch strings.ToLower(c.DataType) {
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json":
		switch strings.ToLower(c.Charset) {
		case "utf8mb4", "ascii", "":
			return q
		}
		return "CONVERT(" + q + " USING utf8mb4)"
	}
	return q
}
