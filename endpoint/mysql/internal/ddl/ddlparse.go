package ddl

import (
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
)

// ddlMaxLen bounds the statements Translate analyses; longer ones are classified OTHER
// with no target (a DDL that long is a generated monster nobody should replay blindly).
const ddlMaxLen = 1 << 20

// Translate classifies a DDL statement read from a MySQL-family binlog and rewrites it for
// the target (the contract of endpoint.DDLTranslator.TranslateDDL, which package mysql
// implements with it).
//
// The statement is never re-rendered where exactness matters: Target is the original text
// with only the table-name tokens replaced by `schema`.`name` from mapName, so column
// definitions, defaults, charsets, comments, MariaDB-only syntax and executable comments
// stay byte for byte. Names are found by a small grammar walk over a comment-aware lexer
// for the statements that name tables (CREATE/ALTER/DROP/TRUNCATE/RENAME TABLE, CREATE/DROP
// INDEX, DROP VIEW, plus LIKE and REFERENCES targets). Views are the exception: their
// SELECT is rewritten through the vitess parser (FROM tables mapped and aliased to their
// old names, DEFINER dropped), and Target is "" when vitess cannot parse it. ALTER TABLE
// clause kinds come from vitess, with a keyword classifier for what it cannot parse.
//
// Database statements (CREATE/DROP DATABASE) report the database as a Tables entry with an
// empty Name and no Target. Unqualified names resolve against defaultSchema; with none,
// Target is "". Translate never fails; unknown statements are OTHER with no Target.
func Translate(defaultSchema, query string, mapName func(schema, table string) (endpoint.TableName, bool)) endpoint.DDLInfo {
	if len(query) > ddlMaxLen {
		return endpoint.DDLInfo{Kinds: []string{"OTHER"}}
	}
	w := &ddlWalk{q: query, toks: ddlLex(query), def: defaultSchema, safe: true}
	w.statement()
	info := endpoint.DDLInfo{Kinds: w.kinds}
	if len(info.Kinds) == 0 {
		info.Kinds = []string{"OTHER"}
	}
	for _, r := range w.refs {
		info.Tables = append(info.Tables, r.name)
	}
	switch {
	case w.view:
		target, tables, ok := ddlRenderView(query, defaultSchema, mapName)
		if len(tables) > 0 {
			info.Tables = tables
		}
		if ok {
			info.Target = target
		}
	case w.tableScoped && w.safe && len(w.refs) > 0:
		info.Target = w.rewrite(mapName)
	}
	return info
}

// ddlRef is one table name in the statement and its byte span.
type ddlRef struct {
	name       endpoint.TableName
	start, end int
}

// ddlWalk walks the tokens of one statement.
type ddlWalk struct {
	q    string
	toks []ddlTok
	i    int
	def  string

	kinds       []string
	refs        []ddlRef
	tableScoped bool // names tables: Target is produced by rewriting refs
	view        bool // CREATE/ALTER VIEW: Target is produced by ddlRenderView
	safe        bool // every table name was found: rewriting refs is complete
}

func (w *ddlWalk) peek(k int) ddlTok {
	if w.i+k < len(w.toks) {
		return w.toks[w.i+k]
	}
	return ddlTok{}
}

// accept consumes the keywords/punctuation seq if they come next.
func (w *ddlWalk) accept(seq ...string) bool {
	for k, s := range seq {
		if !w.peek(k).is(s) {
			return false
		}
	}
	w.i += len(seq)
	return true
}

// acceptAny consumes one of the keywords if it comes next and returns it upper-cased.
func (w *ddlWalk) acceptAny(words ...string) string {
	for _, s := range words {
		if w.accept(s) {
			return s
		}
	}
	return ""
}

func (w *ddlWalk) kind(k string) { w.kinds = append(w.kinds, k) }

// name reads a possibly qualified name (db.name) and records it as a table reference.
func (w *ddlWalk) name() bool {
	t := w.peek(0)
	if !t.ident() {
		w.safe = false
		return false
	}
	r := ddlRef{name: endpoint.TableName{Schema: w.def, Name: t.val}, start: t.start, end: t.end}
	w.i++
	if w.peek(0).is(".") && w.peek(1).ident() {
		r.name = endpoint.TableName{Schema: t.val, Name: w.peek(1).val}
		r.end = w.peek(1).end
		w.i += 2
	}
	w.refs = append(w.refs, r)
	return true
}

// skipViewPrefix skips ALGORITHM = x, DEFINER = user[@host] and SQL SECURITY x.
func (w *ddlWalk) skipViewPrefix() {
	for {
		switch {
		case w.accept("ALGORITHM", "="):
			w.i++
		case w.accept("DEFINER", "="):
			if w.accept("CURRENT_USER") {
				w.accept("(", ")")
				continue
			}
			w.i++
			if w.peek(0).is("@") {
				w.i += 2
			} else if t := w.peek(0); t.kind == 'w' && strings.HasPrefix(t.val, "@") {
				w.i++
			}
		case w.accept("SQL", "SECURITY"):
			w.i++
		default:
			return
		}
	}
}

func (w *ddlWalk) statement() {
	switch {
	case w.accept("CREATE"):
		w.accept("OR", "REPLACE")
		w.skipViewPrefix()
		w.accept("TEMPORARY")
		switch {
		case w.accept("TABLE"):
			w.accept("IF", "NOT", "EXISTS")
			w.tableScoped = true
			w.kind("CREATE_TABLE")
			if w.name() {
				w.scanRest(false)
			}
		case w.acceptAny("DATABASE", "SCHEMA") != "":
			w.kind("CREATE_DATABASE")
			w.database()
		case w.acceptAny("UNIQUE", "FULLTEXT", "SPATIAL") != "" && w.accept("INDEX"), w.accept("INDEX"):
			w.kind("CREATE_INDEX")
			w.tableScoped = true
			w.indexOn()
		case w.accept("VIEW"):
			w.kind("CREATE_VIEW")
			w.view = true
			w.accept("IF", "NOT", "EXISTS")
			w.name()
		}
	case w.accept("ALTER"):
		w.acceptAny("ONLINE", "OFFLINE")
		w.accept("IGNORE")
		w.skipViewPrefix()
		switch {
		case w.accept("TABLE"):
			w.accept("IF", "EXISTS")
			w.tableScoped = true
			if w.name() {
				w.kinds = append(w.kinds, ddlAlterKinds(w.q, w.toks[w.i:])...)
				w.scanRest(true)
			}
		case w.accept("VIEW"):
			w.kind("CREATE_VIEW")
			w.view = true
			w.name()
		}
	case w.accept("DROP"):
		w.accept("TEMPORARY")
		switch {
		case w.acceptAny("TABLE", "TABLES") != "":
			w.kind("DROP_TABLE")
			w.nameList()
		case w.accept("VIEW"):
			w.kind("DROP_VIEW")
			w.nameList()
		case w.acceptAny("DATABASE", "SCHEMA") != "":
			w.kind("DROP_DATABASE")
			w.database()
		case w.accept("INDEX"):
			w.kind("DROP_INDEX")
			w.tableScoped = true
			w.indexOn()
		}
	case w.accept("TRUNCATE"):
		w.accept("TABLE")
		w.kind("TRUNCATE")
		w.tableScoped = true
		w.name()
		w.end("WAIT", "NOWAIT")
	case w.accept("RENAME"):
		if w.acceptAny("TABLE", "TABLES") == "" {
			return
		}
		w.kind("RENAME_TABLE")
		w.tableScoped = true
		w.accept("IF", "EXISTS")
		w.skipWait()
		for {
			if !w.name() || !w.accept("TO") || !w.name() {
				w.safe = false
				return
			}
			if !w.accept(",") {
				break
			}
		}
		w.end()
	}
}

// database reads the database name of CREATE/DROP DATABASE.
func (w *ddlWalk) database() {
	w.accept("IF", "NOT", "EXISTS")
	w.accept("IF", "EXISTS")
	if t := w.peek(0); t.ident() {
		w.refs = append(w.refs, ddlRef{name: endpoint.TableName{Schema: t.val}})
	}
}

// indexOn reads "[IF [NOT] EXISTS] index [USING type] ON table" of CREATE/DROP INDEX.
func (w *ddlWalk) indexOn() {
	w.acceptAny("ONLINE", "OFFLINE")
	w.accept("IF", "NOT", "EXISTS")
	w.accept("IF", "EXISTS")
	if !w.peek(0).ident() {
		w.safe = false
		return
	}
	w.i++
	if w.accept("USING") {
		w.i++
	}
	if !w.accept("ON") || !w.name() {
		w.safe = false
		return
	}
	w.scanRest(false)
}

// nameList reads "[IF EXISTS] a, b, …" of DROP TABLE / DROP VIEW.
func (w *ddlWalk) nameList() {
	w.tableScoped = true
	w.accept("IF", "EXISTS")
	for w.name() && w.accept(",") {
	}
	w.end("RESTRICT", "CASCADE", "WAIT", "NOWAIT")
}

func (w *ddlWalk) skipWait() {
	if w.accept("WAIT") {
		w.i++
	}
	w.accept("NOWAIT")
}

// end marks the rewrite unsafe when anything but the allowed trailing words (and a WAIT
// count) follows.
func (w *ddlWalk) end(allowed ...string) {
	for ; w.i < len(w.toks); w.i++ {
		t := w.toks[w.i]
		ok := t.is(";")
		for _, a := range allowed {
			ok = ok || t.is(a)
		}
		if !ok && !(t.kind == 'w' && t.val[0] >= '0' && t.val[0] <= '9' && w.i > 0 && w.toks[w.i-1].is("WAIT")) {
			w.safe = false
			return
		}
	}
}

// scanRest finds the other table names in the rest of a CREATE/ALTER TABLE or CREATE INDEX:
// REFERENCES targets, LIKE sources and (alter) RENAME [TO|AS] targets. A SELECT (CREATE …
// SELECT) names tables the walk does not follow, so rewriting becomes unsafe.
func (w *ddlWalk) scanRest(alter bool) {
	depth := 0
	clauseStart := true
	for w.i < len(w.toks) {
		t := w.toks[w.i]
		switch {
		case t.is("("):
			depth++
			w.i++
			if depth == 1 && !alter && w.peek(0).is("LIKE") {
				w.i++
				w.name()
			}
			continue
		case t.is(")"):
			depth--
		case t.is(","):
			clauseStart = depth == 0
			w.i++
			continue
		case t.is("REFERENCES"):
			w.i++
			w.name()
			clauseStart = false
			continue
		case t.is("SELECT"):
			w.safe = false
		case depth == 0 && !alter && t.is("LIKE"):
			w.i++
			w.name()
			continue
		case depth == 0 && alter && clauseStart && t.is("RENAME"):
			n := w.peek(1)
			if !n.is("INDEX") && !n.is("KEY") && !n.is("COLUMN") {
				w.i++
				w.acceptAny("TO", "AS")
				w.name()
				clauseStart = false
				continue
			}
		}
		clauseStart = false
		w.i++
	}
}

// rewrite replaces every table name by its mapped, quoted name; "" when one is unmapped.
func (w *ddlWalk) rewrite(mapName func(schema, table string) (endpoint.TableName, bool)) string {
	var b strings.Builder
	last := 0
	for _, r := range w.refs {
		if r.name.Schema == "" {
			return ""
		}
		m, ok := mapName(r.name.Schema, r.name.Name)
		if !ok || m.Schema == "" || m.Name == "" {
			return ""
		}
		b.WriteString(w.q[last:r.start])
		b.WriteString(sqlval.QuoteTable(m.Schema, m.Name))
		last = r.end
	}
	b.WriteString(w.q[last:])
	return b.String()
}
