package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/godwit/godwit/sampledb"
	"github.com/godwit/godwit/testenv"
)

// TestVerifyCommand: standalone verification between two databases with renames, a JSON
// report, exit 2 on INCONSISTENT, a corrections file, and --apply healing the target.
func TestVerifyCommand(t *testing.T) {
	m := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	ctx := context.Background()
	srcDB, src := testenv.NewMariaDBDatabase(t, m, "clisrc")
	dstDB, dst := testenv.NewMariaDBDatabase(t, m, "clidst")
	if _, err := sampledb.Create(ctx, src, srcDB, sampledb.Options{Scale: 0.02, DropExisting: true, Workers: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := sampledb.Create(ctx, dst, dstDB, sampledb.Options{Scale: 0.02, DropExisting: true, Workers: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Exec("RENAME TABLE `" + dstDB + "`.orders TO `" + dstDB + "`.orders2"); err != nil {
		t.Fatal(err)
	}
	args := []string{"verify", "--source", "mariadb://root@" + m.Addr(), "--target-host", m.Host,
		"--target-port", strconv.Itoa(m.Port), "--target-user", "root", "--target-password-stdin", "--plain",
		"--databases", srcDB, "--map-db", srcDB + ":" + dstDB, "--map-table", srcDB + ".orders:orders2", "--chunk-rows", "200"}
	t.Setenv("GODWIT_SOURCE_PASSWORD", m.Password)
	cli := func(extra ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, append(append([]string{}, args...), extra...), strings.NewReader(m.Password+"\n"), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, errs := cli()
	if code != 0 || !strings.Contains(out, "CONSISTENT:") || !strings.Contains(out, dstDB+".orders2") {
		t.Fatalf("equal data: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := dst.Exec("UPDATE `" + dstDB + "`.customers SET name = CONCAT(name, ' ') WHERE id = 3"); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Exec("DELETE FROM `" + dstDB + "`.orders2 ORDER BY id LIMIT 1"); err != nil {
		t.Fatal(err)
	}
	fix := filepath.Join(t.TempDir(), "fix.sql")
	code, out, errs = cli("-o", "json", "--corrections", fix)
	if code != 2 {
		t.Fatalf("differences: exit %d, want 2\n%s\n%s", code, out, errs)
	}
	var rep struct {
		Result string `json:"result"`
		Diffs  []struct {
			Table, Kind, Key string
			Columns          []string
			FixSQL           string `json:"fixSql"`
		} `json:"diffs"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Result != "INCONSISTENT" || len(rep.Diffs) != 2 {
		t.Fatalf("report %+v", rep)
	}
	sqlText, err := os.ReadFile(fix)
	if err != nil || !strings.Contains(string(sqlText), "REPLACE INTO `"+dstDB+"`.`orders2`") ||
		!strings.Contains(string(sqlText), "REPLACE INTO `"+dstDB+"`.`customers`") {
		t.Fatalf("corrections file: %v\n%s", err, sqlText)
	}
	code, out, errs = cli("--apply")
	if code != 0 || !strings.Contains(out, "re-check CONSISTENT") {
		t.Fatalf("--apply: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, _ = cli(); code != 0 {
		t.Fatalf("after --apply: exit %d\n%s", code, out)
	}
	// A password in the DSN is refused.
	var ob, eb bytes.Buffer
	if c := run(ctx, []string{"verify", "--source", "mysql://root:pw@" + m.Addr(), "--tables", "a.b"}, strings.NewReader(""), &ob, &eb); c != 1 ||
		!strings.Contains(eb.String(), "do not put the password") {
		t.Fatalf("DSN with password: exit %d %s", c, eb.String())
	}
}
