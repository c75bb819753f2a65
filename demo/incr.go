package demo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/godwit/godwit/client"
)

// IncrSummary is the outcome of the demo's incremental phase.
type IncrSummary struct {
	ProjectID    string
	Transactions int64 // writer transactions committed on the source
	RowsApplied  int64
	MaxDelay     time.Duration // the largest delay godwit reported while the writer ran
	CatchUp      time.Duration // from the writer's stop until godwit applied its last change
	Identical    bool          // the touched table compared equal on both sides afterwards
}

// incrPhase shows live incremental sync: a SYNC project (incremental only, from now on)
// between the already migrated shop databases, a writer updating and inserting orders on the
// source for d, and one line per second with godwit's delay and apply rate; then it waits
// until the target caught up and compares the orders table on both sides.
func (r *runner) incrPhase(ctx context.Context, srcID, dstID string, d time.Duration) (*IncrSummary, error) {
	p, err := r.c.CreateProject(ctx, map[string]any{
		"name": "demo-shop-sync", "type": "SYNC", "sourceEndpointId": srcID, "sinkEndpointId": dstID,
		"enableIncrTransfer": true,
		"transferMapping": map[string]any{"mode": "SPECIFIC",
			"databases": []map[string]any{{"name": "shop", "mappedName": "shop", "tables": []any{}}}},
		"incrTransferConfig": map[string]any{"incrSyncConcurrency": 4, "enableIncrSyncStatistics": true},
	})
	if err != nil {
		return nil, fmt.Errorf("demo: create sync project: %w", err)
	}
	if _, err = r.c.StartProject(ctx, p.ID); err != nil {
		return nil, fmt.Errorf("demo: start sync project: %w", err)
	}
	sum := &IncrSummary{ProjectID: p.ID}
	r.say("incremental sync project %s started; waiting for it to capture the source binlog", p.ID)
	if err := r.waitIncr(ctx, p.ID, func(st *client.IncrStatus) bool { return st.Phase == "MONITORING" }, time.Minute); err != nil {
		return sum, err
	}
	src, err := r.src.DB("shop")
	if err != nil {
		return sum, err
	}
	defer src.Close()
	ids, err := orderIDs(ctx, src)
	if err != nil {
		return sum, err
	}
	r.say("writing to shop.orders on the source for %s; godwit applies it live:", d)
	wctx, stop := context.WithTimeout(ctx, d)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- writeOrders(wctx, src, ids, &sum.Transactions) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
loop:
	for {
		select {
		case err := <-done:
			if err != nil {
				return sum, err
			}
			break loop
		case <-tick.C:
			if st, err := r.c.IncrStatus(ctx, p.ID); err == nil {
				delay := time.Duration(st.DelayMillis) * time.Millisecond
				sum.MaxDelay = max(sum.MaxDelay, delay)
				fmt.Fprintf(r.out, "    delay %-8s %6d events/s   applied %d rows   at %s\n",
					delay.Round(time.Millisecond), st.EventsPerSec, st.RowsApplied, st.AppliedPos)
			}
		}
	}
	stopped := time.Now()
	var file string
	var pos int64
	if err := showMasterStatus(ctx, src, &file, &pos); err != nil {
		return sum, err
	}
	want := file + ":" + strconv.FormatInt(pos, 10)
	err = r.waitIncr(ctx, p.ID, func(st *client.IncrStatus) bool {
		sum.RowsApplied = st.RowsApplied
		return posAtLeast(st.AppliedPos, want)
	}, 2*time.Minute)
	if err != nil {
		return sum, err
	}
	sum.CatchUp = time.Since(stopped)
	dst, err := r.dst.DB("shop")
	if err != nil {
		return sum, err
	}
	defer dst.Close()
	a, err1 := tableChecksum(ctx, src, "orders")
	b, err2 := tableChecksum(ctx, dst, "orders")
	if err1 != nil || err2 != nil {
		return sum, fmt.Errorf("demo: checksum orders: %v %v", err1, err2)
	}
	sum.Identical = a == b
	if _, err := r.c.StopProject(ctx, p.ID); err != nil {
		return sum, fmt.Errorf("demo: stop sync project: %w", err)
	}
	return sum, nil
}

func (r *runner) waitIncr(ctx context.Context, id string, ok func(*client.IncrStatus) bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		st, err := r.c.IncrStatus(ctx, id)
		if err == nil && ok(st) {
			return nil
		}
		if p, perr := r.c.GetProject(ctx, id); perr == nil && p.Status == "FAILED" {
			return fmt.Errorf("demo: sync project %s failed", id)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo: sync project %s: timed out (last state %+v, %v)", id, st, err)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// writeOrders runs small transactions until ctx ends: updates of random orders, and every
// third transaction a new order copied from an existing one, every tenth a delete.
func writeOrders(ctx context.Context, db *sql.DB, ids []int64, n *int64) error {
	next := ids[len(ids)-1]
	for i := 0; ctx.Err() == nil; i++ {
		id := ids[rand.IntN(len(ids))]
		var err error
		switch {
		case i%10 == 9:
			_, err = db.ExecContext(ctx, "DELETE FROM orders WHERE id = ?", id)
		case i%3 == 0:
			next++
			_, err = db.ExecContext(ctx, "INSERT INTO orders (id, customer_id, status, created_at, total, currency) "+
				"SELECT ?, customer_id, status, created_at, total, currency FROM orders WHERE id = ?", next, id)
		default:
			_, err = db.ExecContext(ctx, "UPDATE orders SET total = total + 1.25, updated_at = NOW(6) WHERE id = ?", id)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("demo: writer: %w", err)
		}
		*n++
	}
	return nil
}

// orderIDs lists the existing order ids, ascending (the sample ids are sparse).
func orderIDs(ctx context.Context, db *sql.DB) ([]int64, error) {
	rows, err := db.QueryContext(ctx, "SELECT id FROM orders ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("demo: shop.orders is empty")
	}
	return ids, rows.Err()
}

func showMasterStatus(ctx context.Context, db *sql.DB, file *string, pos *int64) error {
	rows, err := db.QueryContext(ctx, "SHOW MASTER STATUS")
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if !rows.Next() {
		return fmt.Errorf("demo: the source has no binlog")
	}
	if err := rows.Scan(ptrs...); err != nil {
		return err
	}
	*file = string(vals[0])
	*pos, err = strconv.ParseInt(string(vals[1]), 10, 64)
	return err
}

// posAtLeast compares MySQL-family "file.N:pos" positions.
func posAtLeast(got, want string) bool {
	gf, gp, ok1 := splitPos(got)
	wf, wp, ok2 := splitPos(want)
	return ok1 && ok2 && (gf > wf || (gf == wf && gp >= wp))
}

func splitPos(s string) (int64, int64, bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return 0, 0, false
	}
	j := strings.LastIndexByte(s[:i], '.')
	f, err1 := strconv.ParseInt(s[j+1:i], 10, 64)
	p, err2 := strconv.ParseInt(s[i+1:], 10, 64)
	return f, p, err1 == nil && err2 == nil
}

func tableChecksum(ctx context.Context, db *sql.DB, table string) (string, error) {
	var name string
	var sum sql.NullString
	err := db.QueryRowContext(ctx, "CHECKSUM TABLE "+table+" EXTENDED").Scan(&name, &sum)
	return sum.String, err
}
