package ddl

import (
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlparse"
)

// ddlAlterKinds returns the OMS DDL kinds of an ALTER TABLE, one per clause: from the
// vitess AST when it parses the statement, else from the leading keywords of each
// top-level clause in rest (the tokens after the table name).
func ddlAlterKinds(q string, rest []ddlTok) []string {
	if p, err := sqlparse.Parser(); err == nil {
		if stmt, err := p.ParseStrictDDL(q); err == nil {
			if at, ok := stmt.(*sqlparser.AlterTable); ok {
				return ddlVitessAlterKinds(at)
			}
		}
	}
	return ddlKeywordAlterKinds(rest)
}

func ddlVitessAlterKinds(at *sqlparser.AlterTable) []string {
	var kinds []string
	for _, o := range at.AlterOptions {
		switch x := o.(type) {
		case *sqlparser.AddColumns:
			kinds = append(kinds, "ADD_COLUMN")
		case *sqlparser.ModifyColumn:
			kinds = append(kinds, "MODIFY_COLUMN")
		case *sqlparser.ChangeColumn, *sqlparser.RenameColumn:
			kinds = append(kinds, "CHANGE_COLUMN")
		case *sqlparser.DropColumn:
			kinds = append(kinds, "DROP_COLUMN")
		case *sqlparser.AddIndexDefinition:
			kinds = append(kinds, "ADD_INDEX")
		case *sqlparser.DropKey:
			if x.Type == sqlparser.PrimaryKeyType || x.Type == sqlparser.NormalKeyType {
				kinds = append(kinds, "DROP_INDEX")
			} else {
				kinds = append(kinds, "ALTER_TABLE")
			}
		case *sqlparser.RenameIndex:
			kinds = append(kinds, "RENAME_INDEX")
		case *sqlparser.RenameTableName:
			kinds = append(kinds, "RENAME_TABLE")
		case sqlparser.AlgorithmValue, *sqlparser.LockOption:
			// execution options, not changes
		default:
			kinds = append(kinds, "ALTER_TABLE")
		}
	}
	if at.PartitionSpec != nil || at.PartitionOption != nil || len(kinds) == 0 {
		kinds = append(kinds, "ALTER_TABLE")
	}
	return kinds
}

// ddlKeywordAlterKinds classifies each top-level comma-separated clause by its leading
// words (the fallback for MariaDB syntax vitess does not parse: IF [NOT] EXISTS on
// columns and indexes, WAIT n, INVISIBLE, system versioning, …).
func ddlKeywordAlterKinds(rest []ddlTok) []string {
	var kinds []string
	var clause []ddlTok
	depth := 0
	flush := func() {
		if k := ddlClauseKind(clause); k != "" {
			kinds = append(kinds, k)
		}
		clause = clause[:0]
	}
	for i, t := range rest {
		switch {
		case t.is("("):
			depth++
		case t.is(")"):
			depth--
		case t.is(",") && depth == 0:
			flush()
			continue
		case t.is("WAIT") && len(clause) == 0 && i+1 < len(rest):
			continue // WAIT n / NOWAIT before the first clause
		case t.is("NOWAIT") && len(clause) == 0:
			continue
		}
		if len(clause) == 0 && t.kind == 'w' && t.val[0] >= '0' && t.val[0] <= '9' && i > 0 && rest[i-1].is("WAIT") {
			continue
		}
		clause = append(clause, t)
	}
	flush()
	if len(kinds) == 0 {
		kinds = append(kinds, "ALTER_TABLE")
	}
	return kinds
}

// ddlClauseKind classifies one ALTER TABLE clause; "" for execution options.
func ddlClauseKind(c []ddlTok) string {
	at := func(k int) ddlTok {
		if k < len(c) {
			return c[k]
		}
		return ddlTok{}
	}
	if len(c) == 0 || at(0).is(";") {
		return ""
	}
	// after skips an optional keyword at k and an optional IF [NOT] EXISTS.
	after := func(k int, opt string) int {
		if at(k).is(opt) {
			k++
		}
		if at(k).is("IF") {
			k++
			if at(k).is("NOT") {
				k++
			}
			if at(k).is("EXISTS") {
				k++
			}
		}
		return k
	}
	isIndexWord := func(t ddlTok) bool {
		return t.is("INDEX") || t.is("KEY") || t.is("UNIQUE") || t.is("FULLTEXT") || t.is("SPATIAL") || t.is("PRIMARY")
	}
	switch {
	case at(0).is("ALGORITHM"), at(0).is("LOCK"):
		return ""
	case at(0).is("ADD"):
		k := 1
		if at(k).is("CONSTRAINT") {
			k++
			if !isIndexWord(at(k)) && !at(k).is("FOREIGN") && !at(k).is("CHECK") {
				k++ // the constraint's symbol
			}
		}
		switch n := at(k); {
		case n.is("COLUMN"):
			return "ADD_COLUMN"
		case isIndexWord(n):
			return "ADD_INDEX"
		case n.is("FOREIGN"), n.is("CHECK"), n.is("PARTITION"), n.is("PERIOD"), n.is("SYSTEM"):
			return "ALTER_TABLE"
		case n.is("IF"), n.ident(), n.is("("):
			return "ADD_COLUMN"
		}
	case at(0).is("MODIFY"):
		return "MODIFY_COLUMN"
	case at(0).is("CHANGE"):
		return "CHANGE_COLUMN"
	case at(0).is("DROP"):
		n := at(1)
		switch {
		case n.is("COLUMN"):
			return "DROP_COLUMN"
		case n.is("INDEX"), n.is("KEY"), n.is("PRIMARY"):
			return "DROP_INDEX"
		case n.is("FOREIGN"), n.is("CONSTRAINT"), n.is("CHECK"), n.is("PARTITION"), n.is("SYSTEM"), n.is("PERIOD"):
			return "ALTER_TABLE"
		case n.is("IF"):
			if k := after(1, ""); at(k).ident() && !at(k).is("COLUMN") {
				return "DROP_COLUMN"
			}
			return "ALTER_TABLE"
		case n.ident():
			return "DROP_COLUMN"
		}
	case at(0).is("RENAME"):
		switch n := at(1); {
		case n.is("INDEX"), n.is("KEY"):
			return "RENAME_INDEX"
		case n.is("COLUMN"):
			return "CHANGE_COLUMN"
		default:
			return "RENAME_TABLE"
		}
	}
	return "ALTER_TABLE"
}

// ddlRenderView rewrites CREATE/ALTER VIEW through the vitess AST: the view name and every
// table in FROM clauses are mapped (each table keeps its old name as alias, so qualified
// column references still resolve), DEFINER is dropped (the target user may not exist).
// It returns the tables it found (view first) and ok=false when vitess cannot parse the
// statement or a name is not selected.
func ddlRenderView(q, def string, mapName func(schema, table string) (endpoint.TableName, bool)) (string, []endpoint.TableName, bool) {
	p, err := sqlparse.Parser()
	if err != nil {
		return "", nil, false
	}
	stmt, err := p.ParseStrictDDL(q)
	if err != nil {
		return "", nil, false
	}
	var viewName *sqlparser.TableName
	var sel sqlparser.SQLNode
	switch v := stmt.(type) {
	case *sqlparser.CreateView:
		viewName, sel, v.Definer = &v.ViewName, v.Select, nil
	case *sqlparser.AlterView:
		viewName, sel, v.Definer = &v.ViewName, v.Select, nil
	default:
		return "", nil, false
	}
	ok := true
	var tables []endpoint.TableName
	mapTN := func(tn sqlparser.TableName) sqlparser.TableName {
		src := endpoint.TableName{Schema: tn.Qualifier.String(), Name: tn.Name.String()}
		if src.Schema == "" {
			src.Schema = def
		}
		tables = append(tables, src)
		m, found := mapName(src.Schema, src.Name)
		if src.Schema == "" || !found || m.Schema == "" || m.Name == "" {
			ok = false
			return tn
		}
		return sqlparser.TableName{Name: sqlparser.NewIdentifierCS(m.Name), Qualifier: sqlparser.NewIdentifierCS(m.Schema)}
	}
	*viewName = mapTN(*viewName)
	sqlparser.Rewrite(sel, func(c *sqlparser.Cursor) bool {
		ate, isATE := c.Node().(*sqlparser.AliasedTableExpr)
		if !isATE {
			return true
		}
		if tn, isTN := ate.Expr.(sqlparser.TableName); isTN && !(tn.Qualifier.IsEmpty() && strings.EqualFold(tn.Name.String(), "dual")) {
			if ate.As.IsEmpty() {
				ate.As = sqlparser.NewIdentifierCS(tn.Name.String())
			}
			ate.Expr = mapTN(tn)
		}
		return true
	}, nil)
	if !ok {
		return "", tables, false
	}
	return sqlparser.CanonicalString(stmt), tables, true
}
