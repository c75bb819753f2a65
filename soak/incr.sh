#!/usr/bin/env bash
# Long variants of the incremental-sync suites (e2e/incr_*_test.go): GODWIT_SOAK=1 makes the
# live-writes test use scale 1 and 8 writers for 20k transactions, and the crash test kill
# godwit 20 more times during incremental sync. Repeat with SOAK_COUNT (default 3); every
# run logs its seed (GODWIT_TEST_SEED=<seed> replays one).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
GODWIT_SOAK=1 go test -count="${SOAK_COUNT:-3}" -timeout 90m -v \
	-run '^(TestIncrLiveWrites|TestIncrCrashes|TestIncrFaults|TestIncrDDL|TestIncrPurgedBinlog)$' ./e2e/
