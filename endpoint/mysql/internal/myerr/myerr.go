// Package myerr classifies MySQL driver errors into errs kinds: lost connections,
// deadlocks, lock-wait timeouts and interruptions are retryable (KindUnavailable), other
// server refusals KindInvalid, the rest KindInternal. It depends on package errs and the
// driver only; every other internal package of endpoint/mysql may use it.
package myerr

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/godwit/godwit/errs"
)

// DataPath classifies err: connection losses, deadlocks, lock-wait timeouts and
// interruptions are KindUnavailable (retryable), anything else the server rejected is
// KindInvalid, the rest KindInternal. Context cancellation stays matchable via errors.Is.
func DataPath(code, msg, advice string, err error) error {
	kind := errs.KindInternal
	var me *gomysql.MySQLError
	var ne net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, gomysql.ErrInvalidConn),
		errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		kind = errs.KindUnavailable
	case errors.As(err, &me):
		switch me.Number {
		case 1040, 1053, 1152, 1158, 1159, 1160, 1161, 1205, 1213, 1317, 1927, 2006, 2013:
			kind = errs.KindUnavailable
		default:
			kind = errs.KindInvalid
		}
	}
	return errs.New(kind, code, msg, advice).Wrap(err)
}

// CopyRead is the error of a failed read from table schema.name (what names the read):
// errs.CodeCopyRead, classified like DataPath.
func CopyRead(schema, name, what string, err error) error {
	return DataPath(errs.CodeCopyRead, fmt.Sprintf("%s from %s.%s", what, schema, name),
		"Check the source database is reachable and the table readable; the step retries transient failures.", err)
}

// CopyWrite is the error of a failed write into table schema.name (what names the write):
// errs.CodeCopyWrite, classified like DataPath.
func CopyWrite(schema, name, what string, err error) error {
	return DataPath(errs.CodeCopyWrite, fmt.Sprintf("%s into %s.%s", what, schema, name),
		"Check the target is reachable and accepts the values (column types, sql_mode); the step retries transient failures.", err)
}

// ConnKind classifies a driver error: lost connections are retryable (KindUnavailable),
// anything else is KindInternal.
func ConnKind(err error) errs.Kind {
	var ne net.Error
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, gomysql.ErrInvalidConn) || errors.As(err, &ne) {
		return errs.KindUnavailable
	}
	return errs.KindInternal
}
