package exec

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"

	"gosystemd/impl/unitname"
)

// userDB answers user and group lookups from passwd and group files, as
// glibc's "files" NSS module does (no cgo, no other NSS modules).
type userDB struct {
	passwd, group string // file names
}

var systemUserDB = userDB{passwd: "/etc/passwd", group: "/etc/group"}

type passwdEntry struct {
	name        string
	uid, gid    uint32
	home, shell string
}

type groupEntry struct {
	name    string
	gid     uint32
	members []string
}

// parsePasswd parses passwd(5) lines; malformed lines are skipped, as
// fgetpwent does.
func parsePasswd(data []byte) []passwdEntry {
	var out []passwdEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) != 7 || f[0] == "" || f[0][0] == '+' || f[0][0] == '-' {
			continue
		}
		uid, err1 := strconv.ParseUint(f[2], 10, 32)
		gid, err2 := strconv.ParseUint(f[3], 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, passwdEntry{name: f[0], uid: uint32(uid), gid: uint32(gid), home: f[5], shell: f[6]})
	}
	return out
}

// parseGroup parses group(5) lines; malformed lines are skipped.
func parseGroup(data []byte) []groupEntry {
	var out []groupEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) != 4 || f[0] == "" || f[0][0] == '+' || f[0][0] == '-' {
			continue
		}
		gid, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			continue
		}
		var members []string
		for _, m := range strings.Split(f[3], ",") {
			if m != "" {
				members = append(members, m)
			}
		}
		out = append(out, groupEntry{name: f[0], gid: uint32(gid), members: members})
	}
	return out
}

func (db userDB) users() []passwdEntry {
	data, _ := os.ReadFile(db.passwd)
	return parsePasswd(data)
}

func (db userDB) groups() []groupEntry {
	data, _ := os.ReadFile(db.group)
	return parseGroup(data)
}

// parseID is 252's parse_uid/parse_gid: a decimal number that is not
// one of the two invalid IDs.
func parseID(s string) (uint32, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || v == 0xFFFF || v == 0xFFFFFFFF {
		return 0, false
	}
	return uint32(v), true
}

func idValid(id uint32) bool { return id != 0xFFFF && id != 0xFFFFFFFF }

// credentials are a resolved User=.
type credentials struct {
	name        string
	uid, gid    uint32
	home, shell string // "" when not enlightening (USER_CREDS_CLEAN)
}

const (
	nobodyUser  = "nobody"
	nobodyGroup = "nogroup"
	idNobody    = 65534
)

// synthesizeNobody is 252's synthesize_nobody().
func synthesizeNobody() bool {
	_, err := os.Stat("/etc/systemd/dont-synthesize-nobody")
	return err != nil
}

// defaultRootShell is default_root_shell(NULL).
func defaultRootShell() string {
	if _, err := os.Stat("/bin/bash"); err == nil {
		return "/bin/bash"
	}
	return "/bin/sh"
}

var nologinShells = []string{"/bin/nologin", "/sbin/nologin", "/usr/bin/nologin", "/usr/sbin/nologin",
	"/bin/false", "/usr/bin/false", "/bin/true", "/usr/bin/true"}

// lookupUser is 252's get_user_creds with USER_CREDS_CLEAN.
func (db userDB) lookupUser(name string) (credentials, error) {
	switch {
	case name == "root" || name == "0":
		return credentials{name: "root", home: "/root", shell: defaultRootShell()}, nil
	case (name == nobodyUser || name == "65534") && synthesizeNobody():
		return credentials{name: nobodyUser, uid: idNobody, gid: idNobody}, nil
	}
	var found *passwdEntry
	users := db.users()
	if uid, ok := parseID(name); ok {
		for i := range users {
			if users[i].uid == uid {
				found = &users[i]
				break
			}
		}
	} else {
		for i := range users {
			if users[i].name == name {
				found = &users[i]
				break
			}
		}
	}
	if found == nil {
		return credentials{}, syscall.ESRCH
	}
	if !idValid(found.uid) || !idValid(found.gid) {
		return credentials{}, syscall.EBADMSG
	}
	c := credentials{name: found.name, uid: found.uid, gid: found.gid, home: found.home, shell: found.shell}
	if c.home == "" || unitname.PathSimplify(c.home) == "/" || !unitname.PathIsValid(c.home) || !unitname.PathIsAbsolute(c.home) {
		c.home = ""
	}
	if c.shell == "" || !unitname.PathIsValid(c.shell) || !unitname.PathIsAbsolute(c.shell) || isNologin(c.shell) {
		c.shell = ""
	}
	return c, nil
}

func isNologin(shell string) bool {
	s := unitname.PathSimplify(shell)
	for _, n := range nologinShells {
		if s == n {
			return true
		}
	}
	return false
}

// lookupGroup is 252's get_group_creds without flags: the group's name and
// GID.
func (db userDB) lookupGroup(name string) (string, uint32, error) {
	switch {
	case name == "root" || name == "0":
		return "root", 0, nil
	case (name == nobodyGroup || name == "65534") && synthesizeNobody():
		return nobodyGroup, idNobody, nil
	}
	groups := db.groups()
	if gid, ok := parseID(name); ok {
		for _, g := range groups {
			if g.gid == gid {
				return g.name, g.gid, nil
			}
		}
	} else {
		for _, g := range groups {
			if g.name == name {
				if !idValid(g.gid) {
					return "", 0, syscall.EBADMSG
				}
				return g.name, g.gid, nil
			}
		}
	}
	return "", 0, syscall.ESRCH
}

// groupList is getgrouplist(user, gid): gid first, then every group
// listing user as a member, without repeats.
func (db userDB) groupList(user string, gid uint32) []uint32 {
	out := []uint32{gid}
	for _, g := range db.groups() {
		for _, m := range g.members {
			if m != user {
				continue
			}
			dup := false
			for _, have := range out {
				if have == g.gid {
					dup = true
				}
			}
			if !dup {
				out = append(out, g.gid)
			}
			break
		}
	}
	return out
}
