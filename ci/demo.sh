#!/usr/bin/env bash
# The main job (README): installs what it needs, builds, builds the Debian
# bookworm image, then boots it in a container with our install tree overlaid
# (`make install`: our PID 1 and tools) and shows it working through real
# systemd's own clients.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
ci/deps.sh
make -s build
vmimages/rootfs.sh >/dev/null
exec build/difftest boot --impl go "$@"
