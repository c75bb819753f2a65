// Package archtest holds the tests that keep godwit's dependency rules true (see the layout
// block of docs/ARCHITECTURE.md). It has no code of its own; its test parses the imports of
// the packages it guards (go/build and go/parser, no type checking) and fails on an import
// the rules forbid.
package archtest
