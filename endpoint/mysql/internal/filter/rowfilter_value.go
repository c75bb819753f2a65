package filter

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/godwit/godwit/schema"
)

// rfKind is the static type class of a row-filter expression, as MySQL's comparison rules
// see it.
type rfKind uint8

const (
	rfNull     rfKind = iota // the NULL literal (no type)
	rfInt                    // integers, BIT, booleans (comparison results)
	rfDecimal                // exact decimals
	rfDouble                 // FLOAT, DOUBLE and 1e3-style literals
	rfString                 // character or binary strings (see rfType.coll)
	rfDate                   // DATE
	rfDatetime               // DATETIME, TIMESTAMP (values in UTC: the session time zone is +00:00)
	rfTime                   // TIME
	rfHex                    // a hex literal, a binary string or a number by context (resolved at compile time)
)

func (k rfKind) String() string {
	return [...]string{"NULL", "integer", "decimal", "floating-point", "string", "date", "datetime", "time", "hex literal"}[k]
}

func (k rfKind) numeric() bool  { return k == rfInt || k == rfDecimal || k == rfDouble }
func (k rfKind) temporal() bool { return k == rfDate || k == rfDatetime || k == rfTime }

// Coercibility of a string operand (MySQL's derivation): lower wins.
const (
	rfExplicit  = 0 // COLLATE
	rfImplicit  = 2 // a column
	rfCoercible = 4 // a literal
)

// rfCollation is a collation the evaluator implements exactly. Every supported collation
// orders by bytes (binary, and the _bin collations of utf8mb3/utf8mb4, whose code-point order
// is UTF-8 byte order); they differ only in PAD SPACE (trailing spaces are insignificant)
// versus NO PAD.
type rfCollation struct {
	name    string
	charset string // "binary", "utf8mb3" or "utf8mb4"
	pad     bool
}

// rfCollations lists the supported collations by lower-case name.
var rfCollations = map[string]rfCollation{
	"binary":            {"binary", "binary", false},
	"utf8mb4_bin":       {"utf8mb4_bin", "utf8mb4", true},
	"utf8mb4_nopad_bin": {"utf8mb4_nopad_bin", "utf8mb4", false},
	"utf8mb4_0900_bin":  {"utf8mb4_0900_bin", "utf8mb4", false},
	"utf8mb3_bin":       {"utf8mb3_bin", "utf8mb3", true},
	"utf8_bin":          {"utf8mb3_bin", "utf8mb3", true},
	"utf8mb3_nopad_bin": {"utf8mb3_nopad_bin", "utf8mb3", false},
	"utf8_nopad_bin":    {"utf8mb3_nopad_bin", "utf8mb3", false},
}

// rfConnCollation is the session collation of godwit's connections (collation_connection):
// the collation of string literals.
var rfConnCollation = rfCollations["utf8mb4_bin"]

// rfType is the static type of an expression.
type rfType struct {
	kind     rfKind
	unsigned bool   // rfInt: UNSIGNED (MySQL's unsigned_flag)
	scale    int    // rfDecimal: digits after the point
	coll     string // rfString: the collation name ("" = unsupported, see collErr)
	collErr  string // rfString with an unsupported collation: why
	coerc    int    // rfString: coercibility
	charset  string // rfString: "binary", "utf8mb3", "utf8mb4"
}

// rfVal is one runtime value. Which field holds it follows the expression's static kind:
// rfInt: i (signed) or u (unsigned); rfDecimal: d; rfDouble: f; rfString: s;
// rfDate/rfDatetime: i (packed, see rfPackDatetime); rfTime: i (signed microseconds).
type rfVal struct {
	null bool
	i    int64
	u    uint64
	f    float64
	d    *big.Rat
	s    []byte
}

var rfNullVal = rfVal{null: true}

func rfBool(b bool) rfVal {
	if b {
		return rfVal{i: 1}
	}
	return rfVal{}
}

// rfColumnType classifies a table column. It returns the column's static type, or a reason
// the evaluator cannot evaluate expressions over it.
func rfColumnType(c *schema.Column) (rfType, string) {
	dt := strings.ToLower(c.DataType)
	switch dt {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		return rfType{kind: rfInt, unsigned: c.Unsigned}, ""
	case "bit":
		return rfType{kind: rfInt, unsigned: true}, ""
	case "decimal", "numeric":
		_, s, ok := decimalPS(c.ColumnType)
		if !ok {
			return rfType{}, "its DECIMAL precision is unknown"
		}
		return rfType{kind: rfDecimal, scale: s}, ""
	case "float", "double", "real", "double precision":
		if strings.Contains(c.ColumnType, "(") {
			// FLOAT(M,D)/DOUBLE(M,D) compare with a fixed-decimals tolerance in MariaDB.
			return rfType{}, "FLOAT(M,D)/DOUBLE(M,D) columns compare with a rounding tolerance"
		}
		return rfType{kind: rfDouble}, ""
	case "date":
		return rfType{kind: rfDate}, ""
	case "datetime", "timestamp":
		return rfType{kind: rfDatetime}, ""
	case "time":
		return rfType{kind: rfTime}, ""
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return rfType{kind: rfString, coll: "binary", coerc: rfImplicit, charset: "binary"}, ""
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext":
		cs := strings.ToLower(c.Charset)
		if cs == "utf8" {
			cs = "utf8mb3"
		}
		if cs != "utf8mb4" && cs != "utf8mb3" {
			return rfType{}, fmt.Sprintf("its character set %s is not utf8mb4/utf8mb3", c.Charset)
		}
		t := rfType{kind: rfString, coerc: rfImplicit, charset: cs}
		if k, ok := rfCollations[strings.ToLower(c.Collation)]; ok {
			t.coll = k.name
		} else {
			t.collErr = fmt.Sprintf("its collation %s is not one the incremental filter evaluates exactly", c.Collation)
		}
		return t, ""
	case "year":
		return rfType{}, "YEAR columns convert two-digit constants"
	}
	return rfType{}, fmt.Sprintf("%s columns are not supported", strings.ToUpper(dt))
}

// decimalPS reads "decimal(p,s)" (optionally unsigned/zerofill).
func decimalPS(ct string) (p, s int, ok bool) {
	open, close := strings.IndexByte(ct, '('), strings.IndexByte(ct, ')')
	if open < 0 || close < open {
		return 10, 0, true // DECIMAL = DECIMAL(10,0)
	}
	ps, ss, found := strings.Cut(ct[open+1:close], ",")
	p, err := strconv.Atoi(strings.TrimSpace(ps))
	if err != nil {
		return 0, 0, false
	}
	if found {
		if s, err = strconv.Atoi(strings.TrimSpace(ss)); err != nil {
			return 0, 0, false
		}
	}
	return p, s, true
}

// rfColumnValue converts a change.Row value of a column of static type t (row value
// conventions of package change) into an rfVal.
func rfColumnValue(t *rfType, dataType string, v any) (rfVal, error) {
	if v == nil {
		return rfNullVal, nil
	}
	switch t.kind {
	case rfInt:
		switch x := v.(type) {
		case int64:
			if t.unsigned {
				if x < 0 {
					return rfVal{}, fmt.Errorf("negative value %d in an unsigned column", x)
				}
				return rfVal{u: uint64(x)}, nil
			}
			return rfVal{i: x}, nil
		case uint64:
			if !t.unsigned {
				return rfVal{}, fmt.Errorf("value %d out of range of a signed column", x)
			}
			return rfVal{u: x}, nil
		case []byte: // BIT
			if len(x) > 8 {
				return rfVal{}, fmt.Errorf("BIT value of %d bytes", len(x))
			}
			var u uint64
			for _, b := range x {
				u = u<<8 | uint64(b)
			}
			return rfVal{u: u}, nil
		}
	case rfDouble:
		switch x := v.(type) {
		case float64:
			return rfVal{f: x}, nil
		case float32:
			return rfVal{f: float64(x)}, nil
		}
	case rfDecimal:
		if b, ok := v.([]byte); ok {
			d, ok := new(big.Rat).SetString(string(b))
			if !ok {
				return rfVal{}, fmt.Errorf("bad DECIMAL value %q", b)
			}
			return rfVal{d: d}, nil
		}
	case rfDate, rfDatetime:
		if b, ok := v.([]byte); ok {
			p, ok := rfParseDatetime(string(b), true)
			if !ok {
				return rfVal{}, fmt.Errorf("bad %s value %q", dataType, b)
			}
			return rfVal{i: p}, nil
		}
	case rfTime:
		if b, ok := v.([]byte); ok {
			p, ok := rfParseTime(string(b))
			if !ok {
				return rfVal{}, fmt.Errorf("bad TIME value %q", b)
			}
			return rfVal{i: p}, nil
		}
	case rfString:
		switch x := v.(type) {
		case []byte:
			return rfVal{s: x}, nil
		case string:
			return rfVal{s: []byte(x)}, nil
		}
	}
	return rfVal{}, fmt.Errorf("unexpected %T value for a %s column", v, dataType)
}

// rfPackDatetime packs a date and time into an int64 that orders like the datetime
// (zero and partial dates such as 2020-00-00 included).
func rfPackDatetime(y, mo, d, h, mi, s, us int64) int64 {
	return (((y*13+mo)*32+d)*86400+h*3600+mi*60+s)*1_000_000 + us
}

// rfParseDatetime parses "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS[.f…]" (1–6 fraction digits),
// the canonical forms MariaDB prints. stored accepts what a column can hold (zero dates,
// zero months/days); otherwise (a literal) the date must be a real calendar date.
func rfParseDatetime(s string, stored bool) (int64, bool) {
	if len(s) != 10 && (len(s) < 19 || len(s) == 20 || len(s) > 26) {
		return 0, false
	}
	num := func(a, b int) (int64, bool) {
		var n int64
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int64(c-'0')
		}
		return n, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	if !ok1 || !ok2 || !ok3 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	var h, mi, sec, us int64
	if len(s) > 10 {
		var ok4, ok5, ok6 bool
		h, ok4 = num(11, 13)
		mi, ok5 = num(14, 16)
		sec, ok6 = num(17, 19)
		if !ok4 || !ok5 || !ok6 || s[10] != ' ' || s[13] != ':' || s[16] != ':' || h > 23 || mi > 59 || sec > 59 {
			return 0, false
		}
		if len(s) > 19 {
			if s[19] != '.' {
				return 0, false
			}
			f, ok := num(20, len(s))
			if !ok {
				return 0, false
			}
			for i := len(s) - 20; i < 6; i++ {
				f *= 10
			}
			us = f
		}
	}
	if mo > 12 || d > 31 {
		return 0, false
	}
	if !stored && (y < 1 || mo < 1 || d < 1 || d > rfDaysIn(y, mo)) {
		return 0, false
	}
	return rfPackDatetime(y, mo, d, h, mi, sec, us), true
}

func rfDaysIn(y, m int64) int64 {
	switch m {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}

// rfParseTime parses "[-]H…H:MM:SS[.f…]" (hours up to 838) into signed microseconds.
func rfParseTime(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	hs, rest, ok := strings.Cut(s, ":")
	if !ok || len(hs) < 2 || len(hs) > 3 || len(rest) < 5 || rest[2] != ':' {
		return 0, false
	}
	digits := func(x string) (int64, bool) {
		if x == "" {
			return 0, false
		}
		var n int64
		for i := 0; i < len(x); i++ {
			if x[i] < '0' || x[i] > '9' {
				return 0, false
			}
			n = n*10 + int64(x[i]-'0')
		}
		return n, true
	}
	h, ok1 := digits(hs)
	m, ok2 := digits(rest[:2])
	sec, ok3 := digits(rest[3:5])
	if !ok1 || !ok2 || !ok3 || h > 838 || m > 59 || sec > 59 {
		return 0, false
	}
	var us int64
	if len(rest) > 5 {
		if rest[5] != '.' || len(rest) > 12 {
			return 0, false
		}
		f, ok := digits(rest[6:])
		if !ok {
			return 0, false
		}
		for i := len(rest) - 6; i < 6; i++ {
			f *= 10
		}
		us = f
	}
	v := (h*3600+m*60+sec)*1_000_000 + us
	if v > (838*3600+59*60+59)*1_000_000 {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// rfCompareStrings compares two strings under a supported collation: bytes, and with PAD
// SPACE the shorter string is compared as if padded with spaces.
func rfCompareStrings(a, b []byte, pad bool) int {
	if !pad {
		return bytes.Compare(a, b)
	}
	n := min(len(a), len(b))
	if c := bytes.Compare(a[:n], b[:n]); c != 0 {
		return c
	}
	sign := 1
	rest := a[n:]
	if len(b) > len(a) {
		rest, sign = b[n:], -1
	}
	for _, c := range rest {
		if c != ' ' {
			if c < ' ' {
				return -sign
			}
			return sign
		}
	}
	return 0
}

// rfToBig returns an integer value as a big.Int.
func rfToBig(v rfVal, unsigned bool) *big.Int {
	if unsigned {
		return new(big.Int).SetUint64(v.u)
	}
	return big.NewInt(v.i)
}

var (
	rfMaxU64 = new(big.Int).SetUint64(math.MaxUint64)
	rfMaxI64 = big.NewInt(math.MaxInt64)
	rfMinI64 = big.NewInt(math.MinInt64)
)

// rfFromBig converts an integer result back, failing like MySQL's "BIGINT value is out of
// range" when it does not fit the result type.
func rfFromBig(x *big.Int, unsigned bool) (rfVal, error) {
	if unsigned {
		if x.Sign() < 0 || x.Cmp(rfMaxU64) > 0 {
			return rfVal{}, fmt.Errorf("BIGINT UNSIGNED value is out of range (%s)", x)
		}
		return rfVal{u: x.Uint64()}, nil
	}
	if x.Cmp(rfMinI64) < 0 || x.Cmp(rfMaxI64) > 0 {
		return rfVal{}, fmt.Errorf("BIGINT value is out of range (%s)", x)
	}
	return rfVal{i: x.Int64()}, nil
}

// rfToRat converts a numeric value of static type t to an exact rational.
func rfToRat(v rfVal, t *rfType) *big.Rat {
	switch t.kind {
	case rfInt:
		return new(big.Rat).SetInt(rfToBig(v, t.unsigned))
	case rfDecimal:
		return v.d
	}
	panic("rfToRat of " + t.kind.String())
}

// rfToFloat converts a numeric value to double the way MySQL does: integers by C
// conversion, decimals by correctly rounded parsing of their digits.
func rfToFloat(v rfVal, t *rfType) float64 {
	switch t.kind {
	case rfInt:
		if t.unsigned {
			return float64(v.u)
		}
		return float64(v.i)
	case rfDecimal:
		f, _ := v.d.Float64() // exact rational → nearest double
		return f
	case rfDouble:
		return v.f
	}
	panic("rfToFloat of " + t.kind.String())
}

// rfCompareInts compares two integers of possibly different signedness.
func rfCompareInts(a rfVal, au bool, b rfVal, bu bool) int {
	switch {
	case !au && !bu:
		return cmp3(a.i, b.i)
	case au && bu:
		return cmp3(a.u, b.u)
	case !au: // a signed, b unsigned
		if a.i < 0 {
			return -1
		}
		return cmp3(uint64(a.i), b.u)
	default: // a unsigned, b signed
		if b.i < 0 {
			return 1
		}
		return cmp3(a.u, uint64(b.i))
	}
}

func cmp3[T int64 | uint64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// rfTruth is MySQL's truth value of a numeric value: NULL stays unknown (ok false).
func rfTruth(v rfVal, t *rfType) (truth, known bool) {
	if v.null {
		return false, false
	}
	switch t.kind {
	case rfInt:
		if t.unsigned {
			return v.u != 0, true
		}
		return v.i != 0, true
	case rfDecimal:
		return v.d.Sign() != 0, true
	case rfDouble:
		return v.f != 0, true
	}
	panic("rfTruth of " + t.kind.String())
}
