// Package ddl is MySQL DDL text in both directions, without I/O. Translate classifies a DDL
// statement captured from a binlog (kinds, the tables it names) and rewrites only its table
// names for the target, so everything else stays byte for byte; it never fails and bounds
// the statements it analyses. RenderCreateTable and IndexDef render CREATE TABLE and index
// clauses from a schema.Table with every column attribute kept. It depends on packages
// endpoint (DDLInfo, TableName), schema, sqlparse and sqlval only.
package ddl
