package chunk

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/godwit/godwit/schema"
)

// chunkAxis maps one key column's values to digit strings whose order follows the column's
// order (only approximately under collations and MariaDB's UUID order: every probe is
// bounded by the gap's keys, so a misplaced probe costs a query, never a row), and digit
// strings back to values the server accepts for the column.
type chunkAxis struct {
	kind  byte // 'i' integer, 'f' float, 'd' decimal, 't' datetime/date, 'h' time, 's' text, 'b' bytes, 'u' uuid
	width int  // digits in every coordinate (radix 256); 0 for strings
	// unsigned integers; date-only values; case-folded text; decimal precision and scale
	unsigned, date, fold bool
	prec, scale          int
	top                  rune // highest code point a text probe may hold
}

// chunkAxisOf returns the axis of c's type, or nil when its values cannot be interpolated.
func chunkAxisOf(c *schema.Column) *chunkAxis {
	switch dt := strings.ToLower(c.DataType); dt {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year":
		return &chunkAxis{kind: 'i', width: 8, unsigned: c.Unsigned}
	case "float", "double", "real":
		return &chunkAxis{kind: 'f', width: 8}
	case "decimal", "numeric":
		p, s := 10, 0
		if _, args, ok := strings.Cut(c.ColumnType, "("); ok {
			ps, _, _ := strings.Cut(args, ")")
			a, b, _ := strings.Cut(ps, ",")
			p, _ = strconv.Atoi(strings.TrimSpace(a))
			s, _ = strconv.Atoi(strings.TrimSpace(b))
		}
		// coordinates are value·10^s + 10^p, in [1, 2·10^p)
		bits := new(big.Int).Mul(big.NewInt(2), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)).BitLen()
		return &chunkAxis{kind: 'd', width: (bits + 7) / 8, prec: p, scale: s}
	case "date", "datetime", "timestamp":
		return &chunkAxis{kind: 't', width: 8, date: dt == "date"}
	case "time":
		return &chunkAxis{kind: 'h', width: 8}
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext":
		if !strings.EqualFold(c.Charset, "binary") {
			coll := strings.ToLower(c.Collation)
			ax := &chunkAxis{kind: 's', fold: !strings.HasSuffix(coll, "_bin") && !strings.HasSuffix(coll, "_cs")}
			// Probes must be representable in the column's character set, or the server
			// refuses the comparison: code points are capped at the set's repertoire
			// (ASCII for sets that are not Unicode).
			switch cs := strings.ToLower(c.Charset); {
			case cs == "utf8mb4" || cs == "utf16" || cs == "utf16le" || cs == "utf32":
				ax.top = unicode.MaxRune
			case cs == "utf8mb3" || cs == "utf8" || cs == "ucs2":
				ax.top = 0xFFFF
			default:
				ax.top = 0x7F
			}
			return ax
		}
		return &chunkAxis{kind: 'b'}
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return &chunkAxis{kind: 'b'}
	case "uuid":
		return &chunkAxis{kind: 'u', width: 16}
	}
	return nil
}

// mid returns a value between a and b (as interpolated on the axis), or nil when the axis
// has no room between them or cannot read them. Only the first chunkMidWindow digits after
// the common prefix take part, so long strings cost no more than short ones.
func (x *chunkAxis) mid(a, b any) any {
	da, ok1 := x.digits(a)
	db, ok2 := x.digits(b)
	if !ok1 || !ok2 {
		return nil
	}
	p := 0
	for p < len(da) && p < len(db) && da[p] == db[p] {
		p++
	}
	window := chunkMidWindow
	if x.width > 0 {
		window = x.width - p
	}
	radix := uint32(256)
	if x.kind == 's' { // the smallest plane holding both strings' digits: ASCII stays ASCII
		top := uint32(0)
		for _, d := range append(chunkWin(da, p, window), chunkWin(db, p, window)...) {
			top = max(top, d)
		}
		switch {
		case top < 0x80:
			radix = 0x80
		case top < 0x100:
			radix = 0x100
		case top < 0x10000:
			radix = 0x10000
		default:
			radix = 0x110000
		}
	}
	A, B := chunkNum(chunkWin(da, p, window), radix), chunkNum(chunkWin(db, p, window), radix)
	M := new(big.Int).Add(A, B)
	M.Rsh(M, 1)
	if window <= 0 || M.Cmp(A) == 0 || M.Cmp(B) == 0 {
		return nil
	}
	out := append(da[:p:p], make([]uint32, window)...)
	R := big.NewInt(int64(radix))
	for i, m := len(out)-1, new(big.Int); i >= p; i-- {
		M.DivMod(M, R, m)
		out[i] = uint32(m.Uint64())
	}
	return x.value(out)
}

const chunkMidWindow = 8

func chunkWin(d []uint32, p, n int) []uint32 {
	w := make([]uint32, max(n, 0))
	if p < len(d) {
		copy(w, d[p:])
	}
	return w
}

func chunkNum(d []uint32, radix uint32) *big.Int {
	n, r := new(big.Int), big.NewInt(int64(radix))
	for _, v := range d {
		n.Mul(n, r).Add(n, big.NewInt(int64(v)))
	}
	return n
}

// digits maps a value (change conventions) to its coordinate.
func (x *chunkAxis) digits(v any) ([]uint32, bool) {
	var u uint64
	switch x.kind {
	case 'i':
		switch n := v.(type) {
		case int64:
			if u = uint64(n); !x.unsigned {
				u ^= 1 << 63
			}
		case uint64:
			u = n
		default:
			return nil, false
		}
	case 'f':
		f, ok := v.(float64)
		if g, ok32 := v.(float32); ok32 {
			f, ok = float64(g), true
		}
		if !ok {
			return nil, false
		}
		if u = math.Float64bits(f); u>>63 == 1 {
			u = ^u
		} else {
			u |= 1 << 63
		}
	case 't', 'h':
		us, ok := chunkParseTime(v, x.kind == 'h')
		if !ok {
			return nil, false
		}
		u = uint64(us) ^ 1<<63
	case 'd':
		s, _ := v.([]byte)
		n, ok := chunkParseDecimal(string(s), x.scale)
		if !ok {
			return nil, false
		}
		n.Add(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.prec)), nil))
		if n.Sign() < 0 || (n.BitLen()+7)/8 > x.width {
			return nil, false
		}
		return chunkBytesDigits(n.FillBytes(make([]byte, x.width))), true
	case 'u':
		s, _ := v.([]byte)
		raw, err := hex.DecodeString(strings.ReplaceAll(string(s), "-", ""))
		if err != nil || len(raw) != 16 {
			return nil, false
		}
		return chunkBytesDigits(raw), true
	case 's':
		s, ok := v.([]byte)
		if !ok {
			return nil, false
		}
		d := make([]uint32, 0, len(s))
		for _, r := range string(s) {
			if x.fold {
				r = unicode.ToUpper(r)
			}
			d = append(d, uint32(min(r, x.top)))
		}
		return d, true
	case 'b':
		s, ok := v.([]byte)
		return chunkBytesDigits(s), ok
	}
	return chunkBytesDigits(binary.BigEndian.AppendUint64(nil, u)), true
}

func chunkBytesDigits(b []byte) []uint32 {
	d := make([]uint32, len(b))
	for i, c := range b {
		d[i] = uint32(c)
	}
	return d
}

// value maps a coordinate back to a probe value for the column.
func (x *chunkAxis) value(d []uint32) any {
	if x.kind == 's' {
		for len(d) > 0 && d[len(d)-1] == 0 {
			d = d[:len(d)-1]
		}
		var b []byte
		for _, c := range d {
			if c >= 0xD800 && c < 0xE000 { // surrogates are no characters
				c = 0xE000
			}
			b = utf8.AppendRune(b, rune(c))
		}
		return b
	}
	raw := make([]byte, len(d))
	for i, c := range d {
		raw[i] = byte(c)
	}
	var u uint64
	if len(raw) == 8 {
		u = binary.BigEndian.Uint64(raw)
	}
	switch x.kind {
	case 'i':
		if !x.unsigned {
			return int64(u ^ 1<<63)
		}
		if u > math.MaxInt64 {
			return u
		}
		return int64(u)
	case 'f':
		if u>>63 == 1 {
			return math.Float64frombits(u &^ (1 << 63))
		}
		return math.Float64frombits(^u)
	case 't', 'h':
		return chunkFormatTime(int64(u^1<<63), x.kind == 'h', x.date)
	case 'd':
		n := new(big.Int).SetBytes(raw)
		n.Sub(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.prec)), nil))
		return chunkFormatDecimal(n, x.scale)
	case 'u':
		h := hex.EncodeToString(raw)
		return []byte(h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:])
	}
	return raw
}

// chunkParseTime reads a DATE/DATETIME/TIMESTAMP text ("YYYY-MM-DD[ hh:mm:ss[.ffffff]]",
// zero months and days counting as 1) as microseconds since 1970, or a TIME text
// ("[-]hhh:mm:ss[.ffffff]") as signed microseconds.
func chunkParseTime(v any, isTime bool) (int64, bool) {
	b, ok := v.([]byte)
	if !ok {
		return 0, false
	}
	s, neg := string(b), false
	if isTime {
		s, neg = strings.CutPrefix(s, "-")
	}
	var frac int64
	if whole, f, ok := strings.Cut(s, "."); ok {
		f = (f + "000000")[:6]
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, false
		}
		s, frac = whole, n
	}
	var n []int64
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == ':' || r == ' ' }) {
		x, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return 0, false
		}
		n = append(n, x)
	}
	if isTime {
		if len(n) != 3 {
			return 0, false
		}
		us := ((n[0]*60+n[1])*60+n[2])*1e6 + frac
		if neg {
			us = -us
		}
		return us, true
	}
	if len(n) != 3 && len(n) != 6 {
		return 0, false
	}
	n = append(n, 0, 0, 0)
	t := time.Date(int(n[0]), time.Month(max(n[1], 1)), int(max(n[2], 1)), int(n[3]), int(n[4]), int(n[5]), 0, time.UTC)
	return t.UnixMicro() + frac, true
}

// chunkFormatTime renders microseconds as chunkParseTime reads them.
func chunkFormatTime(us int64, isTime, dateOnly bool) []byte {
	if isTime {
		sign := ""
		if us < 0 {
			sign, us = "-", -us
		}
		s := us / 1e6
		return fmt.Appendf(nil, "%s%02d:%02d:%02d.%06d", sign, s/3600, s/60%60, s%60, us%1e6)
	}
	t := time.UnixMicro(us).UTC()
	if dateOnly {
		return []byte(t.Format("2006-01-02"))
	}
	return []byte(t.Format("2006-01-02 15:04:05.000000"))
}

// chunkParseDecimal reads a DECIMAL text as an integer count of 10^-scale units.
func chunkParseDecimal(s string, scale int) (*big.Int, bool) {
	s, neg := strings.CutPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > scale {
		return nil, false
	}
	n, ok := new(big.Int).SetString(whole+frac+strings.Repeat("0", scale-len(frac)), 10)
	if ok && neg {
		n.Neg(n)
	}
	return n, ok
}

// chunkFormatDecimal renders n·10^-scale as DECIMAL text.
func chunkFormatDecimal(n *big.Int, scale int) []byte {
	s, sign := new(big.Int).Abs(n).String(), ""
	if n.Sign() < 0 {
		sign = "-"
	}
	if scale == 0 {
		return []byte(sign + s)
	}
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	return []byte(sign + s[:len(s)-scale] + "." + s[len(s)-scale:])
}
