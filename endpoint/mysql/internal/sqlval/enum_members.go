package sqlval

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/godwit/godwit/schema"
)

// MariaDB's catalog (information_schema, SHOW CREATE TABLE) is utf8mb3: ENUM and SET members
// holding 4-byte characters (emoji) are rendered with '?' although the server stores them
// intact. Recreating a table from that text would silently change the members, and rows
// holding them would land as ''. FixMembers recovers the true members by copying the
// column's type into a session-private temporary table and reading each member back by index.

// FixMembers repairs the ColumnType of ENUM/SET columns whose catalog text contains '?'. On
// failure it returns the name of the column whose members it could not read.
func FixMembers(ctx context.Context, db *sql.DB, t *schema.Table) (column string, err error) {
	for i := range t.Columns {
		c := &t.Columns[i]
		if (c.DataType != "enum" && c.DataType != "set") || !strings.Contains(c.ColumnType, "?") {
			continue
		}
		members, err := readMembers(ctx, db, t, c)
		if err != nil {
			return c.Name, err
		}
		quoted := make([]string, len(members))
		for j, m := range members {
			quoted[j] = QuoteMember(m)
		}
		c.ColumnType = c.DataType + "(" + strings.Join(quoted, ",") + ")"
	}
	return "", nil
}

// readMembers returns the members of an ENUM/SET column in definition order.
func readMembers(ctx context.Context, db *sql.DB, t *schema.Table, c *schema.Column) ([]string, error) {
	n := CountMembers(c.ColumnType)
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	tmp := QuoteTable(t.Schema, "godwit_enum_probe") // temporary: private to this session
	if _, err := conn.ExecContext(ctx, "DROP TEMPORARY TABLE IF EXISTS "+tmp); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE TEMPORARY TABLE %s ENGINE=MEMORY SELECT %s AS m FROM %s LIMIT 0",
		tmp, QuoteIdent(c.Name), QuoteTable(t.Schema, t.Name))); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TEMPORARY TABLE IF EXISTS "+tmp)
	out := make([]string, 0, n)
	for j := 0; j < n; j++ {
		idx := uint64(j + 1) // ENUM: 1-based index
		if c.DataType == "set" {
			idx = 1 << j // SET: one bit per member
		}
		if _, err := conn.ExecContext(ctx, "DELETE FROM "+tmp); err != nil {
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, "INSERT INTO "+tmp+" (m) VALUES (?)", idx); err != nil {
			return nil, err
		}
		var m string
		if err := conn.QueryRowContext(ctx, "SELECT m FROM "+tmp+" WHERE 1=?", 1).Scan(&m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// CountMembers counts the quoted members in "enum('a','b”c',…)".
func CountMembers(colType string) int {
	n, in := 0, false
	for i := 0; i < len(colType); i++ {
		if colType[i] != '\'' {
			continue
		}
		if in && i+1 < len(colType) && colType[i+1] == '\'' {
			i++ // doubled quote inside a member
			continue
		}
		if !in {
			n++
		}
		in = !in
	}
	return n
}

// QuoteMember renders a member as the catalog does: single quotes doubled, backslashes doubled.
func QuoteMember(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
