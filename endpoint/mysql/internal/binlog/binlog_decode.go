package binlog

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	gmmysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	"vitess.io/vitess/go/mysql/collations/charset"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/errs"
)

// binlogTable is what godwit needs to decode one table's row events: built from a
// TABLE_MAP event with binlog_row_metadata=FULL, never from today's catalog, so rows logged
// before an ALTER decode with the columns they were logged with.
type binlogTable struct {
	schema, name string
	want         bool
	cols         []string
	types        []change.ColType // the column types the table map records (Event.Types)
	key          []int
	conv         []colConv
	// sig identifies the table map's definition, to reuse a built binlogTable.
	sig string
}

// colConv converts one column's decoded binlog value to the change.Row conventions.
type colConv struct {
	name     string
	typ      byte // real type (ENUM/SET resolved from MYSQL_TYPE_STRING)
	unsigned bool
	members  [][]byte        // ENUM / SET member texts, utf8mb4
	cs       charset.Charset // non-nil: character data to convert to utf8mb4
	padTo    int             // BINARY(n): right-pad with 0x00 to n bytes
	frac     int             // TIME(n): fractional digits
	bitBytes int             // BIT(M): (M+7)/8
}

// loadCollations maps collation ids to character set names, from the server's own catalog
// (the table map identifies charsets by collation id).
func (e *Source) loadCollations(ctx context.Context) (map[uint64]string, error) {
	rows, err := e.db.QueryContext(ctx, "SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE ID IS NOT NULL")
	if err != nil {
		return nil, binlogQueryErr("read the collation list", err)
	}
	defer rows.Close()
	m := map[uint64]string{}
	for rows.Next() {
		var id uint64
		var cs string
		if err := rows.Scan(&id, &cs); err != nil {
			return nil, binlogQueryErr("read the collation list", err)
		}
		m[id] = cs
	}
	if err := rows.Err(); err != nil {
		return nil, binlogQueryErr("read the collation list", err)
	}
	return m, nil
}

// charsetConv returns the converter from the named character set to utf8mb4: nil for
// charsets whose bytes already are utf8mb4 (utf8mb3, ascii) or raw (binary).
func charsetConv(name string) (charset.Charset, bool) {
	switch strings.ToLower(name) {
	case "", "utf8mb4", "utf8mb3", "utf8", "ascii", "binary":
		return nil, true
	case "latin1":
		return charset.Charset_latin1{}, true
	case "utf16":
		return charset.Charset_utf16{}, true
	case "utf16le":
		return charset.Charset_utf16le{}, true
	case "ucs2":
		return charset.Charset_ucs2{}, true
	case "utf32":
		return charset.Charset_utf32{}, true
	case "gb18030":
		return charset.Charset_gb18030{}, true
	case "gb2312":
		return charset.Charset_gb2312{}, true
	case "ujis":
		return charset.Charset_ujis{}, true
	case "sjis":
		return charset.Charset_sjis{}, true
	case "cp932":
		return charset.Charset_cp932{}, true
	case "eucjpms":
		return charset.Charset_eucjpms{}, true
	case "euckr":
		return charset.Charset_euckr{}, true
	}
	return nil, false
}

// tableMapSig identifies a table map's definition (names, types, metadata).
func tableMapSig(tm *replication.TableMapEvent) string {
	var b strings.Builder
	b.Write(tm.Schema)
	b.WriteByte(0)
	b.Write(tm.Table)
	b.WriteByte(0)
	b.Write(tm.ColumnType)
	for _, m := range tm.ColumnMeta {
		b.WriteByte(byte(m))
		b.WriteByte(byte(m >> 8))
	}
	for _, n := range tm.ColumnName {
		b.WriteByte(0)
		b.Write(n)
	}
	fmt.Fprint(&b, tm.SignednessBitmap, tm.DefaultCharset, tm.ColumnCharset, tm.EnumSetDefaultCharset,
		tm.EnumSetColumnCharset, tm.PrimaryKey, tm.EnumStrValue, tm.SetStrValue)
	return b.String()
}

// stringMeta returns the real type and byte length of a MYSQL_TYPE_STRING column.
func stringMeta(meta uint16) (byte, int) {
	if meta < 256 {
		return gmmysql.MYSQL_TYPE_STRING, int(meta)
	}
	b0, b1 := byte(meta>>8), byte(meta&0xff)
	if b0&0x30 != 0x30 {
		return b0 | 0x30, int(uint16(b1) | uint16((b0&0x30)^0x30)<<4)
	}
	return b0, int(b1)
}

// buildBinlogTable prepares the decoding of tm's rows. It fails with CodeIncrSettings when
// the table map lacks column names (binlog_row_metadata is not FULL).
func buildBinlogTable(tm *replication.TableMapEvent, colls map[uint64]string) (*binlogTable, error) {
	t := &binlogTable{schema: string(tm.Schema), name: string(tm.Table), want: true}
	n := int(tm.ColumnCount)
	names := tm.ColumnNameString()
	if len(names) != n {
		return nil, errs.New(errs.KindInvalid, errs.CodeIncrSettings,
			fmt.Sprintf("the binlog does not record the column names of %s.%s (binlog_row_metadata is not FULL)", t.schema, t.name),
			"Run SET GLOBAL binlog_row_metadata=FULL on the source (and set it in the server configuration), "+
				"then restart the project's incremental sync from a new full copy.")
	}
	t.cols = names
	for _, k := range tm.PrimaryKey {
		t.key = append(t.key, int(k))
	}
	unsigned := tm.UnsignedMap()
	enums, sets := tm.EnumStrValueMap(), tm.SetStrValueMap()
	cc, esc := tm.CollationMap(), tm.EnumSetCollationMap()
	t.conv = make([]colConv, n)
	for i := 0; i < n; i++ {
		c := colConv{name: names[i], typ: tm.ColumnType[i], unsigned: unsigned[i]}
		meta := tm.ColumnMeta[i]
		if c.typ == gmmysql.MYSQL_TYPE_STRING {
			var length int
			c.typ, length = stringMeta(meta)
			if c.typ == gmmysql.MYSQL_TYPE_STRING && cc[i] == 63 {
				c.padTo = length
			}
		}
		csName, coll := "", uint64(0)
		switch c.typ {
		case gmmysql.MYSQL_TYPE_ENUM, gmmysql.MYSQL_TYPE_SET:
			coll = esc[i]
		case gmmysql.MYSQL_TYPE_STRING, gmmysql.MYSQL_TYPE_VARCHAR, gmmysql.MYSQL_TYPE_VAR_STRING, gmmysql.MYSQL_TYPE_BLOB:
			coll = cc[i]
		}
		if coll != 0 {
			csName = colls[coll]
		}
		cs, ok := charsetConv(csName)
		if !ok {
			return nil, errs.New(errs.KindUnsupported, errs.CodeIncrDecode,
				fmt.Sprintf("column %s.%s.%s uses character set %s, which godwit cannot convert to utf8mb4", t.schema, t.name, c.name, csName),
				"Convert the column to utf8mb4, or leave the table out of the incremental sync.")
		}
		c.cs = cs
		switch c.typ {
		case gmmysql.MYSQL_TYPE_ENUM, gmmysql.MYSQL_TYPE_SET:
			src := enums[i]
			if c.typ == gmmysql.MYSQL_TYPE_SET {
				src = sets[i]
			}
			if src == nil {
				return nil, errs.New(errs.KindInvalid, errs.CodeIncrSettings,
					fmt.Sprintf("the binlog does not record the members of %s.%s.%s (binlog_row_metadata is not FULL)", t.schema, t.name, c.name),
					"Run SET GLOBAL binlog_row_metadata=FULL on the source.")
			}
			for _, m := range src {
				b, err := toUTF8(cs, []byte(m))
				if err != nil {
					return nil, binlogValueErr(t, &c, err)
				}
				c.members = append(c.members, b)
			}
			c.cs = nil
		case gmmysql.MYSQL_TYPE_TIME2:
			c.frac = int(meta)
		case gmmysql.MYSQL_TYPE_BIT:
			c.bitBytes = (int(meta>>8)*8 + int(meta&0xff) + 7) / 8
		}
		t.conv[i] = c
		t.types = append(t.types, columnType(c.typ, meta, coll, c.unsigned))
	}
	return t, nil
}

// columnType names a table-map column's type as information_schema's DATA_TYPE does, so that
// it compares with the catalog's: typ is the real type (ENUM/SET/STRING resolved), meta the
// column's table-map metadata, coll its collation id (63 = binary). The table map cannot tell
// JSON (MariaDB logs it as a BLOB with a character set) from LONGTEXT: both are
// "longtext|json".
func columnType(typ byte, meta uint16, coll uint64, unsigned bool) change.ColType {
	bin := coll == 63
	ct := change.ColType{Unsigned: unsigned}
	switch typ {
	case gmmysql.MYSQL_TYPE_TINY:
		ct.DataType = "tinyint"
	case gmmysql.MYSQL_TYPE_SHORT:
		ct.DataType = "smallint"
	case gmmysql.MYSQL_TYPE_INT24:
		ct.DataType = "mediumint"
	case gmmysql.MYSQL_TYPE_LONG:
		ct.DataType = "int"
	case gmmysql.MYSQL_TYPE_LONGLONG:
		ct.DataType = "bigint"
	case gmmysql.MYSQL_TYPE_FLOAT:
		ct.DataType = "float"
	case gmmysql.MYSQL_TYPE_DOUBLE:
		ct.DataType = "double"
	case gmmysql.MYSQL_TYPE_NEWDECIMAL, gmmysql.MYSQL_TYPE_DECIMAL:
		ct.DataType = "decimal"
	case gmmysql.MYSQL_TYPE_YEAR:
		ct.DataType, ct.Unsigned = "year", false // the table map flags YEAR unsigned; the catalog does not
	case gmmysql.MYSQL_TYPE_DATE, gmmysql.MYSQL_TYPE_NEWDATE:
		ct.DataType = "date"
	case gmmysql.MYSQL_TYPE_TIME, gmmysql.MYSQL_TYPE_TIME2:
		ct.DataType = "time"
	case gmmysql.MYSQL_TYPE_DATETIME, gmmysql.MYSQL_TYPE_DATETIME2:
		ct.DataType = "datetime"
	case gmmysql.MYSQL_TYPE_TIMESTAMP, gmmysql.MYSQL_TYPE_TIMESTAMP2:
		ct.DataType = "timestamp"
	case gmmysql.MYSQL_TYPE_BIT:
		ct.DataType, ct.Binary = "bit", true
	case gmmysql.MYSQL_TYPE_ENUM:
		ct.DataType = "enum"
	case gmmysql.MYSQL_TYPE_SET:
		ct.DataType = "set"
	case gmmysql.MYSQL_TYPE_JSON:
		ct.DataType = "json"
	case gmmysql.MYSQL_TYPE_GEOMETRY:
		ct.DataType, ct.Binary = "geometry", true
	case gmmysql.MYSQL_TYPE_STRING:
		ct.DataType, ct.Binary = pick(bin, "binary", "char"), bin
	case gmmysql.MYSQL_TYPE_VARCHAR, gmmysql.MYSQL_TYPE_VAR_STRING:
		ct.DataType, ct.Binary = pick(bin, "varbinary", "varchar"), bin
	case gmmysql.MYSQL_TYPE_BLOB:
		sizes := [...]string{"tiny", "", "medium", "long"}
		size := ""
		if meta >= 1 && meta <= 4 {
			size = sizes[meta-1]
		}
		ct.DataType, ct.Binary = size+pick(bin, "blob", "text"), bin
		if ct.DataType == "longtext" {
			ct.DataType = "longtext|json"
		}
	default:
		ct.DataType = fmt.Sprintf("type%d", typ)
	}
	return ct
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// toUTF8 converts character data from cs (nil: already utf8mb4) into a fresh slice.
func toUTF8(cs charset.Charset, b []byte) ([]byte, error) {
	if cs == nil {
		return bytes.Clone(b), nil
	}
	return charset.Convert(nil, charset.Charset_utf8mb4{}, b, cs)
}

func binlogValueErr(t *binlogTable, c *colConv, err error) error {
	return errs.New(errs.KindInternal, errs.CodeIncrDecode,
		fmt.Sprintf("cannot decode a value of %s.%s.%s from the binlog", t.schema, t.name, c.name),
		"Report this with the column's type and the source version.").Wrap(err)
}

// rowValues converts one decoded row image to change.Row values.
func (t *binlogTable) rowValues(raw []any) (change.Row, error) {
	if len(raw) != len(t.conv) {
		return nil, errs.New(errs.KindInternal, errs.CodeIncrDecode,
			fmt.Sprintf("a row of %s.%s has %d values for %d columns", t.schema, t.name, len(raw), len(t.conv)),
			"Report this with the source version.")
	}
	row := make(change.Row, len(raw))
	for i, v := range raw {
		if v == nil {
			continue
		}
		c := &t.conv[i]
		out, err := c.value(v)
		if err != nil {
			return nil, binlogValueErr(t, c, err)
		}
		row[i] = out
	}
	return row, nil
}

// value converts a non-NULL value as go-mysql decoded it (ParseTime off, UseDecimal off).
func (c *colConv) value(v any) (any, error) {
	switch c.typ {
	case gmmysql.MYSQL_TYPE_TINY, gmmysql.MYSQL_TYPE_SHORT, gmmysql.MYSQL_TYPE_INT24,
		gmmysql.MYSQL_TYPE_LONG, gmmysql.MYSQL_TYPE_LONGLONG, gmmysql.MYSQL_TYPE_YEAR:
		return intValue(v, c.unsigned && c.typ != gmmysql.MYSQL_TYPE_YEAR)
	case gmmysql.MYSQL_TYPE_FLOAT, gmmysql.MYSQL_TYPE_DOUBLE:
		switch v.(type) {
		case float32, float64:
			return v, nil
		}
	case gmmysql.MYSQL_TYPE_BIT:
		x, ok := v.(int64)
		if !ok {
			break
		}
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(x))
		if c.bitBytes < 1 || c.bitBytes > 8 {
			return nil, fmt.Errorf("BIT column of %d bytes", c.bitBytes)
		}
		return bytes.Clone(b[8-c.bitBytes:]), nil
	case gmmysql.MYSQL_TYPE_ENUM:
		x, ok := v.(int64)
		if !ok {
			break
		}
		if x == 0 {
			return []byte{}, nil // the error value ''
		}
		if x < 0 || int(x) > len(c.members) {
			return nil, fmt.Errorf("ENUM index %d out of %d members", x, len(c.members))
		}
		return bytes.Clone(c.members[x-1]), nil
	case gmmysql.MYSQL_TYPE_SET:
		x, ok := v.(int64)
		if !ok {
			break
		}
		var b []byte
		for i := 0; i < 64 && x != 0; i++ {
			if x&(1<<i) == 0 {
				continue
			}
			if i >= len(c.members) {
				return nil, fmt.Errorf("SET bit %d out of %d members", i, len(c.members))
			}
			x &^= 1 << i
			if b != nil {
				b = append(b, ',')
			}
			b = append(b, c.members[i]...)
		}
		if b == nil {
			b = []byte{}
		}
		return b, nil
	case gmmysql.MYSQL_TYPE_TIME2, gmmysql.MYSQL_TYPE_TIME:
		s, ok := v.(string)
		if !ok {
			break
		}
		// go-mysql omits a zero fraction; SELECT prints TIME(n) with n digits.
		if c.frac > 0 && !strings.Contains(s, ".") {
			s += "." + strings.Repeat("0", c.frac)
		}
		return []byte(s), nil
	case gmmysql.MYSQL_TYPE_NEWDECIMAL, gmmysql.MYSQL_TYPE_DATE, gmmysql.MYSQL_TYPE_NEWDATE,
		gmmysql.MYSQL_TYPE_DATETIME, gmmysql.MYSQL_TYPE_DATETIME2,
		gmmysql.MYSQL_TYPE_TIMESTAMP, gmmysql.MYSQL_TYPE_TIMESTAMP2, gmmysql.MYSQL_TYPE_JSON:
		switch x := v.(type) {
		case string:
			return []byte(x), nil
		case []byte:
			return bytes.Clone(x), nil
		}
	case gmmysql.MYSQL_TYPE_STRING, gmmysql.MYSQL_TYPE_VARCHAR, gmmysql.MYSQL_TYPE_VAR_STRING,
		gmmysql.MYSQL_TYPE_BLOB, gmmysql.MYSQL_TYPE_GEOMETRY, gmmysql.MYSQL_TYPE_VECTOR:
		var raw []byte
		switch x := v.(type) {
		case string:
			raw = []byte(x) // copies out of the event buffer
		case []byte:
			raw = x
		default:
			return nil, fmt.Errorf("unexpected %T for type %d", v, c.typ)
		}
		if c.padTo > len(raw) {
			p := make([]byte, c.padTo)
			copy(p, raw)
			return p, nil
		}
		return toUTF8(c.cs, raw)
	}
	return nil, fmt.Errorf("unexpected %T for column type %d", v, c.typ)
}

// intValue normalises a decoded integer: int64, or uint64 above MaxInt64. A value the
// library decoded as signed although the column is unsigned is reinterpreted by width.
func intValue(v any, unsigned bool) (any, error) {
	var u uint64
	switch x := v.(type) {
	case int8:
		if !unsigned {
			return int64(x), nil
		}
		u = uint64(uint8(x))
	case int16:
		if !unsigned {
			return int64(x), nil
		}
		u = uint64(uint16(x))
	case int32:
		if !unsigned {
			return int64(x), nil
		}
		u = uint64(uint32(x))
	case int64:
		if !unsigned {
			return x, nil
		}
		u = uint64(x)
	case int:
		return int64(x), nil
	case uint8:
		u = uint64(x)
	case uint16:
		u = uint64(x)
	case uint32:
		u = uint64(x)
	case uint64:
		u = x
	default:
		return nil, fmt.Errorf("unexpected %T for an integer column", v)
	}
	if u > math.MaxInt64 {
		return u, nil
	}
	return int64(u), nil
}
