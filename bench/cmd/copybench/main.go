// Command copybench is the Go side of bench/copy.sh: it starts the benchmark's MariaDB
// servers, builds the deterministic dataset, drives one godwit migration end to end through
// the native API (timing it and reading the server's peak RSS), and verifies copies.
//
//	copybench servers -env FILE                start source+target, write their settings, serve until SIGTERM
//	copybench seed -env FILE [-wide]           (re)build database bench (benchwide) on the source
//	copybench verify -env FILE [-srcdb DB]     compare the target's DB with the source's (rows, checksums, indexes)
//	copybench godwit -env FILE -bin BIN [-db DB]  one godwit run of DB into the target
//	copybench pgservers|pgreset|pggodwit|pgverify   MySQL → PostgreSQL (bench/pgcopy.sh, see pg.go)
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: copybench servers|seed|verify|godwit [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "servers":
		err = cmdServers(os.Args[2:])
	case "seed":
		err = cmdSeed(os.Args[2:])
	case "verify":
		err = cmdVerify(os.Args[2:])
	case "godwit":
		err = cmdGodwit(os.Args[2:])
	case "pgservers":
		err = cmdPGServers(os.Args[2:])
	case "pgreset":
		err = cmdPGReset(os.Args[2:])
	case "pggodwit":
		err = cmdPGGodwit(os.Args[2:])
	case "pgverify":
		err = cmdPGVerify(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "copybench:", err)
		os.Exit(1)
	}
}
