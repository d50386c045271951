#!/usr/bin/env python3
"""Helper for gather.sh: parses Contents indexes, extracts unit files from
.deb packages and writes MANIFEST.tsv. Run through gather.sh, not directly."""

import glob
import os
import re
import subprocess
import sys
import tarfile

UNIT_DIRS = (
    "lib/systemd/system/",
    "usr/lib/systemd/system/",
    "lib/systemd/user/",
    "usr/lib/systemd/user/",
)


def is_unit_path(path):
    return path.startswith(UNIT_DIRS)


def cmd_packages():
    """Reads Contents lines on stdin, prints the packages shipping unit paths."""
    packages = set()
    for line in sys.stdin:
        if not is_unit_path(line):
            continue
        # "path<whitespace>section/pkg,section/pkg"; paths may contain spaces.
        _, _, locations = line.rstrip("\n").rpartition(" ")
        for location in locations.split(","):
            packages.add(location.rsplit("/", 1)[-1])
    for name in sorted(packages):
        print(name)


def deb_field(deb, field):
    out = subprocess.run(["dpkg-deb", "-f", deb, field], check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def cmd_extract(outroot, metadir, debdir):
    """Extracts unit paths and the copyright file of each .deb in debdir into
    outroot/<package>/, records version and doc-dir link in metadir, and
    deletes each .deb once done."""
    for deb in sorted(glob.glob(os.path.join(debdir, "*.deb"))):
        extract_deb(outroot, metadir, deb)
        os.remove(deb)


def extract_deb(outroot, metadir, deb):
    package = deb_field(deb, "Package")
    version = deb_field(deb, "Version")
    pkgroot = os.path.join(outroot, package)
    doc = "usr/share/doc/%s" % package
    meta = {"version": version}
    tar_proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb],
                                stdout=subprocess.PIPE)
    with tarfile.open(fileobj=tar_proc.stdout, mode="r|") as tar:
        for member in tar:
            name = member.name
            if name.startswith("./"):
                name = name[2:]
            name = name.rstrip("/")
            if name == doc and member.issym():
                meta["doclink"] = member.linkname
                continue
            if name == doc + "/copyright":
                if member.isfile():
                    write_file(os.path.join(pkgroot, "copyright"),
                               tar.extractfile(member).read())
                continue
            if not is_unit_path(name + "/"):
                continue
            dest = os.path.join(pkgroot, name)
            if member.isdir():
                os.makedirs(dest, exist_ok=True)
            elif member.issym():
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                os.symlink(member.linkname, dest)
            elif member.islnk():
                target = member.linkname
                if target.startswith("./"):
                    target = target[2:]
                with open(os.path.join(pkgroot, target), "rb") as f:
                    write_file(dest, f.read())
            elif member.isfile():
                write_file(dest, tar.extractfile(member).read())
            else:
                sys.exit("%s: unexpected member type of %s" % (deb, name))
    if tar_proc.wait() != 0:
        sys.exit("dpkg-deb --fsys-tarfile %s failed" % deb)
    with open(os.path.join(metadir, package), "w") as f:
        for key, value in meta.items():
            f.write("%s\t%s\n" % (key, value))


def write_file(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o644)


def read_meta(metadir, package):
    meta = {}
    with open(os.path.join(metadir, package)) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            meta[key] = value
    return meta


def cmd_doclinks(metadir):
    """Prints "package<TAB>owner" for packages whose copyright file lives in
    another package's doc directory (a symlinked /usr/share/doc/<package>)."""
    for package in sorted(os.listdir(metadir)):
        link = read_meta(metadir, package).get("doclink")
        if link:
            print("%s\t%s" % (package, os.path.basename(os.path.normpath(link))))


# Licence names in the order they are tried on copyright files that are not
# machine-readable; the one mentioned first in the text wins.
LICENCE_PATTERNS = [
    ("AGPL-3", r"GNU Affero General Public License"),
    ("LGPL-2.1", r"GNU Lesser General Public License[^.]{0,80}?version 2\.1|LGPL-2\.1"),
    ("LGPL-3", r"GNU Lesser General Public License[^.]{0,80}?version 3|LGPL-3"),
    ("LGPL", r"GNU (Lesser|Library) General Public License|\bLGPL"),
    ("GPL-2", r"GNU General Public License[^.]{0,80}?version 2|GPL-2|GPL version 2|GPLv2"),
    ("GPL-3", r"GNU General Public License[^.]{0,80}?version 3|GPL-3|GPL version 3|GPLv3"),
    ("GPL", r"GNU General Public License|\bGPL\b"),
    ("Apache-2.0", r"Apache License,? Version 2\.0|Apache-2\.0"),
    ("Artistic", r"Artistic License"),
    ("MPL-2.0", r"Mozilla Public License,? (v\.|version) ?2\.0|MPL-2\.0"),
    ("MIT", r"\bMIT\b|Permission is hereby granted, free of charge"),
    ("ISC", r"\bISC\b|Permission to use, copy, modify, and(/or)? distribute"),
    ("BSD-3-clause", r"Neither the name of"),
    ("BSD", r"\bBSD\b|Redistribution and use in source and binary forms"),
    ("public-domain", r"public domain"),
]


def licence_of(copyright_path):
    try:
        with open(copyright_path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except FileNotFoundError:
        return "unknown"
    if re.match(r"Format(-Specification)?:", text):
        found = dep5_licence(text)
        if found:
            return found
    best = None
    for name, pattern in LICENCE_PATTERNS:
        m = re.search(pattern, text, re.IGNORECASE if name == "public-domain" else 0)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), name)
    return best[1] if best else "unknown"


def dep5_licence(text):
    """Returns the licence of the "Files: *" paragraph of a machine-readable
    copyright file, else of its first paragraph naming one."""
    first = None
    for paragraph in re.split(r"\n\s*\n", text):
        fields = {}
        for m in re.finditer(r"^([A-Za-z-]+):[ \t]*(.*)$", paragraph, re.MULTILINE):
            fields.setdefault(m.group(1).lower(), m.group(2).strip())
        licence = fields.get("license", "")
        if not licence:
            continue
        if fields.get("files", "").split() == ["*"]:
            return licence
        if first is None and "files" in fields:
            first = licence
    return first


def cmd_manifest(outroot, metadir, skipped_path):
    """Writes MANIFEST.tsv for the tree under outroot to stdout."""
    print("package\tversion\tpath\tlicence")
    rows = []
    for package in sorted(os.listdir(outroot)):
        meta = read_meta(metadir, package)
        licence = re.sub(r"\s+", " ", licence_of(
            os.path.join(outroot, package, "copyright")))
        pkgroot = os.path.join(outroot, package)
        for dirpath, dirnames, filenames in os.walk(pkgroot):
            for name in filenames + [d for d in dirnames
                                     if os.path.islink(os.path.join(dirpath, d))]:
                rel = os.path.relpath(os.path.join(dirpath, name), pkgroot)
                if rel != "copyright":
                    rows.append((package, meta["version"], rel, licence))
    if os.path.exists(skipped_path):
        with open(skipped_path) as f:
            for line in f:
                package, version, reason = line.rstrip("\n").split("\t")
                rows.append((package, version, "-", "skipped: " + reason))
    for row in sorted(rows):
        print("\t".join(row))


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "packages":
        cmd_packages()
    elif command == "extract":
        cmd_extract(args[0], args[1], args[2])
    elif command == "doclinks":
        cmd_doclinks(args[0])
    elif command == "manifest":
        cmd_manifest(args[0], args[1], args[2])
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
