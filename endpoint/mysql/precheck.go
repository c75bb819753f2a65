package mysql

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.Prechecker = (*Endpoint)(nil)

// pcDestPrivs are the privileges a target database needs: create and fill tables, add
// indexes, truncate (DROP) and verify.
var pcDestPrivs = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "INDEX", "DROP"}

// Precheck inspects the server for the role req describes and returns one item per check.
// Checks that fail are items (FAILED or ALARM), not errors; the error is non-nil only when
// the server cannot be reached or queried. Items, by name (prefix Source or Dest per side):
// DbConnectivity, DbVersion, DbPrivileges; for a source also TablesExist and TablesWithoutKey,
// and with NeedChangeLog (the source with incremental sync, the target with reverse sync) DbServerId, DbBinlog, DbBinlogFormat, DbBinlogRowImage,
// DbBinlogRowMetadata, DbBinlogRetention, DbGtid; for a destination TablesExist (ALARM when
// the existing tables are empty, FAILED when they hold rows; the caller decides whether a
// non-empty target is allowed; FAILED and not skippable when a name is taken by a view, a
// sequence or another object that is not a base table), DbLocalInfile and DbSqlMode.
func (e *Endpoint) Precheck(ctx context.Context, req endpoint.PrecheckRequest) ([]endpoint.CheckItem, error) {
	side := strings.ToUpper(req.Side)
	if side != "DEST" {
		side = "SOURCE"
	}
	pre := "Source"
	if side == "DEST" {
		pre = "Dest"
	}
	var items []endpoint.CheckItem
	add := func(name string, st endpoint.CheckStatus, skippable bool, msg, advice string) {
		items = append(items, endpoint.CheckItem{Name: pre + name, Side: side, Status: st,
			Message: msg, Advice: advice, Skippable: skippable})
	}
	if err := e.Ping(ctx); err != nil {
		return nil, err
	}
	add("DbConnectivity", endpoint.CheckPassed, false, "connected to "+e.ds.Host+":"+strconv.Itoa(e.ds.Port), "")
	vars, err := e.pcVariables(ctx)
	if err != nil {
		return nil, err
	}
	e.pcVersion(add)
	if err := e.pcPrivileges(ctx, req, side, add); err != nil {
		return nil, err
	}
	if side == "SOURCE" {
		if err := e.pcSourceTables(ctx, req.Tables, add); err != nil {
			return nil, err
		}
		if req.NeedChangeLog {
			pcBinlog(vars, e.mariadb, add)
		}
		return items, nil
	}
	if err := e.pcDestTables(ctx, req.Tables, add); err != nil {
		return nil, err
	}
	if req.NeedChangeLog { // reverse sync captures the target's log
		pcBinlog(vars, e.mariadb, add)
	}
	if strings.EqualFold(vars["local_infile"], "ON") || vars["local_infile"] == "1" {
		add("DbLocalInfile", endpoint.CheckPassed, true, "local_infile is ON", "")
	} else {
		add("DbLocalInfile", endpoint.CheckAlarm, true, "local_infile is OFF: the full copy falls back to batched INSERTs",
			"SET GLOBAL local_infile = ON on the target for faster full copies.")
	}
	add("DbSqlMode", endpoint.CheckPassed, true, "global sql_mode is '"+vars["sql_mode"]+
		"'; godwit's sessions use "+strings.Trim(sessionSQLMode, "'"), "")
	return items, nil
}

type pcAdd func(name string, st endpoint.CheckStatus, skippable bool, msg, advice string)

// pcVariables reads the global variables.
func (e *Endpoint) pcVariables(ctx context.Context) (map[string]string, error) {
	rs, err := e.db.QueryContext(ctx, "SHOW GLOBAL VARIABLES")
	if err != nil {
		return nil, pcErr("read server variables", err)
	}
	defer rs.Close()
	vars := map[string]string{}
	for rs.Next() {
		var k, v string
		if err := rs.Scan(&k, &v); err != nil {
			return nil, pcErr("read server variables", err)
		}
		vars[strings.ToLower(k)] = v
	}
	if err := rs.Err(); err != nil {
		return nil, pcErr("read server variables", err)
	}
	return vars, nil
}

// pcVersion requires MariaDB 10.2+ or MySQL 5.7+.
func (e *Endpoint) pcVersion(add pcAdd) {
	major, minor := pcParseVersion(e.version)
	min, flavour := [2]int{5, 7}, "MySQL"
	if e.mariadb {
		min, flavour = [2]int{10, 2}, "MariaDB"
	}
	if major > min[0] || major == min[0] && minor >= min[1] {
		add("DbVersion", endpoint.CheckPassed, false, flavour+" "+e.version+" is supported", "")
		return
	}
	add("DbVersion", endpoint.CheckFailed, false,
		fmt.Sprintf("%s %s is not supported (need %d.%d or later)", flavour, e.version, min[0], min[1]),
		"Upgrade the server before migrating.")
}

func pcParseVersion(v string) (int, int) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0
	}
	lead := func(s string) int {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		n, _ := strconv.Atoi(s[:i])
		return n
	}
	return lead(parts[0]), lead(parts[1])
}

// pcPrivileges parses SHOW GRANTS for the current user.
func (e *Endpoint) pcPrivileges(ctx context.Context, req endpoint.PrecheckRequest, side string, add pcAdd) error {
	lines, err := e.srStrings(ctx, "read grants", "SHOW GRANTS")
	if err != nil {
		return err
	}
	g := pcParseGrants(lines)
	var missing []string
	dbs := map[string]bool{}
	for _, d := range req.Databases {
		dbs[d] = true
	}
	for _, t := range req.Tables {
		dbs[t.Schema] = true
	}
	names := pcSorted(dbs)
	if side == "SOURCE" {
		for _, db := range names {
			if g.has("SELECT", db, "") {
				continue
			}
			for _, t := range req.Tables {
				if t.Schema == db && !g.has("SELECT", db, t.Name) {
					missing = append(missing, "SELECT on "+db+"."+t.Name)
				}
			}
			if len(req.Tables) == 0 {
				missing = append(missing, "SELECT on "+db)
			}
		}
		if req.NeedChangeLog {
			for _, p := range []string{"REPLICATION SLAVE", "REPLICATION CLIENT"} {
				if !g.hasGlobal(p) {
					missing = append(missing, p+" on *.*")
				}
			}
		}
	} else {
		for _, db := range names {
			for _, p := range pcDestPrivs {
				if !g.has(p, db, "") {
					missing = append(missing, p+" on "+db)
				}
			}
		}
	}
	if len(missing) == 0 {
		add("DbPrivileges", endpoint.CheckPassed, true, "the user has the privileges godwit needs", "")
		return nil
	}
	add("DbPrivileges", endpoint.CheckFailed, true, "missing privileges: "+pcList(missing),
		"GRANT the listed privileges to the migration user. If they come through a role, skip this item.")
	return nil
}

// pcSourceTables checks that the source tables exist and have a primary or unique key.
func (e *Endpoint) pcSourceTables(ctx context.Context, tables []schema.Table, add pcAdd) error {
	if len(tables) == 0 {
		return nil
	}
	var missing, nokey []string
	for i := range tables {
		t := &tables[i]
		if len(t.Columns) == 0 {
			rt, err := e.ReadTable(ctx, t.Schema, t.Name)
			if err != nil {
				if errs.As(err).Kind == errs.KindNotFound {
					missing = append(missing, t.Schema+"."+t.Name)
					continue
				}
				return err
			}
			t = rt
		}
		if t.KeyColumns() == nil {
			nokey = append(nokey, t.Schema+"."+t.Name)
		}
	}
	if len(missing) > 0 {
		add("TablesExist", endpoint.CheckFailed, false, "tables not found: "+pcList(missing),
			"Remove them from the project or create them on the source.")
	} else {
		add("TablesExist", endpoint.CheckPassed, false, "all selected tables exist", "")
	}
	if len(nokey) > 0 {
		add("TablesWithoutKey", endpoint.CheckAlarm, true, "tables without a primary key or a NOT NULL unique key: "+pcList(nokey),
			"Add a primary key: without one, rows cannot be copied in chunks or replayed idempotently, and verification compares whole rows.")
	} else {
		add("TablesWithoutKey", endpoint.CheckPassed, true, "every selected table has a primary key or a NOT NULL unique key", "")
	}
	return nil
}

// pcDestTables reports target tables that already exist, and (FAILED, not skippable)
// target names that are taken by something other than a base table: rows written there
// would go through a view into its base tables, or into a sequence.
func (e *Endpoint) pcDestTables(ctx context.Context, tables []schema.Table, add pcAdd) error {
	var empty, full, other []string
	for _, t := range tables {
		k, err := e.ObjectKind(ctx, t.Schema, t.Name)
		if err != nil {
			return err
		}
		if k != endpoint.ObjectAbsent && !k.IsTable() {
			other = append(other, t.Schema+"."+t.Name+" ("+string(k)+")")
			continue
		}
		exists, rows, err := e.TableExists(ctx, t.Schema, t.Name)
		if err != nil {
			return err
		}
		switch {
		case rows:
			full = append(full, t.Schema+"."+t.Name)
		case exists:
			empty = append(empty, t.Schema+"."+t.Name)
		}
	}
	switch {
	case len(other) > 0:
		add("TablesExist", endpoint.CheckFailed, false, "target names are taken by objects that are not base tables: "+pcList(other),
			"Drop or rename these objects, or map the tables to other names: rows are written only into base tables.")
	case len(full) > 0:
		msg := "target tables already hold rows: " + pcList(full)
		if len(empty) > 0 {
			msg += "; empty target tables already exist: " + pcList(empty)
		}
		add("TablesExist", endpoint.CheckFailed, true, msg,
			"Empty or drop these tables, map to other names, or allow a non-empty target in the project.")
	case len(empty) > 0:
		add("TablesExist", endpoint.CheckAlarm, true, "empty target tables already exist and will be reused: "+pcList(empty),
			"Check that their structure matches the source, or drop them so godwit creates them.")
	default:
		add("TablesExist", endpoint.CheckPassed, true, "no target table exists yet", "")
	}
	return nil
}

// pcBinlog checks the binlog settings incremental sync depends on.
func pcBinlog(vars map[string]string, mariadb bool, add pcAdd) {
	want := func(name, key, value string, skippable bool, advice string) {
		got := vars[key]
		if strings.EqualFold(got, value) || value == "ON" && got == "1" {
			add(name, endpoint.CheckPassed, skippable, key+" is "+got, "")
			return
		}
		if got == "" {
			got = "not supported by this server"
		}
		add(name, endpoint.CheckFailed, skippable, key+" is "+got+", need "+value, advice)
	}
	if id := vars["server_id"]; id == "" || id == "0" {
		add("DbServerId", endpoint.CheckFailed, false, "server_id is 0: the server cannot serve its binlog",
			"Set server_id to a unique non-zero value and restart the server.")
	} else {
		add("DbServerId", endpoint.CheckPassed, false, "server_id is "+id, "")
	}
	want("DbBinlog", "log_bin", "ON", false, "Start the server with log_bin enabled (this needs a restart).")
	want("DbBinlogFormat", "binlog_format", "ROW", false, "SET GLOBAL binlog_format = 'ROW' and set it in the server configuration.")
	want("DbBinlogRowImage", "binlog_row_image", "FULL", false, "SET GLOBAL binlog_row_image = 'FULL' and set it in the server configuration.")
	want("DbBinlogRowMetadata", "binlog_row_metadata", "FULL", true,
		"SET GLOBAL binlog_row_metadata = 'FULL' (MySQL 8.0.1+, MariaDB 10.5+) so change events carry column names.")

	secs := pcFloat(vars["binlog_expire_logs_seconds"])
	if secs == 0 {
		secs = pcFloat(vars["expire_logs_days"]) * 86400
	}
	switch {
	case secs == 0:
		add("DbBinlogRetention", endpoint.CheckPassed, true, "binlogs are never purged automatically", "")
	case secs < 86400:
		add("DbBinlogRetention", endpoint.CheckAlarm, true,
			fmt.Sprintf("binlogs are kept only %.0f seconds", secs),
			"Keep binlogs at least one day (binlog_expire_logs_seconds >= 86400 or expire_logs_days >= 1) so a paused sync can resume.")
	default:
		add("DbBinlogRetention", endpoint.CheckPassed, true, fmt.Sprintf("binlogs are kept %.1f days", secs/86400), "")
	}
	if mariadb {
		add("DbGtid", endpoint.CheckPassed, true, "MariaDB GTID (domain "+vars["gtid_domain_id"]+
			", strict mode "+vars["gtid_strict_mode"]+") positions are used", "")
	} else if strings.EqualFold(vars["gtid_mode"], "ON") {
		add("DbGtid", endpoint.CheckPassed, true, "gtid_mode is ON: GTID positions are used", "")
	} else {
		add("DbGtid", endpoint.CheckAlarm, true, "gtid_mode is "+vars["gtid_mode"]+": binlog file positions are used",
			"Enable gtid_mode for positions that survive a failover of the source.")
	}
}

func pcFloat(s string) float64 {
	f, _ := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f
}

func pcSorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// pcList joins names for a message, listing at most 20.
func pcList(names []string) string {
	const max = 20
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
}

func pcErr(what string, err error) *errs.Error {
	return errs.New(errs.KindUnavailable, errs.CodePrecheckFailed, "precheck cannot "+what,
		"Check that the server is reachable and the user may run SHOW statements.").Wrap(err)
}

// pcGrants is the parsed output of SHOW GRANTS: privileges granted globally, per database
// pattern (LIKE wildcards, as MySQL stores them) and per table. Privileges come in upper
// case; "ALL" stands for ALL PRIVILEGES. Role grants are not resolved.
type pcGrants struct {
	global map[string]bool
	dbs    map[string]map[string]bool // db pattern → privileges
	tables map[string]map[string]bool // "db\x00table" → privileges
}

// pcParseGrants parses SHOW GRANTS lines. Lines it does not understand (role grants,
// PROXY, routine grants) are ignored.
func pcParseGrants(lines []string) *pcGrants {
	g := &pcGrants{global: map[string]bool{}, dbs: map[string]map[string]bool{}, tables: map[string]map[string]bool{}}
	for _, line := range lines {
		privs, obj, ok := pcSplitGrant(line)
		if !ok {
			continue
		}
		db, table, ok := pcParseObject(obj)
		if !ok {
			continue
		}
		var set map[string]bool
		switch {
		case db == "*":
			set = g.global
		case table == "*":
			if g.dbs[db] == nil {
				g.dbs[db] = map[string]bool{}
			}
			set = g.dbs[db]
		default:
			k := db + "\x00" + table
			if g.tables[k] == nil {
				g.tables[k] = map[string]bool{}
			}
			set = g.tables[k]
		}
		for _, p := range privs {
			set[p] = true
		}
	}
	return g
}

// pcSplitGrant splits "GRANT <privs> ON <object> TO …" into normalised privileges and the
// object text.
func pcSplitGrant(line string) ([]string, string, bool) {
	s := strings.TrimSpace(line)
	if len(s) < 6 || !strings.EqualFold(s[:6], "GRANT ") {
		return nil, "", false
	}
	s = s[6:]
	// Find " ON " outside parentheses (column lists) and quotes.
	depth, on := 0, -1
	var quote byte
	for i := 0; i < len(s) && on < 0; i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '`' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && i+4 <= len(s) && strings.EqualFold(s[i:i+4], " ON "):
			on = i
		}
	}
	if on < 0 {
		return nil, "", false
	}
	privText, rest := s[:on], strings.TrimSpace(s[on+4:])
	obj := rest
	if i := pcIndexFold(rest, " TO "); i >= 0 {
		obj = rest[:i]
	}
	obj = strings.TrimSpace(obj)
	if u := strings.ToUpper(obj); strings.HasPrefix(u, "FUNCTION ") || strings.HasPrefix(u, "PROCEDURE ") ||
		strings.HasPrefix(u, "PACKAGE ") {
		return nil, "", false
	}
	var privs []string
	for _, p := range pcSplitTop(privText) {
		p = strings.ToUpper(strings.Join(strings.Fields(p), " "))
		if strings.Contains(p, "(") {
			continue // column-level privilege: not enough for whole-table access
		}
		switch p {
		case "ALL", "ALL PRIVILEGES":
			p = "ALL"
		case "BINLOG MONITOR": // MariaDB 10.5+ name of REPLICATION CLIENT
			p = "REPLICATION CLIENT"
		}
		privs = append(privs, p)
	}
	return privs, obj, true
}

// pcSplitTop splits s at commas outside parentheses.
func pcSplitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func pcIndexFold(s, sub string) int {
	return strings.Index(strings.ToUpper(s), strings.ToUpper(sub))
}

// pcParseObject parses "*.*", "`db`.*", "`db`.`t`" (backticks optional) into db and table
// ("*" for a wildcard).
func pcParseObject(obj string) (db, table string, ok bool) {
	db, rest, ok := pcIdent(obj)
	if !ok || !strings.HasPrefix(rest, ".") {
		return "", "", false
	}
	table, rest, ok = pcIdent(rest[1:])
	if !ok || strings.TrimSpace(rest) != "" {
		return "", "", false
	}
	return db, table, true
}

// pcIdent reads one identifier (backticked, bare, or *) from the start of s.
func pcIdent(s string) (string, string, bool) {
	if s == "" {
		return "", "", false
	}
	if s[0] == '*' {
		return "*", s[1:], true
	}
	if s[0] == '`' {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] == '`' {
				if i+1 < len(s) && s[i+1] == '`' {
					b.WriteByte('`')
					i++
					continue
				}
				return b.String(), s[i+1:], true
			}
			b.WriteByte(s[i])
		}
		return "", "", false
	}
	i := strings.IndexAny(s, ". ")
	if i < 0 {
		i = len(s)
	}
	return s[:i], s[i:], i > 0
}

// has reports whether priv is granted on db.table (table "" means on the whole database).
func (g *pcGrants) has(priv, db, table string) bool {
	if g.global["ALL"] || g.global[priv] {
		return true
	}
	for pat, set := range g.dbs {
		if (set["ALL"] || set[priv]) && pcLike(db, pat) {
			return true
		}
	}
	if table != "" {
		set := g.tables[db+"\x00"+table]
		return set["ALL"] || set[priv]
	}
	return false
}

// hasGlobal reports whether priv is granted on *.*.
func (g *pcGrants) hasGlobal(priv string) bool { return g.global["ALL"] || g.global[priv] }

// pcLike matches s against a MySQL database-grant pattern: % any run, _ any one character,
// backslash escapes the next character.
func pcLike(s, pat string) bool {
	if pat == "" {
		return s == ""
	}
	switch pat[0] {
	case '%':
		for i := 0; i <= len(s); i++ {
			if pcLike(s[i:], pat[1:]) {
				return true
			}
		}
		return false
	case '_':
		return s != "" && pcLike(s[1:], pat[1:])
	case '\\':
		if len(pat) > 1 {
			return s != "" && s[0] == pat[1] && pcLike(s[1:], pat[2:])
		}
	}
	return s != "" && s[0] == pat[0] && pcLike(s[1:], pat[1:])
}
