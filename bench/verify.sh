#!/usr/bin/env bash
# Verification benchmark (issue 5, acceptance 5): on the benchmark dataset (database bench:
# sbtest1..8 × 250k rows + the 200k-row awkward-types table, built by bench/cmd/copybench on
# both throwaway servers, byte-identical), in one pass, VERIFY_RUNS (3) runs each of
#   - godwit verify (standalone CLI, both servers at once, chunk VERIFY_CHUNK rows),
#   - pt-table-checksum run on each server with the same chunk size (sequentially, the
#     way it is run without replication), its per-chunk checksums then compared,
#   - CHECKSUM TABLE of every table on each server (sequentially), values compared,
# and prints per-run times, medians and godwit's ratio to each. Knobs: VERIFY_RUNS (3),
# VERIFY_CHUNK (10000), VERIFY_WORKERS (4). About 10 minutes on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
RUNS=${VERIFY_RUNS:-3}
CHUNK=${VERIFY_CHUNK:-10000}
WORKERS=${VERIFY_WORKERS:-4}
need() { command -v "$1" >/dev/null 2>&1; }
if ! need pt-table-checksum; then
	if [ "$(id -u)" != 0 ]; then echo "bench/verify.sh: pt-table-checksum is missing (apt-get install -y percona-toolkit)" >&2; exit 1; fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends percona-toolkit >/dev/null
fi
tmp=$(mktemp -d /tmp/godwit-verifybench-XXXXXX)
spid=""
cleanup() {
	if [ -n "$spid" ]; then kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/godwit" ./cmd/godwit
go build -o "$tmp/copybench" ./bench/cmd/copybench
"$tmp/copybench" servers -env "$tmp/env" &
spid=$!
for _ in $(seq 1 180); do [ -s "$tmp/env" ] && break; sleep 1; done
[ -s "$tmp/env" ] || { echo "bench/verify.sh: servers did not start" >&2; exit 1; }
# shellcheck disable=SC1091
. "$tmp/env"
sed "s/^SRC_PORT=.*/SRC_PORT=$DST_PORT/" "$tmp/env" >"$tmp/env.dst"
echo "seeding source and target (identical data)…"
"$tmp/copybench" seed -env "$tmp/env"
"$tmp/copybench" seed -env "$tmp/env.dst"
export MYSQL_PWD=$PASSWORD
sql() { mariadb -h127.0.0.1 -P"$1" -uroot -N -B -e "$2"; }
tables=$(sql "$SRC_PORT" "SELECT GROUP_CONCAT(CONCAT('bench.', table_name) ORDER BY table_name) FROM information_schema.tables WHERE table_schema='bench' AND table_type='BASE TABLE'")
rows=$(sql "$SRC_PORT" "SELECT SUM(table_rows) FROM information_schema.tables WHERE table_schema='bench'")
echo "tables: $tables (~$rows rows)"
now() { date +%s.%N; }
declare -a T_GODWIT T_FAST T_PT T_CK
godwit_verify() { # $1 = speed mode
	GODWIT_SOURCE_PASSWORD=$PASSWORD GODWIT_TARGET_PASSWORD=$PASSWORD "$tmp/godwit" verify \
		--source "mariadb://root@127.0.0.1:$SRC_PORT" --target "mariadb://root@127.0.0.1:$DST_PORT" \
		--databases bench --chunk-rows "$CHUNK" --workers "$WORKERS" --speed "$1" --plain -o json >"$tmp/godwit.json" 2>"$tmp/godwit.err" ||
		{ echo "godwit verify failed or found differences:"; cat "$tmp/godwit.err"; head -c 2000 "$tmp/godwit.json"; exit 1; }
}
for i in $(seq 1 "$RUNS"); do
	# godwit: both servers at once, one process; NORMAL (64-bit row hash) and FAST (32-bit, 2x workers).
	t0=$(now)
	godwit_verify NORMAL
	T_GODWIT[i]=$(echo "$(now) - $t0" | bc)
	t0=$(now)
	godwit_verify FAST
	T_FAST[i]=$(echo "$(now) - $t0" | bc)
	# pt-table-checksum on each server with the same chunk size.
	t0=$(now)
	for port in "$SRC_PORT" "$DST_PORT"; do
		pt-table-checksum "h=127.0.0.1,P=$port,u=root,p=$PASSWORD" --databases bench --chunk-size "$CHUNK" --chunk-time 0 \
			--chunk-size-limit 0 --no-check-binlog-format --no-check-replication-filters --recursion-method none \
			--replicate percona.checksums --empty-replicate-table --no-version-check --quiet >"$tmp/pt.$port.out" 2>&1 ||
			{ [ $? -ge 8 ] || true; }
	done
	T_PT[i]=$(echo "$(now) - $t0" | bc)
	q="SELECT db, tbl, chunk, this_cnt, this_crc FROM percona.checksums ORDER BY db, tbl, chunk"
	sql "$SRC_PORT" "$q" >"$tmp/pt.src"
	sql "$DST_PORT" "$q" >"$tmp/pt.dst"
	[ -s "$tmp/pt.src" ] || { echo "pt-table-checksum wrote no checksums:"; cat "$tmp/pt.$SRC_PORT.out"; exit 1; }
	cmp -s "$tmp/pt.src" "$tmp/pt.dst" || { echo "pt-table-checksum chunks differ between the servers"; exit 1; }
	# CHECKSUM TABLE on each server.
	t0=$(now)
	sql "$SRC_PORT" "CHECKSUM TABLE ${tables//,/, }" >"$tmp/ck.src"
	sql "$DST_PORT" "CHECKSUM TABLE ${tables//,/, }" >"$tmp/ck.dst"
	T_CK[i]=$(echo "$(now) - $t0" | bc)
	cmp -s "$tmp/ck.src" "$tmp/ck.dst" || { echo "CHECKSUM TABLE differs between the servers"; exit 1; }
	printf 'run %d: godwit %.2fs  godwit FAST %.2fs  pt-table-checksum %.2fs (%d chunks)  CHECKSUM TABLE %.2fs\n' "$i" \
		"${T_GODWIT[i]}" "${T_FAST[i]}" "${T_PT[i]}" "$(wc -l <"$tmp/pt.src")" "${T_CK[i]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mg=$(median "${T_GODWIT[@]}"); mf=$(median "${T_FAST[@]}"); mp=$(median "${T_PT[@]}"); mc=$(median "${T_CK[@]}")
echo
echo "medians over $RUNS runs (chunk $CHUNK rows, godwit workers $WORKERS):"
printf '| tool | median s | godwit NORMAL / tool | godwit FAST / tool |\n|---|---|---|---|\n'
printf '| godwit verify NORMAL (64-bit row hash) | %.2f | 1.00 | %.2f |\n' "$mg" "$(echo "$mf / $mg" | bc -l)"
printf '| godwit verify FAST (32-bit row hash) | %.2f | %.2f | 1.00 |\n' "$mf" "$(echo "$mg / $mf" | bc -l)"
printf '| pt-table-checksum (each server) | %.2f | %.2f | %.2f |\n' "$mp" "$(echo "$mg / $mp" | bc -l)" "$(echo "$mf / $mp" | bc -l)"
printf '| CHECKSUM TABLE (each server) | %.2f | %.2f | %.2f |\n' "$mc" "$(echo "$mg / $mc" | bc -l)" "$(echo "$mf / $mc" | bc -l)"
