package filter

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlparse"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// Row filters evaluated in Go (incremental sync).
//
// The full copy lets the source server evaluate a whereClause; incremental sync must decide
// for every captured change whether its before and after images satisfy the filter, and does
// so in Go with CompileRowFilter. The evaluator implements MySQL/MariaDB semantics exactly for
// the subset below and refuses everything else (CodeBadFilter, KindInvalid), so a filter it
// accepts selects exactly the rows the server's WHERE selects. The subset:
//
//   - Columns of these types: integers (signed and unsigned), BIT, DECIMAL, FLOAT and DOUBLE
//     (not FLOAT(M,D)/DOUBLE(M,D)), DATE, DATETIME, TIMESTAMP, TIME, CHAR/VARCHAR/TEXT of
//     utf8mb4/utf8mb3, BINARY/VARBINARY/BLOB. Not YEAR, ENUM, SET, JSON, spatial types.
//   - Literals: integers, decimals (1.50, exact), floating point (1e3), strings ('…', optionally
//     _utf8mb4 or _binary), hex (X'…', 0x…; compared with strings only), TRUE/FALSE, NULL,
//     DATE'…', TIME'…', TIMESTAMP'…'.
//   - Comparisons =, <>, !=, <, <=, >, >=, <=>, [NOT] IN (…), [NOT] BETWEEN … AND …, IS [NOT]
//     NULL, IS [NOT] TRUE/FALSE; AND, OR, XOR, NOT, !; arithmetic +, -, * (integers exact with
//     MySQL's range errors, decimals exact), / on floating point only, DIV and % (MOD) on
//     integers and % on decimals; unary minus.
//   - Functions ABS, MOD, IFNULL and COALESCE (arguments of one type), ISNULL, LENGTH,
//     OCTET_LENGTH, CHAR_LENGTH, CHARACTER_LENGTH.
//
// Type rules are MySQL's: numbers compare as integers, exact decimals, or doubles when any
// operand is floating point (IN and BETWEEN aggregate over all their operands); NULL is
// three-valued. Strings compare by the collation MySQL would pick (COLLATE, else the column's,
// else the session's utf8mb4_bin), and only byte-ordered collations are evaluated: binary,
// utf8mb4_bin / utf8mb3_bin (PAD SPACE), utf8mb4_nopad_bin, utf8mb3_nopad_bin,
// utf8mb4_0900_bin (NO PAD). A comparison under any other collation (e.g. utf8mb4_general_ci)
// is refused; write col COLLATE utf8mb4_bin = 'x' to compare bytes. Dates and times compare
// as temporal values; a string literal compared with one must be in canonical form
// ('YYYY-MM-DD' for DATE; that or 'YYYY-MM-DD HH:MM:SS[.ffffff]' for DATETIME/TIMESTAMP, in
// UTC; '[-]HH:MM:SS[.ffffff]' for TIME). Numbers never compare with strings or dates (MySQL
// would convert through double). Nothing non-deterministic (NOW(), RAND()) is accepted.

// rfFuncs are the functions the evaluator implements (lower case).
var rfFuncs = map[string]bool{
	"abs": true, "mod": true, "ifnull": true, "coalesce": true, "isnull": true,
	"length": true, "octet_length": true, "char_length": true, "character_length": true,
}

const rfAdvice = "Incremental sync evaluates row filters in godwit and accepts only what it evaluates exactly: " +
	"comparisons, IN, BETWEEN, IS NULL, AND/OR/NOT/XOR and integer/decimal arithmetic over integer, decimal, float, " +
	"date/time and utf8mb4 string columns; compare strings under a binary collation (name COLLATE utf8mb4_bin = 'x'). " +
	"Rewrite the filter, or run the project without enableIncrTransfer. See README.md, \"Row filters\"."

// CompileRowFilter compiles where (validated as by ValidateWhere over t's columns) into a
// predicate evaluated in Go with the server's semantics (see the comment at the top of this
// file). Filters outside the supported subset fail with CodeBadFilter, KindInvalid, naming
// the table and the construct. An empty where yields a nil filter and nil.
func CompileRowFilter(t *schema.Table, where string) (endpoint.RowFilter, error) {
	expr, rendered, err := rfParse(t.ColumnNames(), where)
	if err != nil {
		return nil, rfTableErr(t, where, err)
	}
	if expr == nil {
		return nil, nil
	}
	c := &rfCompiler{table: t, slots: map[string]int{}}
	root, err := c.expr(expr)
	if err == nil {
		err = c.truthy(root, "the filter")
	}
	if err != nil {
		return nil, rfTableErr(t, rendered, err)
	}
	return &rowFilter{root: root, cols: c.cols, rendered: rendered}, nil
}

// CheckRowFilterSyntax checks, without a table, that where uses only constructs the Go
// evaluator implements (types are checked by CompileRowFilter once the columns are known).
func CheckRowFilterSyntax(where string) error {
	expr, rendered, err := rfParse(nil, where)
	if err != nil || expr == nil {
		return err
	}
	c := &rfCompiler{slots: map[string]int{}}
	if _, err := c.expr(expr); err != nil {
		return errs.New(errs.KindInvalid, errs.CodeBadFilter,
			fmt.Sprintf("row filter %q cannot be used with incremental sync: %s", filterTrim(rendered), err.Error()), rfAdvice).
			With("filter", rendered)
	}
	return nil
}

// rfParse validates where like RenderFilter and parses the re-rendered text (the very text the
// copy sends to the server). It returns nil for an empty filter.
func rfParse(cols []string, where string) (sqlparser.Expr, string, error) {
	rendered, err := ValidateWhere(cols, where)
	if err != nil || rendered == "" {
		return nil, "", err
	}
	p, err := sqlparse.Parser()
	if err != nil {
		return nil, "", err
	}
	stmt, err := p.Parse("SELECT 1 FROM t WHERE " + rendered)
	if err != nil {
		return nil, "", filterErr("the re-rendered filter does not parse: " + err.Error())
	}
	return stmt.(*sqlparser.Select).Where.Expr, rendered, nil
}

func rfTableErr(t *schema.Table, where string, err error) error {
	if e, ok := err.(*errs.Error); ok && e.Code == errs.CodeBadFilter {
		return e.With("table", t.Schema+"."+t.Name)
	}
	return errs.New(errs.KindInvalid, errs.CodeBadFilter,
		fmt.Sprintf("row filter %q of %s.%s cannot be used with incremental sync: %s", filterTrim(where), t.Schema, t.Name, err.Error()),
		rfAdvice).With("table", t.Schema+"."+t.Name).With("filter", where)
}

// rowFilter is a compiled filter; immutable, safe for concurrent use.
type rowFilter struct {
	root     *rfExpr
	cols     []rfColRef // by slot
	rendered string
}

type rfColRef struct {
	name string
	t    rfType
	dt   string
}

// Bind implements endpoint.RowFilter.
func (f *rowFilter) Bind(cols []string) (func(change.Row) (bool, error), error) {
	pos := make([]int, len(f.cols))
	for s, c := range f.cols {
		pos[s] = -1
		for i, n := range cols {
			if strings.EqualFold(n, c.name) {
				pos[s] = i
				break
			}
		}
		if pos[s] < 0 {
			return nil, fmt.Errorf("the change's row image has no column %s, which the row filter %q uses", c.name, filterTrim(f.rendered))
		}
	}
	return func(r change.Row) (bool, error) {
		env := &rfEnv{row: r, pos: pos, cols: f.cols}
		v, err := f.root.eval(env)
		if err != nil {
			return false, fmt.Errorf("evaluating the row filter %q: %w", filterTrim(f.rendered), err)
		}
		t, known := rfTruth(v, &f.root.t)
		return known && t, nil
	}, nil
}

// String is the re-rendered filter.
func (f *rowFilter) String() string { return f.rendered }

type rfEnv struct {
	row  change.Row
	pos  []int
	cols []rfColRef
}

// rfExpr is one compiled expression: its static type and its evaluation.
type rfExpr struct {
	t    rfType
	eval func(*rfEnv) (rfVal, error)
	lit  *sqlparser.Literal // set for string/hex/typed literals, converted by context
	hex  []byte             // decoded hex or _binary literal bytes
	cval *rfVal             // constant value (no column), when known at compile time
	text string             // the expression as rendered, for messages
}

// rfCompiler compiles one filter against one table (table nil: constructs only).
type rfCompiler struct {
	table *schema.Table
	cols  []rfColRef
	slots map[string]int
}

func rfConst(t rfType, v rfVal, text string) *rfExpr {
	return &rfExpr{t: t, cval: &v, text: text, eval: func(*rfEnv) (rfVal, error) { return v, nil }}
}

func (c *rfCompiler) expr(e sqlparser.Expr) (*rfExpr, error) {
	text := sqlparser.String(e)
	switch n := e.(type) {
	case *sqlparser.ColName:
		return c.column(n.Name.String(), text)
	case *sqlparser.Literal:
		return c.literal(n, text)
	case *sqlparser.NullVal:
		return rfConst(rfType{kind: rfNull}, rfNullVal, text), nil
	case sqlparser.BoolVal:
		return rfConst(rfType{kind: rfInt}, rfBool(bool(n)), text), nil
	case *sqlparser.IntroducerExpr:
		return c.introducer(n, text)
	case *sqlparser.CollateExpr:
		return c.collate(n, text)
	case *sqlparser.AndExpr:
		return c.logic(text, n.Left, n.Right, rfAnd)
	case *sqlparser.OrExpr:
		return c.logic(text, n.Left, n.Right, rfOr)
	case *sqlparser.XorExpr:
		return c.logic(text, n.Left, n.Right, rfXor)
	case *sqlparser.NotExpr:
		return c.not(n.Expr, text)
	case *sqlparser.UnaryExpr:
		switch n.Operator {
		case sqlparser.UPlusOp:
			return c.expr(n.Expr)
		case sqlparser.BangOp:
			return c.not(n.Expr, text)
		case sqlparser.UMinusOp:
			return c.negate(n.Expr, text)
		}
	case *sqlparser.BinaryExpr:
		return c.arith(n, text)
	case *sqlparser.ComparisonExpr:
		return c.comparison(n, text)
	case *sqlparser.BetweenExpr:
		return c.between(n, text)
	case *sqlparser.IsExpr:
		return c.is(n, text)
	case *sqlparser.FuncExpr:
		return c.function(n, text)
	}
	return nil, fmt.Errorf("%s is not supported by the incremental filter evaluator", filterTrim(text))
}

func (c *rfCompiler) column(name, text string) (*rfExpr, error) {
	if c.table == nil {
		return &rfExpr{t: rfType{kind: rfNull}, text: text, eval: func(*rfEnv) (rfVal, error) { return rfNullVal, nil }}, nil
	}
	col := c.table.Column(name)
	if col == nil {
		return nil, fmt.Errorf("unknown column %s", name)
	}
	t, why := rfColumnType(col)
	if why != "" {
		return nil, fmt.Errorf("column %s (%s): %s", col.Name, col.ColumnType, why)
	}
	slot, ok := c.slots[strings.ToLower(col.Name)]
	if !ok {
		slot = len(c.cols)
		c.slots[strings.ToLower(col.Name)] = slot
		c.cols = append(c.cols, rfColRef{name: col.Name, t: t, dt: col.DataType})
	}
	return &rfExpr{t: t, text: text, eval: func(env *rfEnv) (rfVal, error) {
		j := env.pos[slot]
		if j >= len(env.row) {
			return rfVal{}, fmt.Errorf("row image has %d values, column %s is at %d", len(env.row), env.cols[slot].name, j)
		}
		ref := &env.cols[slot]
		v, err := rfColumnValue(&ref.t, ref.dt, env.row[j])
		if err != nil {
			return rfVal{}, fmt.Errorf("column %s: %w", ref.name, err)
		}
		return v, nil
	}}, nil
}

func (c *rfCompiler) literal(n *sqlparser.Literal, text string) (*rfExpr, error) {
	switch n.Type {
	case sqlparser.StrVal:
		if !utf8.ValidString(n.Val) {
			return nil, fmt.Errorf("the string literal %s is not valid UTF-8", filterTrim(text))
		}
		x := rfConst(rfType{kind: rfString, coll: rfConnCollation.name, coerc: rfCoercible, charset: "utf8mb4"},
			rfVal{s: []byte(n.Val)}, text)
		x.lit = n
		return x, nil
	case sqlparser.IntVal:
		if v, err := strconv.ParseInt(n.Val, 10, 64); err == nil {
			return rfConst(rfType{kind: rfInt}, rfVal{i: v}, text), nil
		}
		if v, err := strconv.ParseUint(n.Val, 10, 64); err == nil {
			return rfConst(rfType{kind: rfInt, unsigned: true}, rfVal{u: v}, text), nil
		}
		d, ok := new(big.Rat).SetString(n.Val)
		if !ok {
			return nil, fmt.Errorf("bad integer %s", text)
		}
		return rfConst(rfType{kind: rfDecimal}, rfVal{d: d}, text), nil
	case sqlparser.DecimalVal:
		d, ok := new(big.Rat).SetString(n.Val)
		if !ok {
			return nil, fmt.Errorf("bad decimal %s", text)
		}
		scale := 0
		if _, frac, ok := strings.Cut(n.Val, "."); ok {
			scale = len(frac)
		}
		return rfConst(rfType{kind: rfDecimal, scale: scale}, rfVal{d: d}, text), nil
	case sqlparser.FloatVal:
		f, err := strconv.ParseFloat(n.Val, 64)
		if err != nil {
			return nil, fmt.Errorf("bad floating-point number %s", text)
		}
		return rfConst(rfType{kind: rfDouble}, rfVal{f: f}, text), nil
	case sqlparser.HexNum, sqlparser.HexVal:
		h := n.Val
		if n.Type == sqlparser.HexNum {
			h = strings.TrimPrefix(strings.TrimPrefix(h, "0x"), "0X")
			if len(h)%2 == 1 {
				h = "0" + h
			}
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("bad hex literal %s", text)
		}
		x := rfConst(rfType{kind: rfHex}, rfVal{s: b}, text)
		x.hex, x.lit = b, n
		return x, nil
	case sqlparser.DateVal:
		p, ok := rfParseDatetime(n.Val, false)
		if !ok || len(n.Val) != 10 {
			return nil, fmt.Errorf("%s is not a DATE literal in YYYY-MM-DD form", text)
		}
		return rfConst(rfType{kind: rfDate}, rfVal{i: p}, text), nil
	case sqlparser.TimestampVal:
		p, ok := rfParseDatetime(n.Val, false)
		if !ok || len(n.Val) < 19 {
			return nil, fmt.Errorf("%s is not a TIMESTAMP literal in YYYY-MM-DD HH:MM:SS[.ffffff] form", text)
		}
		return rfConst(rfType{kind: rfDatetime}, rfVal{i: p}, text), nil
	case sqlparser.TimeVal:
		p, ok := rfParseTime(n.Val)
		if !ok {
			return nil, fmt.Errorf("%s is not a TIME literal in [-]HH:MM:SS[.ffffff] form", text)
		}
		return rfConst(rfType{kind: rfTime}, rfVal{i: p}, text), nil
	}
	return nil, fmt.Errorf("the literal %s is not supported by the incremental filter evaluator", filterTrim(text))
}

func (c *rfCompiler) introducer(n *sqlparser.IntroducerExpr, text string) (*rfExpr, error) {
	lit, ok := n.Expr.(*sqlparser.Literal)
	cs := strings.ToLower(strings.TrimPrefix(n.CharacterSet, "_"))
	if !ok || (lit.Type != sqlparser.StrVal && lit.Type != sqlparser.HexVal && lit.Type != sqlparser.HexNum) ||
		(cs != "binary" && cs != "utf8mb4") {
		return nil, fmt.Errorf("%s: only _utf8mb4 and _binary string literals are supported", filterTrim(text))
	}
	x, err := c.literal(lit, text)
	if err != nil {
		return nil, err
	}
	if cs == "binary" {
		b := x.cval.s
		x = rfConst(rfType{kind: rfString, coll: "binary", coerc: rfCoercible, charset: "binary"}, rfVal{s: b}, text)
		x.hex = b
		return x, nil
	}
	if x.t.kind == rfHex {
		if !utf8.Valid(x.hex) {
			return nil, fmt.Errorf("%s is not valid UTF-8", filterTrim(text))
		}
		x = rfConst(rfType{kind: rfString, coll: rfConnCollation.name, coerc: rfCoercible, charset: "utf8mb4"}, rfVal{s: x.hex}, text)
	}
	return x, nil
}

func (c *rfCompiler) collate(n *sqlparser.CollateExpr, text string) (*rfExpr, error) {
	x, err := c.expr(n.Expr)
	if err != nil {
		return nil, err
	}
	k, ok := rfCollations[strings.ToLower(n.Collation)]
	if !ok {
		return nil, fmt.Errorf("%s: collation %s is not one the evaluator implements exactly (binary, utf8mb4_bin, utf8mb3_bin, utf8mb4_nopad_bin, utf8mb3_nopad_bin, utf8mb4_0900_bin)",
			filterTrim(text), n.Collation)
	}
	if c.table == nil {
		return x, nil
	}
	if x.t.kind != rfString {
		return nil, fmt.Errorf("%s: COLLATE applies to strings only", filterTrim(text))
	}
	if x.t.charset != k.charset {
		return nil, fmt.Errorf("%s: collation %s is not valid for character set %s", filterTrim(text), n.Collation, x.t.charset)
	}
	y := *x
	y.t.coll, y.t.collErr, y.t.coerc, y.text = k.name, "", rfExplicit, text
	return &y, nil
}

// truthy checks that x can be used as a condition (its truth value).
func (c *rfCompiler) truthy(x *rfExpr, where string) error {
	if c.table == nil || x.t.kind.numeric() || x.t.kind == rfNull {
		return nil
	}
	return fmt.Errorf("%s: %s is a %s, not a condition; compare it with a value", where, filterTrim(x.text), x.t.kind)
}

type rfLogicOp int

const (
	rfAnd rfLogicOp = iota
	rfOr
	rfXor
)

func (c *rfCompiler) logic(text string, l, r sqlparser.Expr, op rfLogicOp) (*rfExpr, error) {
	a, err := c.expr(l)
	if err != nil {
		return nil, err
	}
	b, err := c.expr(r)
	if err != nil {
		return nil, err
	}
	if err := c.truthy(a, "AND/OR/XOR"); err != nil {
		return nil, err
	}
	if err := c.truthy(b, "AND/OR/XOR"); err != nil {
		return nil, err
	}
	return &rfExpr{t: rfType{kind: rfInt}, text: text, eval: func(env *rfEnv) (rfVal, error) {
		av, err := a.eval(env)
		if err != nil {
			return rfVal{}, err
		}
		at, ak := rfTruth(av, &a.t)
		// MySQL short-circuits AND on FALSE and OR on TRUE: the other side is not evaluated
		// (so it cannot raise an error).
		if ak && ((op == rfAnd && !at) || (op == rfOr && at)) {
			return rfBool(at), nil
		}
		bv, err := b.eval(env)
		if err != nil {
			return rfVal{}, err
		}
		bt, bk := rfTruth(bv, &b.t)
		switch op {
		case rfAnd:
			if bk && !bt {
				return rfBool(false), nil
			}
			if ak && bk {
				return rfBool(true), nil
			}
		case rfOr:
			if bk && bt {
				return rfBool(true), nil
			}
			if ak && bk {
				return rfBool(false), nil
			}
		case rfXor:
			if ak && bk {
				return rfBool(at != bt), nil
			}
		}
		return rfNullVal, nil
	}}, nil
}

func (c *rfCompiler) not(e sqlparser.Expr, text string) (*rfExpr, error) {
	a, err := c.expr(e)
	if err != nil {
		return nil, err
	}
	if err := c.truthy(a, "NOT"); err != nil {
		return nil, err
	}
	return &rfExpr{t: rfType{kind: rfInt}, text: text, eval: func(env *rfEnv) (rfVal, error) {
		v, err := a.eval(env)
		if err != nil {
			return rfVal{}, err
		}
		t, known := rfTruth(v, &a.t)
		if !known {
			return rfNullVal, nil
		}
		return rfBool(!t), nil
	}}, nil
}

func (c *rfCompiler) is(n *sqlparser.IsExpr, text string) (*rfExpr, error) {
	a, err := c.expr(n.Left)
	if err != nil {
		return nil, err
	}
	op := n.Right
	if op != sqlparser.IsNullOp && op != sqlparser.IsNotNullOp {
		if err := c.truthy(a, "IS TRUE/FALSE"); err != nil {
			return nil, err
		}
	}
	return &rfExpr{t: rfType{kind: rfInt}, text: text, eval: func(env *rfEnv) (rfVal, error) {
		v, err := a.eval(env)
		if err != nil {
			return rfVal{}, err
		}
		switch op {
		case sqlparser.IsNullOp:
			return rfBool(v.null), nil
		case sqlparser.IsNotNullOp:
			return rfBool(!v.null), nil
		}
		t, known := rfTruth(v, &a.t)
		switch op {
		case sqlparser.IsTrueOp:
			return rfBool(known && t), nil
		case sqlparser.IsNotTrueOp:
			return rfBool(!(known && t)), nil
		case sqlparser.IsFalseOp:
			return rfBool(known && !t), nil
		default: // IsNotFalseOp
			return rfBool(!(known && !t)), nil
		}
	}}, nil
}
