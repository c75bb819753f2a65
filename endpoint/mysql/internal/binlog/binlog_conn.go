package binlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	gmmysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/godwit/godwit/errs"
)

// Binlog connection tuning. The source sends a heartbeat every Heartbeat while it has
// nothing else to send, so a reader that has waited Silence for the next event (it
// is not counting time spent in the caller's callback) knows the connection is dead. A
// socket read deadline would instead fire whenever the callback is slower than the
// deadline, because the library arms it when a packet arrives, not when it reads again.
const (
	Heartbeat         = time.Second
	Silence           = 30 * time.Second
	binlogEventBuffer = 256
)

// Conn is one binlog dump connection, reading raw events from a position.
type Conn struct {
	syncer *replication.BinlogSyncer
	stream *replication.BinlogStreamer
	from   Pos

	// The silence watchdog: one context for the stream, cancelled with errSilent by watch
	// when no event (heartbeats included) arrived for Silence. One timer per stream,
	// not one per event.
	wctx      context.Context
	cancel    context.CancelCauseFunc
	lastEvent atomic.Int64 // unix nanoseconds of the last event
}

var errSilent = errors.New("binlog stream silent")

func (c *Conn) watch() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-c.wctx.Done():
			return
		case now := <-t.C:
			if now.UnixNano()-c.lastEvent.Load() > int64(Silence) {
				c.cancel(errSilent)
				return
			}
		}
	}
}

// OpenDump starts a binlog dump at from. Events arrive undecoded (raw mode) except for
// ROTATE and FORMAT_DESCRIPTION; the caller decodes them on its own goroutine.
func (e *Source) OpenDump(from Pos) (*Conn, error) {
	flavor := gmmysql.MySQLFlavor
	if e.mariadb {
		flavor = gmmysql.MariaDBFlavor
	}
	cfg := replication.BinlogSyncerConfig{
		// A unique replica id per stream, away from the ids people give real servers.
		ServerID:         0x40000000 + rand.Uint32N(0x3fffffff),
		Flavor:           flavor,
		Host:             e.ds.Host,
		Port:             uint16(e.ds.Port),
		User:             e.ds.User,
		Password:         e.ds.Password,
		Localhost:        "godwit",
		Charset:          "utf8mb4",
		RawModeEnabled:   true,
		HeartbeatPeriod:  Heartbeat,
		DisableRetrySync: true, // the caller reconnects at a transaction boundary
		EventCacheCount:  binlogEventBuffer,
		FillZeroLogPos:   e.mariadb,
		Logger:           slog.New(slog.DiscardHandler),
		// Only used by the library's own decoders, which raw mode bypasses; set anyway.
		ParseTime:               false,
		TimestampStringLocation: time.UTC,
		UseDecimal:              false,
		RenderJSONAsMySQLText:   true,
	}
	if s := e.ds.Options["socket"]; s != "" {
		cfg.Host, cfg.Port = s, 0
	}
	syncer := replication.NewBinlogSyncer(cfg)
	stream, err := syncer.StartSync(gmmysql.Position{Name: from.File, Pos: from.Pos})
	if err != nil {
		syncer.Close()
		return nil, binlogStreamErr(from, err)
	}
	return &Conn{syncer: syncer, stream: stream, from: from}, nil
}

// Next returns the next event. It returns ctx.Err() when ctx ends, and *errs.Error for a
// failed or silent connection (see binlogStreamErr).
func (c *Conn) Next(ctx context.Context) (*replication.BinlogEvent, error) {
	if c.wctx == nil {
		c.wctx, c.cancel = context.WithCancelCause(ctx)
		c.lastEvent.Store(time.Now().UnixNano())
		go c.watch()
	}
	ev, err := c.stream.GetEvent(c.wctx)
	if err == nil {
		c.lastEvent.Store(time.Now().UnixNano())
		return ev, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if errors.Is(context.Cause(c.wctx), errSilent) {
		return nil, errs.New(errs.KindUnavailable, errs.CodeConnect,
			fmt.Sprintf("the source sent nothing, not even a heartbeat, for %s", Silence),
			"The connection to the source is lost; godwit reconnects from the last stored position.")
	}
	return nil, binlogStreamErr(c.from, err)
}

func (c *Conn) Close() {
	if c.cancel != nil {
		c.cancel(nil)
	}
	c.syncer.Close()
}

// binlogStreamErr classifies a binlog dump failure: error 1236 (the position is not in the
// log, usually because the file was purged) is CodeIncrPositionGone, missing privileges are
// KindInvalid, and everything else is a lost connection (KindUnavailable).
func binlogStreamErr(from Pos, err error) error {
	var me *gmmysql.MyError
	if errors.As(err, &me) {
		switch me.Code {
		case 1236:
			return errs.New(errs.KindInvalid, errs.CodeIncrPositionGone,
				fmt.Sprintf("the source's binlog no longer holds position %s: %s", from, me.Message),
				fmt.Sprintf("The source purged binlog %s before godwit read it. Increase binlog retention "+
					"(expire_logs_days / binlog_expire_logs_seconds) and restart the project's incremental "+
					"sync from a new full copy.", from.File)).With("position", from.String()).Wrap(err)
		case 1044, 1045, 1142, 1227:
			return errs.New(errs.KindInvalid, errs.CodeConnect,
				"the source refused to send its binlog: "+me.Message,
				"Grant the godwit user REPLICATION SLAVE and REPLICATION CLIENT (MariaDB: also BINLOG MONITOR).").Wrap(err)
		}
	}
	var ee *replication.EventError
	if errors.As(err, &ee) {
		return binlogDecodeErr(from, err)
	}
	return errs.New(errs.KindUnavailable, errs.CodeConnect,
		"the binlog connection to the source was lost",
		"godwit reconnects from the last stored position; check the source is up and reachable.").Wrap(err)
}

// binlogDecodeErr reports an event godwit cannot decode near position at.
func binlogDecodeErr(at Pos, err error) error {
	return errs.New(errs.KindInternal, errs.CodeIncrDecode,
		fmt.Sprintf("cannot decode the binlog event near %s", at),
		"Report this with the source version and the event (mysqlbinlog --start-position); "+
			"the incremental sync cannot continue past it.").With("position", at.String()).Wrap(err)
}
