package sqlite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
)

func sampleDS(id, name string, typ model.DataSourceType, created time.Time) *model.DataSource {
	return &model.DataSource{ID: id, Name: name, Type: typ, Host: "127.0.0.1", Port: 3306, User: "root",
		Password: "pw-" + id, Options: map[string]string{"tls": "false"}, GmtCreate: created, GmtModified: created}
}

func TestDataSourceCRUD(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	shanghai := time.FixedZone("CST", 8*3600)
	ds := sampleDS("e_one", "Orders-MySQL", model.TypeMySQL, t0.In(shanghai))
	ds.Role, ds.Schema, ds.Description, ds.Version = "MASTER", "app", "primary", "10.11.6"
	if err := s.CreateDataSource(ctx, ds); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetDataSource(ctx, "e_one")
	if err != nil {
		t.Fatal(err)
	}
	want := *ds
	want.GmtCreate, want.GmtModified = t0, t0
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("GetDataSource = %+v\nwant %+v", *got, want)
	}
	if got.GmtCreate.Location() != time.UTC {
		t.Fatalf("timestamp location %v, want UTC", got.GmtCreate.Location())
	}

	list, total, err := s.ListDataSources(ctx, meta.DataSourceFilter{})
	if err != nil || total != 1 || len(list) != 1 {
		t.Fatalf("ListDataSources = %v, %d, %v", list, total, err)
	}
	if list[0].Password != "" {
		t.Fatal("ListDataSources returned a password")
	}
	want.Password = ""
	if !reflect.DeepEqual(list[0], want) {
		t.Fatalf("listed %+v\nwant %+v", list[0], want)
	}

	dup := sampleDS("e_two", "Orders-MySQL", model.TypePostgreSQL, t0)
	wantCode(t, s.CreateDataSource(ctx, dup), errs.CodeDataSourceDup, errs.KindConflict)
	dupID := sampleDS("e_one", "other name", model.TypePostgreSQL, t0)
	wantCode(t, s.CreateDataSource(ctx, dupID), errs.CodeDataSourceDup, errs.KindConflict)
	wantCode(t, s.CreateDataSource(ctx, &model.DataSource{Name: "x"}), errs.CodeParam, errs.KindInvalid)

	_, err = s.GetDataSource(ctx, "e_missing")
	wantCode(t, err, errs.CodeDataSourceMissing, errs.KindNotFound)
	wantCode(t, s.DeleteDataSource(ctx, "e_missing"), errs.CodeDataSourceMissing, errs.KindNotFound)

	// Empty password stays empty.
	if err := s.CreateDataSource(ctx, &model.DataSource{ID: "e_nopw", Name: "nopw", Type: model.TypeKafka}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetDataSource(ctx, "e_nopw"); err != nil || got.Password != "" {
		t.Fatalf("GetDataSource(nopw) = %+v, %v", got, err)
	}

	if err := s.DeleteDataSource(ctx, "e_one"); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetDataSource(ctx, "e_one")
	wantCode(t, err, errs.CodeDataSourceMissing, errs.KindNotFound)
	// The name is free again.
	if err := s.CreateDataSource(ctx, sampleDS("e_three", "Orders-MySQL", model.TypeMySQL, t0)); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteDataSourceInUse(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	for _, id := range []string{"e_src", "e_dst"} {
		if err := s.CreateDataSource(ctx, sampleDS(id, id, model.TypeMySQL, t0)); err != nil {
			t.Fatal(err)
		}
	}
	p := minimalProject("np_use", t0)
	p.SourceEndpointID, p.SinkEndpointID = "e_src", "e_dst"
	p.Status = model.StatusRunning
	mustCreateProject(t, s, p)

	for _, id := range []string{"e_src", "e_dst"} {
		wantCode(t, s.DeleteDataSource(ctx, id), errs.CodeDataSourceInUse, errs.KindState)
	}
	if _, err := s.ModifyProject(ctx, p.ID, func(p *model.Project) error { p.Status = model.StatusReleased; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDataSource(ctx, "e_src"); err != nil {
		t.Fatalf("delete after release: %v", err)
	}

	q := minimalProject("np_use2", t0)
	q.SinkEndpointID = "e_dst"
	mustCreateProject(t, s, q)
	wantCode(t, s.DeleteDataSource(ctx, "e_dst"), errs.CodeDataSourceInUse, errs.KindState)
	if err := s.DeleteProject(ctx, "np_use2"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDataSource(ctx, "e_dst"); err != nil {
		t.Fatalf("delete after project delete: %v", err)
	}
}

func TestListDataSourcesFilters(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	specs := []struct {
		id, name string
		typ      model.DataSourceType
	}{
		{"e_a1", "Alpha-src", model.TypeMySQL},
		{"e_b2", "beta", model.TypePostgreSQL},
		{"e_c3", "gamma-ALPHA", model.TypeMariaDB},
		{"e_d4", "delta", model.TypeMySQL},
		{"e_e5", "epsilon", model.TypeKafka},
	}
	for i, sp := range specs {
		ds := sampleDS(sp.id, sp.name, sp.typ, t0.Add(time.Duration(i)*time.Minute))
		ds.GmtModified = t0.Add(time.Duration(10-i) * time.Hour)
		if err := s.CreateDataSource(ctx, ds); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(l []model.DataSource) []string {
		out := []string{}
		for _, d := range l {
			out = append(out, d.ID)
		}
		return out
	}
	cases := []struct {
		name  string
		f     meta.DataSourceFilter
		want  []string
		total int64
	}{
		{"default newest first", meta.DataSourceFilter{}, []string{"e_e5", "e_d4", "e_c3", "e_b2", "e_a1"}, 5},
		{"asc", meta.DataSourceFilter{Asc: true}, []string{"e_a1", "e_b2", "e_c3", "e_d4", "e_e5"}, 5},
		{"by modified", meta.DataSourceFilter{SortField: "gmtModified"}, []string{"e_a1", "e_b2", "e_c3", "e_d4", "e_e5"}, 5},
		{"search name ci", meta.DataSourceFilter{SearchKey: "aLpHa"}, []string{"e_c3", "e_a1"}, 2},
		{"search id", meta.DataSourceFilter{SearchKey: "B2"}, []string{"e_b2"}, 1},
		{"search like metachars", meta.DataSourceFilter{SearchKey: "%"}, []string{}, 0},
		{"types", meta.DataSourceFilter{Types: []string{"MYSQL", "KAFKA"}}, []string{"e_e5", "e_d4", "e_a1"}, 3},
		{"page 1", meta.DataSourceFilter{Page: 1, Size: 2}, []string{"e_e5", "e_d4"}, 5},
		{"page 3", meta.DataSourceFilter{Page: 3, Size: 2}, []string{"e_a1"}, 5},
		{"page 0 is 1", meta.DataSourceFilter{Page: 0, Size: 2}, []string{"e_e5", "e_d4"}, 5},
		{"past end", meta.DataSourceFilter{Page: 9, Size: 2}, []string{}, 5},
		{"types + page", meta.DataSourceFilter{Types: []string{"MYSQL"}, Page: 2, Size: 1, Asc: true}, []string{"e_d4"}, 2},
	}
	for _, c := range cases {
		got, total, err := s.ListDataSources(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(ids(got), c.want) || total != c.total {
			t.Errorf("%s: got %v total %d, want %v total %d", c.name, ids(got), total, c.want, c.total)
		}
	}
	_, _, err := s.ListDataSources(ctx, meta.DataSourceFilter{SortField: "password"})
	wantCode(t, err, errs.CodeParam, errs.KindInvalid)
}

// TestPasswordNotInFile greps every file of the database (main file, WAL, shm) for the
// clear passwords and secret settings.
func TestPasswordNotInFile(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
	const pw = "Cl3ar-Text-Pa55word-Marker"
	const apiSecret = "api-secret-value-Marker-42"
	ds := sampleDS("e_pw", "pwtest", model.TypeMySQL, t0)
	ds.Password = pw
	if err := s.CreateDataSource(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSetting(ctx, "api.secret", apiSecret, true); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSetting(ctx, "api.plain", "plain-Marker-value", false); err != nil {
		t.Fatal(err)
	}
	grep := func(stage string, wantPlain bool) {
		entries, err := os.ReadDir(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		var all []byte
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(filepath.Dir(path), e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		for _, secret := range []string{pw, apiSecret} {
			if bytes.Contains(all, []byte(secret)) {
				t.Fatalf("%s: clear secret %q found in the database files", stage, secret)
			}
		}
		// The grep itself must be able to see stored text.
		if wantPlain && !bytes.Contains(all, []byte("plain-Marker-value")) {
			t.Fatalf("%s: the non-secret setting is not in the files: the grep proves nothing", stage)
		}
	}
	grep("open", true)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	grep("closed", true)

	s2, err := Open(ctx, path, s.box, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.GetDataSource(ctx, "e_pw")
	if err != nil || got.Password != pw {
		t.Fatalf("after reopen password = %q, %v", got.Password, err)
	}
}

func TestWrongKeyCannotDecrypt(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
	if err := s.CreateDataSource(ctx, sampleDS("e_k", "k", model.TypeMySQL, t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSetting(ctx, "tok", "v", true); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(ctx, path, testBox(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	_, err = s2.GetDataSource(ctx, "e_k")
	wantCode(t, err, errs.CodeInternal, errs.KindInternal)
	_, _, err = s2.GetSetting(ctx, "tok")
	wantCode(t, err, errs.CodeInternal, errs.KindInternal)
	// Listing needs no key.
	if l, n, err := s2.ListDataSources(ctx, meta.DataSourceFilter{}); err != nil || n != 1 || len(l) != 1 {
		t.Fatalf("list with another key: %v %d %v", l, n, err)
	}
}
