#!/bin/sh
# Run in a mount namespace of its own (unshare -m) by TestMountInNamespace:
# a shared tmpfs at $W stands for the host's /run, a process in a slave
# namespace for a running service (its incoming directory bound from the
# propagation directory, as the executor sets it up); the helper, started
# by $BIN as the manager starts it, mounts into it.
set -e
W=$1 BIN=$2 IMG=$3 SRC=$4
mount -t tmpfs tmpfs "$W"
mount --make-shared "$W"
mkdir -p "$W/propagate/u" "$W/incoming"
unshare -m --propagation slave sh -c "mount --bind $W/propagate/u $W/incoming && mount --make-slave $W/incoming && touch $W/ready && exec sleep 60" &
PID=$!
while [ ! -e "$W/ready" ]; do sleep 0.05; done
req() {
	printf '{"PID":%d,"PropagateDir":"%s/propagate/u","IncomingDir":"%s/incoming/","Source":"%s","Dest":"%s","ReadOnly":%s,"MakeDir":%s,"Image":%s,"Options":%s}' \
		"$PID" "$W" "$W" "$1" "$2" "$3" "$4" "$5" "${6:-null}"
}
helper() {
	if "$BIN" nsmount-client "$(req "$@")"; then echo " exit=0"; else echo " exit=$?"; fi
}
echo "bind-nodir: $(helper "$SRC" "$W/in/bound" false false false)"
echo "bind: $(helper "$SRC" "$W/in/bound" false true false)"
echo "image: $(helper "$IMG" "$W/in/img" true true true)"
echo "image-rw: $(helper "$IMG" "$W/in/img3" false true true '[{"Partition":"root","Options":"nosuid,noexec,x-gosd,errors=remount-ro"}]')"
echo "image-dir: $(helper "$SRC" "$W/in/img2" false true true)"
echo "content: $(nsenter -t "$PID" -m cat "$W/in/bound/f" "$W/in/img/f" | tr '\n' ' ')"
nsenter -t "$PID" -m findmnt -l -n -o TARGET,FSTYPE,VFS-OPTIONS | tr -s ' ' | grep "$W/in/" | sed "s#$W##; s/^/mount: /"
echo "host mounts: $(findmnt -l -n -o TARGET | grep -c "$W/in/" || true)"
echo "propagate left: $(ls -A "$W/propagate/u" | wc -l)"
kill "$PID"
wait "$PID" || true
for i in $(seq 40); do [ -z "$(losetup -j "$IMG")" ] && break; sleep 0.05; done
echo "loop left: $(losetup -j "$IMG" | wc -l)"
