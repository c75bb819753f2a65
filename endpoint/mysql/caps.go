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
