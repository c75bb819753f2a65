package sqlite

import (
	"context"
	"testing"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

func TestOpsObjects(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	a := &meta.Object{Kind: meta.KindModifyRecord, ProjectID: "np_1", Doc: []byte(`{"a":1}`)}
	b := &meta.Object{Kind: meta.KindModifyRecord, ProjectID: "np_2", Doc: []byte(`{"b":2}`)}
	for _, o := range []*meta.Object{a, b} {
		if err := s.PutObject(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if a.ID == "" || b.ID == "" || a.ID == b.ID {
		t.Fatalf("sequence ids %q %q", a.ID, b.ID)
	}
	if err := s.PutObject(ctx, &meta.Object{Kind: meta.KindLabel, ID: "l_x", Name: "red", Doc: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	got, total, err := s.ListObjects(ctx, meta.ObjectFilter{Kind: meta.KindModifyRecord})
	if err != nil || total != 2 || len(got) != 2 || got[0].ID != a.ID || string(got[1].Doc) != `{"b":2}` {
		t.Fatalf("list = %+v %d %v", got, total, err)
	}
	got, total, _ = s.ListObjects(ctx, meta.ObjectFilter{Kind: meta.KindModifyRecord, ProjectID: "np_2", Page: 1, Size: 1})
	if total != 1 || len(got) != 1 || got[0].ID != b.ID {
		t.Fatalf("filtered list = %+v %d", got, total)
	}
	got, _, _ = s.ListObjects(ctx, meta.ObjectFilter{Kind: meta.KindLabel, Name: "red"})
	if len(got) != 1 || got[0].ID != "l_x" {
		t.Fatalf("by name = %+v", got)
	}
	a.Doc = []byte(`{"a":3}`)
	if err := s.PutObject(ctx, a); err != nil {
		t.Fatal(err)
	}
	o, err := s.GetObject(ctx, meta.KindModifyRecord, a.ID)
	if err != nil || string(o.Doc) != `{"a":3}` || o.ProjectID != "np_1" || o.GmtCreate.IsZero() {
		t.Fatalf("get = %+v %v", o, err)
	}
	if err := s.DeleteObject(ctx, meta.KindModifyRecord, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetObject(ctx, meta.KindModifyRecord, a.ID); errs.As(err).Kind != errs.KindNotFound {
		t.Fatalf("get after delete: %v", err)
	}
	if _, err := s.GetObject(ctx, meta.KindLabel, a.ID); errs.As(err).Kind != errs.KindNotFound {
		t.Fatalf("kinds are separate namespaces: %v", err)
	}
}
