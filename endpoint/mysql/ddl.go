package mysql

import (
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/ddl"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.DDLTranslator = (*Endpoint)(nil)

// TranslateDDL classifies a DDL statement read from this endpoint's binlog and rewrites it
// for the target (see endpoint.DDLTranslator and ddl.Translate). It never fails.
func (e *Endpoint) TranslateDDL(defaultSchema, query string, mapName func(schema, table string) (endpoint.TableName, bool)) (endpoint.DDLInfo, error) {
	return ddl.Translate(defaultSchema, query, mapName), nil
}

// TranslateDDL is the endpoint-independent implementation of Endpoint.TranslateDDL.
func TranslateDDL(defaultSchema, query string, mapName func(schema, table string) (endpoint.TableName, bool)) endpoint.DDLInfo {
	return ddl.Translate(defaultSchema, query, mapName)
}

// RenderCreateTable renders the CREATE TABLE statement for t (see ddl.RenderCreateTable).
func RenderCreateTable(t *schema.Table, deferIndexes bool) string {
	return ddl.RenderCreateTable(t, deferIndexes)
}
