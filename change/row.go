// Package change is the one row model shared by the full copy, incremental apply,
// verification and sinks.
//
// A Row holds a table's values in the column order of the schema.Table it was read with.
// Value conventions (what readers produce and writers accept):
//   - nil: SQL NULL
//   - int64: signed integers, YEAR
//   - uint64: unsigned integers above math.MaxInt64
//   - float32: FLOAT (exact bits), float64: DOUBLE (exact bits)
//   - []byte: everything else, in the source's canonical text form for DECIMAL, dates, times,
//     ENUM, SET, JSON and character strings (utf8mb4), and raw bytes for BINARY/VARBINARY/BLOB/BIT.
//
// The schema.Column a value belongs to tells a writer how to render it.
package change

// Row is one row's values; see the package doc for the value conventions.
type Row []any

// Size is an estimate of the bytes a row occupies on the wire, for throughput metrics
// and batch sizing.
func (r Row) Size() int {
	n := 0
	for _, v := range r {
		switch x := v.(type) {
		case nil:
			n++
		case []byte:
			n += len(x) + 1
		case string:
			n += len(x) + 1
		default:
			n += 8
		}
	}
	return n
}
