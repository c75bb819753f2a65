package stream

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/godwit/godwit/changestore"
)

// TestForwardLayout pins the forward stream to the layout projects created before streams
// use (checkpoint rows keyed by the project id, changestore/<project>, incr.* keys), and
// gives a reverse stream keys and a directory of its own.
func TestForwardLayout(t *testing.T) {
	f := ForwardOf("np_1")
	if f.ID != "np_1" || f.Keys != (Keys{P0: "incr.p0", P1: "incr.p1", Pull: "incr.pull", Apply: "incr.status"}) ||
		f.StoreDir("/d") != filepath.Join("/d", "changestore", "np_1") {
		t.Fatalf("forward stream: %+v %s", f, f.StoreDir("/d"))
	}
	r := ReverseOf("np_1")
	if r.ID == f.ID || r.Keys.P0 == f.Keys.P0 || r.Keys.Apply == f.Keys.Apply || r.StoreDir("/d") == f.StoreDir("/d") {
		t.Fatalf("reverse stream shares something with the forward one: %+v", r)
	}
}

// TestResourcesAndRemoveData: capture and replay of one run share one open store; the last
// release closes it; RemoveData deletes every stream directory of the project and no other.
func TestResourcesAndRemoveData(t *testing.T) {
	dir := t.TempDir()
	res := NewResources(dir)
	a, relA, err := res.Open(ForwardOf("np_1"), changestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, relB, err := res.Open(ForwardOf("np_1"), changestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("two opens of one stream in a run got different stores")
	}
	relA()
	relA() // harmless
	relB()
	if len(res.logs) != 0 {
		t.Fatal("store still open after the last release")
	}
	for _, s := range []Stream{ReverseOf("np_1"), ForwardOf("np_10")} {
		_, rel, err := res.Open(s, changestore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rel()
	}
	if err := RemoveData(dir, "np_1"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"np_1", "np_1.reverse"} {
		if _, err := os.Stat(filepath.Join(dir, "changestore", n)); !os.IsNotExist(err) {
			t.Errorf("%s survived RemoveData: %v", n, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "changestore", "np_10")); err != nil {
		t.Errorf("another project's store was removed: %v", err)
	}
}
