package unitfile

import (
	"errors"
	"slices"
	"syscall"
	"testing"
)

// The env files and results below are data from systemd v252
// src/test/test-env-file.c.
func TestLoadEnvFile(t *testing.T) {
	for _, c := range []struct {
		file string
		want []string
	}{
		{"a=a\na=b\na=b\na=a\nb=b\\\nc\nd= d\\\ne  \\\nf  \ng=g\\ \nh= ąęół\\ śćńźżµ \ni=i\\",
			[]string{"a=a", "b=bc", "d=de  f", "g=g ", "h=ąęół śćńźżµ", "i=i"}},
		{"a=a\\\n", []string{"a=a"}},
		{"#SPAMD_ARGS=\"-d --socketpath=/var/lib/bulwark/spamd \\\n" +
			"#--nouser-config                                     \\\n" +
			"normal=line                                          \\\n" +
			";normal=ignored                                      \\\n" +
			"normal_ignored                                       \\\n" +
			"normal ignored                                       \\\n", nil},
		{"# Generated\n\nHWMON_MODULES=\"coretemp f71882fg\"\n\n# For compatibility reasons\n\nMODULE_0=coretemp\nMODULE_1=f71882fg",
			[]string{"HWMON_MODULES=coretemp f71882fg", "MODULE_0=coretemp", "MODULE_1=f71882fg"}},
		{"a=\nb=", []string{"a=", "b="}},
		{"a=\\ \\n \\t \\x \\y \\' \nb= \\$'                  \nc= ' \\n\\t\\$\\`\\\\\n'   \nd= \" \\n\\t\\$\\`\\\\\n\"   \n",
			[]string{"a= n t x y '", "b=$'", "c= \\n\\t\\$\\`\\\\\n", "d= \\n\\t$`\\\n"}},
	} {
		got, diags, err := LoadEnvFile("f", []byte(c.file))
		if err != nil || len(diags) > 0 || !slices.Equal(got, c.want) {
			t.Errorf("LoadEnvFile(%q) = %q, %v, %v; want %q", c.file, got, diags, err, c.want)
		}
	}
	for _, s := range []string{"fo\ufffeo=bar", "foo=b\uffffar", "baz=hello world\ufffe"} {
		if _, diags, err := LoadEnvFile("f", []byte(s)); !errors.Is(err, syscall.EINVAL) || len(diags) != 1 {
			t.Errorf("LoadEnvFile(%q) = %v, %v; want EINVAL", s, diags, err)
		}
	}
	_, diags, _ := LoadEnvFile("/etc/x", []byte("a=1\nb=\xff\n"))
	if len(diags) != 1 || diags[0].String() != "/etc/x:3: invalid UTF-8 value for key b: '\uFFFD', ignoring." {
		t.Errorf("diagnostic = %v", diags)
	}
}

func TestParseEnvironment(t *testing.T) {
	for _, c := range []struct {
		rvalue string
		want   []string
		diags  []string
	}{
		{`A=1 "B=2 3" 'C=4'`, []string{"A=1", "B=2 3", "C=4"}, nil},
		{`A=\x41\n`, []string{"A=A\n"}, nil},
		{`A=1 1B=2 C`, []string{"A=1"}, []string{"f:1: Invalid environment assignment, ignoring: 1B=2", "f:1: Invalid environment assignment, ignoring: C"}},
		{`A=1 "B=2`, []string{"A=1"}, []string{`f:1: Invalid syntax, ignoring: A=1 "B=2`}},
		{`A=\q`, nil, []string{`f:1: Invalid syntax, ignoring: A=\q`}},
	} {
		got, diags := ParseEnvironment(c.rvalue, Location{"f", 1}, nil)
		var texts []string
		for _, d := range diags {
			texts = append(texts, d.String())
		}
		if !slices.Equal(got, c.want) || !slices.Equal(texts, c.diags) {
			t.Errorf("ParseEnvironment(%q) = %q, %q; want %q, %q", c.rvalue, got, texts, c.want, c.diags)
		}
	}
	env := MergeEnv(MergeEnv(MergeEnv(nil, "A=1"), "B=2"), "A=3")
	if !slices.Equal(env, []string{"A=3", "B=2"}) {
		t.Errorf("MergeEnv = %q", env)
	}
	clean, bad := CleanEnv([]string{"A=1", "1=x", "B=2", "A=3"})
	if !slices.Equal(clean, []string{"B=2", "A=3"}) || !slices.Equal(bad, []string{"1=x"}) {
		t.Errorf("CleanEnv = %q, %q", clean, bad)
	}
}
