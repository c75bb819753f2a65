package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/model"
)

func init() {
	sys := func(more ...string) naming {
		return naming{system: append([]string{"mysql", "information_schema", "performance_schema", "sys"}, more...)}
	}
	endpoint.RegisterNaming(sys(), model.TypeMySQL, model.TypeMariaDB)
	endpoint.RegisterNaming(sys("metrics_schema"), model.TypeTiDB)
	endpoint.RegisterNaming(sys("oceanbase"), model.TypeOBMySQL)
}

var (
	_ endpoint.Naming          = naming{}
	_ endpoint.ObjectInspector = (*Endpoint)(nil)
)

// MaxIdentLen is the longest database, table or column name MySQL and MariaDB accept, in
// characters.
const MaxIdentLen = 64

// naming is the MySQL-family identifier rules, as the MariaDB "Identifier Names" page and
// the MySQL "Schema Object Names" chapter document them (and MariaDB 10.11 enforces):
// database, table and column names are at most 64 characters, do not end with a space
// character (the server refuses a trailing ASCII space, tab, newline, vertical tab, form
// feed or carriage return), and contain neither NUL (U+0000) nor supplementary characters
// (U+10000 and above: only the Basic Multilingual Plane is allowed). '/', '\' and '.' are
// allowed: the server encodes them in file names (@002f, @005c, @002e).
type naming struct {
	system []string // system databases, compared case-insensitively
}

func (naming) Rules() string {
	return "at most 64 characters, no trailing space, no NUL, only characters of the Basic Multilingual Plane (U+0001..U+FFFF)"
}

func (naming) CheckName(kind endpoint.NameKind, name string) error {
	if name == "" {
		return fmt.Errorf("is empty")
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("is not valid UTF-8")
	}
	n := 0
	for _, r := range name {
		n++
		switch {
		case r == 0:
			return fmt.Errorf("contains the NUL character (U+0000) at character %d", n)
		case r > 0xFFFF:
			return fmt.Errorf("contains %U at character %d, outside the Basic Multilingual Plane (MySQL and MariaDB identifiers allow U+0001..U+FFFF only)", r, n)
		}
	}
	if n > MaxIdentLen {
		return fmt.Errorf("is %d characters long, more than the %d MySQL and MariaDB allow for a %s name", n, MaxIdentLen, kind)
	}
	if c := name[len(name)-1]; c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' {
		return fmt.Errorf("ends with a space character (%q): MySQL and MariaDB refuse %s names that do", string(c), kind)
	}
	return nil
}

func (n naming) SystemSchema(db string) bool {
	for _, s := range n.system {
		if strings.EqualFold(s, db) {
			return true
		}
	}
	return false
}

// ObjectKind returns information_schema.TABLES.TABLE_TYPE of db.name ("BASE TABLE",
// "VIEW", "SYSTEM VIEW", MariaDB's "SEQUENCE", "SYSTEM VERSIONED", "TEMPORARY"), or
// endpoint.ObjectAbsent when no such object exists.
func (e *Endpoint) ObjectKind(ctx context.Context, db, name string) (endpoint.ObjectKind, error) {
	var typ string
	err := e.db.QueryRowContext(ctx,
		"SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? LIMIT 1", db, name).
		Scan(&typ)
	if err == sql.ErrNoRows {
		return endpoint.ObjectAbsent, nil
	}
	if err != nil {
		return endpoint.ObjectAbsent, srErr("look up object "+db+"."+name, err)
	}
	return endpoint.ObjectKind(strings.ToUpper(typ)), nil
}
