#!/usr/bin/env bash
# The project's test command (README): installs what it needs, builds the
# cached Debian image if its recipe changed, runs every Go test (scenarios on
# real systemd 252 and on our build included), then each fuzz target briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
ci/deps.sh
echo "ci/test.sh: root filesystem: $(vmimages/rootfs.sh)"
go vet ./...
go test -timeout 30m ./...
ci/fuzz.sh "${FUZZTIME:-5s}"
