package mysql

import (
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.KeyResumer = (*Endpoint)(nil)

// ResumesAfter reports whether "c > value" follows c's index order: not for ENUM and SET
// (indexed by member number, compared as strings against a literal), BIT, JSON or spatial
// columns. It implements endpoint.KeyResumer.
func (e *Endpoint) ResumesAfter(c *schema.Column) bool {
	switch strings.ToLower(c.DataType) {
	case "enum", "set", "bit", "json", "geometry", "point", "linestring", "polygon",
		"multipoint", "multilinestring", "multipolygon", "geometrycollection":
		return false
	}
	return true
}

// FastHashAlgorithm is the 32-bit pushed-down hash FAST verification prefers (verify.FastHasher).
func (e *Endpoint) FastHashAlgorithm() string { return HashCRC32 }

// FastHashAlgorithm is the endpoint's (verify.FastHasher).
func (s *Snapshot) FastHashAlgorithm() string { return s.e.FastHashAlgorithm() }
