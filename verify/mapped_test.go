package verify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/testenv"
	"github.com/godwit/godwit/verify"
)

// mappedPair builds, on the target server, copies of customers / order_items / events under
// other names, with the columns in another order and some columns renamed.
func mappedPair(t *testing.T) (*pair, string, []verify.Table) {
	p := newPair(t)
	mdb, mconn := testenv.NewMariaDBDatabase(t, p.dstSrv, "vmap")
	for _, q := range []string{
		`CREATE TABLE cust_x (remark VARCHAR(255) NULL, profile JSON NULL, is_active TINYINT(1) NOT NULL, balance DECIMAL(12,2) NOT NULL,
		  created_at DATETIME(6) NOT NULL, birth_date DATE NULL, tags SET('new','vip','churn-risk','beta') NOT NULL,
		  tier ENUM('free','pro','enterprise') NOT NULL, country CHAR(2) NOT NULL, mail VARCHAR(191) NOT NULL,
		  name VARCHAR(100) NOT NULL, cid INT NOT NULL PRIMARY KEY) CHARSET utf8mb4`,
		`INSERT INTO cust_x (remark, profile, is_active, balance, created_at, birth_date, tags, tier, country, mail, name, cid)
		  SELECT note, profile, is_active, balance, created_at, birth_date, tags, tier, country, email, name, id FROM ` + "`" + p.dstDB + "`" + `.customers`,
		`CREATE TABLE items_x (discount DOUBLE NULL, unit_price DECIMAL(12,2) NOT NULL, quantity INT NOT NULL, product_sku VARCHAR(32) NOT NULL,
		  line SMALLINT NOT NULL, order_id BIGINT NOT NULL, PRIMARY KEY (order_id, line))`,
		`INSERT INTO items_x SELECT discount, unit_price, quantity, product_sku, line_no, order_id FROM ` + "`" + p.dstDB + "`" + `.order_items`,
		`CREATE TABLE ev_x LIKE ` + "`" + p.dstDB + "`" + `.events`,
		`INSERT INTO ev_x SELECT * FROM ` + "`" + p.dstDB + "`" + `.events`,
	} {
		if _, err := mconn.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	tables := []verify.Table{
		{SourceDB: p.srcDB, SourceName: "customers", TargetDB: mdb, TargetName: "cust_x",
			ColumnMap: map[string]string{"note": "remark", "email": "mail", "id": "cid"}},
		{SourceDB: p.srcDB, SourceName: "order_items", TargetDB: mdb, TargetName: "items_x",
			ColumnMap: map[string]string{"line_no": "line"}},
		{SourceDB: p.srcDB, SourceName: "events", TargetDB: mdb, TargetName: "ev_x"},
	}
	return p, mdb, tables
}

func TestMappedNamesAndColumnOrder(t *testing.T) {
	p, mdb, tables := mappedPair(t)
	for _, goHash := range []bool{false, true} {
		store := verify.NewMemStore()
		r := run(t, p, store, "mapped", verify.Options{ChunkRows: 200, LeafRows: 10, GoHash: goHash}, tables)
		if r.Result != verify.Consistent || r.Diffs != 0 {
			ts, _, _ := store.ListVerifyTables(context.Background(), meta.VerifyTableFilter{RunID: r.ID})
			t.Fatalf("goHash=%v: %+v %+v", goHash, r, ts)
		}
	}
	// A change in a renamed column is found and named by its source name; the SQL uses target names.
	if _, err := p.dst.Exec("UPDATE `" + mdb + "`.cust_x SET remark = CONCAT(COALESCE(remark, ''), 'x') WHERE cid = 3"); err != nil {
		t.Fatal(err)
	}
	for _, goHash := range []bool{false, true} {
		store := verify.NewMemStore()
		r := run(t, p, store, "mapped2", verify.Options{ChunkRows: 200, LeafRows: 10, GoHash: goHash}, tables)
		ds, _, _ := store.ListVerifyDiffs(context.Background(), meta.VerifyDiffFilter{RunID: r.ID})
		if len(ds) != 1 || ds[0].KeyText != "id=3" || strings.Join(ds[0].Columns, ",") != "note" ||
			!strings.Contains(ds[0].TargetSQL, "`cid` = 3") || !strings.Contains(ds[0].FixSQL, "`remark`") {
			t.Fatalf("goHash=%v: %+v", goHash, ds)
		}
	}
	// Object comparison by mapped names.
	rep, err := verify.CompareObjects(context.Background(), p.srcEP, p.dstEP, []verify.DBPair{{Source: p.srcDB, Target: mdb, Tables: tables,
		Views: [][2]string{{"v_customer_orders", "v_customer_orders"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, d := range rep.Diffs {
		kinds = append(kinds, d.Type+":"+d.Source)
	}
	got := strings.Join(kinds, " ")
	// cust_x has no indexes besides the key and items_x lacks idx_order_items_sku; the view is missing.
	for _, want := range []string{"INDEX:customers.uk_customers_email", "INDEX:order_items.idx_order_items_sku", "VIEW:v_customer_orders"} {
		if !strings.Contains(got, want) {
			t.Errorf("object diffs %q lack %s", got, want)
		}
	}
	if strings.Contains(got, "COLUMN:") || strings.Contains(got, "TABLE:") || rep.Result != verify.Inconsistent {
		t.Errorf("object report: %+v", rep)
	}
}

// TestRecheckUnderLag: a difference that the "sync" heals during the re-check wait is not
// reported; one that persists is, after waiting the reported delay.
func TestRecheckUnderLag(t *testing.T) {
	p := newPair(t)
	for _, q := range []string{"UPDATE $DB.customers SET name = 'lagging' WHERE id = 7", "UPDATE $DB.customers SET name = 'broken' WHERE id = 9"} {
		p.exec(t, p.dst, q)
	}
	var waits []time.Duration
	rc := &verify.Rechecker{Delay: func() time.Duration { return 3 * time.Second }, Rounds: 2,
		Sleep: func(ctx context.Context, d time.Duration) error {
			waits = append(waits, d)
			// the sync catches up on id 7 while we wait
			_, err := p.dst.Exec("UPDATE `"+p.dstDB+"`.customers d JOIN `"+p.dstDB+"`.customers s ON s.id = d.id SET d.name = ? WHERE d.id = 7", srcName(t, p, 7))
			return err
		}}
	store := verify.NewMemStore()
	r := run(t, p, store, "lag", verify.Options{ChunkRows: 500, LeafRows: 20, Workers: 1, Recheck: rc}, p.tables("customers"))
	ds, _, _ := store.ListVerifyDiffs(context.Background(), meta.VerifyDiffFilter{RunID: r.ID})
	if len(ds) != 1 || ds[0].KeyText != "id=9" {
		t.Fatalf("diffs after re-check: %+v", ds)
	}
	if len(waits) != 2 || waits[0] != 4*time.Second {
		t.Errorf("waits %v, want two of 4s (delay 3s + 1s margin)", waits)
	}

	// Incremental verification of a stream of keys (with the same re-check).
	waits = nil
	p.exec(t, p.dst, "UPDATE $DB.customers SET name = 'lagging' WHERE id = 7")
	v, err := verify.New(p.srcEP, p.dstEP, store, verify.Options{Recheck: rc})
	if err != nil {
		t.Fatal(err)
	}
	iv, err := v.Incremental(context.Background(), "incr", "", p.tables("customers", "orders"), verify.IncrOptions{Batch: 3})
	if err != nil {
		t.Fatal(err)
	}
	in := make(chan verify.KeyRef)
	done := make(chan error, 1)
	go func() { done <- iv.Run(context.Background(), in) }()
	for _, id := range []int64{1, 7, 9, 11, 12} {
		in <- verify.KeyRef{Table: p.srcDB + ".customers", Key: change.Key{id}}
	}
	in <- verify.KeyRef{Table: p.srcDB + ".orders", Key: change.Key{int64(1)}} // no such order on either side
	close(in)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ds, _, _ = store.ListVerifyDiffs(context.Background(), meta.VerifyDiffFilter{RunID: "incr"})
	if len(ds) != 1 || ds[0].KeyText != "id=9" || ds[0].Kind != meta.DiffDifferent || ds[0].Chunk != -1 {
		t.Fatalf("incremental diffs: %+v", ds)
	}
	if st := iv.Stats(); st.Checked != 6 || st.Diffs != 1 {
		t.Errorf("stats %+v", st)
	}
	// Sampling: at 1 key/s with a burst of 1, most of a burst of keys is skipped.
	iv2, _ := v.Incremental(context.Background(), "incr2", "", p.tables("customers"), verify.IncrOptions{MaxKeysPerSecond: 1})
	var keys []verify.KeyRef
	for id := int64(1); id <= 50; id++ {
		keys = append(keys, verify.KeyRef{Table: p.srcDB + ".customers", Key: change.Key{id}})
	}
	if _, err := iv2.Check(context.Background(), keys); err != nil {
		t.Fatal(err)
	}
	if st := iv2.Stats(); st.Skipped < 40 || st.Checked+st.Skipped != 50 {
		t.Errorf("sampling stats %+v", st)
	}
}

func srcName(t *testing.T, p *pair, id int) string {
	var n string
	if err := p.src.QueryRow("SELECT name FROM `"+p.srcDB+"`.customers WHERE id = ?", id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
