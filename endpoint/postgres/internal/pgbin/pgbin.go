// Package pgbin encodes and decodes PostgreSQL's binary wire formats (the send/recv forms
// COPY … (FORMAT binary) and binary parameters use) from and to the text forms godwit's
// change rows carry. It is pure: no I/O, no package state.
//
// Dates and timestamps use the proleptic Gregorian calendar with astronomical years (year 0
// is 1 BC), as PostgreSQL does internally, so MySQL's year 0000 round-trips.
package pgbin

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// pgEpoch is 2000-01-01 00:00:00 UTC, the zero of PostgreSQL dates and timestamps.
var pgEpochUnix = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

// CopyHeader is the header of a binary COPY stream (signature, flags, extension length).
func CopyHeader(b []byte) []byte {
	b = append(b, "PGCOPY\n\xff\r\n\x00"...)
	b = binary.BigEndian.AppendUint32(b, 0)
	return binary.BigEndian.AppendUint32(b, 0)
}

// CopyTrailer ends a binary COPY stream.
func CopyTrailer(b []byte) []byte { return binary.BigEndian.AppendUint16(b, 0xffff) }

// Int2/Int4/Int8 append big-endian integers.
func Int2(b []byte, v int16) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }
func Int4(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }
func Int8(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }

// Float4 and Float8 append the IEEE bits.
func Float4(b []byte, f float32) []byte { return binary.BigEndian.AppendUint32(b, math.Float32bits(f)) }
func Float8(b []byte, f float64) []byte { return binary.BigEndian.AppendUint64(b, math.Float64bits(f)) }

// Numeric appends the binary numeric for a decimal text ("-12.3400", "7", ".5", "1e3" is
// refused). The text's fraction digits become the display scale, so 1.50 stays 1.50.
func Numeric(b []byte, s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	ip, fp, _ := strings.Cut(s, ".")
	if ip == "" && fp == "" {
		return b, fmt.Errorf("bad decimal %q", s)
	}
	for _, c := range ip + fp {
		if c < '0' || c > '9' {
			return b, fmt.Errorf("bad decimal %q", s)
		}
	}
	dscale := len(fp)
	ip = strings.TrimLeft(ip, "0")
	// Pad the integer part on the left and the fraction on the right to whole groups of 4.
	if r := len(ip) % 4; r != 0 {
		ip = strings.Repeat("0", 4-r) + ip
	}
	if r := len(fp) % 4; r != 0 {
		fp += strings.Repeat("0", 4-r)
	}
	digits := make([]int16, 0, (len(ip)+len(fp))/4)
	for i := 0; i < len(ip); i += 4 {
		n, _ := strconv.Atoi(ip[i : i+4])
		digits = append(digits, int16(n))
	}
	weight := len(digits) - 1
	for i := 0; i < len(fp); i += 4 {
		n, _ := strconv.Atoi(fp[i : i+4])
		digits = append(digits, int16(n))
	}
	// Strip leading zero groups (moving the weight) and trailing zero groups.
	for len(digits) > 0 && digits[0] == 0 {
		digits = digits[1:]
		weight--
	}
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	sign := uint16(0)
	if len(digits) == 0 {
		weight = 0
	} else if neg {
		sign = 0x4000
	}
	if len(digits) > math.MaxInt16 || weight > math.MaxInt16 || weight < math.MinInt16 || dscale > 0x3fff {
		return b, fmt.Errorf("decimal %q out of range", s)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(digits)))
	b = binary.BigEndian.AppendUint16(b, uint16(int16(weight)))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, uint16(dscale))
	for _, d := range digits {
		b = binary.BigEndian.AppendUint16(b, uint16(d))
	}
	return b, nil
}

// NumericText decodes a binary numeric into its text at its display scale ("NaN",
// "Infinity" and "-Infinity" for the special values).
func NumericText(p []byte) (string, error) {
	if len(p) < 8 {
		return "", fmt.Errorf("short numeric")
	}
	nd := int(binary.BigEndian.Uint16(p))
	weight := int(int16(binary.BigEndian.Uint16(p[2:])))
	sign := binary.BigEndian.Uint16(p[4:])
	dscale := int(binary.BigEndian.Uint16(p[6:]))
	switch sign {
	case 0xC000:
		return "NaN", nil
	case 0xD000:
		return "Infinity", nil
	case 0xF000:
		return "-Infinity", nil
	}
	if len(p) < 8+2*nd {
		return "", fmt.Errorf("short numeric")
	}
	digit := func(i int) int { // group i counted from the weight (0 = units group)
		j := weight - i
		if j < 0 || j >= nd {
			return 0
		}
		return int(binary.BigEndian.Uint16(p[8+2*j:]))
	}
	var sb strings.Builder
	if sign == 0x4000 {
		sb.WriteByte('-')
	}
	if weight < 0 {
		sb.WriteByte('0')
	} else {
		for i := weight; i >= 0; i-- {
			d := digit(i)
			if i == weight {
				sb.WriteString(strconv.Itoa(d))
			} else {
				fmt.Fprintf(&sb, "%04d", d)
			}
		}
	}
	if dscale > 0 {
		sb.WriteByte('.')
		var frac strings.Builder
		for i := -1; frac.Len() < dscale; i-- {
			fmt.Fprintf(&frac, "%04d", digit(i))
		}
		sb.WriteString(frac.String()[:dscale])
	}
	return sb.String(), nil
}

// Civil is a broken-down date and time (astronomical year; Micro 0..999999).
type Civil struct {
	Year, Month, Day     int
	Hour, Minute, Second int
	Micro                int
}

// ParseDateTime reads "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS[.ffffff]" (or with 'T'). A date
// with a zero month or day (MySQL zero and partial-zero dates) is reported by zero true and
// not validated further.
func ParseDateTime(s string) (c Civil, zero bool, err error) {
	s = strings.TrimSpace(s)
	d, t, hasT := strings.Cut(s, " ")
	if !hasT {
		d, t, hasT = strings.Cut(s, "T")
	}
	parts := strings.Split(d, "-")
	if len(parts) != 3 {
		return c, false, fmt.Errorf("bad date %q", s)
	}
	if c.Year, err = strconv.Atoi(parts[0]); err != nil {
		return c, false, fmt.Errorf("bad date %q", s)
	}
	if c.Month, err = strconv.Atoi(parts[1]); err != nil {
		return c, false, fmt.Errorf("bad date %q", s)
	}
	if c.Day, err = strconv.Atoi(parts[2]); err != nil {
		return c, false, fmt.Errorf("bad date %q", s)
	}
	if hasT {
		var neg bool
		var h int
		if neg, h, c.Minute, c.Second, c.Micro, err = parseClock(t); err != nil || neg || h > 23 {
			return c, false, fmt.Errorf("bad time of day in %q", s)
		}
		c.Hour = h
	}
	if c.Month == 0 || c.Day == 0 {
		return c, true, nil
	}
	if c.Month > 12 || c.Day > 31 || c.Minute > 59 || c.Second > 59 {
		return c, false, fmt.Errorf("bad date %q", s)
	}
	if time.Date(c.Year, time.Month(c.Month), c.Day, 0, 0, 0, 0, time.UTC).Day() != c.Day {
		return c, false, fmt.Errorf("bad date %q", s)
	}
	return c, false, nil
}

// parseClock reads "[-]H+:MM:SS[.ffffff]" (hours may exceed 23).
func parseClock(s string) (neg bool, h, m, sec, micro int, err error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	main, frac, _ := strings.Cut(s, ".")
	f := strings.Split(main, ":")
	if len(f) != 3 {
		return false, 0, 0, 0, 0, fmt.Errorf("bad time %q", s)
	}
	if h, err = strconv.Atoi(f[0]); err != nil {
		return
	}
	if m, err = strconv.Atoi(f[1]); err != nil {
		return
	}
	if sec, err = strconv.Atoi(f[2]); err != nil {
		return
	}
	if len(frac) > 6 {
		return false, 0, 0, 0, 0, fmt.Errorf("bad fraction in %q", s)
	}
	if frac != "" {
		n, e := strconv.Atoi(frac + strings.Repeat("0", 6-len(frac)))
		if e != nil {
			return false, 0, 0, 0, 0, e
		}
		micro = n
	}
	if h < 0 || m < 0 || m > 59 || sec < 0 || sec > 59 {
		return false, 0, 0, 0, 0, fmt.Errorf("bad time %q", s)
	}
	return
}

// days returns the days from 2000-01-01 to c's date.
func (c Civil) days() int64 {
	return (time.Date(c.Year, time.Month(c.Month), c.Day, 0, 0, 0, 0, time.UTC).Unix() - pgEpochUnix) / 86400
}

// Date appends c's date.
func Date(b []byte, c Civil) []byte { return Int4(b, int32(c.days())) }

// Timestamp appends c as microseconds from 2000-01-01 (timestamp, or timestamptz when c is UTC).
func Timestamp(b []byte, c Civil) []byte {
	us := c.days()*86400_000_000 + int64(c.Hour)*3600_000_000 + int64(c.Minute)*60_000_000 +
		int64(c.Second)*1_000_000 + int64(c.Micro)
	return Int8(b, us)
}

// ClockMicros parses a MySQL TIME text ("-838:59:59.000000") into signed microseconds.
func ClockMicros(s string) (int64, error) {
	neg, h, m, sec, micro, err := parseClock(s)
	if err != nil {
		return 0, fmt.Errorf("bad time %q", s)
	}
	us := int64(h)*3600_000_000 + int64(m)*60_000_000 + int64(sec)*1_000_000 + int64(micro)
	if neg {
		us = -us
	}
	return us, nil
}

// Interval appends an interval of us microseconds (no days, no months: hours stay hours).
func Interval(b []byte, us int64) []byte {
	b = Int8(b, us)
	b = Int4(b, 0)
	return Int4(b, 0)
}

// FormatDate renders days from 2000-01-01 as "YYYY-MM-DD" (astronomical year, 4 digits).
func FormatDate(days int32) string {
	t := time.Unix(pgEpochUnix+int64(days)*86400, 0).UTC()
	return fmt.Sprintf("%04d-%02d-%02d", t.Year(), int(t.Month()), t.Day())
}

// FormatTimestamp renders microseconds from 2000-01-01 as "YYYY-MM-DD HH:MM:SS.ffffff".
func FormatTimestamp(us int64) string {
	sec := us / 1_000_000
	micro := us % 1_000_000
	if micro < 0 {
		micro += 1_000_000
		sec--
	}
	t := time.Unix(pgEpochUnix+sec, 0).UTC()
	return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d.%06d", t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), micro)
}

// FormatClock renders signed microseconds as MySQL TIME text "[-]H:MM:SS.ffffff".
func FormatClock(us int64) string {
	sign := ""
	if us < 0 {
		sign, us = "-", -us
	}
	h := us / 3600_000_000
	us -= h * 3600_000_000
	m := us / 60_000_000
	us -= m * 60_000_000
	s := us / 1_000_000
	return fmt.Sprintf("%s%02d:%02d:%02d.%06d", sign, h, m, s, us%1_000_000)
}

// IntervalMicros decodes a binary interval as microseconds, counting a day as 24 hours and a
// month as 30 days (ok false when months or days are present, whose length is not fixed).
func IntervalMicros(p []byte) (us int64, exact bool, err error) {
	if len(p) != 16 {
		return 0, false, fmt.Errorf("bad interval")
	}
	us = int64(binary.BigEndian.Uint64(p))
	days := int64(int32(binary.BigEndian.Uint32(p[8:])))
	months := int64(int32(binary.BigEndian.Uint32(p[12:])))
	return us + (days+months*30)*86400_000_000, days == 0 && months == 0, nil
}

// BitsFromMySQL turns a MySQL BIT(n) value (big-endian bytes, right-aligned) into PostgreSQL
// bit(n) binary (bit count, then bits left-aligned). Bits above n must be zero.
func BitsFromMySQL(b []byte, v []byte, n int) ([]byte, error) {
	// value as a bit string of exactly n bits, most significant first
	total := len(v) * 8
	for i := 0; i < total-n; i++ { // bits above n
		if v[i/8]&(0x80>>(i%8)) != 0 {
			return b, fmt.Errorf("BIT value wider than %d bits", n)
		}
	}
	b = Int4(b, int32(n))
	out := make([]byte, (n+7)/8)
	for j := 0; j < n; j++ {
		i := total - n + j // source bit index (from the most significant)
		if i >= 0 && v[i/8]&(0x80>>(i%8)) != 0 {
			out[j/8] |= 0x80 >> (j % 8)
		}
	}
	return append(b, out...), nil
}

// BitsToMySQL turns a PostgreSQL bit/varbit binary value into MySQL's form: the bits
// right-aligned in (n+7)/8 big-endian bytes.
func BitsToMySQL(p []byte) ([]byte, error) {
	if len(p) < 4 {
		return nil, fmt.Errorf("short bit string")
	}
	n := int(int32(binary.BigEndian.Uint32(p)))
	data := p[4:]
	if n < 0 || len(data) < (n+7)/8 {
		return nil, fmt.Errorf("short bit string")
	}
	nb := (n + 7) / 8
	out := make([]byte, nb)
	pad := nb*8 - n
	for j := 0; j < n; j++ {
		if data[j/8]&(0x80>>(j%8)) != 0 {
			i := pad + j
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out, nil
}

// BitText renders a bit(n) value given in MySQL form as PostgreSQL bit-string text "0101".
func BitText(v []byte, n int) (string, error) {
	p, err := BitsFromMySQL(nil, v, n)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	for j := 0; j < n; j++ {
		if p[4+j/8]&(0x80>>(j%8)) != 0 {
			sb.WriteByte('1')
		} else {
			sb.WriteByte('0')
		}
	}
	return sb.String(), nil
}
