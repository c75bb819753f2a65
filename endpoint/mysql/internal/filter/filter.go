package filter

import (
	"fmt"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/godwit/godwit/endpoint/mysql/internal/sqlparse"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
)

// filterMaxLen bounds a row filter's length; longer input is rejected before parsing.
const filterMaxLen = 8192

// filterAdvice is shown with every rejected filter.
const filterAdvice = "Write one condition over this table's own columns, e.g. id > 100 AND status = 'paid'. " +
	"Subqueries, variables, comments, several statements and functions outside the allowed list are rejected."

// filterFuncs is the allow-list of plain function calls (lower-case) a filter may use.
// Special forms the parser models as their own nodes (NOW/CURDATE/CURRENT_TIMESTAMP,
// SUBSTRING, TRIM, DATE_ADD/DATE_SUB and INTERVAL arithmetic, CAST/CONVERT, EXTRACT) are
// allowed in filterCheckNode.
var filterFuncs = map[string]bool{
	"abs": true, "lower": true, "upper": true, "lcase": true, "ucase": true,
	"length": true, "char_length": true, "character_length": true, "octet_length": true,
	"date": true, "time": true, "year": true, "month": true, "day": true, "dayofmonth": true,
	"dayofweek": true, "dayofyear": true, "week": true, "weekday": true, "quarter": true,
	"hour": true, "minute": true, "second": true, "microsecond": true,
	"date_format": true, "str_to_date": true, "to_days": true, "from_days": true, "datediff": true,
	"unix_timestamp": true, "curdate": true, "curtime": true, "current_date": true, "current_time": true,
	"utc_date": true, "utc_time": true, "utc_timestamp": true, "from_unixtime": true, "last_day": true,
	"coalesce": true, "ifnull": true, "nullif": true, "if": true, "isnull": true,
	"concat": true, "concat_ws": true, "mod": true, "round": true, "truncate": true,
	"floor": true, "ceil": true, "ceiling": true, "sign": true,
	"ltrim": true, "rtrim": true, "left": true, "right": true, "substr": true, "substring_index": true,
	"replace": true, "reverse": true, "lpad": true, "rpad": true, "instr": true,
	"greatest": true, "least": true, "hex": true, "unhex": true, "md5": true, "sha1": true, "sha2": true,
	"crc32": true, "ascii": true, "ord": true, "bit_length": true,
}

// ValidateWhere (with cols nil: syntax and safety only, any bare column accepted) checks that where is a single boolean expression over the columns cols
// (unqualified, case-insensitive) that uses only literals, operators and allow-listed pure
// functions, and returns the expression re-rendered by the SQL parser: that text, never the
// user's, is what gets embedded in SQL. An empty or blank where yields "" and nil. Anything
// else — several statements, comments, subqueries, other tables, qualified or unknown columns,
// variables, placeholders, functions outside the allow-list — is rejected with an *errs.Error
// of code errs.CodeBadFilter and KindInvalid. It needs no server.
func ValidateWhere(cols []string, where string) (string, error) {
	if strings.TrimSpace(where) == "" {
		return "", nil
	}
	if len(where) > filterMaxLen {
		return "", filterErr(fmt.Sprintf("the filter is %d bytes long; at most %d are allowed", len(where), filterMaxLen))
	}
	p, err := sqlparse.Parser()
	if err != nil {
		return "", errs.As(err)
	}
	if err := filterScan(p, where); err != nil {
		return "", err
	}
	const prefix = "select 1 from t where "
	stmt, err := p.Parse("SELECT 1 FROM t WHERE " + where)
	if err != nil {
		return "", filterErr("it is not a valid SQL condition: " + filterTrim(err.Error())).Wrap(err)
	}
	sel, ok := stmt.(*sqlparser.Select)
	if !ok || sel.Where == nil || sel.Where.Expr == nil {
		return "", filterErr("it is not a single condition (set operations are not allowed)")
	}
	expr := sel.Where.Expr
	out := sqlparser.String(expr)
	// Anything the user appended after the condition (ORDER BY, LIMIT, FOR UPDATE, INTO, …)
	// shows up as a difference between the whole statement and the bare condition.
	if sqlparser.String(stmt) != prefix+out {
		return "", filterErr("it must be only a condition, without ORDER BY, LIMIT, GROUP BY, locking or other clauses")
	}
	var known map[string]bool // nil: syntax-only check, any bare column name is accepted
	if cols != nil {
		known = make(map[string]bool, len(cols))
		for _, c := range cols {
			known[strings.ToLower(c)] = true
		}
	}
	var bad error
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		if err := filterCheckNode(node, known); err != nil {
			bad = err
			return false, err
		}
		return true, nil
	}, expr)
	if bad != nil {
		return "", bad
	}
	if !filterIsBoolean(expr) {
		return "", filterErr(fmt.Sprintf("%q is not a condition; compare a column with a value", filterTrim(out)))
	}
	return out, nil
}

// filterScan rejects, token by token, what the parser would otherwise silently drop or
// reinterpret: comments (including MySQL /*! … */ version comments), statement separators and
// placeholders.
func filterScan(p *sqlparser.Parser, where string) error {
	tkn := p.NewStringTokenizer(where)
	tkn.SkipSpecialComments = true
	for {
		typ, val := tkn.Scan()
		switch typ {
		case 0:
			return nil
		case sqlparser.COMMENT:
			return filterErr("comments are not allowed in a filter")
		case ';':
			return filterErr("only one condition is allowed; ';' separates statements")
		case sqlparser.VALUE_ARG, sqlparser.LIST_ARG, sqlparser.OFFSET_ARG:
			return filterErr("placeholders are not allowed; write the value itself")
		case sqlparser.AT_ID, sqlparser.AT_AT_ID:
			return filterErr(fmt.Sprintf("variables (%s) are not allowed", filterTrim("@"+val)))
		case sqlparser.LEX_ERROR:
			return filterErr(fmt.Sprintf("it is not valid SQL near %q", filterTrim(val)))
		}
	}
}

// filterIsBoolean reports whether expr is a predicate at top level.
func filterIsBoolean(expr sqlparser.Expr) bool {
	switch expr.(type) {
	case *sqlparser.AndExpr, *sqlparser.OrExpr, *sqlparser.XorExpr, *sqlparser.NotExpr,
		*sqlparser.ComparisonExpr, *sqlparser.BetweenExpr, *sqlparser.IsExpr, sqlparser.BoolVal:
		return true
	}
	return false
}

// filterCheckNode is the node allow-list: every node of the expression must be one of these.
func filterCheckNode(node sqlparser.SQLNode, known map[string]bool) error {
	switch n := node.(type) {
	case *sqlparser.AndExpr, *sqlparser.OrExpr, *sqlparser.XorExpr, *sqlparser.NotExpr,
		*sqlparser.ComparisonExpr, *sqlparser.BetweenExpr, *sqlparser.IsExpr,
		*sqlparser.BinaryExpr, *sqlparser.UnaryExpr, *sqlparser.Literal, *sqlparser.NullVal,
		sqlparser.BoolVal, sqlparser.ValTuple, *sqlparser.CaseExpr, *sqlparser.When,
		*sqlparser.IntroducerExpr, *sqlparser.CollateExpr, *sqlparser.CurTimeFuncExpr,
		*sqlparser.SubstrExpr, *sqlparser.TrimFuncExpr, *sqlparser.IntervalDateExpr,
		*sqlparser.ExtractFuncExpr, *sqlparser.CastExpr, *sqlparser.ConvertExpr,
		*sqlparser.ConvertUsingExpr, *sqlparser.ConvertType, *sqlparser.LocateExpr,
		*sqlparser.TimestampDiffExpr, sqlparser.IdentifierCI, sqlparser.IdentifierCS,
		sqlparser.TableName:
		return nil
	case *sqlparser.ColName:
		name := n.Name.String()
		if !n.Qualifier.IsEmpty() {
			return filterErr(fmt.Sprintf("column %s is qualified; use the bare column name of this table",
				filterTrim(sqlparser.String(n))))
		}
		if known != nil && !known[strings.ToLower(name)] {
			return filterErr(fmt.Sprintf("unknown column %s", filterTrim(sqlval.QuoteIdent(name))))
		}
		return nil
	case *sqlparser.FuncExpr:
		if !n.Qualifier.IsEmpty() {
			return filterErr("stored functions are not allowed")
		}
		if !filterFuncs[n.Name.Lowered()] {
			return filterErr(fmt.Sprintf("function %s() is not allowed in a filter", filterTrim(n.Name.Lowered())))
		}
		return nil
	case *sqlparser.Subquery, *sqlparser.ExistsExpr:
		return filterErr("subqueries are not allowed in a filter")
	case *sqlparser.Variable:
		return filterErr("variables are not allowed in a filter")
	case *sqlparser.Argument, sqlparser.ListArg:
		return filterErr("placeholders are not allowed; write the value itself")
	case sqlparser.Expr:
		return filterErr(fmt.Sprintf("%s is not allowed in a filter", filterTrim(sqlparser.String(n))))
	default:
		return filterErr(fmt.Sprintf("the construct %T is not allowed in a filter", node))
	}
}

// filterTrim shortens s for an error message.
func filterTrim(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

func filterErr(problem string) *errs.Error {
	return errs.New(errs.KindInvalid, errs.CodeBadFilter, "invalid row filter: "+problem, filterAdvice)
}
