package postgres

import (
	"fmt"
	"sort"
	"strings"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

// Data-source options of a POSTGRESQL data source (model.DataSource.Options). Unknown keys
// and unknown values are refused when the data source is created (CheckOptions), so no
// setting is ever accepted and then ignored.
const (
	// OptDatabase names the PostgreSQL database godwit connects to; MySQL databases become
	// schemas inside it. Default: the data source's schema field, else "postgres".
	OptDatabase = "database"
	// OptSSLMode is libpq's sslmode (disable, allow, prefer, require, verify-ca, verify-full).
	OptSSLMode = "sslmode"
	// OptTinyint1 maps MySQL TINYINT(1) / BOOLEAN: "smallint" (default, every value exact)
	// or "boolean" (0 → false, 1 → true; any other value fails the copy naming the row).
	OptTinyint1 = "typeMapping.tinyint1"
	// OptEnum maps ENUM: "text" (default: text with a CHECK on the members) or "enum" (a
	// PostgreSQL enum type <table>_<column>_enum in the table's schema).
	OptEnum = "typeMapping.enum"
	// OptJSON maps JSON: "jsonb" (default; PostgreSQL normalises the document: key order,
	// spacing, duplicate keys) or "json" (the text exactly as stored).
	OptJSON = "typeMapping.json"
	// OptTime maps TIME: "interval" (default: every value of -838:59:59 … 838:59:59) or
	// "time" (time of day; a negative or ≥ 24h value fails the copy naming the row).
	OptTime = "typeMapping.time"
	// OptZeroDate is the policy for MySQL zero dates ('0000-00-00', '2024-00-10'): "refuse"
	// (default: the copy fails naming the row) or "null" (written as NULL where the column
	// allows NULL; a zero date in a NOT NULL column still fails naming the row).
	OptZeroDate = "typeMapping.zeroDate"
	// OptNulInText is the policy for character data holding NUL bytes, which PostgreSQL text
	// cannot store: "refuse" (default: the copy fails naming the row) or "strip" (NULs are
	// removed; verification then reports those rows as different — a stated, visible loss).
	OptNulInText = "typeMapping.nulInText"
)

// Mapping is the resolved type-mapping choices of a target.
type Mapping struct {
	Tinyint1  string
	Enum      string
	JSON      string
	Time      string
	ZeroDate  string
	NulInText string
}

type optSpec struct {
	values []string // first is the default; nil = free text
}

var optSpecs = map[string]optSpec{ // read-only after init (not mutated)
	OptDatabase:  {},
	OptSSLMode:   {values: []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}},
	OptTinyint1:  {values: []string{"smallint", "boolean"}},
	OptEnum:      {values: []string{"text", "enum"}},
	OptJSON:      {values: []string{"jsonb", "json"}},
	OptTime:      {values: []string{"interval", "time"}},
	OptZeroDate:  {values: []string{"refuse", "null"}},
	OptNulInText: {values: []string{"refuse", "strip"}},
}

// CheckOptions validates a POSTGRESQL data source's options: every key known, every value
// one of its choices. The error is PARAM_ERROR naming the field.
func CheckOptions(ds model.DataSource) error {
	_, err := parseMapping(ds.Options)
	return err
}

func parseMapping(opts map[string]string) (Mapping, error) {
	get := func(k string) string {
		if v, ok := opts[k]; ok && strings.TrimSpace(v) != "" {
			return strings.ToLower(strings.TrimSpace(v))
		}
		return optSpecs[k].values[0]
	}
	for k, v := range opts {
		spec, ok := optSpecs[k]
		if !ok {
			known := make([]string, 0, len(optSpecs))
			for n := range optSpecs {
				known = append(known, n)
			}
			sort.Strings(known)
			return Mapping{}, errs.New(errs.KindInvalid, errs.CodeParam,
				fmt.Sprintf("options.%s is not an option of POSTGRESQL data sources", k),
				"Known options: "+strings.Join(known, ", ")+".").With("field", "options."+k)
		}
		if spec.values == nil {
			continue
		}
		if !contains(spec.values, strings.ToLower(strings.TrimSpace(v))) {
			return Mapping{}, errs.New(errs.KindInvalid, errs.CodeParam,
				fmt.Sprintf("options.%s is %q; it must be one of %s", k, v, strings.Join(spec.values, ", ")),
				fmt.Sprintf("Set options.%s to one of %s (default %s), or leave it out.", k, strings.Join(spec.values, ", "), spec.values[0])).
				With("field", "options."+k)
		}
	}
	return Mapping{Tinyint1: get(OptTinyint1), Enum: get(OptEnum), JSON: get(OptJSON), Time: get(OptTime),
		ZeroDate: get(OptZeroDate), NulInText: get(OptNulInText)}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// databaseOf is the database a data source connects to.
func databaseOf(ds model.DataSource) string {
	if d := strings.TrimSpace(ds.Options[OptDatabase]); d != "" {
		return d
	}
	if ds.Schema != "" {
		return ds.Schema
	}
	return "postgres"
}
