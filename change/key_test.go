package change

import (
	"bytes"
	"math"
	"testing"
)

func TestKeyRoundTrip(t *testing.T) {
	keys := []Key{
		nil,
		{int64(-1), int64(math.MaxInt64), int64(math.MinInt64)},
		{uint64(math.MaxUint64), uint64(1 << 63)},
		{[]byte{0, 0x0a, 0xff, '\''}, []byte{}, nil},
		{math.Float64frombits(1), -0.0, 3.4028234663852886e+38},
	}
	for _, k := range keys {
		s, err := EncodeKey(k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeKey(s)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(k) {
			t.Fatalf("%v → %q → %v", k, s, got)
		}
		for i := range k {
			switch want := k[i].(type) {
			case []byte:
				if !bytes.Equal(got[i].([]byte), want) {
					t.Errorf("%d: %v != %v", i, got[i], want)
				}
			case float64:
				if math.Float64bits(got[i].(float64)) != math.Float64bits(want) {
					t.Errorf("%d: float bits differ", i)
				}
			default:
				if got[i] != k[i] {
					t.Errorf("%d: %v (%T) != %v (%T)", i, got[i], got[i], k[i], k[i])
				}
			}
		}
	}
	if _, err := DecodeKey("not json"); err == nil {
		t.Error("bad encoding accepted")
	}
	if _, err := EncodeKey(Key{struct{}{}}); err == nil {
		t.Error("unsupported type accepted")
	}
}

// FuzzDecodeKey: persisted chunk bounds are decoded on every resume; garbage must error, not panic.
func FuzzDecodeKey(f *testing.F) {
	f.Add(`[{"i":1},{"b":"AAo="},{"n":true}]`)
	f.Add(`[{"u":"18446744073709551615"},{"f":"7ff0000000000000"}]`)
	f.Add(`[{}]`)
	f.Fuzz(func(t *testing.T, s string) {
		k, err := DecodeKey(s)
		if err != nil {
			return
		}
		s2, err := EncodeKey(k)
		if err != nil {
			t.Fatalf("decoded key does not re-encode: %v", err)
		}
		if _, err := DecodeKey(s2); err != nil {
			t.Fatalf("re-encoded key does not decode: %v", err)
		}
	})
}
