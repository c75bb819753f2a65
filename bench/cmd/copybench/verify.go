package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"strings"
)

// tableSum is a table's row count and order-independent checksum: the sum over rows of the
// first 64 bits of MD5(every column, exact text, with NULL flags). FLOAT is widened to
// DOUBLE first (its own text form rounds to 6 digits); DOUBLE's text is its shortest exact
// form; binary and BIT values enter as bytes.
type tableSum struct {
	Rows int64
	Sum  string
}

func checksum(ctx context.Context, db *sql.DB, dbName, table string) (tableSum, error) {
	rows, err := db.QueryContext(ctx, "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", dbName, table)
	if err != nil {
		return tableSum{}, err
	}
	var vals, nulls []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			rows.Close()
			return tableSum{}, err
		}
		c := "`" + strings.ReplaceAll(name, "`", "``") + "`"
		nulls = append(nulls, "ISNULL("+c+")")
		if typ == "float" {
			c = "CAST(" + c + " AS DOUBLE)"
		}
		vals = append(vals, c)
	}
	rows.Close()
	if len(vals) == 0 {
		return tableSum{}, fmt.Errorf("table %s.%s not found", dbName, table)
	}
	row := "CONCAT_WS(0x1f, " + strings.Join(vals, ", ") + ", CONCAT(" + strings.Join(nulls, ", ") + "))"
	q := "SELECT COUNT(*), COALESCE(SUM(CAST(CONV(LEFT(MD5(" + row + "), 16), 16, 10) AS UNSIGNED)), 0) FROM `" + dbName + "`.`" + table + "`"
	var s tableSum
	err = db.QueryRowContext(ctx, q).Scan(&s.Rows, &s.Sum)
	return s, err
}

func cmdVerify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ExitOnError)
	envFile := fs.String("env", "", "servers' settings file")
	srcDB := fs.String("srcdb", benchDB, "source database")
	dbName := fs.String("db", "", "target database (default: the source's name)")
	_ = fs.Parse(args)
	e, err := readEnv(*envFile)
	if err != nil {
		return err
	}
	src, err := open(e.SrcPort, e.Password)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := open(e.DstPort, e.Password)
	if err != nil {
		return err
	}
	defer dst.Close()
	ctx := context.Background()
	if *dbName == "" {
		*dbName = *srcDB
	}
	names, err := listTables(ctx, src, *srcDB)
	if err != nil {
		return err
	}
	var bad []string
	var total int64
	for _, t := range names {
		a, err := checksum(ctx, src, *srcDB, t)
		if err != nil {
			return fmt.Errorf("source %s: %w", t, err)
		}
		b, err := checksum(ctx, dst, *dbName, t)
		if err != nil {
			return fmt.Errorf("target %s: %w", t, err)
		}
		total += b.Rows
		ia, err := indexes(ctx, src, *srcDB, t)
		if err != nil {
			return err
		}
		ib, err := indexes(ctx, dst, *dbName, t)
		if err != nil {
			return err
		}
		if ia != ib {
			bad = append(bad, fmt.Sprintf("%s: source indexes %s, target indexes %s", t, ia, ib))
		}
		if a != b {
			bad = append(bad, fmt.Sprintf("%s: source %d rows sum %s, target %d rows sum %s", t, a.Rows, a.Sum, b.Rows, b.Sum))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("copy differs:\n  %s", strings.Join(bad, "\n  "))
	}
	fmt.Printf("verified: %d tables, %d rows, identical row counts, checksums and indexes\n", len(names), total)
	return nil
}

// indexes lists a table's index names and columns, sorted.
func indexes(ctx context.Context, db *sql.DB, dbName, table string) (string, error) {
	var s sql.NullString
	err := db.QueryRowContext(ctx, `SELECT GROUP_CONCAT(ix ORDER BY ix SEPARATOR '; ') FROM (
		SELECT CONCAT(INDEX_NAME, '(', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX), ')') AS ix
		FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? GROUP BY INDEX_NAME) x`, dbName, table).Scan(&s)
	return s.String, err
}

// listTables lists the base tables of a database.
func listTables(ctx context.Context, db *sql.DB, name string) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("database %s has no tables", name)
	}
	return out, rows.Err()
}
