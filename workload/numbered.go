package workload

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// CreateNumberedTable creates dbName.table with neither a primary nor a unique key nor any
// index: rows numbered by an Appender. On such a table an upsert cannot hide a change
// applied twice, so CheckNumbered proves exactly-once apply.
func CreateNumberedTable(ctx context.Context, db *sql.DB, dbName, table string) error {
	_, err := db.ExecContext(ctx, "CREATE TABLE "+qi(dbName)+"."+qi(table)+` (
  n BIGINT NOT NULL,
  at DATETIME(6) NOT NULL,
  note VARCHAR(64) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`)
	if err != nil {
		return fmt.Errorf("workload: create %s.%s: %w", dbName, table, err)
	}
	return nil
}

// AppenderConfig configures StartAppender. DB, Database and Table are required.
type AppenderConfig struct {
	DB              *sql.DB
	Database, Table string
	Seed            uint64
	Rate            float64 // transactions per second; 0 means unlimited
	Logf            func(format string, args ...any)
}

// Appender appends rows numbered 1..N to a table, one transaction at a time: each
// transaction inserts 1–5 consecutive numbers (one multi-row INSERT or several INSERTs) and
// sometimes also updates the note of an earlier row. It continues after the table's
// current maximum. Lost connections are retried; a commit with an unknown outcome is
// resolved by reading the table.
type Appender struct {
	cfg    AppenderConfig
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	n      int64
	err    error
}

// StartAppender starts appending until ctx ends or Stop.
func StartAppender(ctx context.Context, cfg AppenderConfig) (*Appender, error) {
	a := &Appender{cfg: cfg, done: make(chan struct{})}
	var last sql.NullInt64
	if err := cfg.DB.QueryRowContext(ctx, "SELECT MAX(n) FROM "+a.table()).Scan(&last); err != nil {
		return nil, fmt.Errorf("workload: appender: %w", err)
	}
	a.n = last.Int64
	actx, cancel := context.WithCancel(ctx)
	a.cancel = cancel
	go func() {
		defer close(a.done)
		if err := a.run(actx); err != nil {
			a.mu.Lock()
			a.err = err
			a.mu.Unlock()
		}
	}()
	return a, nil
}

func (a *Appender) table() string { return qi(a.cfg.Database) + "." + qi(a.cfg.Table) }

// N returns the highest number committed so far.
func (a *Appender) N() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}

// Stop stops appending and returns N (the table holds exactly 1..N once each) and the
// error that stopped the appender early, if any.
func (a *Appender) Stop() (int64, error) {
	a.cancel()
	<-a.done
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n, a.err
}

func (a *Appender) run(ctx context.Context) error {
	r := rand.New(rand.NewPCG(a.cfg.Seed, 0xa99e1d))
	var lim *rate.Limiter
	if a.cfg.Rate > 0 {
		lim = rate.NewLimiter(rate.Limit(a.cfg.Rate), 1)
	}
	for attempt := 0; ctx.Err() == nil; {
		if lim != nil && lim.Wait(ctx) != nil {
			return nil
		}
		from := a.N() + 1
		k := 1 + r.IntN(5)
		var stmts []string
		if r.IntN(2) == 0 {
			var vals []string
			for i := range k {
				vals = append(vals, fmt.Sprintf("(%d, NOW(6), %s)", from+int64(i), q(text(r, alphabet, 12))))
			}
			stmts = append(stmts, "INSERT INTO "+a.table()+" (n, at, note) VALUES "+strings.Join(vals, ","))
		} else {
			for i := range k {
				stmts = append(stmts, fmt.Sprintf("INSERT INTO %s (n, at, note) VALUES (%d, NOW(6), %s)", a.table(), from+int64(i), q(text(r, alphabet, 12))))
			}
		}
		if from > 1 && r.IntN(4) == 0 {
			stmts = append(stmts, fmt.Sprintf("UPDATE %s SET note=%s WHERE n=%d", a.table(), q("updated "+text(r, alphabet, 8)), 1+r.Int64N(from-1)))
		}
		atCommit, err := a.try(stmts)
		if err == nil {
			a.setN(from + int64(k) - 1)
			attempt = 0
			continue
		}
		if !isConn(err) {
			return fmt.Errorf("workload: appender %s: %w", a.table(), err)
		}
		if atCommit {
			ok, rerr := a.resolve(from)
			if rerr != nil {
				return rerr
			}
			if ok {
				a.setN(from + int64(k) - 1)
				continue
			}
		}
		if a.cfg.Logf != nil {
			a.cfg.Logf("workload: appender %s: connection error, retrying: %v", a.table(), err)
		}
		backoff(ctx, min(2*time.Second, 50*time.Millisecond<<min(attempt, 5)))
		attempt++
	}
	return nil
}

func (a *Appender) setN(n int64) {
	a.mu.Lock()
	a.n = n
	a.mu.Unlock()
}

func (a *Appender) try(stmts []string) (atCommit bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), txnTimeout)
	defer cancel()
	tx, err := a.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			tx.Rollback()
			return false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return true, err
	}
	return false, nil
}

// resolve reports whether number n is in the table, waiting (up to 3 minutes) for the
// server to come back.
func (a *Appender) resolve(n int64) (bool, error) {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var c int
		err := a.cfg.DB.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE n=%d", a.table(), n)).Scan(&c)
		cancel()
		if err == nil {
			return c > 0, nil
		}
		if !isConn(err) || time.Now().After(deadline) {
			return false, fmt.Errorf("workload: cannot tell whether %s row %d committed: %w", a.table(), n, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// CheckNumbered verifies that column col of dbName.table holds every number 1..n exactly
// once and nothing else. The error lists the first duplicates, gaps and extra numbers.
func CheckNumbered(ctx context.Context, db *sql.DB, dbName, table, col string, n int64) error {
	t := qi(dbName) + "." + qi(table)
	var rows, distinct, lo, hi int64
	err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*), COUNT(DISTINCT %[1]s), COALESCE(MIN(%[1]s),0), COALESCE(MAX(%[1]s),0) FROM %[2]s", qi(col), t)).
		Scan(&rows, &distinct, &lo, &hi)
	if err != nil {
		return fmt.Errorf("check %s: %w", t, err)
	}
	wantLo := int64(1)
	if n == 0 {
		wantLo = 0
	}
	if rows == n && distinct == n && lo == wantLo && hi == n {
		return nil
	}
	var detail []string
	res, err := db.QueryContext(ctx, fmt.Sprintf("SELECT %[1]s, COUNT(*) FROM %[2]s GROUP BY %[1]s ORDER BY %[1]s", qi(col), t))
	if err != nil {
		return fmt.Errorf("check %s: %w", t, err)
	}
	defer res.Close()
	var dups, gaps, extra []string
	next := int64(1)
	for res.Next() {
		var v, c int64
		if err := res.Scan(&v, &c); err != nil {
			return err
		}
		if c > 1 && len(dups) < 10 {
			dups = append(dups, fmt.Sprintf("%d×%d", v, c))
		}
		if v < 1 || v > n {
			if len(extra) < 10 {
				extra = append(extra, fmt.Sprint(v))
			}
			continue
		}
		for ; next < v && len(gaps) < 10; next++ {
			gaps = append(gaps, fmt.Sprint(next))
		}
		next = v + 1
	}
	for ; next <= n && len(gaps) < 10; next++ {
		gaps = append(gaps, fmt.Sprint(next))
	}
	if len(dups) > 0 {
		detail = append(detail, "duplicated (number×count): "+strings.Join(dups, " "))
	}
	if len(gaps) > 0 {
		detail = append(detail, "missing: "+strings.Join(gaps, " "))
	}
	if len(extra) > 0 {
		detail = append(detail, "not in 1..n: "+strings.Join(extra, " "))
	}
	return fmt.Errorf("%s: want numbers 1..%d once each, got %d rows, %d distinct, min %d, max %d; %s",
		t, n, rows, distinct, lo, hi, strings.Join(detail, "; "))
}
