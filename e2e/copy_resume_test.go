package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/godwit/godwit/testenv"
)

// TestCopyResumeMillionRows SIGKILLs a godwit subprocess a third of the way through copying
// a 1,000,000-row table and starts it again on the same data dir. Proof that done chunks are
// not copied again and in-flight ones are redone: right after the kill the test marks every
// row already on the target (k = -7). Rows of chunks godwit had finished keep the mark
// (they are skipped); rows of unfinished chunks are overwritten by the redo. So the marked
// rows must number at least the rows godwit reported done before the kill, and at most that
// plus the chunks that can have been in flight. Apart from the mark, the final data must be
// identical.
func TestCopyResumeMillionRows(t *testing.T) {
	const total, chunkRows, readers, writers = 1_000_000, 20_000, 2, 2
	bin := buildGodwit(t)
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	db := testenv.UniqueName("resume")
	exec(t, src, "CREATE DATABASE `"+db+"`")
	exec(t, src, "CREATE TABLE `"+db+"`.big (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, c CHAR(60) NOT NULL, pad VARCHAR(40) NULL, KEY k (k))")
	exec(t, src, "INSERT INTO `"+db+"`.big SELECT seq, seq % 1000, MD5(seq), IF(seq % 9 = 0, NULL, SHA1(seq)) FROM `"+db+"`.seq_1_to_1000000")
	exec(t, src, "ANALYZE TABLE `"+db+"`.big")
	t.Cleanup(func() { exec(t, src, "DROP DATABASE `"+db+"`"); exec(t, dst, "DROP DATABASE IF EXISTS `"+db+"`") })

	dataDir := filepath.Join(t.TempDir(), "data")
	port := freePort(t)
	g := startGodwit(t, bin, dataDir, port)
	sid, did := createDS(t, g.base, "s-"+db, src), createDS(t, g.base, "d-"+db, dst)
	id := createProject(t, g.base, map[string]any{"name": "resume_" + db, "type": "MIGRATION",
		"sourceEndpointId": sid, "sinkEndpointId": did,
		"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": db}}},
		"enableStructTransfer": true, "enableFullTransfer": true,
		"structTransferConfig": map[string]any{"deferIndexCreation": true},
		"fullTransferConfig":   map[string]any{"readWorkerNum": readers, "writeWorkerNum": writers, "chunkRows": chunkRows}})
	if code, e := action(t, g.base, id, "start"); code != 200 {
		t.Fatalf("start: HTTP %d %+v", code, e)
	}
	var before tableProgress
	waitFor(t, 3*time.Minute, "a third of the rows", func() bool {
		if s := projectStatus(t, g.base, id); s != "RUNNING" {
			t.Fatalf("project %s before the kill", s)
		}
		for _, tp := range tables(t, g.base, id, "FULL_TRANSFER") {
			before = tp
		}
		return before.Done >= total/3
	})
	g.kill()
	if before.Done >= total || before.Status == "FINISHED" {
		t.Fatal("the copy finished before the kill")
	}
	_, d := pools(t, src, dst)
	present := count(t, d, fmt.Sprintf("SELECT COUNT(*) FROM `%s`.big", db))
	if _, err := d.Exec(fmt.Sprintf("UPDATE `%s`.big SET k = -7", db)); err != nil {
		t.Fatal(err)
	}

	g = startGodwit(t, bin, dataDir, port) // resumes by itself
	if s := waitStatus(t, g.base, id, "FINISHED", "FAILED"); s != "FINISHED" {
		t.Fatalf("project %s after restart", s)
	}
	kept := count(t, d, fmt.Sprintf("SELECT COUNT(*) FROM `%s`.big WHERE k = -7", db))
	slack := int64(readers+2*writers) * chunkRows // chunks that can finish between the last poll and the kill
	t.Logf("killed with %d rows in %d done chunks (%d rows on the target); %d marked rows survived the resume",
		before.Done, before.Extra.ChunksDone, present, kept)
	if kept < before.Done {
		t.Errorf("only %d marked rows survived but %d rows were done before the kill: done chunks were copied again", kept, before.Done)
	}
	if kept > before.Done+slack {
		t.Errorf("%d marked rows survived, more than the %d done before the kill plus %d in flight: unfinished chunks were not redone", kept, before.Done, slack)
	}
	var after tableProgress
	for _, tp := range tables(t, g.base, id, "FULL_TRANSFER") {
		after = tp
	}
	if after.Status != "FINISHED" || after.Extra.ResumedChunks < before.Extra.ChunksDone {
		t.Errorf("after resume: %+v; want FINISHED with at least %d chunks skipped", after, before.Extra.ChunksDone)
	}
	s, _ := pools(t, src, dst)
	cols := [][2]string{{"id", "id"}, {"c", "c"}, {"pad", "pad"}}
	diff, err := testenv.CompareTables(context.Background(), s, db+".big", d, db+".big", []string{"id"}, cols)
	if err != nil {
		t.Fatal(err)
	}
	if !diff.Same() {
		t.Errorf("final data differs: %s", diff)
	}
	full, err := testenv.CompareTables(context.Background(), s, db+".big", d, db+".big", []string{"id"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if full.OnlyInSrc != 0 || full.OnlyInDst != 0 || full.Different != kept {
		t.Errorf("full comparison: %s; want exactly the %d marked rows different", full, kept)
	}
	if a, b := indexSet(t, s, db, "big"), indexSet(t, d, db, "big"); a != b {
		t.Errorf("indexes: source %s, target %s", a, b)
	}
}
