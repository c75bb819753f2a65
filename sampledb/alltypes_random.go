package sampledb

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// randomAllTypesID is the first id of the random all_types rows.
const randomAllTypesID = 1001

var (
	textAlphabet   = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t\n\r'\"\\%_éüßñ日本語😀🎉\x00\x1a")
	latin1Alphabet = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t'\"\\éüßñÿ")
)

func randString(r *rand.Rand, alphabet []rune, maxRunes int) string {
	n := r.IntN(maxRunes + 1)
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

func randBytes(r *rand.Rand, maxLen int) []byte {
	b := make([]byte, r.IntN(maxLen+1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func randDigits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// randDecimal renders a DECIMAL(p,s) value with a random number of integer digits.
func randDecimal(r *rand.Rand, p, s int) string {
	intDigits := 1 + r.IntN(p-s)
	v := strings.TrimLeft(randDigits(r, intDigits), "0")
	if v == "" {
		v = "0"
	}
	if s > 0 {
		v += "." + randDigits(r, s)
	}
	if r.IntN(2) == 0 {
		v = "-" + v
	}
	return v
}

// randFloat64 is a finite double: half uniformly random bit patterns (denormals, huge,
// tiny, both signs), half ordinary values.
func randFloat64(r *rand.Rand) float64 {
	if r.IntN(2) == 0 {
		return (r.Float64() - 0.5) * 2e6
	}
	for {
		f := math.Float64frombits(r.Uint64())
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
}

func randFloat32(r *rand.Rand) float32 {
	if r.IntN(2) == 0 {
		return float32((r.Float64() - 0.5) * 2e4)
	}
	for {
		f := math.Float32frombits(r.Uint32())
		if !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) {
			return f
		}
	}
}

// randTime renders a TIME(frac) within ±838:59:59.
func randTime(r *rand.Rand, frac bool) string {
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

func randInstant(r *rand.Rand, from, to time.Time) time.Time {
	lo, hi := from.UnixMicro(), to.UnixMicro()
	return time.UnixMicro(lo + r.Int64N(hi-lo+1)).UTC()
}

// randomAllTypesRow fills every insertable column, each NULL with probability 1/10.
func randomAllTypesRow(r *rand.Rand) atRow {
	row := atRow{"note": q("random")}
	set := func(col string, lit func() string) {
		if r.IntN(10) != 0 {
			row[col] = lit()
		}
	}
	i64 := func(bits uint) string { return strconv.FormatInt(int64(r.Uint64())>>(64-bits), 10) }
	u64 := func(bits uint) string { return strconv.FormatUint(r.Uint64()>>(64-bits), 10) }
	set("c_tinyint", func() string { return i64(8) })
	set("c_tinyint_u", func() string { return u64(8) })
	set("c_smallint", func() string { return i64(16) })
	set("c_smallint_u", func() string { return u64(16) })
	set("c_mediumint", func() string { return i64(24) })
	set("c_mediumint_u", func() string { return u64(24) })
	set("c_int", func() string { return i64(32) })
	set("c_int_u", func() string { return u64(32) })
	set("c_bigint", func() string { return i64(64) })
	set("c_bigint_u", func() string { return u64(64) })
	set("c_bool", func() string { return strconv.Itoa(r.IntN(2)) })
	set("c_dec65_30", func() string { return randDecimal(r, 65, 30) })
	set("c_dec65_0", func() string { return randDecimal(r, 65, 0) })
	set("c_dec12_2", func() string { return randDecimal(r, 12, 2) })
	set("c_float", func() string { return f32(randFloat32(r)) })
	set("c_double", func() string { return f64(randFloat64(r)) })
	minDate, maxDate := time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
	set("c_date", func() string { return date(randInstant(r, minDate, maxDate)) })
	set("c_datetime", func() string { return dt(randInstant(r, minDate, maxDate).Truncate(time.Second))[:20] + "'" })
	set("c_datetime6", func() string { return dt(randInstant(r, minDate, maxDate)) })
	set("c_timestamp6", func() string {
		return dt(randInstant(r, time.Unix(1, 0), time.Date(2038, 1, 19, 3, 14, 7, 999999000, time.UTC)))
	})
	set("c_time", func() string { return randTime(r, false) })
	set("c_time6", func() string { return randTime(r, true) })
	set("c_year", func() string { return strconv.Itoa(1901 + r.IntN(255)) })
	set("c_bit1", func() string { return "b'" + strconv.Itoa(r.IntN(2)) + "'" })
	set("c_bit8", func() string { return x([]byte{byte(r.Uint32())}) })
	set("c_bit64", func() string { return "X'" + fmt.Sprintf("%016x", r.Uint64()) + "'" })
	enums := []string{"small", "medium", "large", "x-large", "ünï 😀"}
	set("c_enum", func() string { return q(enums[r.IntN(len(enums))]) })
	set("c_set", func() string {
		var m []string
		for _, s := range []string{"read", "write", "exec", "admin"} {
			if r.IntN(2) == 0 {
				m = append(m, s)
			}
		}
		return q(strings.Join(m, ","))
	})
	set("c_char", func() string { return q(randString(r, textAlphabet, 10)) })
	set("c_varchar", func() string { return q(randString(r, textAlphabet, 60)) })
	set("c_latin1", func() string { return q(randString(r, latin1Alphabet, 50)) })
	set("c_tinytext", func() string { return q(randString(r, textAlphabet, 60)) })
	set("c_text", func() string { return q(randString(r, textAlphabet, 500)) })
	set("c_mediumtext", func() string { return q(randString(r, textAlphabet, 1000)) })
	set("c_longtext", func() string { return q(randString(r, textAlphabet, 1000)) })
	set("c_binary", func() string { return x(randBytes(r, 16)) })
	set("c_varbinary", func() string { return x(randBytes(r, 300)) })
	set("c_tinyblob", func() string { return x(randBytes(r, 255)) })
	set("c_blob", func() string { return x(randBytes(r, 2000)) })
	set("c_mediumblob", func() string { return x(randBytes(r, 4000)) })
	set("c_longblob", func() string { return x(randBytes(r, 8000)) })
	set("c_json", func() string {
		return q(fmt.Sprintf(`{"n": %d, "f": %s, "s": %s, "a": [%d, %t, null]}`,
			r.Int64(), strconv.FormatFloat(r.NormFloat64()*1e6, 'g', -1, 64), jsonString(randString(r, textAlphabet, 20)), r.IntN(100), r.IntN(2) == 0))
	})
	set("c_commented", func() string { return q(randString(r, textAlphabet, 20)) })
	return row
}

// jsonString renders s as a JSON string.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }
