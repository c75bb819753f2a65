#!/usr/bin/env bash
# Incremental sync benchmark (issue 3, acceptance 5): backlog drain in row events/s and live
# delay p50/p99/max under sysbench oltp_write_only at a fixed rate, against two throwaway
# MariaDB servers and a `godwit serve` subprocess (bench/cmd/incrbench). About 15 minutes
# on a 2-core machine. Knobs: INCR_RUNS (3), INCR_DRAIN_EVENTS (1000000), INCR_LIVE_RATE
# (2000), INCR_LIVE_SECONDS (60), INCR_ARGS (more incrbench flags, e.g. -skip-drain).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
if ! command -v sysbench >/dev/null 2>&1; then
	if [ "$(id -u)" != 0 ]; then echo "bench/incr.sh: sysbench is missing; install it (apt-get install -y sysbench)" >&2; exit 1; fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sysbench
fi
tmp=$(mktemp -d /tmp/godwit-incrbench-bin-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/godwit" ./cmd/godwit
go build -o "$tmp/incrbench" ./bench/cmd/incrbench
"$tmp/incrbench" -godwit "$tmp/godwit" -runs "${INCR_RUNS:-3}" -drain-events "${INCR_DRAIN_EVENTS:-1000000}" \
	-live-rate "${INCR_LIVE_RATE:-2000}" -live-seconds "${INCR_LIVE_SECONDS:-60}" ${INCR_ARGS:-}
