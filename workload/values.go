package workload

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// SQL literals. The session must have backslash escapes on (the MariaDB default).

// qi quotes an identifier.
func qi(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// q renders a string literal.
func q(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 0:
			b.WriteString(`\0`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case 0x1a:
			b.WriteString(`\Z`)
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// xb renders a binary literal.
func xb(p []byte) string { return "X'" + hex.EncodeToString(p) + "'" }

// f64 renders a double exactly (shortest round-trip text, always a float literal).
func f64(v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += "e0"
	}
	return s
}

func dt6(t time.Time) string { return "'" + t.UTC().Format("2006-01-02 15:04:05.000000") + "'" }

func cents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

var (
	alphabet = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t\n\r'\"\\%_éüßñ日本語😀🎉\x00\x1a")
	latin1   = []rune("abcdefghijklmnopqrstuvwxyz0123456789 \t'\"\\éüßñÿ")
	statuses = []string{"new", "paid", "shipped", "delivered", "cancelled"}
	tiers    = []string{"free", "pro", "enterprise"}
	setElems = []string{"new", "vip", "churn-risk", "beta"}
	kinds    = []string{"click", "view", "purchase", "signup", "logout", "error", "refund"}
	enums    = []string{"small", "medium", "large", "x-large", "ünï 😀"}
	perms    = []string{"read", "write", "exec", "admin"}
	epoch    = time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
)

func text(r *rand.Rand, al []rune, maxRunes int) string {
	n := r.IntN(maxRunes + 1)
	var b strings.Builder
	for range n {
		b.WriteRune(al[r.IntN(len(al))])
	}
	return b.String()
}

func bytesN(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// decimal renders a DECIMAL(p,s) value.
func decimal(r *rand.Rand, p, s int) string {
	v := strings.TrimLeft(digits(r, 1+r.IntN(p-s)), "0")
	if v == "" {
		v = "0"
	}
	if s > 0 {
		v += "." + digits(r, s)
	}
	if r.IntN(2) == 0 {
		v = "-" + v
	}
	return v
}

// anyDouble is a finite double: half random bit patterns (denormals, huge, both signs).
func anyDouble(r *rand.Rand) float64 {
	if r.IntN(2) == 0 {
		return (r.Float64() - 0.5) * 2e6
	}
	for {
		if f := math.Float64frombits(r.Uint64()); !math.IsNaN(f) && !math.IsInf(f, 0) && f != 0 {
			return f
		}
	}
}

func anyFloat(r *rand.Rand) float32 {
	if r.IntN(2) == 0 {
		return float32((r.Float64() - 0.5) * 2e4)
	}
	for {
		if f := math.Float32frombits(r.Uint32()); !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) && f != 0 {
			return f
		}
	}
}

func instant(r *rand.Rand, from, to time.Time) time.Time {
	lo, hi := from.UnixMicro(), to.UnixMicro()
	return time.UnixMicro(lo + r.Int64N(hi-lo+1)).UTC()
}

func subset(r *rand.Rand, elems []string) string {
	var m []string
	for _, e := range elems {
		if r.IntN(2) == 0 {
			m = append(m, e)
		}
	}
	return q(strings.Join(m, ","))
}

func timeLit(r *rand.Rand, frac bool) string {
	secs := r.IntN(838*3600 + 59*60 + 59 + 1)
	sign := ""
	if r.IntN(2) == 0 {
		sign = "-"
	}
	s := fmt.Sprintf("'%s%02d:%02d:%02d", sign, secs/3600, secs/60%60, secs%60)
	if frac {
		s += fmt.Sprintf(".%06d", r.IntN(1000000))
	}
	return s + "'"
}

// allTypesGen renders a random value for each insertable all_types column (sampledb's
// schema); generated columns and c_ts_auto are left to the server.
var allTypesGen = []struct {
	col string
	gen func(r *rand.Rand) string
}{
	{"c_tinyint", func(r *rand.Rand) string { return strconv.FormatInt(int64(int8(r.Uint32())), 10) }},
	{"c_tinyint_u", func(r *rand.Rand) string { return strconv.FormatUint(uint64(uint8(r.Uint32())), 10) }},
	{"c_smallint", func(r *rand.Rand) string { return strconv.FormatInt(int64(int16(r.Uint32())), 10) }},
	{"c_smallint_u", func(r *rand.Rand) string { return strconv.FormatUint(uint64(uint16(r.Uint32())), 10) }},
	{"c_mediumint", func(r *rand.Rand) string { return strconv.FormatInt(int64(r.Int32N(1<<24))-1<<23, 10) }},
	{"c_mediumint_u", func(r *rand.Rand) string { return strconv.FormatInt(int64(r.Int32N(1<<24)), 10) }},
	{"c_int", func(r *rand.Rand) string { return strconv.FormatInt(int64(int32(r.Uint32())), 10) }},
	{"c_int_u", func(r *rand.Rand) string { return strconv.FormatUint(uint64(r.Uint32()), 10) }},
	{"c_bigint", func(r *rand.Rand) string { return strconv.FormatInt(int64(r.Uint64()), 10) }},
	{"c_bigint_u", func(r *rand.Rand) string { return strconv.FormatUint(r.Uint64(), 10) }},
	{"c_bool", func(r *rand.Rand) string { return strconv.Itoa(r.IntN(2)) }},
	{"c_dec65_30", func(r *rand.Rand) string { return decimal(r, 65, 30) }},
	{"c_dec65_0", func(r *rand.Rand) string { return decimal(r, 65, 0) }},
	{"c_dec12_2", func(r *rand.Rand) string { return decimal(r, 12, 2) }},
	{"c_float", func(r *rand.Rand) string { return f64(float64(anyFloat(r))) }},
	{"c_double", func(r *rand.Rand) string { return f64(anyDouble(r)) }},
	{"c_date", func(r *rand.Rand) string {
		return "'" + instant(r, time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)).Format("2006-01-02") + "'"
	}},
	{"c_datetime", func(r *rand.Rand) string {
		return "'" + instant(r, time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)).Format("2006-01-02 15:04:05") + "'"
	}},
	{"c_datetime6", func(r *rand.Rand) string {
		return dt6(instant(r, time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)))
	}},
	{"c_timestamp6", func(r *rand.Rand) string {
		return dt6(instant(r, time.Unix(1, 0), time.Date(2038, 1, 19, 3, 14, 7, 999999000, time.UTC)))
	}},
	{"c_time", func(r *rand.Rand) string { return timeLit(r, false) }},
	{"c_time6", func(r *rand.Rand) string { return timeLit(r, true) }},
	{"c_year", func(r *rand.Rand) string { return strconv.Itoa(1901 + r.IntN(255)) }},
	{"c_bit1", func(r *rand.Rand) string { return "b'" + strconv.Itoa(r.IntN(2)) + "'" }},
	{"c_bit8", func(r *rand.Rand) string { return xb(bytesN(r, 1)) }},
	{"c_bit64", func(r *rand.Rand) string { return xb(bytesN(r, 8)) }},
	{"c_enum", func(r *rand.Rand) string { return q(enums[r.IntN(len(enums))]) }},
	{"c_set", func(r *rand.Rand) string { return subset(r, perms) }},
	{"c_char", func(r *rand.Rand) string { return q(strings.TrimRight(text(r, alphabet, 10), " ")) }},
	{"c_varchar", func(r *rand.Rand) string { return q(text(r, alphabet, 60)) }},
	{"c_latin1", func(r *rand.Rand) string { return q(text(r, latin1, 50)) }},
	{"c_tinytext", func(r *rand.Rand) string { return q(text(r, alphabet, 60)) }},
	{"c_text", func(r *rand.Rand) string { return q(text(r, alphabet, 400)) }},
	{"c_mediumtext", func(r *rand.Rand) string { return q(text(r, alphabet, 800)) }},
	{"c_longtext", func(r *rand.Rand) string { return q(text(r, alphabet, 800)) }},
	{"c_binary", func(r *rand.Rand) string { return xb(bytesN(r, r.IntN(17))) }},
	{"c_varbinary", func(r *rand.Rand) string { return xb(bytesN(r, r.IntN(301))) }},
	{"c_tinyblob", func(r *rand.Rand) string { return xb(bytesN(r, r.IntN(256))) }},
	{"c_blob", func(r *rand.Rand) string { return xb(bytesN(r, r.IntN(2000))) }},
	{"c_mediumblob", func(r *rand.Rand) string { return xb(bytesN(r, r.IntN(4000))) }},
	{"c_longblob", func(r *rand.Rand) string { return xb(bytesN(r, r.IntN(8000))) }},
	{"c_json", func(r *rand.Rand) string {
		return q(fmt.Sprintf(`{"n": %d, "f": %s, "s": %q, "a": [%d, %t, null]}`,
			r.Int64(), strconv.FormatFloat(r.NormFloat64()*1e6, 'g', -1, 64), text(r, []rune("abcxyzü😀 "), 12), r.IntN(100), r.IntN(2) == 0))
	}},
	{"c_commented", func(r *rand.Rand) string { return q(text(r, alphabet, 20)) }},
}

// allTypesValue renders column i of allTypesGen, NULL with probability 1/10.
func allTypesValue(r *rand.Rand, i int) string {
	if r.IntN(10) == 0 {
		return "NULL"
	}
	return allTypesGen[i].gen(r)
}
