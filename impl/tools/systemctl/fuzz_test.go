package systemctl

import "testing"

// FuzzDifferential gives random unit files to the real systemctl and to
// ours and compares what enable, is-enabled, list-unit-files and disable
// make of them.
func FuzzDifferential(f *testing.F) {
	for _, s := range []string{
		"[Install]\nWantedBy=multi-user.target\n",
		"[Install]\nWantedBy=multi-user.target\nAlias=fuzz-alias.service\nAlso=other.service\n",
		"[Install]\nDefaultInstance=x\nRequiredBy=multi-user.target\n",
		"[Install]\nAlias=multi-user.target.wants/fuzz.service\n",
		"[Install]\nWantedBy=%N-x.target %i.target\nAlias=%p-a.service\n",
		"[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n",
		"[Install]\nAlso=\"a b\" c\\\nWantedBy=\n",
		"[Install\nWantedBy=x.target\n",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, content string, template bool) {
		name := "fuzz.service"
		if template {
			name = "fuzz@.service"
		}
		p := newPair(t, map[string]string{
			lib + name:                content,
			lib + "multi-user.target": "[Unit]\n",
			lib + "other.service":     unit("WantedBy=multi-user.target\n"),
		})
		arg := name
		if template {
			arg = "fuzz@i.service"
		}
		p.query(t, nil, "--root=ROOT", "is-enabled", arg)
		p.step(t, nil, "--root=ROOT", "enable", arg)
		p.query(t, nil, "--root=ROOT", "list-unit-files")
		p.step(t, nil, "--root=ROOT", "disable", arg)
	})
}
