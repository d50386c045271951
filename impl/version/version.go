// Package version holds the systemd version every tool reports: we are a
// drop-in for Debian bookworm's systemd 252.39-1~deb12u2, so --version
// prints what that build prints, feature line included.
//
// Any package may import version; it imports only the standard library.
package version

// Major is the upstream version number, as in "systemd 252".
const Major = "252"

// Package is the distribution's package version shown in parentheses.
const Package = "252.39-1~deb12u2"

// Features is the compile-time feature line of the Debian build.
const Features = "+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified"

// Text is what `--version` prints on standard output, trailing newline
// included.
const Text = "systemd " + Major + " (" + Package + ")\n" + Features + "\n"
