package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.Prechecker = (*Endpoint)(nil)

// Precheck items, by name (prefix Dest; a source side returns one FAILED SourceDbRole item
// until the PostgreSQL source is built): DbConnectivity; DbVersion (12 or later: generated
// columns); DbEncoding (the database must be UTF8); DbPrivileges (CREATE on the database,
// or on every target schema that exists, and INSERT/UPDATE/DELETE/TRUNCATE on existing
// target tables); TypeMapping (FAILED naming every column that has no mapping, ALARM
// listing what is not reproduced — ON UPDATE clauses, FULLTEXT indexes, nullable zero-date
// columns); Collation (ALARM for case-insensitive source collations in keys: PostgreSQL
// compares case-sensitively).
func (e *Endpoint) Precheck(ctx context.Context, req endpoint.PrecheckRequest) ([]endpoint.CheckItem, error) {
	if !strings.EqualFold(req.Side, "DEST") {
		return []endpoint.CheckItem{{Name: "SourceDbRole", Side: "SOURCE", Status: endpoint.CheckFailed,
			Message: "PostgreSQL as a migration source is not supported yet by godwit",
			Advice:  "Use a MySQL-family source; PostgreSQL can be the target."}}, nil
	}
	var items []endpoint.CheckItem
	add := func(name string, st endpoint.CheckStatus, skippable bool, msg, advice string) {
		items = append(items, endpoint.CheckItem{Name: "Dest" + name, Side: "DEST", Status: st, Message: msg, Advice: advice, Skippable: skippable})
	}
	if err := e.Ping(ctx); err != nil {
		return nil, err
	}
	add("DbConnectivity", endpoint.CheckPassed, false, fmt.Sprintf("connected to %s:%d database %s", e.ds.Host, e.ds.Port, e.db), "")
	if e.num < 120000 {
		add("DbVersion", endpoint.CheckFailed, false, "PostgreSQL "+e.version+" is older than 12", "Use PostgreSQL 12 or later (generated columns, identity columns).")
	} else {
		add("DbVersion", endpoint.CheckPassed, false, "PostgreSQL "+strconv.Itoa(e.num/10000), "")
	}
	var enc string
	if err := e.pool.QueryRow(ctx, "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()").Scan(&enc); err != nil {
		return nil, readErr("reading the database encoding", err)
	}
	if enc != "UTF8" {
		add("DbEncoding", endpoint.CheckFailed, false, "database "+e.db+" has encoding "+enc+"; MySQL's utf8mb4 text needs UTF8",
			"Create the target database with ENCODING 'UTF8' (CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0).")
	} else {
		add("DbEncoding", endpoint.CheckPassed, false, "database "+e.db+" is UTF8", "")
	}
	if err := e.pcPrivileges(ctx, req.Tables, add); err != nil {
		return nil, err
	}
	var bad, notes, ci []string
	for i := range req.Tables {
		t := &req.Tables[i]
		if _, err := translateTable(t, e.m); err != nil {
			bad = append(bad, err.Error())
			continue
		}
		for _, n := range e.TableNotes(t) {
			notes = append(notes, t.Schema+"."+t.Name+": "+n)
		}
		for _, k := range t.KeyColumns() {
			if c := t.Column(k); c != nil && strings.HasSuffix(strings.ToLower(c.Collation), "_ci") {
				ci = append(ci, t.Schema+"."+t.Name+"."+c.Name+" ("+c.Collation+")")
			}
		}
	}
	switch {
	case len(bad) > 0:
		add("TypeMapping", endpoint.CheckFailed, false, "columns without a PostgreSQL mapping: "+strings.Join(bad, "; "),
			"Leave those columns out (filterColumns) or create the target tables yourself.")
	case len(notes) > 0:
		add("TypeMapping", endpoint.CheckAlarm, true, "not reproduced on PostgreSQL: "+clipList(notes), "See docs/POSTGRESQL.md for the type mapping.")
	default:
		add("TypeMapping", endpoint.CheckPassed, true, fmt.Sprintf("every column of %d tables has a PostgreSQL mapping", len(req.Tables)), "")
	}
	if len(ci) > 0 {
		add("Collation", endpoint.CheckAlarm, true, "key columns with case-insensitive collations compare case-sensitively on PostgreSQL: "+clipList(ci),
			"Values differing only in case stay distinct on the target; add a unique index on lower(column) if the application relies on it.")
	}
	return items, nil
}

func clipList(l []string) string {
	if len(l) > 10 {
		return strings.Join(l[:10], "; ") + fmt.Sprintf("; and %d more", len(l)-10)
	}
	return strings.Join(l, "; ")
}

func (e *Endpoint) pcPrivileges(ctx context.Context, tables []schema.Table, add func(string, endpoint.CheckStatus, bool, string, string)) error {
	var canCreate bool
	if err := e.pool.QueryRow(ctx, "SELECT has_database_privilege(current_user, current_database(), 'CREATE')").Scan(&canCreate); err != nil {
		return readErr("reading privileges", err)
	}
	var missing []string
	seen := map[string]bool{}
	for i := range tables {
		t := &tables[i]
		if !seen[t.Schema] {
			seen[t.Schema] = true
			var exists, ok bool
			if err := e.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1),
  COALESCE((SELECT has_schema_privilege(current_user, oid, 'CREATE') AND has_schema_privilege(current_user, oid, 'USAGE') FROM pg_namespace WHERE nspname = $1), false)`,
				t.Schema).Scan(&exists, &ok); err != nil {
				return readErr("reading privileges", err)
			}
			if (exists && !ok) || (!exists && !canCreate) {
				missing = append(missing, "CREATE/USAGE on schema "+t.Schema)
			}
		}
		k, err := e.ObjectKind(ctx, t.Schema, t.Name)
		if err != nil {
			return err
		}
		if k == endpoint.ObjectTable {
			var ok bool
			if err := e.pool.QueryRow(ctx, `SELECT bool_and(has_table_privilege(current_user, $1::regclass, p)) FROM unnest(ARRAY['INSERT','UPDATE','DELETE','TRUNCATE','SELECT']) p`,
				quoteTable(t.Schema, t.Name)).Scan(&ok); err != nil {
				return readErr("reading privileges", err)
			}
			if !ok {
				missing = append(missing, "INSERT, UPDATE, DELETE, TRUNCATE, SELECT on "+t.Schema+"."+t.Name)
			}
		}
	}
	if len(missing) > 0 {
		add("DbPrivileges", endpoint.CheckFailed, false, "user "+e.ds.User+" lacks "+clipList(missing),
			"GRANT CREATE ON DATABASE (or on the schemas) and the table privileges to the user, or use the tables' owner.")
	} else {
		add("DbPrivileges", endpoint.CheckPassed, false, "user "+e.ds.User+" may create the schemas and tables and write them", "")
	}
	return nil
}
