#!/usr/bin/env bash
# bench/pgcopy.sh — MySQL → PostgreSQL full copy: godwit vs pgloader, in one run, on one
# throwaway MariaDB source and one throwaway PostgreSQL target (same servers for both).
#
# Dataset: bench/cmd/copybench seed (8 × 250,000 sysbench-shaped rows + 200,000 rows of
# awkward types: zero dates, NUL bytes in text, negative and > 24 h TIME, BIT(64), BIGINT
# UNSIGNED maxima, DECIMAL(65,30), denormal floats, JSON, blobs). Each tool runs RUNS times
# (interleaved) into a fresh PostgreSQL database, end to end (schema, data, indexes); each copy is then
# checked by `copybench pgverify`: every table present, every row and every value equal
# (read from both sides by the checker, not by the tools).
#
# pgloader is given what it needs to finish here: 4 GB of dynamic space, 4 workers, 1 concurrency,
# prefetch/batch of 10,000 rows, and its default casts (zero dates to NULL). godwit runs
# with typeMapping.zeroDate=null and typeMapping.nulInText=strip (the dataset holds zero dates and
# NULs, which PostgreSQL cannot store; the checker expects them NULL / stripped for both tools).
#
# Env: RUNS (default 3), KEEP=1 keeps the work dir, RESULTS=file also writes the summary there.
set -euo pipefail
RUNS=${RUNS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
export PATH=/usr/local/go/bin:$PATH

need_pkgs pgloader:pgloader

WORK=$(mktemp -d /tmp/godwit-bench-pgcopy.XXXXXX)
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

echo "== starting source MariaDB and target PostgreSQL"
"$CB" pgservers -env "$WORK/env" >"$WORK/servers.log" 2>&1 &
SERVERS_PID=$!
for _ in $(seq 120); do [ -s "$WORK/env" ] && break; sleep 0.5; done
[ -s "$WORK/env" ] || { cat "$WORK/servers.log"; exit 1; }
# shellcheck disable=SC1091
. "$WORK/env"

echo "== building the dataset"
"$CB" seed -env "$WORK/env"

run_godwit() {
	"$CB" pgreset -env "$WORK/env" -pgdb gw
	"$CB" pggodwit -env "$WORK/env" -bin "$WORK/godwit" -work "$WORK" -pgdb gw | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p'
}
run_pgloader() {
	local t0
	"$CB" pgreset -env "$WORK/env" -pgdb pgl
	cat >"$WORK/load.pgl" <<LOAD
LOAD DATABASE
  FROM mysql://root:${PASSWORD}@127.0.0.1:${SRC_PORT}/bench
  INTO postgresql://postgres:${PG_PASSWORD}@127.0.0.1:${DST_PORT}/pgl
WITH include drop, create tables, create indexes, reset sequences,
     workers = 4, concurrency = 1, prefetch rows = 10000, batch rows = 10000
SET MySQL PARAMETERS net_read_timeout = '600', net_write_timeout = '600'
;
LOAD
	t0=$(now)
	local rc=0
	pgloader --dynamic-space-size 4096 --no-ssl-cert-verification "$WORK/load.pgl" >"$WORK/pgloader.log" 2>&1 || rc=$?
	elapsed "$t0"
	echo "pgloader exit status $rc" >>"$WORK/pgloader.log"
}

TOOLS=(godwit pgloader)
declare -A TIMES EXACT
for run in $(seq "$RUNS"); do
	for tool in "${TOOLS[@]}"; do
		case $tool in
		godwit) s=$(run_godwit); db=gw ;;
		pgloader) s=$(run_pgloader); db=pgl ;;
		esac
		if v=$("$CB" pgverify -env "$WORK/env" -pgdb "$db" 2>&1); then
			verdict=exact
		else
			verdict=DIFFERS
		fi
		echo "$v" | sed 's/^/    /'
		TIMES[$tool]="${TIMES[$tool]:-} $s"
		[ "${EXACT[$tool]:-exact}" = exact ] && EXACT[$tool]=$verdict
		echo "run $run: $tool ${s}s ($verdict)"
		if [ "$tool" = pgloader ]; then tail -26 "$WORK/pgloader.log" | sed 's/^/    pgloader: /'; fi
	done
done

# shellcheck disable=SC2086
ref=$(median ${TIMES[pgloader]})
{
	echo
	echo "== results: median of $RUNS runs, MySQL → PostgreSQL, 2.2M rows (8 x 250k sbtest + 200k awkward), $(nproc) cores"
	printf '%-10s %9s %11s  %-8s %s\n' tool median_s vs_pgloader copy runs_s
	for tool in "${TOOLS[@]}"; do
		# shellcheck disable=SC2086
		m=$(median ${TIMES[$tool]})
		printf '%-10s %9s %11s  %-8s %s\n' "$tool" "$m" "$(ratio "$m" "$ref")" "${EXACT[$tool]}" "${TIMES[$tool]# }"
	done
} | tee "${RESULTS:-/dev/null}"
[ "${EXACT[godwit]}" = exact ]
