package mysql

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/godwit/godwit/endpoint"
)

var _ endpoint.LogRetainer = (*Endpoint)(nil)

// LogRetention reads binlog_expire_logs_seconds (or, when it is 0 or absent, expire_logs_days)
// from the server's global variables.
func (e *Endpoint) LogRetention(ctx context.Context) (time.Duration, error) {
	rs, err := e.db.QueryContext(ctx, "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('binlog_expire_logs_seconds', 'expire_logs_days')")
	if err != nil {
		return 0, err
	}
	defer rs.Close()
	var secs, days float64
	for rs.Next() {
		var k, v string
		if err := rs.Scan(&k, &v); err != nil {
			return 0, err
		}
		f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
		switch strings.ToLower(k) {
		case "binlog_expire_logs_seconds":
			secs = f
		case "expire_logs_days":
			days = f
		}
	}
	if err := rs.Err(); err != nil {
		return 0, err
	}
	if secs == 0 {
		secs = days * 86400
	}
	return time.Duration(secs * float64(time.Second)), nil
}
