#!/bin/bash
# Regenerates corpus/debian/, corpus/MANIFEST.tsv and corpus/SOURCE.txt: every
# systemd unit file (and drop-in) shipped by Debian bookworm main amd64
# packages, found through the archive's Contents index.
# Needs root, apt, dpkg-deb, python3 and the Debian mirror configured in
# /etc/apt. The host's apt state is left alone: indexes go to a temp dir.
# Usage: corpus/gather.sh          (JOBS, BATCH, MAX_SIZE may be overridden)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
helper="$here/gather.py"
max_size=${MAX_SIZE:-300000000} # bytes of .deb; larger packages are skipped
jobs=${JOBS:-3}
batch=${BATCH:-20}

work=$(mktemp -d /tmp/corpus-gather.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/lists/partial" "$work/meta" "$work/debian" "$work/dl" \
	"$work/docs" "$work/docmeta"
: >"$work/skipped"

cat >"$work/apt.conf" <<EOF
Acquire::IndexTargets::deb::Contents-deb {
    MetaKey "\$(COMPONENT)/Contents-\$(ARCHITECTURE)";
    ShortDescription "Contents-\$(ARCHITECTURE)";
    Description "\$(RELEASE)/\$(COMPONENT) \$(ARCHITECTURE) Contents (deb)";
    KeepCompressed "true";
    PDiffs "false";
};
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
Dir::State::Lists "$work/lists";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
export APT_OPTS="-c $work/apt.conf"

echo "== apt-get update (Packages and Contents into $work/lists)"
apt-get $APT_OPTS -qq update

echo "== packages shipping unit files"
for index in $(apt-get $APT_OPTS indextargets --format '$(FILENAME)' 'Identifier: Contents-deb'); do
	/usr/lib/apt/apt-helper cat-file "$index"
done | python3 "$helper" packages >"$work/packages"
echo "$(wc -l <"$work/packages") packages"

# Candidate version and .deb size of each package.
apt-cache $APT_OPTS show --no-all-versions $(cat "$work/packages") |
	awk '/^Package:/ {p=$2} /^Version:/ {v=$2} /^Size:/ {print p "\t" v "\t" $2}' >"$work/sizes"
awk -v max="$max_size" '$3 > max {printf "%s\t%s\tdownload size %d bytes exceeds limit %d\n", $1, $2, $3, max}' \
	"$work/sizes" >>"$work/skipped"
awk -v max="$max_size" '$3 <= max {print $1}' "$work/sizes" >"$work/wanted"
awk 'NR == FNR {s[$1]; next} !($1 in s) {print $1 "\t-\tnot in the Packages index"}' \
	"$work/sizes" "$work/packages" >>"$work/skipped"
awk '{s += $3} END {printf "total download %.2f GB\n", s / 1e9}' "$work/sizes"

# fetch_batch LIST OUTROOT METADIR: downloads the packages named in LIST,
# extracts each .deb's unit files and deletes the .deb.
fetch_batch() {
	local list=$1 outroot=$2 metadir=$3 dir
	dir="$list.d"
	mkdir -p "$dir"
	if id _apt >/dev/null 2>&1; then chown _apt "$dir"; fi
	(cd "$dir" && apt-get $APT_OPTS -qq download $(cat "$list") >/dev/null) ||
		echo "warning: some downloads of $(basename "$list") failed" >&2
	python3 "$helper" extract "$outroot" "$metadir" "$dir"
	rmdir "$dir"
}
export -f fetch_batch
export helper

echo "== downloading and extracting ($jobs jobs, $batch packages a batch)"
split -l "$batch" "$work/wanted" "$work/dl/batch."
ls "$work"/dl/batch.* | xargs -P "$jobs" -I{} bash -c 'fetch_batch "$1" "$2" "$3"' _ {} "$work/debian" "$work/meta"

# Packages whose download failed or whose version ships no unit file.
while read -r pkg version _; do
	if [ ! -e "$work/meta/$pkg" ]; then
		printf '%s\t%s\tdownload failed\n' "$pkg" "$version" >>"$work/skipped"
	elif [ -z "$(find "$work/debian/$pkg" -path "$work/debian/$pkg/*lib/systemd/*" ! -type d -print -quit)" ]; then
		printf '%s\t%s\tno unit files in this version\n' "$pkg" "$version" >>"$work/skipped"
		rm -rf "${work:?}/debian/$pkg" "$work/meta/$pkg"
	fi
done < <(awk 'NR == FNR {w[$1]; next} $1 in w' "$work/wanted" "$work/sizes")

echo "== copyright files of packages whose doc directory is a symlink"
python3 "$helper" doclinks "$work/meta" >"$work/doclinks"
cut -f2 "$work/doclinks" | sort -u | while read -r owner; do
	[ -e "$work/debian/$owner/copyright" ] || echo "$owner"
done >"$work/docowners"
if [ -s "$work/docowners" ]; then
	fetch_batch "$work/docowners" "$work/docs" "$work/docmeta"
fi
while IFS=$'\t' read -r pkg owner; do
	for src in "$work/debian/$owner/copyright" "$work/docs/$owner/copyright"; do
		if [ -e "$src" ]; then
			cp "$src" "$work/debian/$pkg/copyright"
			break
		fi
	done
done <"$work/doclinks"

echo "== manifest"
python3 "$helper" manifest "$work/debian" "$work/meta" "$work/skipped" >"$work/MANIFEST.tsv"
{
	echo "gathered: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	for release in "$work"/lists/*InRelease; do
		echo "index: $(basename "$release")"
		grep -E '^(Suite|Version|Date):' "$release" | sed 's/^/  /'
	done
} >"$work/SOURCE.txt"

rm -rf "$here/debian"
mv "$work/debian" "$here/debian"
mv "$work/MANIFEST.tsv" "$work/SOURCE.txt" "$here/"
echo "== done in ${SECONDS}s: $(du -sh "$here" | cut -f1) in $here"
