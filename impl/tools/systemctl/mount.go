package systemctl

import (
	"syscall"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/install"
	unitpkg "gosystemd/impl/unit"
	"gosystemd/impl/unitfile"
)

// bindMount is verb_bind: BindMountUnit with the unit, the source, the
// destination ("" when not given: the source) and --read-only, --mkdir.
func (t *tool) bindMount(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	n, err := t.mangle(args[1], "", ".service")
	if err != nil {
		return t.errorf("Failed to mangle unit name: %s", install.Strerror(errnoOf(err)))
	}
	dest := ""
	if len(args) > 3 {
		dest = args[3]
	}
	if _, err := b.callManager("BindMountUnit", n, args[2], dest, t.opts.readOnly, t.opts.mkdir); err != nil {
		return t.errorf("Failed to bind mount: %s", busErrorMessage(err))
	}
	return nil
}

// mountOption is the D-Bus a(ss) element of MountImageUnit.
type mountOption struct{ Partition, Options string }

// mountImage is verb_mount_image: MountImageUnit, with the options
// operand ("OPTS" for the root partition, or "PARTITION:OPTS") as its
// a(ss).
func (t *tool) mountImage(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	n, err := t.mangle(args[1], "", ".service")
	if err != nil {
		return t.errorf("Failed to mangle unit name: %s", install.Strerror(errnoOf(err)))
	}
	opts := []mountOption{}
	if len(args) > 4 {
		words, err := mountImageWords(args[4])
		if err != nil {
			// 252 returns extract_many_words' error without a word.
			return errReported
		}
		switch len(words) {
		case 1:
			opts = append(opts, mountOption{"root", words[0]})
		case 2:
			if !unitpkg.IsPartitionDesignator(words[0]) {
				return t.errorf("Failed to create bus message: %s", install.Strerror(syscall.EINVAL))
			}
			opts = append(opts, mountOption{words[0], words[1]})
		}
	}
	if _, err := b.callManagerTimeout(-1, "MountImageUnit", n, args[2], args[3], t.opts.readOnly, t.opts.mkdir, opts); err != nil {
		t.logAt(logging.Err, "Failed to mount image: %s", busErrorMessage(err))
		return errReported
	}
	return nil
}

// mountImageWords is extract_many_words(":", CUNESCAPE|
// UNESCAPE_SEPARATORS) for two words: what comes after them is ignored.
func mountImageWords(s string) ([]string, error) {
	x := unitfile.NewExtractor(s)
	var out []string
	for len(out) < 2 {
		w, ok, err := x.Next(":", unitfile.ExtractCUnescape|unitfile.ExtractUnescapeSeparators)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		out = append(out, w)
	}
	return out, nil
}
