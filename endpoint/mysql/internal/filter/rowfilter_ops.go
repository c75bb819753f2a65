package filter

import (
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"

	"vitess.io/vitess/go/vt/sqlparser"
)

// rfCmp compares two non-NULL values: -1, 0, +1.
type rfCmp func(a, b rfVal) int

// comparator resolves MySQL's comparison type over operands xs (IN and BETWEEN aggregate over
// all of theirs) and returns the operands converted for it (string literals compared with
// dates become dates, hex literals become binary strings) and a comparator for the pair
// (xs[i], xs[j]) per operand types.
func (c *rfCompiler) comparator(text string, xs []*rfExpr) ([]*rfExpr, func(i, j int) rfCmp, error) {
	if c.table == nil {
		return xs, nil, nil
	}
	var kinds [rfHex + 1]int
	for _, x := range xs {
		kinds[x.t.kind]++
	}
	others := len(xs) - kinds[rfNull]
	out := append([]*rfExpr(nil), xs...)
	mixErr := func() error {
		var names []string
		for _, x := range xs {
			if x.t.kind != rfNull {
				names = append(names, fmt.Sprintf("%s (%s)", filterTrim(x.text), x.t.kind))
			}
		}
		return fmt.Errorf("%s compares %v: MySQL would convert between these types; compare values of one kind", filterTrim(text), names)
	}
	switch {
	case others == 0:
		return out, func(int, int) rfCmp { return func(rfVal, rfVal) int { return 0 } }, nil
	case kinds[rfInt]+kinds[rfDecimal]+kinds[rfDouble] == others:
		agg := rfInt
		if kinds[rfDouble] > 0 {
			agg = rfDouble
		} else if kinds[rfDecimal] > 0 {
			agg = rfDecimal
		}
		return out, func(i, j int) rfCmp { return rfNumCmp(agg, &out[i].t, &out[j].t) }, nil
	case kinds[rfString]+kinds[rfHex] == others:
		coll, err := rfAggregateCollation(text, xs)
		if err != nil {
			return nil, nil, err
		}
		pad := rfCollations[coll].pad
		return out, func(int, int) rfCmp { return func(a, b rfVal) int { return rfCompareStrings(a.s, b.s, pad) } }, nil
	case kinds[rfDate]+kinds[rfDatetime]+kinds[rfTime] > 0 && kinds[rfDate]+kinds[rfDatetime]+kinds[rfTime]+kinds[rfString] == others:
		agg := rfTime
		if kinds[rfTime] > 0 && kinds[rfTime] != kinds[rfDate]+kinds[rfDatetime]+kinds[rfTime] {
			return nil, nil, mixErr() // TIME against a date: MySQL adds the current date
		}
		if kinds[rfDatetime] > 0 {
			agg = rfDatetime
		} else if kinds[rfDate] > 0 {
			agg = rfDate
		}
		for i, x := range out {
			if x.t.kind != rfString {
				continue
			}
			if x.lit == nil || x.lit.Type != sqlparser.StrVal || x.t.coerc == rfExplicit {
				return nil, nil, mixErr()
			}
			var p int64
			var ok bool
			switch agg {
			case rfTime:
				p, ok = rfParseTime(x.lit.Val)
			case rfDate:
				p, ok = rfParseDatetime(x.lit.Val, false)
				ok = ok && len(x.lit.Val) == 10
			default:
				p, ok = rfParseDatetime(x.lit.Val, false)
			}
			if !ok {
				return nil, nil, fmt.Errorf("%s: %s is not a %s in canonical form (%s)", filterTrim(text), x.text, agg, rfTemporalForm(agg))
			}
			out[i] = rfConst(rfType{kind: agg}, rfVal{i: p}, x.text)
		}
		return out, func(int, int) rfCmp { return func(a, b rfVal) int { return cmp3(a.i, b.i) } }, nil
	}
	return nil, nil, mixErr()
}

func rfTemporalForm(k rfKind) string {
	switch k {
	case rfTime:
		return "'[-]HH:MM:SS[.ffffff]'"
	case rfDate:
		return "'YYYY-MM-DD'"
	}
	return "'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS[.ffffff]', UTC"
}

// rfNumCmp compares numbers of types a and b as agg.
func rfNumCmp(agg rfKind, a, b *rfType) rfCmp {
	switch agg {
	case rfInt:
		au, bu := a.unsigned, b.unsigned
		return func(x, y rfVal) int { return rfCompareInts(x, au, y, bu) }
	case rfDecimal:
		return func(x, y rfVal) int { return rfToRat(x, a).Cmp(rfToRat(y, b)) }
	}
	return func(x, y rfVal) int { return cmp3(rfToFloat(x, a), rfToFloat(y, b)) }
}

// rfAggregateCollation picks the collation of a string comparison like MySQL's collation
// aggregation, and refuses what it cannot evaluate exactly.
func rfAggregateCollation(text string, xs []*rfExpr) (string, error) {
	binary := false
	for _, x := range xs {
		if x.t.kind == rfHex || x.t.charset == "binary" {
			binary = true
		}
	}
	if binary {
		// A binary string makes the comparison binary (bytes, no padding). A non-binary column
		// or COLLATE on the other side would be reinterpreted by the server: refused.
		for _, x := range xs {
			if x.t.kind == rfString && x.t.charset != "binary" && x.t.coerc != rfCoercible {
				return "", fmt.Errorf("%s mixes a binary string with the character string %s; compare it with a binary value or a plain literal",
					filterTrim(text), filterTrim(x.text))
			}
		}
		return "binary", nil
	}
	best := rfCoercible + 1
	for _, x := range xs {
		if x.t.kind == rfString && x.t.coerc < best {
			best = x.t.coerc
		}
	}
	coll, why := "", ""
	for _, x := range xs {
		if x.t.kind != rfString || x.t.coerc != best {
			continue
		}
		name := x.t.coll
		if name == "" {
			why = fmt.Sprintf("%s: %s", filterTrim(x.text), x.t.collErr)
			continue
		}
		if coll != "" && coll != name {
			return "", fmt.Errorf("%s mixes the collations %s and %s", filterTrim(text), coll, name)
		}
		coll = name
	}
	if why != "" {
		return "", fmt.Errorf("%s compares strings under a collation the evaluator does not implement (%s); "+
			"compare under a binary collation instead, e.g. %s COLLATE utf8mb4_bin", filterTrim(text), why, rfFirstColumn(xs))
	}
	if best == rfCoercible {
		coll = rfConnCollation.name
	}
	return coll, nil
}

func rfFirstColumn(xs []*rfExpr) string {
	for _, x := range xs {
		if x.t.coerc == rfImplicit {
			return x.text
		}
	}
	return "column"
}

// comparison compiles =, <>, <, <=, >, >=, <=>, IN and NOT IN.
func (c *rfCompiler) comparison(n *sqlparser.ComparisonExpr, text string) (*rfExpr, error) {
	if n.Modifier != sqlparser.Missing || n.Escape != nil {
		return nil, fmt.Errorf("%s is not supported by the incremental filter evaluator", filterTrim(text))
	}
	op := n.Operator
	switch op {
	case sqlparser.EqualOp, sqlparser.NotEqualOp, sqlparser.LessThanOp, sqlparser.LessEqualOp,
		sqlparser.GreaterThanOp, sqlparser.GreaterEqualOp, sqlparser.NullSafeEqualOp:
	case sqlparser.InOp, sqlparser.NotInOp:
		return c.in(n, text)
	default:
		return nil, fmt.Errorf("%s: the operator %s is not supported by the incremental filter evaluator", filterTrim(text), op.ToString())
	}
	a, err := c.expr(n.Left)
	if err != nil {
		return nil, err
	}
	b, err := c.expr(n.Right)
	if err != nil {
		return nil, err
	}
	xs, cmpOf, err := c.comparator(text, []*rfExpr{a, b})
	if err != nil || cmpOf == nil {
		return &rfExpr{t: rfType{kind: rfInt}, text: text}, err
	}
	a, b = xs[0], xs[1]
	cmp := cmpOf(0, 1)
	return &rfExpr{t: rfType{kind: rfInt}, text: text, eval: func(env *rfEnv) (rfVal, error) {
		av, err := a.eval(env)
		if err != nil {
			return rfVal{}, err
		}
		bv, err := b.eval(env)
		if err != nil {
			return rfVal{}, err
		}
		if av.null || bv.null {
			if op == sqlparser.NullSafeEqualOp {
				return rfBool(av.null && bv.null), nil
			}
			return rfNullVal, nil
		}
		r := cmp(av, bv)
		switch op {
		case sqlparser.EqualOp, sqlparser.NullSafeEqualOp:
			return rfBool(r == 0), nil
		case sqlparser.NotEqualOp:
			return rfBool(r != 0), nil
		case sqlparser.LessThanOp:
			return rfBool(r < 0), nil
		case sqlparser.LessEqualOp:
			return rfBool(r <= 0), nil
		case sqlparser.GreaterThanOp:
			return rfBool(r > 0), nil
		default:
			return rfBool(r >= 0), nil
		}
	}}, nil
}

func (c *rfCompiler) in(n *sqlparser.ComparisonExpr, text string) (*rfExpr, error) {
	list, ok := n.Right.(sqlparser.ValTuple)
	if !ok {
		return nil, fmt.Errorf("%s: IN needs a list of values", filterTrim(text))
	}
	xs := make([]*rfExpr, 0, len(list)+1)
	for _, e := range append([]sqlparser.Expr{n.Left}, list...) {
		x, err := c.expr(e)
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	xs, cmpOf, err := c.comparator(text, xs)
	if err != nil || cmpOf == nil {
		return &rfExpr{t: rfType{kind: rfInt}, text: text}, err
	}
	cmps := make([]rfCmp, len(xs))
	for i := 1; i < len(xs); i++ {
		cmps[i] = cmpOf(0, i)
	}
	negate := n.Operator == sqlparser.NotInOp
	return &rfExpr{t: rfType{kind: rfInt}, text: text, eval: func(env *rfEnv) (rfVal, error) {
		v, err := xs[0].eval(env)
		if err != nil || v.null {
			return rfNullVal, err
		}
		sawNull := false
		for i := 1; i < len(xs); i++ {
			w, err := xs[i].eval(env)
			if err != nil {
				return rfVal{}, err
			}
			if w.null {
				sawNull = true
				continue
			}
			if cmps[i](v, w) == 0 {
				return rfBool(!negate), nil
			}
		}
		if sawNull {
			return rfNullVal, nil
		}
		return rfBool(negate), nil
	}}, nil
}

func (c *rfCompiler) between(n *sqlparser.BetweenExpr, text string) (*rfExpr, error) {
	var xs []*rfExpr
	for _, e := range []sqlparser.Expr{n.Left, n.From, n.To} {
		x, err := c.expr(e)
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	xs, cmpOf, err := c.comparator(text, xs)
	if err != nil || cmpOf == nil {
		return &rfExpr{t: rfType{kind: rfInt}, text: text}, err
	}
	lo, hi := cmpOf(0, 1), cmpOf(0, 2)
	negate := !n.IsBetween
	return &rfExpr{t: rfType{kind: rfInt}, text: text, eval: func(env *rfEnv) (rfVal, error) {
		var vs [3]rfVal
		for i, x := range xs {
			v, err := x.eval(env)
			if err != nil {
				return rfVal{}, err
			}
			vs[i] = v
		}
		if vs[0].null {
			return rfNullVal, nil
		}
		// (v >= from) AND (v <= to), three-valued; NOT BETWEEN is its negation.
		geKnown, leKnown := !vs[1].null, !vs[2].null
		ge := geKnown && lo(vs[0], vs[1]) >= 0
		le := leKnown && hi(vs[0], vs[2]) <= 0
		var res, known bool
		switch {
		case (geKnown && !ge) || (leKnown && !le):
			res, known = false, true
		case geKnown && leKnown:
			res, known = true, true
		}
		if !known {
			return rfNullVal, nil
		}
		return rfBool(res != negate), nil
	}}, nil
}

// negate compiles unary minus. A literal is folded like MySQL folds it (-9223372036854775808
// is a BIGINT, a larger magnitude a DECIMAL).
func (c *rfCompiler) negate(e sqlparser.Expr, text string) (*rfExpr, error) {
	a, err := c.expr(e)
	if err != nil {
		return nil, err
	}
	if c.table == nil {
		return a, nil
	}
	t := a.t
	switch t.kind {
	case rfNull:
		return a, nil
	case rfInt:
		if a.cval != nil {
			x := new(big.Int).Neg(rfToBig(*a.cval, t.unsigned))
			if v, err := rfFromBig(x, false); err == nil {
				return rfConst(rfType{kind: rfInt}, v, text), nil
			}
			return rfConst(rfType{kind: rfDecimal}, rfVal{d: new(big.Rat).SetInt(x)}, text), nil
		}
		return &rfExpr{t: rfType{kind: rfInt}, text: text, eval: func(env *rfEnv) (rfVal, error) {
			v, err := a.eval(env)
			if err != nil || v.null {
				return v, err
			}
			return rfFromBig(new(big.Int).Neg(rfToBig(v, t.unsigned)), false)
		}}, nil
	case rfDecimal:
		return &rfExpr{t: t, text: text, eval: func(env *rfEnv) (rfVal, error) {
			v, err := a.eval(env)
			if err != nil || v.null {
				return v, err
			}
			return rfVal{d: new(big.Rat).Neg(v.d)}, nil
		}}, nil
	case rfDouble:
		return &rfExpr{t: t, text: text, eval: func(env *rfEnv) (rfVal, error) {
			v, err := a.eval(env)
			if err != nil || v.null {
				return v, err
			}
			return rfVal{f: -v.f}, nil
		}}, nil
	}
	return nil, fmt.Errorf("%s: unary minus of a %s", filterTrim(text), t.kind)
}

// rfMaxDecimalDigits is MySQL's DECIMAL precision limit.
const rfMaxDecimalDigits = 65

// arith compiles +, -, *, /, DIV and %.
func (c *rfCompiler) arith(n *sqlparser.BinaryExpr, text string) (*rfExpr, error) {
	op := n.Operator
	switch op {
	case sqlparser.PlusOp, sqlparser.MinusOp, sqlparser.MultOp, sqlparser.DivOp, sqlparser.IntDivOp, sqlparser.ModOp:
	default:
		return nil, fmt.Errorf("%s: the operator %s is not supported by the incremental filter evaluator", filterTrim(text), op.ToString())
	}
	a, err := c.expr(n.Left)
	if err != nil {
		return nil, err
	}
	b, err := c.expr(n.Right)
	if err != nil {
		return nil, err
	}
	return c.arithOf(op, a, b, text)
}

func (c *rfCompiler) arithOf(op sqlparser.BinaryExprOperator, a, b *rfExpr, text string) (*rfExpr, error) {
	if c.table == nil {
		return a, nil
	}
	ta, tb := a.t, b.t
	if ta.kind == rfNull || tb.kind == rfNull {
		return rfConst(rfType{kind: rfInt}, rfNullVal, text), nil
	}
	if !ta.kind.numeric() || !tb.kind.numeric() {
		return nil, fmt.Errorf("%s: arithmetic on a %s and a %s is not supported", filterTrim(text), ta.kind, tb.kind)
	}
	both := func(f func(x, y rfVal) (rfVal, error)) func(*rfEnv) (rfVal, error) {
		return func(env *rfEnv) (rfVal, error) {
			x, err := a.eval(env)
			if err != nil {
				return rfVal{}, err
			}
			y, err := b.eval(env)
			if err != nil {
				return rfVal{}, err
			}
			if x.null || y.null {
				return rfNullVal, nil
			}
			return f(x, y)
		}
	}
	switch {
	case ta.kind == rfDouble || tb.kind == rfDouble:
		if op == sqlparser.IntDivOp || op == sqlparser.ModOp {
			return nil, fmt.Errorf("%s: DIV and %% on floating point are not supported", filterTrim(text))
		}
		return &rfExpr{t: rfType{kind: rfDouble}, text: text, eval: both(func(x, y rfVal) (rfVal, error) {
			p, q := rfToFloat(x, &ta), rfToFloat(y, &tb)
			var r float64
			switch op {
			case sqlparser.PlusOp:
				r = p + q
			case sqlparser.MinusOp:
				r = p - q
			case sqlparser.MultOp:
				r = p * q
			default:
				if q == 0 {
					return rfNullVal, nil
				}
				r = p / q
			}
			if math.IsInf(r, 0) || math.IsNaN(r) {
				return rfVal{}, fmt.Errorf("DOUBLE value is out of range in %s", filterTrim(text))
			}
			return rfVal{f: r}, nil
		})}, nil
	case ta.kind == rfDecimal || tb.kind == rfDecimal:
		scale := max(ta.scale, tb.scale)
		switch op {
		case sqlparser.DivOp, sqlparser.IntDivOp:
			return nil, fmt.Errorf("%s: / and DIV on decimals round (div_precision_increment) and are not supported; use * or compare without dividing", filterTrim(text))
		case sqlparser.MultOp:
			scale = ta.scale + tb.scale
			if scale > 30 {
				return nil, fmt.Errorf("%s: the product has %d decimals, more than MySQL keeps exactly", filterTrim(text), scale)
			}
		}
		return &rfExpr{t: rfType{kind: rfDecimal, scale: scale}, text: text, eval: both(func(x, y rfVal) (rfVal, error) {
			p, q := rfToRat(x, &ta), rfToRat(y, &tb)
			r := new(big.Rat)
			switch op {
			case sqlparser.PlusOp:
				r.Add(p, q)
			case sqlparser.MinusOp:
				r.Sub(p, q)
			case sqlparser.MultOp:
				r.Mul(p, q)
			default: // %: p - trunc(p/q)*q, the sign of p
				if q.Sign() == 0 {
					return rfNullVal, nil
				}
				quo := new(big.Rat).Quo(p, q)
				t := new(big.Int).Quo(quo.Num(), quo.Denom())
				r.Sub(p, new(big.Rat).Mul(new(big.Rat).SetInt(t), q))
			}
			if digits := len(new(big.Int).Abs(new(big.Int).Quo(r.Num(), r.Denom())).String()); digits+scale > rfMaxDecimalDigits {
				return rfVal{}, fmt.Errorf("DECIMAL value is out of range in %s", filterTrim(text))
			}
			return rfVal{d: r}, nil
		})}, nil
	}
	// Integers.
	if op == sqlparser.DivOp {
		return nil, fmt.Errorf("%s: / on integers yields a rounded decimal and is not supported; use DIV", filterTrim(text))
	}
	unsigned := ta.unsigned || tb.unsigned
	if op == sqlparser.ModOp {
		unsigned = ta.unsigned
	}
	return &rfExpr{t: rfType{kind: rfInt, unsigned: unsigned}, text: text, eval: both(func(x, y rfVal) (rfVal, error) {
		p, q := rfToBig(x, ta.unsigned), rfToBig(y, tb.unsigned)
		r := new(big.Int)
		switch op {
		case sqlparser.PlusOp:
			r.Add(p, q)
		case sqlparser.MinusOp:
			r.Sub(p, q)
		case sqlparser.MultOp:
			r.Mul(p, q)
		case sqlparser.IntDivOp:
			if q.Sign() == 0 {
				return rfNullVal, nil
			}
			r.Quo(p, q)
		default:
			if q.Sign() == 0 {
				return rfNullVal, nil
			}
			r.Rem(p, q)
		}
		v, err := rfFromBig(r, unsigned)
		if err != nil {
			return rfVal{}, fmt.Errorf("%w in %s", err, filterTrim(text))
		}
		return v, nil
	})}, nil
}

// function compiles the supported functions.
func (c *rfCompiler) function(n *sqlparser.FuncExpr, text string) (*rfExpr, error) {
	name := n.Name.Lowered()
	if !n.Qualifier.IsEmpty() || !rfFuncs[name] {
		return nil, fmt.Errorf("%s(): the function is not supported by the incremental filter evaluator (supported: ABS, MOD, IFNULL, COALESCE, ISNULL, LENGTH, OCTET_LENGTH, CHAR_LENGTH)", name)
	}
	var args []*rfExpr
	for _, e := range n.Exprs {
		x, err := c.expr(e)
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
	want := map[string]int{"abs": 1, "mod": 2, "ifnull": 2, "isnull": 1, "length": 1, "octet_length": 1, "char_length": 1, "character_length": 1}
	if k, ok := want[name]; (ok && len(args) != k) || (name == "coalesce" && len(args) == 0) {
		return nil, fmt.Errorf("%s: wrong number of arguments", filterTrim(text))
	}
	if c.table == nil {
		return &rfExpr{t: rfType{kind: rfInt}, text: text}, nil
	}
	intOf := func(f func(v rfVal) int64) *rfExpr {
		a := args[0]
		return &rfExpr{t: rfType{kind: rfInt}, text: text, eval: func(env *rfEnv) (rfVal, error) {
			v, err := a.eval(env)
			if err != nil || v.null {
				return v, err
			}
			return rfVal{i: f(v)}, nil
		}}
	}
	switch name {
	case "mod":
		return c.arithOf(sqlparser.ModOp, args[0], args[1], text)
	case "isnull":
		a := args[0]
		return &rfExpr{t: rfType{kind: rfInt}, text: text, eval: func(env *rfEnv) (rfVal, error) {
			v, err := a.eval(env)
			return rfBool(v.null), err
		}}, nil
	case "length", "octet_length", "char_length", "character_length":
		a := args[0]
		if a.t.kind == rfNull {
			return rfConst(rfType{kind: rfInt}, rfNullVal, text), nil
		}
		if a.t.kind != rfString && a.t.kind != rfHex {
			return nil, fmt.Errorf("%s: %s of a %s is not supported", filterTrim(text), name, a.t.kind)
		}
		if (name == "char_length" || name == "character_length") && a.t.charset != "binary" && a.t.kind != rfHex {
			return intOf(func(v rfVal) int64 { return int64(utf8.RuneCount(v.s)) }), nil
		}
		return intOf(func(v rfVal) int64 { return int64(len(v.s)) }), nil
	case "abs":
		a := args[0]
		switch a.t.kind {
		case rfNull:
			return a, nil
		case rfInt:
			t := a.t
			return &rfExpr{t: t, text: text, eval: func(env *rfEnv) (rfVal, error) {
				v, err := a.eval(env)
				if err != nil || v.null || t.unsigned || v.i >= 0 {
					return v, err
				}
				if v.i == math.MinInt64 {
					return rfVal{}, fmt.Errorf("BIGINT value is out of range in %s", filterTrim(text))
				}
				return rfVal{i: -v.i}, nil
			}}, nil
		case rfDecimal:
			return &rfExpr{t: a.t, text: text, eval: func(env *rfEnv) (rfVal, error) {
				v, err := a.eval(env)
				if err != nil || v.null {
					return v, err
				}
				return rfVal{d: new(big.Rat).Abs(v.d)}, nil
			}}, nil
		case rfDouble:
			return &rfExpr{t: a.t, text: text, eval: func(env *rfEnv) (rfVal, error) {
				v, err := a.eval(env)
				if err != nil || v.null {
					return v, err
				}
				return rfVal{f: math.Abs(v.f)}, nil
			}}, nil
		}
		return nil, fmt.Errorf("%s: ABS of a %s is not supported", filterTrim(text), a.t.kind)
	}
	// ifnull, coalesce: the first non-NULL argument; every argument of one type.
	var t *rfType
	for _, a := range args {
		if a.t.kind == rfNull {
			continue
		}
		if !(a.t.kind.numeric() || a.t.kind.temporal()) {
			return nil, fmt.Errorf("%s: %s of a %s is not supported", filterTrim(text), name, a.t.kind)
		}
		if t != nil && (t.kind != a.t.kind || t.unsigned != a.t.unsigned) {
			return nil, fmt.Errorf("%s: the arguments of %s must all be of one type (%s and %s)", filterTrim(text), name, t.kind, a.t.kind)
		}
		t = &a.t
	}
	if t == nil {
		return rfConst(rfType{kind: rfNull}, rfNullVal, text), nil
	}
	rt := *t
	rt.scale = 0
	for _, a := range args {
		rt.scale = max(rt.scale, a.t.scale)
	}
	return &rfExpr{t: rt, text: text, eval: func(env *rfEnv) (rfVal, error) {
		for _, a := range args {
			v, err := a.eval(env)
			if err != nil {
				return rfVal{}, err
			}
			if !v.null {
				return v, nil
			}
		}
		return rfNullVal, nil
	}}, nil
}
