package kafka

import "strconv"

// Debezium's optional "schema" part (mqWithSchema): Kafka Connect JSON-converter schemas
// of the key, the row struct and the envelope, built once per table.

// dbzField renders one column's field schema: Connect type, optional flag and, for
// semantic types, the logical name and parameters.
func dbzField(c *colMeta, decimalMode string) []byte {
	typ, name := "string", ""
	var params [][2]string
	switch c.kind {
	case kInt:
		switch {
		case c.intBits <= 16 && !(c.intBits == 16 && c.unsigned):
			typ = "int16"
		case c.intBits <= 32 && !(c.intBits == 32 && c.unsigned):
			typ = "int32"
		default:
			typ = "int64"
		}
	case kYear:
		typ, name = "int32", "io.debezium.time.Year"
	case kFloat:
		typ = "float"
	case kDouble:
		typ = "double"
	case kDecimal:
		switch decimalMode {
		case DecimalString:
		case DecimalDouble:
			typ = "double"
		default:
			typ, name = "bytes", "org.apache.kafka.connect.data.Decimal"
			params = [][2]string{{"scale", strconv.Itoa(c.scale)}, {"connect.decimal.precision", strconv.Itoa(c.precision)}}
		}
	case kBit:
		if c.bitLen <= 1 {
			typ = "boolean"
		} else {
			typ, name = "bytes", "io.debezium.data.Bits"
			params = [][2]string{{"length", strconv.Itoa(c.bitLen)}}
		}
	case kDate:
		typ, name = "int32", "io.debezium.time.Date"
	case kTime:
		typ, name = "int64", "io.debezium.time.MicroTime"
	case kDatetime:
		if c.fsp <= 3 {
			typ, name = "int64", "io.debezium.time.Timestamp"
		} else {
			typ, name = "int64", "io.debezium.time.MicroTimestamp"
		}
	case kTimestamp:
		name = "io.debezium.time.ZonedTimestamp"
	case kEnum:
		name = "io.debezium.data.Enum"
	case kSet:
		name = "io.debezium.data.EnumSet"
	case kJSON:
		name = "io.debezium.data.Json"
	case kBinary:
		typ = "bytes"
	case kGeometry:
		b := []byte(`{"type":"struct","fields":[{"type":"bytes","optional":false,"field":"wkb"},{"type":"int32","optional":true,"field":"srid"}],"optional":`)
		b = appendBool(b, c.nullable)
		b = append(b, `,"name":"io.debezium.data.geometry.Geometry","field":`...)
		b = appendStr(b, c.name)
		return append(b, '}')
	}
	b := []byte(`{"type":`)
	b = appendStr(b, typ)
	b = append(b, `,"optional":`...)
	b = appendBool(b, c.nullable && !c.key)
	if name != "" {
		b = append(b, `,"name":"`...)
		b = append(b, name...)
		b = append(b, `","version":1`...)
	}
	if len(params) > 0 {
		b = append(b, `,"parameters":{`...)
		for i, p := range params {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendKey(b, p[0])
			b = appendStr(b, p[1])
		}
		b = append(b, '}')
	}
	b = append(b, `,"field":`...)
	b = appendStr(b, c.name)
	return append(b, '}')
}

func structSchema(name string, optional bool, fields [][]byte, field string) []byte {
	b := []byte(`{"type":"struct","fields":[`)
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, f...)
	}
	b = append(b, `],"optional":`...)
	b = appendBool(b, optional)
	b = append(b, `,"name":`...)
	b = appendStr(b, name)
	if field != "" {
		b = append(b, `,"field":`...)
		b = appendStr(b, field)
	}
	return append(b, '}')
}

const dbzSourceSchema = `{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},{"type":"string","optional":false,"field":"connector"},{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"true,last,false,incremental"},"default":"false","field":"snapshot"},{"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"sequence"},{"type":"string","optional":true,"field":"table"},{"type":"int64","optional":false,"field":"server_id"},{"type":"string","optional":true,"field":"gtid"},{"type":"string","optional":false,"field":"file"},{"type":"int64","optional":false,"field":"pos"},{"type":"int32","optional":false,"field":"row"},{"type":"int64","optional":true,"field":"thread"},{"type":"string","optional":true,"field":"query"}],"optional":false,"name":"io.debezium.connector.mysql.Source","field":"source"}`

const dbzTxnSchema = `{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"total_order"},{"type":"int64","optional":false,"field":"data_collection_order"}],"optional":true,"name":"event.block","version":1,"field":"transaction"}`

var ddlKeySchema = []byte(`{"type":"struct","fields":[{"type":"string","optional":false,"field":"databaseName"}],"optional":false,"name":"io.debezium.connector.mysql.SchemaChangeKey"}`)

var ddlValueSchema = []byte(`{"type":"struct","fields":[` + dbzSourceSchema + `,{"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":true,"field":"databaseName"},{"type":"string","optional":true,"field":"schemaName"},{"type":"string","optional":true,"field":"ddl"},{"type":"array","items":{"type":"string","optional":false},"optional":true,"field":"tableChanges"}],"optional":false,"name":"io.debezium.connector.mysql.SchemaChangeValue"}`)

func (m *tableMeta) buildDebeziumSchemas(cfg *projConfig) {
	base := cfg.Prefix + "." + m.db + "." + m.table
	var keyFields, valFields [][]byte
	for i := range m.cols {
		f := dbzField(&m.cols[i], cfg.DecimalMode)
		valFields = append(valFields, f)
		if m.cols[i].key {
			keyFields = append(keyFields, f)
		}
	}
	m.keySchema = structSchema(base+".Key", false, keyFields, "")
	m.valueSchema = structSchema(base+".Value", true, valFields, "")
	before := structSchema(base+".Value", true, valFields, "before")
	after := structSchema(base+".Value", true, valFields, "after")
	m.envSchema = structSchema(base+".Envelope", false, [][]byte{before, after, []byte(dbzSourceSchema),
		[]byte(`{"type":"string","optional":false,"field":"op"}`), []byte(`{"type":"int64","optional":true,"field":"ts_ms"}`),
		[]byte(dbzTxnSchema)}, "")
}
