package model

import (
	"strings"
	"testing"
)

func TestCheckDisplayName(t *testing.T) {
	for _, ok := range []string{"src01", "shop mig", "表名_😀", "a-b.c", "Zoë", strings.Repeat("x", 128), "ab\u200dc"} {
		if err := CheckDisplayName(ok); err != nil {
			t.Errorf("CheckDisplayName(%q) = %v", ok, err)
		}
	}
	for bad, rule := range map[string]string{
		strings.Repeat("x", 129): "128 bytes",
		"bad\xffutf8":            "not valid UTF-8",
		"nul\x00":                "control character U+0000",
		"tab\tname":              "control character U+0009",
		"del\x7f":                "control character U+007F",
		"c1\u0085":               "control character U+0085",
		"\u202eevil":             "bidirectional formatting character U+202E at character 1",
		"a\u202ab":               "U+202A",
		"a\u2066b":               "U+2066",
		"a\u2069":                "U+2069",
		"lrm\u200e":              "U+200E",
		"rlm\u200f":              "U+200F",
		"alm\u061c":              "U+061C",
		"ls\u2028":               "separator U+2028",
		"repl\ufffd":             "replacement character",
	} {
		err := CheckDisplayName(bad)
		if err == nil || !strings.Contains(err.Error(), rule) {
			t.Errorf("CheckDisplayName(%q) = %v, want an error mentioning %q", bad, err, rule)
		}
	}
}
