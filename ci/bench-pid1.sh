#!/bin/bash
# bench-pid1.sh [difftest bench flags]: our PID 1 against systemd 252, side
# by side in the oracle's container (issue #4's benchmarks).
#
# It builds this checkout (`make install` into a temporary tree, our PID 1
# included) and the difftest driver, then runs `difftest bench`, which boots
# the Debian image under real systemd 252 and under ours in turns (real,
# ours, real, ours, ...) and prints each round and a table of medians,
# ratios and targets:
#
#   - boot to a settled multi-user.target;
#   - `systemctl start big.target`, one transaction of 1,000 Type=oneshot
#     and 1,000 Type=simple services;
#   - `systemctl daemon-reload` with those 2,000 units loaded;
#   - PID 1's VmRSS and PSS after boot.
#
# Flags go to `difftest bench`: --rounds N (default 5), --services N (per
# kind, default 1000), --reloads N (default 3), --impl real|go|both,
# --profile DIR [--profile-rounds N] [--trace] for CPU and heap profiles of
# extra rounds of ours (impl/pid1/profile.go; read them with
# `go tool pprof -top DIR/round-1/cpu-start.pprof`).
#
# Needs root (namespaces, cgroups, mounts), Go, make, and the Debian image
# that vmimages/rootfs.sh builds (built on first use).
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "bench-pid1.sh: needs root (the oracle's container)" >&2; exit 1; }

work=$(mktemp -d /tmp/bench-pid1-XXXXXX)
trap 'rm -rf "$work"' EXIT
make -s install BUILD="$work/build" DESTDIR="$work/tree"
if [ ! -e "$work/tree/usr/lib/systemd/systemd" ]; then
	# From before `make install` installed PID 1.
	mkdir -p "$work/tree/usr/lib/systemd"
	cp "$work/build/gosystemd" "$work/tree/usr/lib/systemd/systemd"
fi
go build -trimpath -o "$work/difftest" ./cmd/difftest

rev=unknown
if r=$(git rev-parse --short HEAD 2>/dev/null); then
	rev=$r
	git diff --quiet HEAD -- || rev="$rev with uncommitted changes"
fi
echo "# checkout $rev, $(go version | cut -d' ' -f3)"
"$work/difftest" bench --go-tree "$work/tree" "$@"
