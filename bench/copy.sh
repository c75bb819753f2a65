#!/usr/bin/env bash
# bench/copy.sh — full-copy benchmark: godwit vs mydumper+myloader (-t 2, -t 4) vs
# mariadb-dump | mariadb, on one pair of throwaway MariaDB servers, in one run.
#
# It installs missing peers (Debian: mydumper, mariadb-client), builds godwit and the helper
# bench/cmd/copybench, starts a source and a target MariaDB (same settings for every tool:
# 1 GB buffer pool, 512 MB redo log, no binary log on the target), builds the deterministic
# dataset (sbtest1..8 × 250,000 sysbench-shaped rows + 200,000 rows of awkward types), then
# runs every tool RUNS times (interleaved), each copy from an empty target database,
# verifies each copy (row counts, per-row MD5 checksums of every column, index sets), and
# prints the medians, the ratios to mydumper+myloader -t 4, and godwit's peak RSS.
#
# godwit's time is end to end through its API: start → FINISHED over precheck, schema (PK
# only), full copy and INDEX_TRANSFER (the deferred secondary indexes).
#
# Env: RUNS (default 3), KEEP=1 keeps the work dir, RESULTS=file also writes the summary there.
set -euo pipefail
RUNS=${RUNS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
export PATH=/usr/local/go/bin:$PATH

need_pkgs mydumper:mydumper myloader:mydumper mariadb:mariadb-client mariadb-dump:mariadb-client

WORK=$(mktemp -d /tmp/godwit-bench-copy.XXXXXX)
SERVERS_PID=
cleanup() {
	if [ -n "$SERVERS_PID" ] && kill -0 "$SERVERS_PID" 2>/dev/null; then
		kill "$SERVERS_PID" && wait "$SERVERS_PID" 2>/dev/null || true
	fi
	[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building godwit and copybench"
(cd "$ROOT" && go build -o "$WORK/godwit" ./cmd/godwit && go build -o "$WORK/copybench" ./bench/cmd/copybench)
CB="$WORK/copybench"

echo "== starting source and target MariaDB"
"$CB" servers -env "$WORK/env" >"$WORK/servers.log" 2>&1 &
SERVERS_PID=$!
for _ in $(seq 120); do [ -s "$WORK/env" ] && break; sleep 0.5; done
[ -s "$WORK/env" ] || { cat "$WORK/servers.log"; exit 1; }
# shellcheck disable=SC1091
. "$WORK/env"
MYSRC=(-h 127.0.0.1 -P "$SRC_PORT" -u root "-p$PASSWORD")
MYDST=(-h 127.0.0.1 -P "$DST_PORT" -u root "-p$PASSWORD")
SRC_PID=$(cat "$(dirname "$SRC_SOCK")/mysqld.pid")
DST_PID=$(cat "$(dirname "$DST_SOCK")/mysqld.pid")
# ticks PID prints a process's user+system CPU time in clock ticks (1/100 s).
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
MYD_SRC=(-h 127.0.0.1 -P "$SRC_PORT" -u root -p "$PASSWORD")
MYD_DST=(-h 127.0.0.1 -P "$DST_PORT" -u root -p "$PASSWORD")

echo "== building the dataset"
"$CB" seed -env "$WORK/env"

reset_target() { mariadb "${MYDST[@]}" -e "DROP DATABASE IF EXISTS bench"; }

# Each run_* prints the seconds it took and writes the tool's own CPU seconds to $WORK/toolcpu.
run_godwit() {
	local out
	out=$("$CB" godwit -env "$WORK/env" -bin "$WORK/godwit" -work "$WORK")
	sed -n 's/.*rss_kb=\([0-9]*\).*/\1/p' <<<"$out" >>"$WORK/godwit-rss"
	sed -n 's/.*cpu_s=\([0-9.]*\).*/\1/p' <<<"$out" >"$WORK/toolcpu"
	sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$out"
}
run_mydumper() {
	local t=$1 dir="$WORK/dump" t0
	rm -rf "$dir"
	t0=$(now)
	/usr/bin/time -f "%U %S" -o "$WORK/t1" mydumper "${MYD_SRC[@]}" -B bench -t "$t" -o "$dir" >"$WORK/mydumper.log" 2>&1
	/usr/bin/time -f "%U %S" -o "$WORK/t2" myloader "${MYD_DST[@]}" -B bench -t "$t" -d "$dir" >"$WORK/myloader.log" 2>&1
	elapsed "$t0"
	cat "$WORK/t1" "$WORK/t2" | awk '{ s += $1 + $2 } END { printf "%.2f", s }' >"$WORK/toolcpu"
	rm -rf "$dir"
}
run_dump() {
	local t0
	t0=$(now)
	/usr/bin/time -f "%U %S" -o "$WORK/t1" mariadb-dump "${MYSRC[@]}" --single-transaction --databases bench |
		/usr/bin/time -f "%U %S" -o "$WORK/t2" mariadb "${MYDST[@]}"
	elapsed "$t0"
	cat "$WORK/t1" "$WORK/t2" | awk '{ s += $1 + $2 } END { printf "%.2f", s }' >"$WORK/toolcpu"
}

TOOLS=(godwit myloader_t2 myloader_t4 mariadb_dump)
declare -A TIMES CPUS EXACT
for run in $(seq "$RUNS"); do
	for tool in "${TOOLS[@]}"; do
		reset_target
		s0=$(ticks "$SRC_PID") d0=$(ticks "$DST_PID")
		case $tool in
		godwit) s=$(run_godwit) ;;
		myloader_t2) s=$(run_mydumper 2) ;;
		myloader_t4) s=$(run_mydumper 4) ;;
		mariadb_dump) s=$(run_dump) ;;
		esac
		cpu=$(awk -v s="$(( $(ticks "$SRC_PID") - s0 ))" -v d="$(( $(ticks "$DST_PID") - d0 ))" -v t="$(cat "$WORK/toolcpu")" \
			'BEGIN { printf "%.1f", s / 100 + d / 100 + t }')
		if v=$("$CB" verify -env "$WORK/env" 2>&1); then
			verdict=exact
		else
			verdict=DIFFERS
			echo "$v" | sed 's/^/    /' >&2
		fi
		TIMES[$tool]="${TIMES[$tool]:-} $s"
		CPUS[$tool]="${CPUS[$tool]:-} $cpu"
		[ "${EXACT[$tool]:-exact}" = exact ] && EXACT[$tool]=$verdict
		echo "run $run: $tool ${s}s, CPU ${cpu}s (source+target servers+tool) ($verdict)"
	done
done

GODWIT_RSS_MAX=$(sort -n "$WORK/godwit-rss" | tail -1)
# shellcheck disable=SC2086
ref=$(median ${TIMES[myloader_t4]})
# shellcheck disable=SC2086
cref=$(median ${CPUS[myloader_t4]})
{
	echo
	echo "== results: median of $RUNS runs, 2.2M rows (8 x 250k sbtest + 200k awkward), $(nproc) cores"
	printf '%-14s %9s %6s %9s %6s  %-8s %s\n' tool median_s vs_t4 cpu_s vs_t4 copy runs_s
	for tool in "${TOOLS[@]}"; do
		# shellcheck disable=SC2086
		m=$(median ${TIMES[$tool]}) c=$(median ${CPUS[$tool]})
		printf '%-14s %9s %6s %9s %6s  %-8s %s\n' "$tool" "$m" "$(ratio "$m" "$ref")" "$c" "$(ratio "$c" "$cref")" \
			"${EXACT[$tool]}" "${TIMES[$tool]# }"
	done
	echo "cpu_s: CPU seconds of the source server + target server + the tool's processes (median)"
	echo "godwit peak RSS: $((GODWIT_RSS_MAX / 1024)) MB (VmHWM of the godwit server process, max over runs)"
} | tee "${RESULTS:-/dev/null}"

echo "== wide rows: godwit copying 400 x 1 MB + 8 x 24 MB LONGBLOB rows (memory bound)"
"$CB" seed -env "$WORK/env" -wide
mariadb "${MYDST[@]}" -e "DROP DATABASE IF EXISTS benchwide"
wide=$("$CB" godwit -env "$WORK/env" -bin "$WORK/godwit" -work "$WORK" -db benchwide)
wide_verdict=exact
"$CB" verify -env "$WORK/env" -srcdb benchwide || wide_verdict=DIFFERS
{
	echo "wide rows: $(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$wide")s, copy $wide_verdict, godwit peak RSS $(($(sed -n 's/.*rss_kb=\([0-9]*\).*/\1/p' <<<"$wide") / 1024)) MB"
} | tee -a "${RESULTS:-/dev/null}"
[ "${EXACT[godwit]}" = exact ] && [ "$wide_verdict" = exact ]
