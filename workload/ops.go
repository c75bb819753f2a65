package workload

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// tbl is one sample table the writers touch, with the key range present at Start.
type tbl struct {
	name, key string
	str       bool   // string key (products.sku)
	lo, hi    uint64 // existing numeric keys (or product numbers for SKU-%06d)
	base      uint64 // first key of the workload's key space
}

// keyRanges are the tables, indexed by the constants below.
type keyRanges [nTables]tbl

const (
	tProducts = iota
	tCustomers
	tOrders
	tItems
	tEvents
	tAllTypes
	nTables
)

func readRanges(ctx context.Context, db *sql.DB, dbName string) (keyRanges, error) {
	k := keyRanges{
		tProducts:  {name: "products", key: "sku", str: true},
		tCustomers: {name: "customers", key: "id", base: 100_000_000},
		tOrders:    {name: "orders", key: "id", base: 900_000_000_000},
		tItems:     {name: "order_items", key: "order_id"},
		tEvents:    {name: "events", key: "id", base: 1<<63 + 1<<62},
		tAllTypes:  {name: "all_types", key: "id", base: 100_000_000},
	}
	for i := range k {
		t := &k[i]
		var lo, hi sql.NullString
		q := fmt.Sprintf("SELECT MIN(%s), MAX(%s) FROM %s.%s", qi(t.key), qi(t.key), qi(dbName), qi(t.name))
		if t.str {
			q = fmt.Sprintf("SELECT MIN(sku), MAX(sku) FROM %s.products WHERE sku LIKE 'SKU-%%'", qi(dbName))
		} else if t.base > 0 {
			// Only sampledb's keys: not earlier workloads' key spaces nor events' 2^64-1.
			q += fmt.Sprintf(" WHERE %s < %d", qi(t.key), t.base)
		}
		if err := db.QueryRowContext(ctx, q).Scan(&lo, &hi); err != nil {
			return k, fmt.Errorf("workload: key range of %s: %w", t.name, err)
		}
		parse := func(s string) uint64 {
			v, _ := strconv.ParseUint(strings.TrimPrefix(s, "SKU-"), 10, 64)
			return v
		}
		t.lo, t.hi = parse(lo.String), parse(hi.String)
		if t.hi < t.lo {
			t.hi = t.lo
		}
	}
	return k, nil
}

// delta is what one transaction did, added to the counters on commit.
type delta struct {
	inserts, updates, pk, uk, deletes int64
	tables                            map[string]bool
}

func (d *delta) touch(t string) {
	if d.tables == nil {
		d.tables = map[string]bool{}
	}
	d.tables[t] = true
}

// txn is one planned transaction. body runs its statements; after runs once it committed.
type txn struct {
	seq      bool // begins with an insert into w_seq (holds the seq mutex)
	rollback bool // rolled back on purpose
	body     func(x *execer) error
	after    func()
}

// execer runs statements of one transaction and records them in d.
type execer struct {
	ctx context.Context
	tx  *sql.Tx
	db  string
	d   *delta
}

func (x *execer) exec(table, sqlText string) (int64, error) {
	res, err := x.tx.ExecContext(x.ctx, sqlText)
	if err != nil {
		return 0, err
	}
	x.d.touch(table)
	n, _ := res.RowsAffected()
	return n, nil
}

func (x *execer) t(name string) string { return qi(x.db) + "." + qi(name) }

// newKey returns a fresh key of table i in this writer's key space, as a SQL literal.
func (wr *writer) newKey(i int) string {
	wr.k++
	return wr.keyAt(i, wr.k)
}

func (wr *writer) keyAt(i int, k int64) string {
	slot := uint64(k)*MaxWriters + uint64(wr.id)
	if i == tProducts {
		return q(fmt.Sprintf("W%02d-%02d-%09d", wr.w.cfg.Instance, wr.id, k))
	}
	base := wr.w.ranges[i].base
	if i == tEvents {
		return strconv.FormatUint(base+uint64(wr.w.cfg.Instance)<<40+slot, 10)
	}
	return strconv.FormatUint(base+uint64(wr.w.cfg.Instance)*10_000_000+slot, 10)
}

// seekKey returns a literal to seek from ("key >= seek ORDER BY key LIMIT 1"): a random
// point of the rows present at Start, or of the keys this writer inserted.
func (wr *writer) seekKey(i int) string {
	t := wr.w.ranges[i]
	if wr.k > 0 && wr.r.IntN(5) < 2 {
		return wr.keyAt(i, 1+wr.r.Int64N(wr.k))
	}
	v := t.lo + wr.r.Uint64N(t.hi-t.lo+1)
	if t.str {
		return q(fmt.Sprintf("SKU-%06d", v))
	}
	return strconv.FormatUint(v, 10)
}

// plan draws the next transaction.
func (wr *writer) plan() txn {
	switch p := wr.r.IntN(100); {
	case p < 12:
		return txn{seq: true, body: func(x *execer) error { return nil }}
	case p < 28:
		return txn{body: func(x *execer) error { return wr.insert(x, wr.r.IntN(nTables)) }}
	case p < 48:
		return txn{body: func(x *execer) error { return wr.update(x, wr.r.IntN(nTables)) }}
	case p < 55:
		return txn{body: func(x *execer) error { return wr.pkUpdate(x, wr.r.IntN(nTables)) }}
	case p < 60:
		return wr.ukUpdate()
	case p < 68:
		return txn{body: func(x *execer) error { return wr.delete(x, wr.r.IntN(nTables)) }}
	case p < 72:
		return wr.freeEmail()
	case p < 76:
		return txn{body: wr.copyEdge}
	case p < 96:
		return txn{seq: wr.r.IntN(2) == 0, body: wr.multi}
	default:
		return txn{rollback: true, seq: wr.r.IntN(2) == 0, body: wr.multi}
	}
}

// multi runs 2–5 random statements on random tables.
func (wr *writer) multi(x *execer) error {
	for range 2 + wr.r.IntN(4) {
		var err error
		switch i := wr.r.IntN(nTables); wr.r.IntN(4) {
		case 0:
			err = wr.insert(x, i)
		case 1:
			err = wr.update(x, i)
		case 2:
			err = wr.pkUpdate(x, i)
		default:
			err = wr.delete(x, i)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (wr *writer) insert(x *execer, i int) error {
	r := wr.r
	var err error
	switch i {
	case tProducts:
		_, err = x.exec("products", fmt.Sprintf("INSERT INTO %s (sku,name,description,price,weight_kg,dims,active,created_at) VALUES (%s,%s,%s,%s,%s,%s,%d,%s)",
			x.t("products"), wr.newKey(i), q("load "+text(r, alphabet, 20)), wr.maybe(func() string { return q(text(r, alphabet, 300)) }),
			cents(99+r.Int64N(99900)), wr.maybe(func() string { return f64(float64(anyFloat(r))) }),
			wr.maybe(func() string { return q(fmt.Sprintf(`{"w": %d, "unit": "cm"}`, r.IntN(200))) }), r.IntN(2),
			"'"+instant(r, epoch, epoch.AddDate(6, 0, 0)).Format("2006-01-02 15:04:05")+"'"))
		x.d.inserts++
	case tCustomers:
		email := q(fmt.Sprintf("wl%d.%d.%d@load.test", wr.w.cfg.Instance, wr.id, wr.k+1))
		if len(wr.freed) > 0 && r.IntN(2) == 0 {
			email = wr.freed[0] // a unique value a committed delete or update released
			wr.freed = wr.freed[1:]
		}
		_, err = x.exec("customers", fmt.Sprintf("INSERT INTO %s (id,name,email,country,tier,tags,birth_date,created_at,balance,profile,is_active,note) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%d,%s)",
			x.t("customers"), wr.newKey(i), q(text(r, alphabet, 30)), email, q([]string{"DE", "FR", "JP", "BR"}[r.IntN(4)]),
			q(tiers[r.IntN(3)]), subset(r, setElems), wr.maybe(func() string { return "'" + instant(r, epoch.AddDate(-60, 0, 0), epoch).Format("2006-01-02") + "'" }),
			dt6(instant(r, epoch, epoch.AddDate(6, 0, 0))), cents(r.Int64N(10_000_000)-5_000_000),
			wr.maybe(func() string { return q(fmt.Sprintf(`{"lang": "de", "score": %d}`, r.IntN(100))) }), r.IntN(2), wr.maybe(func() string { return q(text(r, alphabet, 40)) })))
		x.d.inserts++
	case tOrders, tItems:
		id := wr.newKey(tOrders)
		if _, err = x.exec("orders", fmt.Sprintf("INSERT INTO %s (id,customer_id,status,created_at,updated_at,total,currency,shipping_address) VALUES (%s,%d,%s,%s,%s,%s,'EUR',%s)",
			x.t("orders"), id, 1+r.IntN(1000), q(statuses[r.IntN(5)]), dt6(instant(r, epoch, epoch.AddDate(6, 0, 0))),
			wr.maybe(func() string { return dt6(instant(r, epoch, epoch.AddDate(6, 0, 0))) }), decimal(r, 65, 30),
			wr.maybe(func() string { return q(text(r, alphabet, 80)) }))); err != nil {
			return err
		}
		x.d.inserts++
		var vals []string
		for l := range 1 + r.IntN(4) {
			vals = append(vals, fmt.Sprintf("(%s,%d,%s,%d,%s,%s)", id, l+1, q(fmt.Sprintf("SKU-%06d", 1+r.IntN(100))), 1+r.IntN(20),
				cents(99+r.Int64N(9900)), wr.maybe(func() string { return f64(r.Float64() * 0.3) })))
		}
		_, err = x.exec("order_items", fmt.Sprintf("INSERT INTO %s (order_id,line_no,product_sku,quantity,unit_price,discount) VALUES %s", x.t("order_items"), strings.Join(vals, ",")))
		x.d.inserts += int64(len(vals))
	case tEvents:
		_, err = x.exec("events", fmt.Sprintf("INSERT INTO %s (id,kind,payload,source_ip,score,created_at) VALUES (%s,%s,%s,%s,%s,%s)",
			x.t("events"), wr.newKey(i), q(kinds[r.IntN(len(kinds))]), wr.maybe(func() string { return xb(bytesN(r, r.IntN(600))) }),
			wr.maybe(func() string { return xb(bytesN(r, 4+12*r.IntN(2))) }), f64(anyDouble(r)), dt6(instant(r, epoch, epoch.AddDate(6, 0, 0)))))
		x.d.inserts++
	case tAllTypes:
		cols, vals := []string{"id", "note"}, []string{wr.newKey(i), q("workload")}
		for j, g := range allTypesGen {
			cols, vals = append(cols, g.col), append(vals, allTypesValue(r, j))
		}
		_, err = x.exec("all_types", fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", x.t("all_types"), strings.Join(cols, ","), strings.Join(vals, ",")))
		x.d.inserts++
	}
	return err
}

// maybe returns NULL one time in five, else lit().
func (wr *writer) maybe(lit func() string) string {
	if wr.r.IntN(5) == 0 {
		return "NULL"
	}
	return lit()
}

func (wr *writer) update(x *execer, i int) error {
	r := wr.r
	t := wr.w.ranges[i]
	var set string
	switch i {
	case tProducts:
		set = fmt.Sprintf("price=%s, description=%s, active=1-active, weight_kg=%s", cents(99+r.Int64N(99900)),
			wr.maybe(func() string { return q(text(r, alphabet, 200)) }), wr.maybe(func() string { return f64(float64(anyFloat(r))) }))
	case tCustomers:
		set = fmt.Sprintf("balance=%s, tier=%s, tags=%s, note=%s, is_active=%d", cents(r.Int64N(10_000_000)-5_000_000),
			q(tiers[r.IntN(3)]), subset(r, setElems), wr.maybe(func() string { return q(text(r, alphabet, 40)) }), r.IntN(2))
	case tOrders:
		set = fmt.Sprintf("status=%s, updated_at=%s, total=%s, shipping_address=%s", q(statuses[r.IntN(5)]),
			dt6(instant(r, epoch, epoch.AddDate(6, 0, 0))), decimal(r, 65, 30), wr.maybe(func() string { return q(text(r, alphabet, 80)) }))
	case tItems:
		set = fmt.Sprintf("quantity=%d, unit_price=%s, discount=%s", 1+r.IntN(50), cents(99+r.Int64N(9900)), wr.maybe(func() string { return f64(r.Float64()) }))
	case tEvents:
		set = fmt.Sprintf("score=%s, payload=%s, kind=%s", f64(anyDouble(r)), wr.maybe(func() string { return xb(bytesN(r, r.IntN(600))) }), q(kinds[r.IntN(len(kinds))]))
	case tAllTypes:
		var sets []string
		for range 1 + r.IntN(8) {
			j := r.IntN(len(allTypesGen))
			sets = append(sets, allTypesGen[j].col+"="+allTypesValue(r, j))
		}
		set = strings.Join(sets, ", ")
	}
	order := qi(t.key)
	if i == tItems {
		order = "order_id, line_no"
	}
	_, err := x.exec(t.name, fmt.Sprintf("UPDATE %s SET %s WHERE %s >= %s ORDER BY %s LIMIT 1", x.t(t.name), set, qi(t.key), wr.seekKey(i), order))
	x.d.updates++
	return err
}

// pkUpdate moves one row to a fresh key; an order moves with its lines.
func (wr *writer) pkUpdate(x *execer, i int) error {
	t := wr.w.ranges[i]
	if i == tOrders || i == tItems {
		var id uint64
		err := x.tx.QueryRowContext(x.ctx, fmt.Sprintf("SELECT id FROM %s WHERE id >= %s ORDER BY id LIMIT 1 FOR UPDATE", x.t("orders"), wr.seekKey(tOrders))).Scan(&id)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		nk := wr.newKey(tOrders)
		if _, err := x.exec("orders", fmt.Sprintf("UPDATE %s SET id=%s WHERE id=%d", x.t("orders"), nk, id)); err != nil {
			return err
		}
		_, err = x.exec("order_items", fmt.Sprintf("UPDATE %s SET order_id=%s WHERE order_id=%d", x.t("order_items"), nk, id))
		x.d.pk += 2
		return err
	}
	_, err := x.exec(t.name, fmt.Sprintf("UPDATE %s SET %s=%s WHERE %s >= %s ORDER BY %s LIMIT 1",
		x.t(t.name), qi(t.key), wr.newKey(i), qi(t.key), wr.seekKey(i), qi(t.key)))
	x.d.pk++
	return err
}

func (wr *writer) delete(x *execer, i int) error {
	t := wr.w.ranges[i]
	if i == tOrders {
		var id uint64
		err := x.tx.QueryRowContext(x.ctx, fmt.Sprintf("SELECT id FROM %s WHERE id >= %s ORDER BY id LIMIT 1 FOR UPDATE", x.t("orders"), wr.seekKey(tOrders))).Scan(&id)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := x.exec("order_items", fmt.Sprintf("DELETE FROM %s WHERE order_id=%d", x.t("order_items"), id)); err != nil {
			return err
		}
		_, err = x.exec("orders", fmt.Sprintf("DELETE FROM %s WHERE id=%d", x.t("orders"), id))
		x.d.deletes += 2
		return err
	}
	order := qi(t.key)
	if i == tItems {
		order = "order_id, line_no"
	}
	_, err := x.exec(t.name, fmt.Sprintf("DELETE FROM %s WHERE %s >= %s ORDER BY %s LIMIT 1", x.t(t.name), qi(t.key), wr.seekKey(i), order))
	x.d.deletes++
	return err
}

// ukUpdate gives a customer a new email, or one freed earlier; the old email is freed for
// a later transaction (an order that only a unique-key-aware applier keeps).
func (wr *writer) ukUpdate() txn {
	var old string
	return txn{body: func(x *execer) error {
		old = ""
		var id int64
		var email string
		err := x.tx.QueryRowContext(x.ctx, fmt.Sprintf("SELECT id, email FROM %s WHERE id >= %s ORDER BY id LIMIT 1 FOR UPDATE",
			x.t("customers"), wr.seekKey(tCustomers))).Scan(&id, &email)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		wr.k++
		nv := q(fmt.Sprintf("wl%d.%d.%d@load.test", wr.w.cfg.Instance, wr.id, wr.k))
		if len(wr.freed) > 0 && wr.r.IntN(2) == 0 {
			nv, wr.freed = wr.freed[0], wr.freed[1:]
		}
		if _, err := x.exec("customers", fmt.Sprintf("UPDATE %s SET email=%s WHERE id=%d", x.t("customers"), nv, id)); err != nil {
			return err
		}
		x.d.uk++
		old = q(email)
		return nil
	}, after: func() {
		if old != "" {
			wr.freed = append(wr.freed, old)
		}
	}}
}

// freeEmail deletes a customer and remembers its email for a later insert.
func (wr *writer) freeEmail() txn {
	var old string
	return txn{body: func(x *execer) error {
		old = ""
		var id int64
		var email string
		err := x.tx.QueryRowContext(x.ctx, fmt.Sprintf("SELECT id, email FROM %s WHERE id >= %s ORDER BY id LIMIT 1 FOR UPDATE",
			x.t("customers"), wr.seekKey(tCustomers))).Scan(&id, &email)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := x.exec("customers", fmt.Sprintf("DELETE FROM %s WHERE id=%d", x.t("customers"), id)); err != nil {
			return err
		}
		x.d.deletes++
		old = q(email)
		return nil
	}, after: func() {
		if old != "" {
			wr.freed = append(wr.freed, old)
		}
	}}
}

// copyEdge copies an all_types row (an edge row of sampledb most of the time: extreme
// values of every type) under a fresh id, or over an existing row's columns.
func (wr *writer) copyEdge(x *execer) error {
	src := 1 + wr.r.IntN(53)
	cols := make([]string, len(allTypesGen))
	for i, g := range allTypesGen {
		cols[i] = g.col
	}
	c := strings.Join(cols, ",")
	n, err := x.exec("all_types", fmt.Sprintf("INSERT INTO %s (id,note,%s) SELECT %s, note, %s FROM %s WHERE id=%d",
		x.t("all_types"), c, wr.newKey(tAllTypes), c, x.t("all_types"), src))
	x.d.inserts += n
	return err
}
