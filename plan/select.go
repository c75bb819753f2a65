package plan

import (
	"path"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/model"
)

// Selector is the one table selection of godwit: for any source table name — listed in the
// catalog at resolution, or seen later in the change log (tables created after the project
// started) — it says whether a transfer mapping moves it and under which target name, with
// which column filter and row filter. Resolve, the replayer (capture filter, DDL name
// mapping) and the standalone verifier all select through it.
//
// Rules: the first databases[] entry whose name matches (exactly, case-insensitively, or as
// a wildcard pattern * ? [) and that selects the table decides; an entry with neither tables
// nor views lists every table (restricted by tableAndViewWhiteList in WILDCARD mode); an
// entry that lists tables selects those only. databasesBlack tables and
// tableAndViewBlackList patterns are never selected. A wildcard entry maps a database to
// itself unless the resolution recorded another name for it (a pattern matching exactly
// one database with a mappedName), see Selector.WithDatabases.
type Selector struct {
	tm    model.TransferMapping
	black map[string]bool
	dbs   map[string]string // lower source db → target db resolved for wildcard entries
}

// Selection is what the selector says about one source table.
type Selection struct {
	Target  endpoint.TableName
	Columns []string // filterColumns; nil = every column
	Where   string   // the whereClause as written (trimmed); "" = every row
}

// NewSelector returns the selector of a transfer mapping.
func NewSelector(tm model.TransferMapping) *Selector {
	s := &Selector{tm: tm, black: map[string]bool{}}
	for _, d := range tm.DatabasesBlack {
		for _, t := range d.Tables {
			s.black[strings.ToLower(d.Name+"."+t.Name)] = true
		}
	}
	return s
}

// WithDatabases returns a copy of s that maps the source databases of wildcard entries by
// dbs (lower-case source name → target name), as a resolution recorded them.
func (s *Selector) WithDatabases(dbs map[string]string) *Selector {
	c := *s
	c.dbs = dbs
	return &c
}

// Table resolves a source table; ok is false when the mapping does not move it.
func (s *Selector) Table(db, name string) (Selection, bool) {
	if s.black[strings.ToLower(db+"."+name)] || matchesAny(s.tm.TableAndViewBlackList, db, name) {
		return Selection{}, false
	}
	for _, d := range s.tm.Databases {
		dstDB, ok := s.database(d, db)
		if !ok {
			continue
		}
		if len(d.Tables) == 0 && len(d.Views) == 0 {
			if s.tm.Mode == "WILDCARD" && len(s.tm.TableAndViewWhiteList) > 0 && !matchesAny(s.tm.TableAndViewWhiteList, db, name) {
				continue
			}
			return Selection{Target: endpoint.TableName{Schema: dstDB, Name: name}}, true
		}
		for _, t := range d.Tables {
			if strings.EqualFold(t.Name, name) {
				return Selection{Target: endpoint.TableName{Schema: dstDB, Name: model.TargetName(name, t.MappedName)},
					Columns: t.FilterColumns, Where: strings.TrimSpace(t.WhereClause)}, true
			}
		}
	}
	return Selection{}, false
}

// View resolves a source view listed (or, for entries without lists, found) in database db.
func (s *Selector) View(db, name string) (endpoint.TableName, bool) {
	if s.black[strings.ToLower(db+"."+name)] || matchesAny(s.tm.TableAndViewBlackList, db, name) {
		return endpoint.TableName{}, false
	}
	for _, d := range s.tm.Databases {
		dstDB, ok := s.database(d, db)
		if !ok {
			continue
		}
		if len(d.Tables) == 0 && len(d.Views) == 0 {
			return endpoint.TableName{Schema: dstDB, Name: name}, true
		}
		for _, v := range d.Views {
			if strings.EqualFold(v.Name, name) {
				return endpoint.TableName{Schema: dstDB, Name: model.TargetName(name, v.MappedName)}, true
			}
		}
	}
	return endpoint.TableName{}, false
}

// database matches a source database against one mapping entry and returns its target name.
func (s *Selector) database(d model.DbObject, db string) (string, bool) {
	if IsPattern(d.Name) {
		if ok, _ := path.Match(strings.ToLower(d.Name), strings.ToLower(db)); !ok {
			return "", false
		}
		if m, ok := s.dbs[strings.ToLower(db)]; ok {
			return m, true
		}
		return db, true
	}
	if strings.EqualFold(d.Name, db) {
		return model.TargetName(db, d.MappedName), true
	}
	return "", false
}

// Want is the capture filter handed to a change reader.
func (s *Selector) Want(db, name string) bool {
	_, ok := s.Table(db, name)
	return ok
}

// MapName adapts Table to endpoint.DDLTranslator's callback.
func (s *Selector) MapName(db, name string) (endpoint.TableName, bool) {
	t, ok := s.Table(db, name)
	return t.Target, ok
}

// IsPattern reports whether a database name of a mapping is a wildcard pattern.
func IsPattern(name string) bool { return strings.ContainsAny(name, "*?[") }

func matchesAny(patterns []string, db, name string) bool {
	full := strings.ToLower(db + "." + name)
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" || p == "null" {
			continue
		}
		if ok, _ := path.Match(p, full); ok {
			return true
		}
	}
	return false
}

func matchAll(names []string, pattern string) []string {
	var out []string
	for _, n := range names {
		if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(n)); ok {
			out = append(out, n)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
