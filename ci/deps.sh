#!/usr/bin/env bash
# Installs what building, the oracle and the tests need on a fresh Debian 12
# machine (as root). Quick when everything is there already.
set -euo pipefail
need=()
for pair in debootstrap:debootstrap qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils \
            cpio:cpio busybox:busybox-static xz:xz-utils mkfs.ext4:e2fsprogs make:make \
            unshare:util-linux nsenter:util-linux setpriv:util-linux gcc:gcc faketime:faketime \
            pkg-config:pkg-config dbus-daemon:dbus \
            mksquashfs:squashfs-tools debugfs:e2fsprogs; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
[ -x /usr/bin/systemd-analyze ] || need+=(systemd)
[ -f /usr/include/systemd/sd-bus.h ] || need+=(libsystemd-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "ci/deps.sh: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "ci/deps.sh: Go is missing (expected at /usr/local/go/bin)" >&2; exit 1; }
