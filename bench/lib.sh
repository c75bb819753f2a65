# bench/lib.sh — shared helpers of the bench/*.sh scripts (source it).

# need_pkgs installs the Debian packages whose commands are missing: need_pkgs cmd:pkg ...
# As root it runs apt-get (keeping package services from starting); otherwise it fails with
# the list.
need_pkgs() {
	local missing=() pair cmd pkg
	for pair in "$@"; do
		cmd=${pair%%:*} pkg=${pair#*:}
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	if [ "$(id -u)" != 0 ]; then
		echo "bench: missing packages: ${missing[*]} (run as root to install them)" >&2
		return 1
	fi
	echo "bench: installing ${missing[*]}"
	local policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy=1
	fi
	local rc=0
	DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=$?
	[ $policy = 1 ] && rm -f /usr/sbin/policy-rc.d
	return $rc
}

# now prints the time in seconds with nanoseconds.
now() { date +%s.%N; }

# elapsed START prints now-START with two decimals.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# median prints the median of its numeric arguments.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B prints A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
