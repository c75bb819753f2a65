package verify

import (
	"context"
	"testing"

	"github.com/godwit/godwit/endpoint"
)

// hasher is a Hasher with a fixed list and an optional fast algorithm.
type hasher struct {
	endpoint.Endpoint
	algos []string
	fast  string
}

func (h hasher) HashAlgorithms() []string { return h.algos }
func (h hasher) HashChunk(context.Context, endpoint.ChecksumRequest, string) (int64, string, error) {
	return 0, "", nil
}

type fastHasher struct{ hasher }

func (h fastHasher) FastHashAlgorithm() string { return h.fast }

// TestAlgorithmChoice: the best common pushed-down algorithm by default; with FAST the sides'
// shared fast one (FastHasher), never a name the generic code made up.
func TestAlgorithmChoice(t *testing.T) {
	a := fastHasher{hasher{algos: []string{"strong/2", "weak/1"}, fast: "weak/1"}}
	b := fastHasher{hasher{algos: []string{"weak/1", "strong/2"}, fast: "weak/1"}}
	plain := hasher{algos: []string{"strong/2", "weak/1"}}
	for _, c := range []struct {
		what     string
		src, dst any
		opt      Options
		want     string
	}{
		{"normal", a, b, Options{}.SpeedMode("NORMAL", 4), "strong/2"},
		{"fast", a, b, Options{}.SpeedMode("FAST", 4), "weak/1"},
		{"fast without FastHasher on one side", a, plain, Options{}.SpeedMode("FAST", 4), "strong/2"},
		{"go hash", a, b, Options{GoHash: true}, ""},
		{"no common algorithm", a, hasher{algos: []string{"other/1"}}, Options{}, ""},
	} {
		v := &Verifier{src: c.src.(endpoint.Endpoint), dst: c.dst.(endpoint.Endpoint), opt: c.opt}
		if got := v.algorithm(); got != c.want {
			t.Errorf("%s: %q, want %q", c.what, got, c.want)
		}
	}
}
