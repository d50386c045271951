#!/usr/bin/env bash
# vm.sh ROOTFS: builds what the oracle's VM sandbox boots from the root
# filesystem rootfs.sh made, and prints key=value lines:
#
#   vmlinux=    the Debian kernel as an ELF (QEMU boots it directly, PVH)
#   initramfs=  busybox, a few modules, the oracle agent and initramfs/init
#   disk=       an ext4 image of ROOTFS (QEMU runs it with -snapshot)
#
# Artifacts are cached outside the checkout under $GOSD_CACHE (default
# /var/cache/gosystemd), keyed by a hash of this recipe, initramfs/, the
# agent's sources and ROOTFS's path (the disk by ROOTFS's path alone), so an
# unchanged recipe returns at once.
set -euo pipefail
# The cache key must not depend on the caller's locale (sort order).
export LC_ALL=C

[ $# -eq 1 ] || { echo "usage: vm.sh ROOTFS" >&2; exit 2; }
rootfs=$(cd "$1" && pwd)
[ -e "$rootfs/.complete" ] || { echo "vm.sh: $rootfs is not a finished rootfs.sh build" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
cache=${GOSD_CACHE:-/var/cache/gosystemd}
PATH=$PATH:/usr/sbin:/sbin:/usr/local/go/bin

# Loaded in this order, after their dependencies (from modules.dep).
modules="virtio virtio_ring virtio_mmio virtio_blk virtio_console crc32c_generic ext4 overlay"

for tool in busybox go mkfs.ext4 xz cpio flock; do
  command -v "$tool" >/dev/null || { echo "vm.sh: $tool is missing" >&2; exit 1; }
done
busybox=$(command -v busybox)
if command -v file >/dev/null && ! file -L "$busybox" | grep -q 'statically linked'; then
  echo "vm.sh: $busybox is not static: apt-get install busybox-static" >&2
  exit 1
fi

# The disk depends only on the rootfs, and takes longest: it has its own key.
disk_recipe="truncate -s 2G; mkfs.ext4 -q -F -d ROOTFS -L root"
disk_key=$(echo "$rootfs $disk_recipe" | sha256sum | cut -c1-16)
disk_dest=$cache/vmdisk-$disk_key
key=$( {
  echo "$rootfs $modules"
  cat "$here/vm.sh"
  find "$here/initramfs" "$repo/oracle/agent" "$repo/cmd/oracle-agent" -type f ! -name '*_test.go' -print0 | sort -z | xargs -0 cat
  go version
  sha256sum <"$busybox"
} | sha256sum | cut -c1-16)
dest=$cache/vm-$key

# Marks the builds as used (see finish) and prints their paths.
print() {
  touch "$dest/.complete" "$disk_dest/.complete"
  echo "vmlinux=$dest/vmlinux"
  echo "initramfs=$dest/initramfs.cpio"
  echo "disk=$disk_dest/disk.img"
}

[ -e "$dest/.complete" ] && [ -e "$disk_dest/.complete" ] && { print; exit 0; }
mkdir -p "$cache"
exec 9>"$cache/.vm.lock"
flock 9

# Builds in a temporary directory that becomes $2 once complete, and drops
# builds of the same kind ($1) unused for a day. Not sooner: checkouts with
# other recipes share the cache, and a guest may be about to open a build.
tmp=
finish() {
  touch "$tmp/.complete"
  rm -rf "$2"
  mv "$tmp" "$2"
  tmp=
  for old in "$cache/$1"-*; do
    if [ "$old" != "$2" ] && [ -z "$(find "$old/.complete" -mmin -1440 2>/dev/null)" ]; then
      rm -rf "$old"
    fi
  done
}
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT

# The root disk; no loop mounts needed.
if [ ! -e "$disk_dest/.complete" ]; then
  tmp=$(mktemp -d "$cache/.vm-build.XXXXXX")
  chmod 755 "$tmp"
  truncate -s 2G "$tmp/disk.img"
  mkfs.ext4 -q -F -d "$rootfs" -L root "$tmp/disk.img"
  finish vmdisk "$disk_dest"
fi
[ -e "$dest/.complete" ] && { print; exit 0; }
tmp=$(mktemp -d "$cache/.vm-build.XXXXXX")
chmod 755 "$tmp"

# The kernel: the ELF inside the bzImage's XZ stream boots directly (PVH).
kver=$(ls "$rootfs/lib/modules" | sort -V | tail -n 1)
bz=$rootfs/boot/vmlinuz-$kver
off=$(LC_ALL=C grep -m 1 -obUaP '\xfd7zXZ\x00' "$bz" | cut -d: -f1)
[ -n "$off" ] || { echo "vm.sh: no XZ stream in $bz" >&2; exit 1; }
# xz stops at the stream's end, before tail does: no pipe here.
xz -dc --single-stream < <(tail -c "+$((off + 1))" "$bz") >"$tmp/vmlinux"
head -c 4 "$tmp/vmlinux" | grep -q ELF || { echo "vm.sh: $bz did not hold an ELF kernel" >&2; exit 1; }

# The initramfs.
ir=$tmp/initramfs
mkdir -p "$ir"/{bin,dev,proc,sys,lib/modules}
cp "$busybox" "$ir/bin/busybox"
cp "$here/initramfs/init" "$ir/init"
chmod 755 "$ir/init"
(cd "$repo" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$ir/oracle-agent" ./cmd/oracle-agent)

moddir=$rootfs/lib/modules/$kver
declare -A added
add_module() {
  local name=$1 line path dep
  [ -n "${added[$name]:-}" ] && return 0
  line=$(grep -m 1 -E "(^|/)$name\.ko(\.[a-z]+)?:" "$moddir/modules.dep" || true)
  [ -n "$line" ] || { echo "vm.sh: module $name not in $moddir" >&2; exit 1; }
  path=${line%%:*}
  for dep in ${line#*:}; do
    dep=$(basename "$dep")
    add_module "${dep%%.ko*}"
  done
  added[$name]=1
  case $path in
  *.ko) cp "$moddir/$path" "$ir/lib/modules/$name.ko" ;;
  *.ko.xz) xz -dc "$moddir/$path" >"$ir/lib/modules/$name.ko" ;;
  *) echo "vm.sh: cannot unpack $path" >&2; exit 1 ;;
  esac
  echo "$name.ko" >>"$ir/lib/modules/order"
}
for m in $modules; do add_module "$m"; done

# Uncompressed: the kernel unpacks it faster than it could decompress.
(cd "$ir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$tmp/initramfs.cpio"
rm -rf "$ir"

finish vm "$dest"
print
