package change

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Key is a tuple of key-column values (same conventions as Row).
type Key []any

// Chunk is a half-open key range (Lower, Upper] of one table: rows whose key is strictly
// greater than Lower and less than or equal to Upper. A nil Lower means "from the first row",
// a nil Upper means "to the last row", so the chunks of a plan cover the whole key space,
// including rows inserted after planning. Seq numbers chunks from 0 within a table.
type Chunk struct {
	Seq   int
	Lower Key
	Upper Key
}

// taggedValue is the JSON form of one key value; exactly one field is set.
type taggedValue struct {
	I *int64  `json:"i,omitempty"`
	U *string `json:"u,omitempty"`
	F *string `json:"f,omitempty"` // float64 bits as hex, exact
	B *string `json:"b,omitempty"` // base64 bytes
	N bool    `json:"n,omitempty"` // NULL
}

// EncodeKey renders k as a stable JSON string that DecodeKey restores with the same Go types.
// A nil key encodes as "".
func EncodeKey(k Key) (string, error) {
	if k == nil {
		return "", nil
	}
	out := make([]taggedValue, len(k))
	for i, v := range k {
		switch x := v.(type) {
		case nil:
			out[i].N = true
		case int64:
			out[i].I = &x
		case int:
			y := int64(x)
			out[i].I = &y
		case uint64:
			s := strconv.FormatUint(x, 10)
			out[i].U = &s
		case float64:
			s := strconv.FormatUint(math.Float64bits(x), 16)
			out[i].F = &s
		case float32:
			s := strconv.FormatUint(math.Float64bits(float64(x)), 16)
			out[i].F = &s
		case []byte:
			s := base64.StdEncoding.EncodeToString(x)
			out[i].B = &s
		case string:
			s := base64.StdEncoding.EncodeToString([]byte(x))
			out[i].B = &s
		default:
			return "", fmt.Errorf("change: cannot encode key value of type %T", v)
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// DecodeKey is the inverse of EncodeKey.
func DecodeKey(s string) (Key, error) {
	if s == "" {
		return nil, nil
	}
	var in []taggedValue
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("change: bad key encoding: %w", err)
	}
	k := make(Key, len(in))
	for i, t := range in {
		switch {
		case t.N:
			k[i] = nil
		case t.I != nil:
			k[i] = *t.I
		case t.U != nil:
			u, err := strconv.ParseUint(*t.U, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("change: bad key encoding: %w", err)
			}
			k[i] = u
		case t.F != nil:
			b, err := strconv.ParseUint(*t.F, 16, 64)
			if err != nil {
				return nil, fmt.Errorf("change: bad key encoding: %w", err)
			}
			k[i] = math.Float64frombits(b)
		case t.B != nil:
			b, err := base64.StdEncoding.DecodeString(*t.B)
			if err != nil {
				return nil, fmt.Errorf("change: bad key encoding: %w", err)
			}
			k[i] = b
		default:
			return nil, fmt.Errorf("change: empty key value at %d", i)
		}
	}
	return k, nil
}
