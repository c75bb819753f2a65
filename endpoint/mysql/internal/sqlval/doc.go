// Package sqlval renders Go values (in package change's conventions) as MySQL SQL text:
// literals by target column kind (text escaped, binary as _binary'…', BIT as an integer,
// doubles in their shortest exact form), quoted identifiers and strings, and the catalog's
// ENUM/SET member quoting, including the recovery of 4-byte members MariaDB's utf8mb3
// catalog shows as '?'. Every rendering assumes the session sql_mode package mysql sets
// (backslash escapes on). It depends on package schema only (and database/sql for the
// member recovery); nothing else in endpoint/mysql is imported.
package sqlval
