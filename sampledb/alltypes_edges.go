package sampledb

import (
	"math"
	"math/rand/v2"
	"strings"
)

// allTypesCols are the insertable columns of all_types (generated columns excluded).
var allTypesCols = []string{
	"id", "note",
	"c_tinyint", "c_tinyint_u", "c_smallint", "c_smallint_u", "c_mediumint", "c_mediumint_u",
	"c_int", "c_int_u", "c_bigint", "c_bigint_u", "c_bool",
	"c_dec65_30", "c_dec65_0", "c_dec12_2", "c_float", "c_double",
	"c_date", "c_datetime", "c_datetime6", "c_timestamp6", "c_time", "c_time6", "c_year",
	"c_bit1", "c_bit8", "c_bit64", "c_enum", "c_set",
	"c_char", "c_varchar", "c_latin1", "c_tinytext", "c_text", "c_mediumtext", "c_longtext",
	"c_binary", "c_varbinary", "c_tinyblob", "c_blob", "c_mediumblob", "c_longblob",
	"c_json", "c_ts_auto", "c_commented",
}

// fixedTSAuto is written into c_ts_auto on insert so the data is deterministic; the
// server moves it on every UPDATE.
const fixedTSAuto = "'2024-01-01 00:00:00.000000'"

// atRow maps column → SQL literal; missing columns are NULL.
type atRow map[string]string

// render returns the literals in allTypesCols order.
func (r atRow) render(id int) []string {
	out := make([]string, len(allTypesCols))
	for i, c := range allTypesCols {
		switch c {
		case "id":
			out[i] = itoa(id)
		case "c_ts_auto":
			out[i] = fixedTSAuto
		default:
			if v, ok := r[c]; ok {
				out[i] = v
			} else {
				out[i] = "NULL"
			}
		}
	}
	return out
}

func allBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// fixedRandomBytes is pseudo-random data from a fixed seed: edge rows do not depend on
// Options.Seed.
func fixedRandomBytes(n int, salt uint64) []byte {
	r := rand.New(rand.NewPCG(0x5eed, salt))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// nEdgeRows is len(edgeRows()), kept as a constant for Tables (a test checks it).
const nEdgeRows = 53

// edgeRows are the all_types rows that pin down one edge value per type; ids 1….
func edgeRows() []atRow {
	nines := func(n int) string { return strings.Repeat("9", n) }
	// float32 whose shortest decimal needs 9 significant digits: 10.1908455
	f9 := math.Float32frombits(1092816308)
	rows := []atRow{
		{"note": q("all NULL")},
		{"note": q("integer minimums"), "c_tinyint": "-128", "c_tinyint_u": "0", "c_smallint": "-32768", "c_smallint_u": "0",
			"c_mediumint": "-8388608", "c_mediumint_u": "0", "c_int": "-2147483648", "c_int_u": "0",
			"c_bigint": "-9223372036854775808", "c_bigint_u": "0", "c_bool": "-128"},
		{"note": q("integer maximums"), "c_tinyint": "127", "c_tinyint_u": "255", "c_smallint": "32767", "c_smallint_u": "65535",
			"c_mediumint": "8388607", "c_mediumint_u": "16777215", "c_int": "2147483647", "c_int_u": "4294967295",
			"c_bigint": "9223372036854775807", "c_bigint_u": "18446744073709551615", "c_bool": "127"},
		{"note": q("integer zero and minus one"), "c_tinyint": "-1", "c_tinyint_u": "0", "c_smallint": "-1", "c_smallint_u": "0",
			"c_mediumint": "-1", "c_mediumint_u": "0", "c_int": "-1", "c_int_u": "0", "c_bigint": "-1", "c_bigint_u": "0", "c_bool": "0"},
		{"note": q("bigint unsigned 2^63, bigint 2^63-1"), "c_bigint_u": "9223372036854775808", "c_bigint": "9223372036854775807",
			"c_int_u": "2147483648", "c_bool": "1"},
		{"note": q("tinyint(1) holding 2"), "c_bool": "2"},
		{"note": q("decimal maximums"), "c_dec65_30": nines(35) + "." + nines(30), "c_dec65_0": nines(65), "c_dec12_2": nines(10) + ".99"},
		{"note": q("decimal minimums"), "c_dec65_30": "-" + nines(35) + "." + nines(30), "c_dec65_0": "-" + nines(65), "c_dec12_2": "-" + nines(10) + ".99"},
		{"note": q("decimal smallest fractions"), "c_dec65_30": "0." + strings.Repeat("0", 29) + "1", "c_dec65_0": "1", "c_dec12_2": "0.01"},
		{"note": q("decimal negative smallest fractions"), "c_dec65_30": "-0." + strings.Repeat("0", 29) + "1", "c_dec65_0": "-1", "c_dec12_2": "-0.01"},
		{"note": q("decimal zero and ordinary"), "c_dec65_30": "0", "c_dec65_0": "0", "c_dec12_2": "1234.50"},
		{"note": q("float/double maximums"), "c_float": f32(math.MaxFloat32), "c_double": f64(math.MaxFloat64)},
		{"note": q("float/double lowest"), "c_float": f32(-math.MaxFloat32), "c_double": f64(-math.MaxFloat64)},
		{"note": q("float/double smallest normals"), "c_float": f32(math.Float32frombits(0x00800000)), "c_double": f64(math.Float64frombits(0x0010000000000000))},
		{"note": q("float/double smallest denormals"), "c_float": f32(math.SmallestNonzeroFloat32), "c_double": f64(math.SmallestNonzeroFloat64)},
		{"note": q("float/double negative denormals"), "c_float": f32(-math.SmallestNonzeroFloat32), "c_double": f64(-math.SmallestNonzeroFloat64)},
		{"note": q("negative zero (MariaDB stores +0)"), "c_float": f32(float32(math.Copysign(0, -1))), "c_double": f64(math.Copysign(0, -1))},
		{"note": q("9 and 17 significant digits"), "c_float": f32(f9), "c_double": f64(0.30000000000000004)},
		{"note": q("17 significant digits"), "c_float": f32(math.Float32frombits(0x3f800001)), "c_double": f64(math.Nextafter(1, 2))},
		{"note": q("0.1 and 1/3"), "c_float": f32(0.1), "c_double": f64(1.0 / 3)},
		{"note": q("large exact integers in floats"), "c_float": f32(16777216), "c_double": f64(9007199254740992)},
		{"note": q("large float values"), "c_float": f32(1e38), "c_double": f64(1e308)},
		{"note": q("temporal minimums"), "c_date": "'1000-01-01'", "c_datetime": "'1000-01-01 00:00:00'",
			"c_datetime6": "'1000-01-01 00:00:00.000000'", "c_timestamp6": "'1970-01-01 00:00:01.000000'",
			"c_time": "'-838:59:59'", "c_time6": "'-838:59:59.000000'", "c_year": "1901"},
		{"note": q("temporal maximums"), "c_date": "'9999-12-31'", "c_datetime": "'9999-12-31 23:59:59'",
			"c_datetime6": "'9999-12-31 23:59:59.999999'", "c_timestamp6": "'2038-01-19 03:14:07.999999'",
			"c_time": "'838:59:59'", "c_time6": "'838:59:59.000000'", "c_year": "2155"},
		{"note": q("zero dates"), "c_date": "'0000-00-00'", "c_datetime": "'0000-00-00 00:00:00'",
			"c_datetime6": "'0000-00-00 00:00:00.000000'", "c_timestamp6": "'0000-00-00 00:00:00.000000'",
			"c_time": "'00:00:00'", "c_time6": "'00:00:00.000000'", "c_year": "0"},
		{"note": q("negative and over-24h times"), "c_time": "'25:00:00'", "c_time6": "'-00:00:01.5'"},
		{"note": q("more times"), "c_time": "'-00:00:01'", "c_time6": "'-12:34:56.000001'"},
		{"note": q("microseconds and leap day"), "c_date": "'2024-02-29'", "c_datetime": "'1999-12-31 23:59:59'",
			"c_datetime6": "'2024-02-29 12:34:56.000001'", "c_timestamp6": "'2000-01-01 00:00:00.123456'", "c_time6": "'23:59:59.999999'"},
		{"note": q("a wall time that a DST gap skips in Europe"), "c_datetime6": "'2021-03-28 02:30:00.500000'", "c_timestamp6": "'2021-03-28 02:30:00.500000'"},
		{"note": q("bits 0x00"), "c_bit1": "b'0'", "c_bit8": "X'00'", "c_bit64": "X'0000000000000000'"},
		{"note": q("bits 0x0a"), "c_bit1": "b'1'", "c_bit8": "X'0a'", "c_bit64": "X'000000000000000a'"},
		{"note": q("bits 0x5c"), "c_bit1": "b'1'", "c_bit8": "X'5c'", "c_bit64": "X'5c5c5c5c5c5c5c5c'"},
		{"note": q("bits 0xff"), "c_bit1": "b'1'", "c_bit8": "X'ff'", "c_bit64": "X'ffffffffffffffff'"},
		{"note": q("bit64 2^63"), "c_bit64": "X'8000000000000000'"},
		{"note": q("unicode enum, empty set"), "c_enum": q("ünï 😀"), "c_set": "''"},
		{"note": q("full set"), "c_enum": q("small"), "c_set": q("read,write,exec,admin")},
		{"note": q("one set member"), "c_enum": q("x-large"), "c_set": q("admin")},
		{"note": q("strings: emoji and scripts"), "c_char": q("😀日本語ü"), "c_varchar": q("Zoë 😀🎉 日本語 العربية Ελληνικά"),
			"c_latin1": q("café ÿ ß"), "c_tinytext": q("🎉"), "c_text": q("emoji 😀 in text"), "c_mediumtext": q("日本語"),
			"c_longtext": q("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 beyond the BMP"), "c_commented": q("ünïcödé")},
		{"note": q("strings: control characters"), "c_char": q("\t\n"), "c_varchar": q("a\tb\nc\rd\x00e\x1af"),
			"c_tinytext": q("\r\n"), "c_text": q("line1\nline2\r\nline3\ttab\x00nul"), "c_latin1": q("\x00\t")},
		{"note": q("strings: quotes and backslashes"), "c_char": q(`'"\`), "c_varchar": q(`it's "quoted" \ back\\slash \' \n literal %_`),
			"c_text": q("'; DROP TABLE all_types; --"), "c_tinytext": q(`\`), "c_latin1": q(`'\'`)},
		{"note": q("strings: leading and trailing spaces"), "c_char": q("abc   "), "c_varchar": q("  abc   "),
			"c_text": q("x   "), "c_tinytext": q(" "), "c_latin1": q(" y ")},
		{"note": q("empty strings and binaries, not NULL"), "c_char": "''", "c_varchar": "''", "c_latin1": "''",
			"c_tinytext": "''", "c_text": "''", "c_mediumtext": "''", "c_longtext": "''", "c_binary": "''",
			"c_varbinary": "X''", "c_tinyblob": "X''", "c_blob": "X''", "c_mediumblob": "X''", "c_longblob": "X''", "c_commented": "''"},
		{"note": q("binary: all 256 byte values"), "c_binary": x([]byte{0x00, 0x0a, 0x0d, 0x1a, 0x22, 0x27, 0x5c, 0x7f, 0x80, 0xc0, 0xfe, 0xff, 0x25, 0x5f, 0x00, 0x01}),
			"c_varbinary": x(allBytes(256)), "c_tinyblob": x(allBytes(255)),
			"c_blob":       x(append(append(allBytes(256), allBytes(256)...), allBytes(256)...)),
			"c_mediumblob": x(fixedRandomBytes(100<<10, 1)), "c_longblob": x(append(allBytes(256), fixedRandomBytes(1<<20-256, 2)...))},
		{"note": q("binary: short value padded by BINARY(16)"), "c_binary": "X'ab'", "c_varbinary": "X'00'", "c_blob": "X'00000000'"},
		{"note": q("binary: all 0xff"), "c_binary": x([]byte(strings.Repeat("\xff", 16))), "c_varbinary": x([]byte(strings.Repeat("\xff", 300)))},
		{"note": q("large texts"), "c_mediumtext": q(strings.Repeat("ü😀 日本語 ", 12<<10)), "c_longtext": q(strings.Repeat("0123456789abcdef", 64<<10) + "😀")},
		{"note": q("json: nested object"), "c_json": q(`{"a": [1, 2.5, -3e10, true, false, null], "nested": {"k": "ü😀\"\\", "deeper": {"x": [[], {}]}}, "big": 12345678901234567890, "tiny": -1.5e-300, "pi": 3.141592653589793}`)},
		{"note": q("json: array"), "c_json": q(`[1, "two", 3.0, null, {"k": "v"}]`)},
		{"note": q("json: scalars"), "c_json": q(`"a string with \n escapes and 日本"`)},
		{"note": q("json: number"), "c_json": q(`-0.000001`)},
		{"note": q("json: null literal, not SQL NULL"), "c_json": q(`null`)},
		{"note": q("json: empty object"), "c_json": q(`{}`)},
		{"note": q("typical row, every column set"), "c_tinyint": "1", "c_tinyint_u": "2", "c_smallint": "3", "c_smallint_u": "4",
			"c_mediumint": "5", "c_mediumint_u": "6", "c_int": "7", "c_int_u": "8", "c_bigint": "9", "c_bigint_u": "10", "c_bool": "1",
			"c_dec65_30": "12345.678901234567890123456789012345", "c_dec65_0": "42", "c_dec12_2": "19.99",
			"c_float": f32(1.5), "c_double": f64(2.25), "c_date": "'2024-06-01'", "c_datetime": "'2024-06-01 12:00:00'",
			"c_datetime6": "'2024-06-01 12:00:00.250000'", "c_timestamp6": "'2024-06-01 12:00:00.250000'",
			"c_time": "'12:00:00'", "c_time6": "'12:00:00.250000'", "c_year": "2024",
			"c_bit1": "b'1'", "c_bit8": "X'42'", "c_bit64": "X'0102030405060708'", "c_enum": q("medium"), "c_set": q("read,write"),
			"c_char": q("char"), "c_varchar": q("varchar"), "c_latin1": q("latin1"), "c_tinytext": q("tiny"), "c_text": q("text"),
			"c_mediumtext": q("medium"), "c_longtext": q("long"), "c_binary": x([]byte("0123456789abcdef")), "c_varbinary": x([]byte("vb")),
			"c_tinyblob": x([]byte("tb")), "c_blob": x([]byte("blob")), "c_mediumblob": x([]byte("mb")), "c_longblob": x([]byte("lb")),
			"c_json": q(`{"ok": true}`), "c_commented": q("commented")},
	}
	return rows
}
