package mysql

import (
	"context"
	"fmt"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.Checksummer = (*Endpoint)(nil)

// Checksum returns the number of rows of req.Chunk (plus req.Where) and an
// order-independent checksum of req.Columns (all columns when empty) over them, computed on
// the server. Each row hashes to MD5(CONCAT_WS('#', canonical columns…, null bitmap)); the
// sum is "count:S1:S2" where S1 and S2 are the exact decimal SUMs of the two 64-bit halves
// of the row hashes (SUM, unlike XOR, does not cancel duplicate rows of keyless tables).
//
// Canonical column forms are exact and independent of column order, charset and collation:
// character data as length-prefixed utf8mb4 bytes, binary data as length-prefixed raw
// bytes, BIT as HEX of its value, FLOAT widened to DOUBLE (whose text form is the
// shortest round-trip decimal, so every bit counts), other types in their text form;
// NULL is told from the empty string by the bitmap. Two MySQL-family servers holding the same values
// under the same column names therefore produce the same Sum.
func (e *Endpoint) Checksum(ctx context.Context, req endpoint.ChecksumRequest) (int64, string, error) {
	t := req.Table
	cols := req.Columns
	if len(cols) == 0 {
		cols = t.ColumnNames()
	}
	parts := make([]string, 0, len(cols)+1)
	nulls := make([]string, len(cols))
	for i, n := range cols {
		c := t.Column(n)
		if c == nil {
			return 0, "", errs.New(errs.KindInvalid, errs.CodeVerifyFailed,
				fmt.Sprintf("column %s not found in table %s.%s", n, t.Schema, t.Name),
				"Refresh the table definition; the schema may have changed.")
		}
		parts = append(parts, checksumColumnExpr(c))
		nulls[i] = "ISNULL(" + QuoteIdent(c.Name) + ")"
	}
	parts = append(parts, "CONCAT("+strings.Join(nulls, ",")+")")
	hash := "MD5(CONCAT_WS('#'," + strings.Join(parts, ",") + ")) AS h"
	inner, args, err := readChunkSQL(t, hash, req.Key, req.Where, req.Chunk, false)
	if err != nil {
		return 0, "", err
	}
	half := func(from int) string {
		return fmt.Sprintf("COALESCE(SUM(CAST(CONV(SUBSTRING(h,%d,16),16,10) AS UNSIGNED)),0)", from)
	}
	q := "SELECT COUNT(*), " + half(1) + ", " + half(17) + " FROM (" + inner + ") godwit_ck"
	var count int64
	var s1, s2 []byte
	if err := e.db.QueryRowContext(ctx, q, args...).Scan(&count, &s1, &s2); err != nil {
		return 0, "", dataPathErr(errs.CodeVerifyFailed,
			fmt.Sprintf("cannot checksum a chunk of %s.%s", t.Schema, t.Name),
			"Check the database is reachable and the table readable; verification retries transient failures.", err)
	}
	return count, fmt.Sprintf("%d:%s:%s", count, s1, s2), nil
}

// checksumColumnExpr is c's exact canonical form as a binary string (NULL for NULL).
func checksumColumnExpr(c *schema.Column) string {
	q := QuoteIdent(c.Name)
	lenPrefixed := func(x string) string { return "CONCAT(LENGTH(" + x + "),':'," + x + ")" }
	switch strings.ToLower(c.DataType) {
	case "bit":
		return "HEX(" + q + ")"
	case "float":
		return "CAST(CAST(" + q + " AS DOUBLE) AS BINARY)"
	}
	switch litKindOf(c) {
	case litBinary:
		return lenPrefixed("CAST(" + q + " AS BINARY)")
	}
	switch strings.ToLower(c.DataType) {
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json":
		return lenPrefixed("CAST(CONVERT(" + q + " USING utf8mb4) AS BINARY)")
	}
	return "CAST(" + q + " AS BINARY)"
}
