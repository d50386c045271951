#!/bin/bash
# bench-verify.sh [N]: `systemd-analyze verify --man=no --generators=no`
# side by side, systemd 252's (/usr/bin/systemd-analyze) and ours
# (build/gosystemd called as systemd-analyze), over the same N corpus
# units (default: all of them, else N spread evenly over the corpus).
#
# It prints for each tool:
#   - units/s: one process per unit file, as the corpus test runs them;
#   - max RSS of those processes (every 10th unit is measured);
#   - memory per unit: one process verifying all N files at once, its
#     max RSS less that of verifying one trivial unit, divided by N - 1
#     (each file also pulls in the host units it depends on, the same
#     for both tools);
# and the ratios. Needs bash, GNU time (/usr/bin/time) and Go.
set -euo pipefail
cd "$(dirname "$0")/.."

real=/usr/bin/systemd-analyze
timebin=/usr/bin/time
[ -x "$real" ] || { echo "$real (systemd 252) is missing" >&2; exit 1; }
[ -x "$timebin" ] || { echo "$timebin (GNU time) is missing: apt-get install time" >&2; exit 1; }

work=$(mktemp -d /tmp/bench-verify-XXXXXX)
trap 'rm -rf "$work"' EXIT
go build -trimpath -o "$work/gosystemd" ./cmd/gosystemd
ln -s gosystemd "$work/systemd-analyze"
ours=$work/systemd-analyze

find "$PWD/corpus/debian" -type f \( -path '*/systemd/system/*' -o -path '*/systemd/user/*' \) ! -path '*.d/*' |
	grep -E '\.(service|socket|target|timer|path|mount|automount|swap|slice)$' | LC_ALL=C sort > "$work/all"
total=$(wc -l < "$work/all")
n=${1:-$total}
awk -v n="$n" -v t="$total" 'BEGIN { srand(1) } { if (int(NR * n / t) != int((NR - 1) * n / t)) print }' "$work/all" > "$work/units"
n=$(wc -l < "$work/units")
printf '[Service]\nExecStart=/bin/true\n' > "$work/trivial.service"

export SYSTEMD_LOG_COLOR=0
unset SYSTEMD_LOG_LEVEL SYSTEMD_UNIT_PATH


# throughput: seconds each tool takes to verify every unit in its own
# process. The tools take turns unit by unit, so that both see the same
# load on the machine.
throughput() {
	local t0 t1 t2 real_us=0 ours_us=0
	while read -r u; do
		t0=${EPOCHREALTIME/./}
		"$real" verify --man=no --generators=no "$u" >/dev/null 2>&1 || true
		t1=${EPOCHREALTIME/./}
		"$ours" verify --man=no --generators=no "$u" >/dev/null 2>&1 || true
		t2=${EPOCHREALTIME/./}
		real_us=$((real_us + t1 - t0))
		ours_us=$((ours_us + t2 - t1))
	done < "$work/units"
	echo "$(echo "scale=3; $real_us / 1000000" | bc) $(echo "scale=3; $ours_us / 1000000" | bc)"
}

# maxrss TOOL: the largest max RSS (KiB) of the one-unit processes.
maxrss() {
	local tool=$1 max=0 kb i=0
	while read -r u; do
		i=$((i + 1))
		[ $((i % 10)) -eq 1 ] || continue
		kb=$({ "$timebin" -f %M "$tool" verify --man=no --generators=no "$u" 2>&1 >/dev/null || true; } | tail -n 1)
		[ "$kb" -gt "$max" ] && max=$kb
	done < "$work/units"
	echo "$max"
}

# rss TOOL FILES...: max RSS (KiB) of one process verifying FILES.
rss() {
	local tool=$1
	shift
	{ "$timebin" -f %M "$tool" verify --man=no --generators=no "$@" 2>&1 >/dev/null || true; } | tail -n 1
}

mapfile -t files < "$work/units"

read -r real_secs ours_secs < <(throughput)
echo "systemd-analyze verify --man=no --generators=no, $n corpus units, one process per unit"
printf '%-8s %10s %10s %12s %14s\n' tool seconds units/s "max RSS KiB" "KiB/unit"
for name in real ours; do
	tool=$real secs=$real_secs
	[ "$name" = ours ] && tool=$ours secs=$ours_secs
	ups=$(echo "scale=1; $n / $secs" | bc)
	max=$(maxrss "$tool")
	all=$(rss "$tool" "${files[@]}")
	one=$(rss "$tool" "$work/trivial.service")
	per=$(echo "scale=1; ($all - $one) / ($n - 1)" | bc)
	printf '%-8s %10s %10s %12s %14s\n' "$name" "$secs" "$ups" "$max" "$per"
	eval "${name}_ups=$ups ${name}_max=$max ${name}_per=$per"
done
echo "speed ours/real: $(echo "scale=2; $ours_ups / $real_ups" | bc)x"
echo "max RSS ours/real: $(echo "scale=2; $ours_max / $real_max" | bc)"
echo "memory per unit ours/real: $(echo "scale=2; $ours_per / $real_per" | bc)"
