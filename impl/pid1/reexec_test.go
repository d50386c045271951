package pid1

import (
	"reflect"
	"testing"
)

func TestReexecArgv(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"/lib/systemd/systemd"}, []string{"/lib/systemd/systemd", "--system", "--deserialize=7"}},
		{[]string{"/lib/systemd/systemd", "sh", "systemd.mask=console-getty.service"},
			[]string{"/lib/systemd/systemd", "--system", "--deserialize=7", "sh", "systemd.mask=console-getty.service"}},
		// What was acted on already is not passed again (252's filter_args).
		{[]string{"systemd", "--system", "--deserialize=3", "--unit=rescue.target", "--switched-root", "--log-level=debug"},
			[]string{"systemd", "--system", "--deserialize=7", "--log-level=debug"}},
		{[]string{"systemd", "--deserialize", "3", "--unit", "x.target", "--user", "quiet"},
			[]string{"systemd", "--system", "--deserialize=7", "quiet"}},
	} {
		if got := reexecArgv(c.in, 7); !reflect.DeepEqual(got, c.want) {
			t.Errorf("reexecArgv(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
