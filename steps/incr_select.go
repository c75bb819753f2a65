package steps

import (
	"path"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/model"
)

// selector answers, for any source table name seen in the change log (including tables
// created after the project started), whether the project moves it and under which target
// name. It applies the same rules as ResolveObjects: databases (exact or wildcard), their
// table lists (empty = every table), white list in WILDCARD mode, and black lists.
type selector struct {
	tm    model.TransferMapping
	black map[string]bool
}

func newSelector(p *model.Project) *selector {
	return &selector{tm: p.TransferMapping, black: blackList(p.TransferMapping)}
}

// table resolves a source table: the target name, its column filter (nil = all columns),
// its row filter (the whereClause, "" for none) and whether it is selected.
func (s *selector) table(db, name string) (endpoint.TableName, []string, string, bool) {
	if s.black[strings.ToLower(db+"."+name)] || matchesAny(s.tm.TableAndViewBlackList, db, name) {
		return endpoint.TableName{}, nil, "", false
	}
	for _, d := range s.tm.Databases {
		dstDB, ok := s.database(d, db)
		if !ok {
			continue
		}
		if len(d.Tables) == 0 && len(d.Views) == 0 {
			if s.tm.Mode == "WILDCARD" && len(s.tm.TableAndViewWhiteList) > 0 && !matchesAny(s.tm.TableAndViewWhiteList, db, name) {
				return endpoint.TableName{}, nil, "", false
			}
			return endpoint.TableName{Schema: dstDB, Name: name}, nil, "", true
		}
		for _, t := range d.Tables {
			if strings.EqualFold(t.Name, name) {
				return endpoint.TableName{Schema: dstDB, Name: model.TargetName(name, t.MappedName)}, t.FilterColumns, strings.TrimSpace(t.WhereClause), true
			}
		}
		return endpoint.TableName{}, nil, "", false
	}
	return endpoint.TableName{}, nil, "", false
}

// database matches a source database against one mapping entry and returns its target name.
func (s *selector) database(d model.DbObject, db string) (string, bool) {
	if strings.ContainsAny(d.Name, "*?[") {
		if ok, _ := path.Match(strings.ToLower(d.Name), strings.ToLower(db)); ok {
			return db, true
		}
		return "", false
	}
	if strings.EqualFold(d.Name, db) {
		return model.TargetName(db, d.MappedName), true
	}
	return "", false
}

// want is the capture filter handed to the change reader.
func (s *selector) want(db, name string) bool {
	_, _, _, ok := s.table(db, name)
	return ok
}

// mapName adapts table to endpoint.DDLTranslator's callback.
func (s *selector) mapName(db, name string) (endpoint.TableName, bool) {
	t, _, _, ok := s.table(db, name)
	return t, ok
}
