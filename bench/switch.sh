#!/usr/bin/env bash
# Switchover downtime under load (issue 13): sysbench oltp_write_only at SWITCH_RATE (2000)
# transactions/s on the source as a non-SUPER account, then the switchover; downtime (fence →
# target ready), request → SWITCHED and fence → reverse MONITORING, medians of SWITCH_RUNS (3)
# runs on fresh servers (bench/cmd/switchbench). A few minutes on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
command -v sysbench >/dev/null 2>&1 || { echo "bench/switch.sh: sysbench is missing (apt-get install -y sysbench)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/godwit-switchbench-bin-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/godwit" ./cmd/godwit
go build -o "$tmp/switchbench" ./bench/cmd/switchbench
"$tmp/switchbench" -godwit "$tmp/godwit" -runs "${SWITCH_RUNS:-3}" -rate "${SWITCH_RATE:-2000}" ${SWITCH_ARGS:-}
