package capture

import (
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/changestore"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
)

func rowsTxn(txid string, offset uint64, more bool, ids ...int64) *change.Txn {
	t := &change.Txn{Pos: "f:1", TxID: txid, Offset: offset, More: more}
	for _, id := range ids {
		t.Events = append(t.Events, change.Event{Op: change.OpInsert, Schema: "d", Table: "t", Columns: []string{"id"}, After: change.Row{id}})
	}
	return t
}

// TestPartTrim: capture restarted inside a large transaction (the store's last part has
// More) stores each of its events once, however the re-read parts are cut.
func TestPartTrim(t *testing.T) {
	st, err := changestore.Open(t.TempDir(), changestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if tr, err := resumeTrim(st); tr != nil || err != nil {
		t.Fatalf("empty store: trim %+v, %v", tr, err)
	}
	// Stored before the crash: events 0..4 of transaction X in two parts.
	if err := st.Append(rowsTxn("X", 0, true, 0, 1, 2), rowsTxn("X", 3, true, 3, 4)); err != nil {
		t.Fatal(err)
	}
	tr, err := resumeTrim(st)
	if err != nil || tr == nil || tr.have != 5 || tr.txid != "X" {
		t.Fatalf("trim %+v, %v; want 5 events of X", tr, err)
	}
	var got []*change.Txn
	add := tr.wrap(func(t *change.Txn) error { got = append(got, t); return nil })
	// Re-read with other cuts: 0..3, 4..7, 8..9 (last), then the next transaction.
	for _, in := range []*change.Txn{rowsTxn("X", 0, true, 0, 1, 2, 3), rowsTxn("X", 4, true, 4, 5, 6, 7),
		rowsTxn("X", 8, false, 8, 9), rowsTxn("Y", 0, false, 100)} {
		if err := add(in); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	for _, g := range got {
		for _, e := range g.Events {
			ids = append(ids, e.After[0].(int64))
		}
	}
	if len(got) != 3 || got[0].Offset != 5 || !got[0].More || got[1].Offset != 8 || got[1].More || got[2].TxID != "Y" ||
		len(ids) != 6 || ids[0] != 5 || ids[2] != 7 || ids[3] != 8 || ids[5] != 100 {
		t.Fatalf("kept %d parts, ids %v", len(got), ids)
	}

	// Another transaction where X was: refused, nothing stored.
	tr2 := &partTrim{txid: "X", have: 5}
	if err := tr2.wrap(func(*change.Txn) error { t.Fatal("stored"); return nil })(rowsTxn("Z", 0, true, 0)); errs.As(err).Code != errs.CodeIncrStore {
		t.Fatalf("another transaction: %v", err)
	}
	// The transaction ends before the stored events: refused.
	tr3 := &partTrim{txid: "X", have: 5}
	if err := tr3.wrap(func(*change.Txn) error { t.Fatal("stored"); return nil })(rowsTxn("X", 0, false, 0, 1)); errs.As(err).Code != errs.CodeIncrStore {
		t.Fatalf("a shorter transaction: %v", err)
	}
}

// TestMarkerFilterParts: every part of a transaction godwit applied (its first part writes
// the marker table) is stored empty with its Offset at its end, so a restart inside it counts
// its events; the next transaction is kept whole.
func TestMarkerFilterParts(t *testing.T) {
	m := &endpoint.TableName{Schema: "ck", Name: "checkpoint"}
	var got []*change.Txn
	add := markerFilter(m, func(t *change.Txn) error { got = append(got, t); return nil })
	first := rowsTxn("X", 0, true, 1, 2)
	first.Events = append([]change.Event{{Op: change.OpInsert, Schema: "ck", Table: "checkpoint", Columns: []string{"stream"}, After: change.Row{"s"}}}, first.Events...)
	for _, in := range []*change.Txn{first, rowsTxn("X", 3, true, 3, 4), rowsTxn("X", 5, false, 5), rowsTxn("Y", 0, false, 9)} {
		if err := add(in); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 4 || got[0].Events != nil || got[0].Offset != 3 || got[1].Events != nil || got[1].Offset != 5 ||
		got[2].Events != nil || got[2].Offset != 6 || len(got[3].Events) != 1 {
		for _, g := range got {
			t.Logf("%s offset %d more %v events %d", g.TxID, g.Offset, g.More, len(g.Events))
		}
		t.Fatal("marked parts not emptied, or the next transaction lost")
	}
}
