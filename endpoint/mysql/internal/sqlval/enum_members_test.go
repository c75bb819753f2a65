package sqlval

import "testing"

func TestEnumCountMembers(t *testing.T) {
	for in, want := range map[string]int{
		"enum('a')":              1,
		"enum('a','b''c','d,e')": 3,
		"set('','x')":            2,
		"enum('ünï ?','it''s')":  2,
		"enum('a\\\\','b')":      2,
	} {
		if got := CountMembers(in); got != want {
			t.Errorf("CountMembers(%q) = %d, want %d", in, got, want)
		}
	}
	if got := QuoteMember(`it's \ fine`); got != `'it''s \\ fine'` {
		t.Errorf("QuoteMember = %s", got)
	}
}
