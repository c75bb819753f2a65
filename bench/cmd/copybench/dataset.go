package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The benchmark dataset, generated on the source server from the Sequence engine, so it is
// deterministic (every value is a function of the row number) and fast to build:
//   - sbtest1..sbtest8: the sysbench oltp schema (id, k, c CHAR(120), pad CHAR(60), KEY k),
//     250,000 rows each, c and pad in sysbench's "###########-…" shape
//   - awkward: 200,000 rows of every awkward type: extreme integers, DECIMAL(65,30), FLOAT
//     and DOUBLE, zero and extreme dates, negative TIME, YEAR 0, BIT(1/8/64), ENUM with
//     emoji, SET, text with tabs/newlines/CR/backslashes/NUL/quotes/"\N"/emoji, latin1,
//     binary bytes of every value, JSON, and NULLs, plus two secondary indexes.

const (
	sbTables  = 8
	sbRows    = 250000
	awkRows   = 200000
	benchDB   = "bench"
	awkTable  = "awkward"
	seqSource = "seq_1_to_%d"
)

// digits renders n groups of 11 pseudo-random digits joined by '-', from row number expr.
func digits(tag string, groups int) string {
	parts := make([]string, groups)
	for g := range parts {
		parts[g] = fmt.Sprintf("LPAD(CRC32(CONCAT('%s%d-', seq)) %% 100000000000, 11, '0')", tag, g)
	}
	return "CONCAT_WS('-', " + strings.Join(parts, ", ") + ")"
}

func sbtestSQL(n int) []string {
	t := fmt.Sprintf("`%s`.`sbtest%d`", benchDB, n)
	return []string{
		"CREATE TABLE " + t + ` (
  id INT NOT NULL AUTO_INCREMENT,
  k INT NOT NULL DEFAULT 0,
  c CHAR(120) NOT NULL DEFAULT '',
  pad CHAR(60) NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  KEY k_` + fmt.Sprint(n) + ` (k)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
		fmt.Sprintf("INSERT INTO %s (id, k, c, pad) SELECT seq, 1 + CRC32(CONCAT('k%d-', seq)) %% %d, %s, %s FROM "+seqSource,
			t, n, sbRows, digits(fmt.Sprintf("c%d", n), 11), digits(fmt.Sprintf("p%d", n), 5), sbRows),
	}
}

const awkwardDDL = `CREATE TABLE ` + "`" + benchDB + "`.`" + awkTable + "`" + ` (
  id INT NOT NULL,
  c_tinyint TINYINT NULL, c_utiny TINYINT UNSIGNED NULL, c_smallint SMALLINT NULL,
  c_mediumint MEDIUMINT NULL, c_int INT NULL, c_bigint BIGINT NULL, c_ubig BIGINT UNSIGNED NULL,
  c_dec DECIMAL(65,30) NULL, c_dec2 DECIMAL(12,2) NULL, c_float FLOAT NULL, c_double DOUBLE NULL,
  c_date DATE NULL, c_dt DATETIME(6) NULL, c_ts TIMESTAMP(6) NULL DEFAULT NULL, c_time TIME(6) NULL,
  c_year YEAR NULL, c_bit1 BIT(1) NULL, c_bit8 BIT(8) NULL, c_bit64 BIT(64) NULL,
  c_enum ENUM('a','b','c d','ünï 😀') NULL, c_set SET('r','w','x') NULL,
  c_char CHAR(20) NULL, c_varchar VARCHAR(255) NULL, c_latin1 VARCHAR(60) CHARACTER SET latin1 NULL,
  c_text TEXT NULL, c_binary BINARY(16) NULL, c_varbinary VARBINARY(64) NULL, c_blob BLOB NULL,
  c_json JSON NULL,
  PRIMARY KEY (id),
  KEY idx_awk_dt (c_dt),
  KEY idx_awk_varchar (c_varchar(40))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`

// awkwardSQL fills the awkward table. h(tag) is a 32-bit hash of the row number; u64(tag) a
// 64-bit one.
func awkwardSQL() string {
	h := func(tag string) string { return "CRC32(CONCAT('" + tag + "', seq))" }
	u64 := func(tag string) string {
		return "CAST(CONV(LEFT(MD5(CONCAT('" + tag + "', seq)), 16), 16, 10) AS UNSIGNED)"
	}
	null := func(mod int, expr string) string { return fmt.Sprintf("IF(seq %% %d = 0, NULL, %s)", mod, expr) }
	cols := []string{
		"seq",
		null(17, "CAST("+h("ti")+" % 256 AS SIGNED) - 128"),
		null(19, h("tu")+" % 256"),
		null(23, "CAST("+h("si")+" % 65536 AS SIGNED) - 32768"),
		null(29, "CAST("+h("mi")+" % 16777216 AS SIGNED) - 8388608"),
		null(31, "CAST("+h("in")+" AS SIGNED) - 2147483648"),
		null(37, "CAST("+u64("bi")+" AS SIGNED)"),
		null(41, "CASE seq % 1000 WHEN 7 THEN 18446744073709551615 WHEN 8 THEN 0 ELSE "+u64("ub")+" END"),
		null(43, "CONCAT(IF(seq % 2 = 0, '-', ''), "+h("d1")+", "+h("d2")+", "+h("d3")+", '.', LPAD("+h("d4")+", 10, '0'), LPAD("+h("d5")+", 10, '0'), LPAD("+h("d6")+", 10, '0'))"),
		null(47, "("+h("d7")+" % 100000000) / 100 - 500000"),
		null(53, "CASE seq % 997 WHEN 1 THEN 3.4028234e38 WHEN 2 THEN -1.17549435e-38 WHEN 3 THEN 1.401298464e-45 ELSE (CAST("+h("fl")+" AS SIGNED) - 2147483648) / 7.0e3 END"),
		null(59, "CASE seq % 991 WHEN 1 THEN 1.7976931348623157e308 WHEN 2 THEN 4.9406564584124654e-324 WHEN 3 THEN -0.30000000000000004 ELSE ("+h("db1")+" * "+h("db2")+") / 1e7 * POW(10, CAST(seq % 40 AS SIGNED) - 20) END"),
		null(61, "IF(seq % 101 = 0, '0000-00-00', DATE '1000-01-01' + INTERVAL ("+h("dt")+" % 3287000) DAY)"),
		null(67, "IF(seq % 103 = 0, '0000-00-00 00:00:00', TIMESTAMP '1000-01-01 00:00:00' + INTERVAL ("+h("dtm")+" % 3287000) DAY + INTERVAL ("+h("dts")+" % 86400000000) MICROSECOND)"),
		null(71, "FROM_UNIXTIME(1 + "+h("ts")+" % 2147483646) + INTERVAL (seq % 1000000) MICROSECOND"),
		null(73, "SEC_TO_TIME(CAST("+h("tm")+" % 6040000 AS SIGNED) - 3020000) + INTERVAL (seq % 1000000) MICROSECOND"),
		null(79, "IF(seq % 50 = 0, 0, 1901 + seq % 255)"),
		null(83, "seq % 2"),
		null(89, h("b8")+" % 256"),
		null(97, u64("b64")),
		null(7, "ELT(1 + seq % 4, 'a', 'b', 'c d', 'ünï 😀')"),
		null(11, "seq % 8"),
		null(13, "LEFT(MD5(CONCAT('ch', seq)), seq % 21)"),
		null(5, "CONCAT('row ', seq, CHAR(9), 'tab', CHAR(10), 'nl', CHAR(13), 'cr \\\\ bs '' q \" dq ', CHAR(0), ' nul 😀🦆 \\\\N ', REPEAT('x', seq % 50))"),
		null(9, "CONCAT('Ünïcödé ', seq, ' ñ')"),
		null(3, "REPEAT(CONCAT(MD5(CONCAT('tx', seq)), CHAR(9), '\\\\N', CHAR(10), '\\\\'), seq % 8)"),
		null(14, "UNHEX(MD5(CONCAT('bin', seq)))"),
		null(15, "LEFT(UNHEX(SHA2(CONCAT('vb', seq), 256)), seq % 33)"),
		null(6, "IF(seq % 10 = 0, UNHEX(REPEAT(SHA2(CONCAT('bl', seq), 256), 8)), LEFT(UNHEX(SHA2(CONCAT('bs', seq), 512)), seq % 65))"),
		null(4, "JSON_OBJECT('id', seq, 's', CONCAT('q\"', seq, '\\\\'), 'e', '😀', 'a', JSON_ARRAY(seq, seq * 1.5, NULL))"),
	}
	return fmt.Sprintf("INSERT INTO `%s`.`%s` SELECT %s FROM "+seqSource, benchDB, awkTable, strings.Join(cols, ",\n  "), awkRows)
}

// seed (re)creates the benchmark database on db.
func seed(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	stmts := []string{
		"SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'", // zero dates, YEAR 0, wrapping casts
		"SET SESSION time_zone = '+00:00'",
		"DROP DATABASE IF EXISTS `" + benchDB + "`",
		"CREATE DATABASE `" + benchDB + "` CHARACTER SET utf8mb4",
		"USE `" + benchDB + "`", // the Sequence engine's seq_1_to_N tables live in every database
		awkwardDDL,
		awkwardSQL(),
	}
	for n := 1; n <= sbTables; n++ {
		stmts = append(stmts, sbtestSQL(n)...)
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%.200s: %w", s, err)
		}
	}
	for _, t := range tables() {
		if _, err := conn.ExecContext(ctx, "ANALYZE TABLE `"+benchDB+"`.`"+t+"`"); err != nil {
			return err
		}
	}
	return nil
}

// tables lists the benchmark tables.
func tables() []string {
	out := []string{awkTable}
	for n := 1; n <= sbTables; n++ {
		out = append(out, fmt.Sprintf("sbtest%d", n))
	}
	return out
}

// The wide-row dataset (database benchwide), for the memory bound: 400 rows of 1 MB and 8
// rows of 24 MB in one LONGBLOB table, about 600 MB.
const wideDB = "benchwide"

func seedWide(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, s := range []string{
		"DROP DATABASE IF EXISTS `" + wideDB + "`",
		"CREATE DATABASE `" + wideDB + "`",
		"USE `" + wideDB + "`",
		"CREATE TABLE wide (id INT NOT NULL PRIMARY KEY, note VARCHAR(40) NOT NULL, b LONGBLOB NOT NULL, KEY idx_note (note))",
		"INSERT INTO wide SELECT seq, CONCAT('row ', seq), REPEAT(UNHEX(SHA2(seq, 256)), 32768) FROM seq_1_to_400",
		"INSERT INTO wide SELECT 1000 + seq, CONCAT('huge ', seq), REPEAT(UNHEX(SHA2(seq, 256)), 786432) FROM seq_1_to_8",
		"ANALYZE TABLE wide",
	} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%.120s: %w", s, err)
		}
	}
	return nil
}
