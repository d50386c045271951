#!/usr/bin/env bash
# Builds the Debian bookworm root filesystem with real systemd 252 that every
# oracle run overlays, and prints its path. The tree is cached outside the
# checkout under $GOSD_CACHE (default /var/cache/gosystemd), keyed by a hash of
# this recipe, so a second call with an unchanged recipe returns at once.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${GOSD_CACHE:-/var/cache/gosystemd}
key=$(cat "$here/rootfs.sh" "$here/packages.txt" | sha256sum | cut -c1-16)
dest=$cache/rootfs-$key

if [ -e "$dest/.complete" ]; then
  echo "$dest"
  exit 0
fi

for tool in debootstrap; do
  command -v "$tool" >/dev/null || { echo "rootfs.sh: $tool is missing: apt-get install $tool" >&2; exit 1; }
done

# The mirror the host uses (shared/ORACLE-NOTES.md).
mirror=${GOSD_MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.rootfs-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
include=$(grep -v '^#' "$here/packages.txt" | xargs | tr ' ' ',')

echo "rootfs.sh: debootstrap bookworm into $tmp (about 90 s)" >&2
debootstrap --variant=minbase --include="$include" bookworm "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1 || {
  tail -n 30 "$tmp/debootstrap.log" >&2
  exit 1
}

root=$tmp/root
chroot "$root" passwd -d root >/dev/null
echo oracle >"$root/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$root/etc/fstab"
# A fixed machine ID makes journal paths and IDs the same on every run.
echo 5e1f0d0c0ffee0000000000000252252 >"$root/etc/machine-id"
chroot "$root" systemctl set-default multi-user.target >/dev/null 2>&1

# Real systemd's own clients at a path our install tree never touches: the
# runner captures state with these on both implementations.
mkdir -p "$root/usr/libexec/oracle"
for b in systemctl journalctl busctl systemd-analyze; do
  cp -a "$root/usr/bin/$b" "$root/usr/libexec/oracle/$b"
done

rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Package} ${Version}\n' >"$root/.packages"
chroot "$root" /usr/lib/systemd/systemd --version | head -1 >"$root/.systemd-version"

touch "$root/.complete"
mv "$root" "$dest"
# Old builds of other recipes are not needed any more.
for old in "$cache"/rootfs-*; do
  [ "$old" = "$dest" ] || rm -rf "$old"
done
echo "$dest"
