#!/bin/bash
# bench-clients.sh [difftest bench-clients flags]: the latency of
# `systemctl show`, `is-active` and `list-units` with 500 services loaded,
# our systemctl on our PID 1 against systemd 252's on 252 (issue #5's
# benchmark), side by side in the oracle's container, taking turns.
#
# It builds this checkout (`make install` into a temporary tree) and the
# difftest driver, then runs `difftest bench-clients`: flags --rounds N
# (default 3), --units N (default 500), --calls N (default 30). Each call
# of real systemctl is followed by one of ours in the same guest, so both
# see the same load. Needs root, Go, make, and the Debian image that
# vmimages/rootfs.sh builds (built on first use).
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "bench-clients.sh: needs root (the oracle's container)" >&2; exit 1; }

work=$(mktemp -d /tmp/bench-clients-XXXXXX)
trap 'rm -rf "$work"' EXIT
make -s install BUILD="$work/build" DESTDIR="$work/tree"
go build -trimpath -o "$work/difftest" ./cmd/difftest

rev=unknown
if r=$(git rev-parse --short HEAD 2>/dev/null); then
	rev=$r
	git diff --quiet HEAD -- || rev="$rev with uncommitted changes"
fi
echo "# checkout $rev, $(go version | cut -d' ' -f3)"
"$work/difftest" bench-clients --go-tree "$work/tree" "$@"
