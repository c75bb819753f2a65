package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/errs"
)

// Pos is a MySQL-family change position: a binlog file name and a byte offset in it.
// Its text form is "file:pos", e.g. "mariadb-bin.000003:1234".
type Pos struct {
	File string
	Pos  uint32
}

func (p Pos) String() string { return p.File + ":" + strconv.FormatUint(uint64(p.Pos), 10) }

// seq is the numeric suffix of the file name (".000003" → 3).
func (p Pos) seq() (uint64, error) {
	i := strings.LastIndexByte(p.File, '.')
	if i < 0 || i == len(p.File)-1 {
		return 0, fmt.Errorf("binlog file name %q has no numeric suffix", p.File)
	}
	return strconv.ParseUint(p.File[i+1:], 10, 64)
}

// ParsePos parses "file:pos". The file must end in a numeric suffix.
func ParsePos(s string) (Pos, error) {
	i := strings.LastIndexByte(s, ':')
	bad := func(why string) (Pos, error) {
		return Pos{}, errs.New(errs.KindInvalid, errs.CodeParam,
			fmt.Sprintf("%q is not a MySQL binlog position (%s)", s, why),
			`A MySQL/MariaDB position is "binlog-file:offset", e.g. "mariadb-bin.000003:1234".`)
	}
	if i <= 0 || i == len(s)-1 {
		return bad("expected file:offset")
	}
	n, err := strconv.ParseUint(s[i+1:], 10, 32)
	if err != nil {
		return bad("the offset is not a number")
	}
	p := Pos{File: s[:i], Pos: uint32(n)}
	if _, err := p.seq(); err != nil {
		return bad("the file name has no numeric suffix")
	}
	return p, nil
}

// compare orders positions by file sequence number, then offset.
func (p Pos) compare(q Pos) int {
	ps, _ := p.seq()
	qs, _ := q.seq()
	switch {
	case ps < qs:
		return -1
	case ps > qs:
		return 1
	case p.Pos < q.Pos:
		return -1
	case p.Pos > q.Pos:
		return 1
	}
	return 0
}

// ComparePositions orders two "file:pos" positions by file sequence number, then offset.
func (e *Source) ComparePositions(a, b string) (int, error) {
	pa, err := ParsePos(a)
	if err != nil {
		return 0, err
	}
	pb, err := ParsePos(b)
	if err != nil {
		return 0, err
	}
	return pa.compare(pb), nil
}

// CurrentPosition returns the end of the binlog now ("file:pos" from SHOW MASTER STATUS, or
// its newer names). It fails with CodeIncrSettings when binary logging is off.
func (e *Source) CurrentPosition(ctx context.Context) (string, error) {
	p, err := e.currentBinlogPos(ctx)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

func (e *Source) currentBinlogPos(ctx context.Context) (Pos, error) {
	var lastErr error
	for _, q := range []string{"SHOW MASTER STATUS", "SHOW BINARY LOG STATUS", "SHOW BINLOG STATUS"} {
		rows, err := e.db.QueryContext(ctx, q)
		if err != nil {
			var me *gomysql.MySQLError
			if errors.As(err, &me) && me.Number == 1064 {
				lastErr = err
				continue // a name this server version does not know: try the next one
			}
			return Pos{}, binlogQueryErr("read the current binlog position", err)
		}
		p, found, err := scanFilePos(rows)
		if err != nil {
			return Pos{}, binlogQueryErr("read the current binlog position", err)
		}
		if !found {
			return Pos{}, errs.New(errs.KindInvalid, errs.CodeIncrSettings,
				"binary logging is disabled on the source",
				"Start the source with log_bin enabled, binlog_format=ROW, binlog_row_image=FULL and binlog_row_metadata=FULL.")
		}
		return p, nil
	}
	return Pos{}, binlogQueryErr("read the current binlog position", lastErr)
}

// scanFilePos reads the first row's File and Position columns of a SHOW … STATUS result.
func scanFilePos(rows *sql.Rows) (Pos, bool, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return Pos{}, false, err
	}
	if !rows.Next() {
		return Pos{}, false, rows.Err()
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return Pos{}, false, err
	}
	var p Pos
	for i, c := range cols {
		switch strings.ToLower(c) {
		case "file":
			p.File = string(vals[i])
		case "position":
			n, err := strconv.ParseUint(string(vals[i]), 10, 32)
			if err != nil {
				return Pos{}, false, fmt.Errorf("bad binlog position %q", vals[i])
			}
			p.Pos = uint32(n)
		}
	}
	if p.File == "" {
		return Pos{}, false, nil
	}
	return p, true, rows.Err()
}

// binlogFiles lists the retained binlog files, oldest first (SHOW BINARY LOGS).
func (e *Source) binlogFiles(ctx context.Context) ([]string, error) {
	rows, err := e.db.QueryContext(ctx, "SHOW BINARY LOGS")
	if err != nil {
		return nil, binlogQueryErr("list the binlog files", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, binlogQueryErr("list the binlog files", err)
	}
	var files []string
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, binlogQueryErr("list the binlog files", err)
		}
		files = append(files, string(vals[0]))
	}
	if err := rows.Err(); err != nil {
		return nil, binlogQueryErr("list the binlog files", err)
	}
	return files, nil
}

// binlogQueryErr wraps a failed binlog status query: connection problems are retryable,
// a refused statement means missing privileges.
func binlogQueryErr(what string, err error) error {
	return myerr.DataPath(errs.CodeConnect, "cannot "+what+" on the source",
		"Grant the godwit user REPLICATION CLIENT and REPLICATION SLAVE (MariaDB: BINLOG MONITOR and REPLICATION SLAVE) and check the source is reachable.", err)
}
