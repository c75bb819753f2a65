package binlog

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/sampledb"
	"github.com/godwit/godwit/testenv"
)

// update regenerates the FuzzDecodeEvent seed corpus from a throwaway MariaDB:
//
//	go test -count=1 -run TestCaptureSeeds ./endpoint/mysql/internal/binlog/ -args -update
var update = flag.Bool("update", false, "regenerate testdata/fuzz/FuzzDecodeEvent from a throwaway MariaDB")

const seedDir = "testdata/fuzz/FuzzDecodeEvent"

// seedMaxEvent keeps the corpus small and each fuzz run cheap: rows events carrying the
// large edge values are left out (rows are inserted one per statement, so the other
// events hold one row each, and together every type and edge value).
const seedMaxEvent = 4 << 10

// TestCaptureSeeds (with -update) loads sampledb — every MariaDB type and edge value in
// all_types — into a throwaway MariaDB (binlog_row_metadata=FULL), updates and deletes rows
// of every table, and stores the raw events as FuzzDecodeEvent seeds: per rows event the
// format description, its table map and the rows event (all_types: every one; other tables:
// the first of each kind), plus one whole transaction. Each seed must decode cleanly with
// checksums verified. Only with -update are the seeds written (the corpus is checked in):
// without it the test still captures real events and checks that every one decodes.
func TestCaptureSeeds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	root, err := srv.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	src := New(root, srv.DataSource("seeds"), true, 0)
	colls, err := src.loadCollations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p0s, err := src.CurrentPosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	name := testenv.UniqueName("seeds")
	if _, err := sampledb.Create(ctx, root, name, sampledb.Options{Scale: 0.002, Workers: 1, BatchRows: 1}); err != nil {
		t.Fatal(err)
	}
	for _, ti := range sampledb.Tables() {
		q := sqlval.QuoteTable(name, ti.Name)
		stmts := []string{"DELETE FROM " + q + " LIMIT 7"}
		if len(ti.Key) > 0 {
			k := sqlval.QuoteIdent(ti.Key[0])
			stmts = append(stmts, "UPDATE "+q+" SET "+k+" = "+k+" + 100000000 ORDER BY "+k+" DESC LIMIT 40")
		}
		for _, s := range stmts {
			if _, err := root.ExecContext(ctx, s); err != nil {
				t.Logf("%s: %v (skipped)", s, err)
			}
		}
	}
	p1s, err := src.CurrentPosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p0, _ := ParsePos(p0s)
	p1, _ := ParsePos(p1s)

	c, err := src.OpenDump(p0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var fde []byte
	parser := replication.NewBinlogParser()
	parser.SetFlavor("mariadb")
	maps := map[uint64][]byte{}  // table id → raw table map event
	names := map[uint64]string{} // table id → table name
	seen := map[string]bool{}    // table/kind of rows events stored
	var txn, wholeTxn [][]byte   // the events of the open transaction; the first kept one
	seeds := map[string][]byte{}
	file := p0.File
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		h := ev.Header
		switch e := ev.Event.(type) {
		case *replication.RotateEvent:
			file = string(e.NextLogName)
			continue
		case *replication.FormatDescriptionEvent:
			fde = bytes.Clone(ev.RawData)
			if _, err := parser.Parse(fde); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if h.Flags&replication.LOG_EVENT_ARTIFICIAL_F != 0 || h.EventType == replication.HEARTBEAT_EVENT ||
			h.EventType == replication.HEARTBEAT_LOG_EVENT_V2 {
			continue
		}
		raw := bytes.Clone(ev.RawData)
		switch h.EventType {
		case replication.MARIADB_GTID_EVENT:
			txn = [][]byte{raw}
		case replication.TABLE_MAP_EVENT:
			pe, err := parser.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			tm := pe.Event.(*replication.TableMapEvent)
			maps[tm.TableID], names[tm.TableID] = raw, string(tm.Table)
			txn = append(txn, raw)
		case replication.WRITE_ROWS_EVENTv1, replication.UPDATE_ROWS_EVENTv1, replication.DELETE_ROWS_EVENTv1:
			id := readTableID(raw[replication.EventHeaderSize:])
			tbl := names[id]
			kind := map[replication.EventType]string{replication.WRITE_ROWS_EVENTv1: "insert",
				replication.UPDATE_ROWS_EVENTv1: "update", replication.DELETE_ROWS_EVENTv1: "delete"}[h.EventType]
			key := tbl + "-" + kind
			if len(raw) > seedMaxEvent {
				t.Logf("%s event of %d bytes not kept as a seed", key, len(raw))
			} else if tbl == "all_types" || !seen[key] {
				n := 0
				for seen[key+"-"+strconv.Itoa(n)] {
					n++
				}
				seen[key], seen[key+"-"+strconv.Itoa(n)] = true, true
				seeds[fmt.Sprintf("%s-%02d", key, n)] = concat(fde, maps[id], raw)
			}
			txn = append(txn, raw)
		case replication.XID_EVENT:
			txn = append(txn, raw)
			if wholeTxn == nil && len(txn) > 3 {
				wholeTxn = append([][]byte{fde}, txn...)
			}
		default:
			txn = append(txn, raw)
		}
		if file == p1.File && h.LogPos >= p1.Pos {
			break
		}
	}
	if wholeTxn != nil {
		seeds["transaction"] = concat(wholeTxn...)
	}
	if !seen["all_types-insert"] || !seen["all_types-update"] || !seen["all_types-delete"] {
		t.Fatalf("no all_types insert/update/delete rows events captured: %v", seen)
	}

	// Every seed decodes cleanly, checksums verified, and all_types' rows come out.
	for n, s := range seeds {
		a := newTxnAssembler("mariadb", p0, colls, func(string, string) bool { return true }, func(*change.Txn) error { return nil })
		if err := feedEvents(a, s); err != nil {
			t.Fatalf("seed %s does not decode: %v", n, err)
		}
	}
	if !*update {
		return
	}
	if err := os.RemoveAll(seedDir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(seedDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, s := range seeds {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(seedDir, n), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	byName := map[string]string{}
	for id, cs := range colls {
		byName[strconv.FormatUint(id, 10)] = cs
	}
	b, _ := json.MarshalIndent(byName, "", " ")
	if err := os.WriteFile(seedCollations, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d seeds to %s", len(seeds), seedDir)
}

// readTableID reads the 6-byte table id at the start of a rows or table map event body.
func readTableID(body []byte) uint64 {
	var id uint64
	for i := 5; i >= 0; i-- {
		id = id<<8 | uint64(body[i])
	}
	return id
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
