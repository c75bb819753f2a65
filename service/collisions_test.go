package service

import (
	"strings"
	"testing"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

func TestCollisions(t *testing.T) {
	tbl := func(name, mapped string) model.TableObject { return model.TableObject{Name: name, MappedName: mapped} }
	db := func(name, mapped string, ts ...model.TableObject) model.DbObject {
		return model.DbObject{Name: name, MappedName: mapped, Tables: ts}
	}
	cases := []struct {
		what  string
		dbs   []model.DbObject
		same  bool
		field string // "" = accepted
	}{
		{"distinct tables", []model.DbObject{db("a", "", tbl("t1", ""), tbl("t2", ""))}, false, ""},
		{"two tables onto one", []model.DbObject{db("a", "", tbl("t1", "x"), tbl("t2", "X"))}, false, "transferMapping.databases[0].tables[1]"},
		{"two databases' tables onto one", []model.DbObject{db("a", "m", tbl("t", "")), db("b", "m", tbl("t", ""))}, false, "transferMapping.databases[1].tables[0]"},
		{"two whole databases onto one", []model.DbObject{db("a", "m"), db("b", "M")}, false, "transferMapping.databases[1]"},
		{"a whole database and a table of another", []model.DbObject{db("b", "m", tbl("t", "")), db("a", "m")}, false, "transferMapping.databases[0]"},
		{"same table listed twice", []model.DbObject{db("a", "", tbl("t", ""), tbl("T", ""))}, false, ""},
		{"same server, renamed", []model.DbObject{db("a", "a_copy")}, true, ""},
		{"same server onto itself", []model.DbObject{db("a", "")}, true, "transferMapping.databases[0]"},
		{"same server, explicit same name", []model.DbObject{db("a", "A", tbl("t", "t2"))}, true, "transferMapping.databases[0]"},
		{"other server, same name", []model.DbObject{db("a", "")}, false, ""},
		{"patterns are resolved later", []model.DbObject{db("a*", "")}, true, ""},
	}
	for _, c := range cases {
		err := collisions("transferMapping.databases", c.dbs, c.same)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: refused: %v", c.what, err)
			}
			continue
		}
		e := errs.As(err)
		if err == nil || e.Code != errs.CodeParam || e.Params["field"] != c.field || e.Advice == "" {
			t.Errorf("%s: got %v (field %q), want PARAM_ERROR naming %s", c.what, err, e.Params["field"], c.field)
		} else if !strings.Contains(e.Message, c.field) {
			t.Errorf("%s: message %q does not name the field", c.what, e.Message)
		}
	}
}
