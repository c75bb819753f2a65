// Package workload runs a seeded, random write workload against a MariaDB/MySQL database that
// sampledb.Create made and Prepare extended, for incremental-sync tests, soaks and benchmarks.
//
// Writer goroutines run random transactions on the sample tables: inserts, updates of
// non-key columns, primary-key updates, unique-key updates (customers.email, including an
// address freed by a delete and reused by a later insert), deletes, multi-statement
// transactions spanning several tables, and copies of all_types edge rows (every column type
// of the sample database). They also append to w_seq, whose rows are numbered 1..N without
// gaps: a number is taken only when the transaction holding it commits, so after Stop the
// table holds exactly 1..Stats.Seq (see CheckNumbered).
//
// Each writer draws from its own generator seeded by (Config.Seed, writer index), so the same
// seed and the same database give the same sequence of operations per writer; with one
// writer and MaxOps set the whole run is reproducible. New keys come from per-writer key
// spaces disjoint from sampledb's and from other Instance values, so writers never collide
// on inserts. Deadlocks, lock wait timeouts and duplicate keys roll the transaction back and
// are counted; lost connections (a server restart) are retried with backoff, and a commit
// whose outcome is unknown is resolved by reading w_seq. Any other error stops the writer
// and is reported by Stop.
package workload

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Config describes one workload run. DB and Database are required.
type Config struct {
	DB       *sql.DB // pool on the server; its session must use utf8mb4 and UTC (testenv's does)
	Database string  // made by sampledb.Create, then Prepare
	Seed     uint64  // 0 means 1
	Writers  int     // writer goroutines; 0 means 4, at most MaxWriters
	// Rate is the total transactions per second over all writers; 0 means unlimited.
	Rate float64
	// MaxOps stops each writer after that many committed transactions; 0 means no limit.
	MaxOps int64
	// Instance selects disjoint key spaces for workloads run one after another on the
	// same database (0..99).
	Instance int
	// Logf, when set, receives one line per retried connection error.
	Logf func(format string, args ...any)
}

// MaxWriters bounds Config.Writers (key spaces are interleaved by writer).
const MaxWriters = 64

// Stats counts what the writers did. Only committed transactions are counted, except
// Conflicts, RolledBack and ConnErrors.
type Stats struct {
	Txns       int64 // committed transactions
	Inserts    int64 // rows inserted (w_seq included)
	Updates    int64 // UPDATE statements of non-key columns
	PKUpdates  int64 // UPDATE statements that changed a primary key
	UKUpdates  int64 // UPDATE statements that changed a secondary unique key
	Deletes    int64 // DELETE statements
	MultiTxns  int64 // committed transactions with statements on more than one table
	RolledBack int64 // transactions the writer rolled back on purpose
	Conflicts  int64 // deadlocks, lock wait timeouts, duplicate keys (rolled back)
	ConnErrors int64 // lost connections, retried
	Seq        int64 // w_seq holds exactly 1..Seq
	Err        error // the first error that stopped a writer, nil if none
}

func (s Stats) String() string {
	return fmt.Sprintf("txns %d (multi-table %d), inserts %d, updates %d, pk updates %d, uk updates %d, deletes %d, seq 1..%d, rolled back %d, conflicts %d, connection errors %d, err %v",
		s.Txns, s.MultiTxns, s.Inserts, s.Updates, s.PKUpdates, s.UKUpdates, s.Deletes, s.Seq, s.RolledBack, s.Conflicts, s.ConnErrors, s.Err)
}

// counters is Stats with atomics.
type counters struct {
	txns, inserts, updates, pkUpdates, ukUpdates, deletes, multi, rolledBack, conflicts, connErrors atomic.Int64
}

// Workload is a running workload. Stop it exactly once.
type Workload struct {
	cfg    Config
	cancel context.CancelFunc
	wg     sync.WaitGroup
	c      counters
	seq    seqState
	ranges keyRanges

	errMu sync.Mutex
	err   error
}

// seqState hands out w_seq numbers: a writer holds mu from before BEGIN until its
// transaction ends, so numbers are consumed in commit order without gaps.
type seqState struct {
	mu   sync.Mutex
	next atomic.Int64 // last committed number
}

// Start reads the key ranges of the sample tables and starts the writers. The writers
// stop when ctx is cancelled or Stop is called.
func Start(ctx context.Context, cfg Config) (*Workload, error) {
	if cfg.DB == nil || cfg.Database == "" {
		return nil, errors.New("workload: DB and Database are required")
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Writers <= 0 {
		cfg.Writers = 4
	}
	if cfg.Writers > MaxWriters || cfg.Instance < 0 || cfg.Instance > 99 {
		return nil, fmt.Errorf("workload: writers %d (max %d), instance %d (0..99)", cfg.Writers, MaxWriters, cfg.Instance)
	}
	w := &Workload{cfg: cfg}
	var err error
	if w.ranges, err = readRanges(ctx, cfg.DB, cfg.Database); err != nil {
		return nil, err
	}
	var last sql.NullInt64
	if err := cfg.DB.QueryRowContext(ctx, "SELECT MAX(n) FROM "+qi(cfg.Database)+".w_seq").Scan(&last); err != nil {
		return nil, fmt.Errorf("workload: read w_seq (did Prepare run?): %w", err)
	}
	w.seq.next.Store(last.Int64)
	var lim *rate.Limiter
	if cfg.Rate > 0 {
		lim = rate.NewLimiter(rate.Limit(cfg.Rate), max(1, int(cfg.Rate/20)))
	}
	wctx, cancel := context.WithCancel(ctx)
	w.cancel = cancel
	for i := range cfg.Writers {
		wr := &writer{w: w, id: i, r: rand.New(rand.NewPCG(cfg.Seed, uint64(i)*0x9e3779b97f4a7c15+1)), lim: lim}
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			if err := wr.run(wctx); err != nil {
				w.fail(fmt.Errorf("workload: writer %d: %w", i, err))
			}
		}()
	}
	return w, nil
}

func (w *Workload) fail(err error) {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

// Stats returns a snapshot of the counters while the workload runs.
func (w *Workload) Stats() Stats {
	c := &w.c
	s := Stats{Txns: c.txns.Load(), Inserts: c.inserts.Load(), Updates: c.updates.Load(), PKUpdates: c.pkUpdates.Load(),
		UKUpdates: c.ukUpdates.Load(), Deletes: c.deletes.Load(), MultiTxns: c.multi.Load(), RolledBack: c.rolledBack.Load(),
		Conflicts: c.conflicts.Load(), ConnErrors: c.connErrors.Load(), Seq: w.seq.next.Load()}
	w.errMu.Lock()
	s.Err = w.err
	w.errMu.Unlock()
	return s
}

// Wait blocks until the writers ended by themselves (MaxOps reached, ctx cancelled, or an
// error) and returns the final Stats.
func (w *Workload) Wait() Stats {
	w.wg.Wait()
	return w.Stats()
}

// Stop stops the writers, waits for them and returns what they did. After Stop returns no
// writer transaction is in flight, so the source's binlog position is final.
func (w *Workload) Stop() Stats {
	w.cancel()
	return w.Wait()
}

// writer is one writer goroutine's state.
type writer struct {
	w   *Workload
	id  int
	r   *rand.Rand
	lim *rate.Limiter
	k   int64 // new-key counter
	ops int64
	// freed holds customer emails freed by a committed delete, reused by a later insert.
	freed []string
}

func (wr *writer) run(ctx context.Context) error {
	for ctx.Err() == nil {
		if wr.w.cfg.MaxOps > 0 && wr.ops >= wr.w.cfg.MaxOps {
			return nil
		}
		if wr.lim != nil {
			if err := wr.lim.Wait(ctx); err != nil {
				return nil
			}
		}
		if err := wr.exec(ctx, wr.plan()); err != nil {
			return err
		}
	}
	return nil
}

// backoff sleeps d or until ctx ends.
func backoff(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
