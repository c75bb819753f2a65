// Package sampledb creates a deterministic sample database on a MySQL-family server for
// tests, `godwit demo` and benchmarks: a small shop (products, customers, orders,
// order_items), events with BIGINT UNSIGNED keys above 2^63, an audit_log without any
// key, all_types with one row per edge value of every MariaDB type plus seeded random
// rows, and a view. The same Options give byte-identical data.
package sampledb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Options sizes and seeds the sample data. The zero value is Scale 1 (about 220k rows).
type Options struct {
	Scale        float64 // multiplies every table's row count (at least one row each); 0 means 1
	Seed         uint64  // 0 means DefaultSeed; the same seed and scale give the same data
	Workers      int     // parallel loading connections; 0 means 4
	BatchRows    int     // rows per INSERT statement (one transaction each); 0 means 1000
	DropExisting bool    // drop dbName first instead of failing when it exists
	// Progress, if set, is called after each loaded chunk with the table and its rows so
	// far. Calls are serialised.
	Progress func(table string, rows int64)
}

// DefaultSeed is the seed used when Options.Seed is 0.
const DefaultSeed = 20240229

// TableCount is the number of rows Create inserted into one table.
type TableCount struct {
	Name string
	Rows int64
}

// Summary reports what Create made.
type Summary struct {
	Database string
	Tables   []TableCount // in Tables() order
	Views    []string
	Rows     int64 // total over Tables
	Elapsed  time.Duration
}

// Count returns the row count of table, or -1 if there is no such table.
func (s Summary) Count(table string) int64 {
	for _, t := range s.Tables {
		if t.Name == table {
			return t.Rows
		}
	}
	return -1
}

// chunkRows is how many rows one loading job generates; each chunk has its own seeded
// generator, so the data does not depend on Workers or on scheduling.
const chunkRows = 5000

// Create creates database dbName through db (a pool on a MariaDB/MySQL server; its
// default database does not matter) and fills it. It fails if dbName exists, unless
// opts.DropExisting. Connections it uses get their own session settings (strict
// sql_mode that allows zero dates, UTC, utf8mb4) and are discarded afterwards, so db's
// other connections are untouched.
func Create(ctx context.Context, db *sql.DB, dbName string, opts Options) (Summary, error) {
	start := time.Now()
	if opts.Scale == 0 {
		opts.Scale = 1
	}
	if opts.Scale < 0 || math.IsNaN(opts.Scale) || math.IsInf(opts.Scale, 0) {
		return Summary{}, fmt.Errorf("sampledb: invalid scale %v", opts.Scale)
	}
	if opts.Seed == 0 {
		opts.Seed = DefaultSeed
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = 1000
	}
	if dbName == "" {
		return Summary{}, errors.New("sampledb: empty database name")
	}
	qdb := quoteIdent(dbName)
	err := withSession(ctx, db, func(c *sql.Conn) error {
		if opts.DropExisting {
			if _, err := c.ExecContext(ctx, "DROP DATABASE IF EXISTS "+qdb); err != nil {
				return err
			}
		}
		if _, err := c.ExecContext(ctx, "CREATE DATABASE "+qdb+" CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
			return err
		}
		for _, t := range ddl {
			if _, err := c.ExecContext(ctx, "CREATE TABLE "+qdb+"."+quoteIdent(t.name)+" "+t.body); err != nil {
				return fmt.Errorf("create table %s: %w", t.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return Summary{}, fmt.Errorf("sampledb: create %s: %w", dbName, err)
	}

	jobs := plan(dbName, opts)
	var mu sync.Mutex
	counts := map[string]int64{}
	queue := make(chan job)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(queue)
		for _, j := range jobs {
			select {
			case queue <- j:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for range min(opts.Workers, len(jobs)) {
		g.Go(func() error {
			return withSession(gctx, db, func(c *sql.Conn) error {
				for j := range queue {
					in := newInserter(gctx, c, dbName, j.table, j.cols, j.batch)
					if err := j.fill(j.rng, in); err != nil {
						return fmt.Errorf("sampledb: load %s: %w", j.table, err)
					}
					if err := in.flush(); err != nil {
						return fmt.Errorf("sampledb: load %s: %w", j.table, err)
					}
					mu.Lock()
					counts[j.table] += in.total
					if opts.Progress != nil {
						opts.Progress(j.table, counts[j.table])
					}
					mu.Unlock()
				}
				return nil
			})
		})
	}
	if err := g.Wait(); err != nil {
		return Summary{}, err
	}

	sum := Summary{Database: dbName}
	err = withSession(ctx, db, func(c *sql.Conn) error {
		for _, v := range Views() {
			body := fmt.Sprintf(viewDDL[v.Name], qdb)
			if _, err := c.ExecContext(ctx, "CREATE SQL SECURITY INVOKER VIEW "+qdb+"."+quoteIdent(v.Name)+body); err != nil {
				return fmt.Errorf("create view %s: %w", v.Name, err)
			}
			sum.Views = append(sum.Views, v.Name)
		}
		return nil
	})
	if err != nil {
		return Summary{}, fmt.Errorf("sampledb: %w", err)
	}
	for _, t := range Tables() {
		sum.Tables = append(sum.Tables, TableCount{Name: t.Name, Rows: counts[t.Name]})
		sum.Rows += counts[t.Name]
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// job fills one chunk of one table with its own generator.
type job struct {
	table string
	cols  []string
	batch int
	rng   *rand.Rand
	fill  func(r *rand.Rand, in *inserter) error
}

func scaled(base int, scale float64) int {
	return max(1, int(math.Round(float64(base)*scale)))
}

// plan cuts every table into chunks, biggest tables first so the workers finish together.
func plan(dbName string, o Options) []job {
	nProd, nCust, nOrd := scaled(nProducts, o.Scale), scaled(nCustomers, o.Scale), scaled(nOrders, o.Scale)
	nEv, nAud, nRand := scaled(nEvents, o.Scale), scaled(nAudit, o.Scale), scaled(nAllTypesRandom, o.Scale)
	var jobs []job
	add := func(table string, cols []string, n, per, batch int, fill func(r *rand.Rand, in *inserter, lo, hi int) error) {
		for c, lo := 0, 0; lo < n; c, lo = c+1, lo+per {
			hi := min(n, lo+per)
			jobs = append(jobs, job{table: table, cols: cols, batch: batch, rng: rng(o.Seed, table, c),
				fill: func(r *rand.Rand, in *inserter) error { return fill(r, in, lo, hi) }})
		}
	}
	rows := func(gen func(r *rand.Rand, i int) []string) func(r *rand.Rand, in *inserter, lo, hi int) error {
		return func(r *rand.Rand, in *inserter, lo, hi int) error {
			for i := lo; i < hi; i++ {
				if err := in.add(gen(r, i)...); err != nil {
					return err
				}
			}
			return nil
		}
	}
	b := o.BatchRows
	add("order_items", orderItemCols, nOrd, chunkRows/2, b, func(r *rand.Rand, in *inserter, lo, hi int) error {
		for i := lo; i < hi; i++ {
			for _, row := range orderItemRows(r, i, nProd) {
				if err := in.add(row...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	add("orders", orderCols, nOrd, chunkRows, b, rows(func(r *rand.Rand, i int) []string { return orderRow(r, i, nCust) }))
	add("customers", customerCols, nCust, chunkRows, b, rows(customerRow))
	add("events", eventCols, nEv, chunkRows, b, rows(eventRow))
	add("audit_log", auditCols, nAud, chunkRows, b, func(r *rand.Rand, in *inserter, lo, hi int) error {
		var prev []string
		for i := lo; i < hi; i++ {
			row := auditRow(r)
			if prev != nil && i%25 == 0 {
				row = prev // an exact duplicate of the previous row
			}
			if err := in.add(row...); err != nil {
				return err
			}
			prev = row
		}
		return nil
	})
	add("products", productCols, nProd, chunkRows, b, rows(productRow))
	edges := edgeRows()
	jobs = append(jobs, job{table: "all_types", cols: allTypesCols, batch: 20, rng: rng(o.Seed, "all_types_edges", 0),
		fill: func(_ *rand.Rand, in *inserter) error {
			for i, e := range edges {
				if err := in.add(e.render(i + 1)...); err != nil {
					return err
				}
			}
			return nil
		}})
	add("all_types", allTypesCols, nRand, 100, 100, rows(func(r *rand.Rand, i int) []string {
		return randomAllTypesRow(r).render(randomAllTypesID + i)
	}))
	return jobs
}

func rng(seed uint64, table string, chunk int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(table))
	return rand.New(rand.NewPCG(seed, h.Sum64()+uint64(chunk)*0x9e3779b97f4a7c15))
}

// sessionSetup is run on every connection Create uses.
var sessionSetup = []string{
	"SET NAMES utf8mb4 COLLATE utf8mb4_general_ci",
	"SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'",
	"SET SESSION time_zone = '+00:00'",
}

// withSession runs f on a dedicated connection with our session settings and then
// discards the connection so those settings never leak into db's pool.
func withSession(ctx context.Context, db *sql.DB, f func(*sql.Conn) error) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() {
		_ = c.Raw(func(any) error { return driver.ErrBadConn }) // close instead of pooling
		c.Close()
	}()
	for _, s := range sessionSetup {
		if _, err := c.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return f(c)
}

// TableNames returns the base table names, sorted.
func TableNames() []string {
	var n []string
	for _, t := range Tables() {
		n = append(n, t.Name)
	}
	sort.Strings(n)
	return n
}
