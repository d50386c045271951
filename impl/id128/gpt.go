package id128

import (
	"runtime"
	"sync"
)

// GPTType is one well-known partition type.
type GPTType struct {
	Name string
	ID   ID
}

// archPartitionTypes are the GPT partition type UUIDs of the Discoverable
// Partitions Specification as systemd 252 knows them (sd-gpt.h): for each
// architecture, by systemd's name for it, its root, root-verity,
// root-verity-sig, usr, usr-verity and usr-verity-sig types.
var archPartitionTypes = []struct {
	arch string
	ids  [6]string
}{
	{"alpha", [6]string{
		"6523f8ae3eb14e2aa05a18b695ae656f",
		"fc56d9e9e6e54c06be32e74407ce09a5",
		"d46495b7a053414f80f7700c99921ef8",
		"e18cf08c33ec4c0d8246c6c6fb3da024",
		"8cce0d25c0d04a44bd8746331bf1df67",
		"5c6e1c76076a457aa0fef3b4cd21ce6e",
	}},
	{"arc", [6]string{
		"d27f46ed29194cb8bd259531f3c16534",
		"24b2d9750f974521afa1cd531e421b8d",
		"143a70bacbd34f06919f6c05683a78bc",
		"7978a68363164922bbee38bff5a2fecc",
		"fca0598cd88045918c164eda05c7347c",
		"94f9a9a19971427aa40050cb297f0f35",
	}},
	{"arm", [6]string{
		"69dad7102ce44e3cb16c21a1d49abed3",
		"7386cdf2203c47a9a498f2ecce45a2d6",
		"42b0455feb11491d98d356145ba9d037",
		"7d0359a302b34f0a865c654403e70625",
		"c215d7517bcd4649be906627490a4c05",
		"d7ff812f37d14902a810d76ba57b975a",
	}},
	{"arm64", [6]string{
		"b921b0451df041c3af444c6f280d3fae",
		"df3300ced69f4c92978c9bfb0f38d820",
		"6db69de629f44758a7a5962190f00ce3",
		"b0e01050ee5f4390949a9101b17104e9",
		"6e11a4e7fbca4dedb9e9e1a512bb664e",
		"c23ce4ff44bd4b00b2d4b41b3419e02a",
	}},
	{"ia64", [6]string{
		"993d8d3df80e4225855a9daf8ed7ea97",
		"86ed10d5b60745bb8957d350f23d0571",
		"e98b36ee32ba48829b120ce14655f46a",
		"4301d2a64e3b4b2abb949e0b2c4225ea",
		"6a491e033be745458e3883320e0ea880",
		"8de58bc22a43460db14ea76e4a17b47f",
	}},
	{"loongarch64", [6]string{
		"77055800792c4f94b39a98c91b762bb6",
		"f3393b22e9af4613a9489d3bfbd0c535",
		"5afb67ebecc84f85ae8eac1e7c50e7d0",
		"e611c702575c4cbe9a46434fa0bf7e3f",
		"f46b2c2659ae48f09106c50ed47f673d",
		"b024f315d330444c846144bbde524e99",
	}},
	{"mips", [6]string{
		"e94345446e2c47ccbae212d6deafb44c",
		"7a430799f7114c7e8e5b1d685bd48607",
		"bba210a29c5d45ee9e87ff2ccbd002d0",
		"773b2abc2a9943988bf503baac40d02b",
		"6e5a1bc8d22349b7bca837a5fcceb996",
		"97ae158df216497b8057f7f905770f54",
	}},
	{"mips64", [6]string{
		"d113af7680ef41b4bdb60cff4d3d4a25",
		"579536f86a334055a95adf2d5e2c42a8",
		"43ce94d40f3d49998250b9deafd98e6e",
		"57e13958733143658e6e35eeee17c61b",
		"81cf9d9074584df48dcfc8a3a404f09b",
		"05816ce2dd404ac6a61d37d32dc1ba7d",
	}},
	{"mips-le", [6]string{
		"37c58c8ad9134156a25f48b1b64e07f0",
		"d7d150d22a044a338f1216651205ff7b",
		"c919cc1f44564eff918cf75e94525ca5",
		"0f4868e999524706979f3ed3a473e947",
		"46b98d8db55c4e8faab337fca7f80752",
		"3e23ca0ba4bc4b4e80875ab6a26aa8a9",
	}},
	{"mips64-le", [6]string{
		"700bda437a344507b179eeb93d7a7ca3",
		"16b417f83e064f578dd29b5232f41aa6",
		"904e58ef5c654a319c576af5fc7c5de7",
		"c97c1f32ba0640b49f22236061b08aa8",
		"3c3d61feb5f3414dbb718739a694a4ef",
		"f2c2c7eeadcc4351b5c6ee9816b66e16",
	}},
	{"parisc", [6]string{
		"1aacdb3b54444138bd9ee5c2239b2346",
		"d212a430fbc549f9a983a7feef2b8d0e",
		"15de617065d3431c916eb0dcd8393f25",
		"dc4a448069174262a4ecdb9384949f25",
		"5843d618ec3748d79f12cea8e08768b2",
		"450dd7d1322445ec9cf2a43a346d71ee",
	}},
	{"ppc", [6]string{
		"1de3f1effa9847b58dcd4a860a654d78",
		"98cfe649158846dcb2f0add147424925",
		"1b31b5aaadd9463ab2edbd467fc857e7",
		"7d14fec5cc71415d9d6c06bf0b3c3eaf",
		"df765d00270e49e5bc75f47bb2118b09",
		"7007891dd3714a8086a45cb875b9302e",
	}},
	{"ppc64", [6]string{
		"912ade1da83949138964a10eee08fbd2",
		"9225a9a33c194d89b4f6eeff88f17631",
		"f5e2c20c45b24ffabce92a60737e1aaf",
		"2c9739e2f06846b39fd001c5a9afbcca",
		"bdb528a5a259475fa87dda53fa736a07",
		"0b888863d7f84d9e9766239fce4d58af",
	}},
	{"ppc64-le", [6]string{
		"c31c45e63f39412e80fb4809c4980599",
		"906bd94445894aaea4e4dd983917446a",
		"d4a236e7e8734c07bf1dbf6cf7f1c3c6",
		"15bb03af77e74d4ab12bc0d084f7491c",
		"ee2b998321e8415386d9b6901a54d1ce",
		"c8bfbd1e268e45218bbabf314c399557",
	}},
	{"riscv32", [6]string{
		"60d5a7fe8e7d435cb7143dd8162144e1",
		"ae0253be11674007ac6843926c14c5de",
		"3a112a7587294380b4cf764d79934448",
		"b933fb225c3f4f91af90e2bb0fa50702",
		"cb1ee4e38cd04136a0a4aa61a32e8730",
		"c3836a13313745bab583b16c50fe5eb4",
	}},
	{"riscv64", [6]string{
		"72ec70a6cf7440e6bd494bda08e8f224",
		"b6ed5582440b4209b8da5ff7c419ea3d",
		"efe0f087ea8d4469821a4c2a96a8386a",
		"beaec34b8442439ba40b984381ed097d",
		"8f1056be9b0547c481d6be53128e5b54",
		"d2f9000a7a18453fb5cd4d32f77a7b32",
	}},
	{"s390", [6]string{
		"08a7acea624c4a2091e86e0fa67d23f9",
		"7ac63b47b25c463b8df8b4a94e6c90e1",
		"3482388e4254435aa241766a065f9960",
		"cd0f869bd0fb4ca0b1419ea87cc78d66",
		"b663c618e7bc4d6d90aa11b756bb1797",
		"17440e4fa8d0467fa46e3912ae6ef2c5",
	}},
	{"s390x", [6]string{
		"5eead9a9fe094a1ea1d7520d00531306",
		"b325bfbec7be4ab88357139e652d2f6b",
		"c80187a573a3491a901a017c3fa953e9",
		"8a4f577050aa4ed3874a99b710db6fea",
		"31741cc41a2a4111a581e00b447d2d06",
		"3f324816667b46ae86ee9b0c0c6c11b4",
	}},
	{"tilegx", [6]string{
		"c50cdd7038624cc390e1809a8c93ee2c",
		"966061ec28e44b2eb4a51f0a825a1d84",
		"b367143997b04a5390f72d5a8f3ad47b",
		"55497029c7c144ccaa39815ed1558630",
		"2fb4bf5607fa42da81326b139f2026ae",
		"4ede75e26ccc4cc8b9c770334b087510",
	}},
	{"x86", [6]string{
		"44479540f29741b29af7d131d5f0458a",
		"d13c5d3bb5d1422ab29f9454fdc89d76",
		"5996fc05109c48de808b23fa0830b676",
		"75250d768cc6458ebd66bd47cc81a812",
		"8f461b0d14ee4e819aa9049b6fb97abd",
		"974a71c0de4143c3be5d5c5ccd1ad2c0",
	}},
	{"x86-64", [6]string{
		"4f68bce3e8cd4db196e7fbcaf984b709",
		"2c7357edebd246d9aec123d437ec2bf5",
		"41092b059fc84523994f2def0408b176",
		"8484680c952148c69c11b0720656f69e",
		"77ff5f63e7b64633acf41565b864c0e6",
		"e7bb33fb06cf4e818273e543b413e2e2",
	}},
}

// otherPartitionTypes are the architecture-independent types.
var otherPartitionTypes = []struct{ name, id string }{
	{"esp", "c12a7328f81f11d2ba4b00a0c93ec93b"},
	{"xbootldr", "bc13c2ff59e64262a352b275fd6f7172"},
	{"swap", "0657fd6da4ab43c484e50933c84b4f4f"},
	{"home", "933ac7e12eb44f13b8440e14e2aef915"},
	{"srv", "3b8f842520e04f3b907f1a25a76f98e8"},
	{"var", "4d21b016b53445c2a9fb5c16e091fd2d"},
	{"tmp", "7ec6f5573bc54acab29316ef5df639d1"},
	{"user-home", "773f91ef66d449b5bd83d683bf40ad16"},
	{"linux-generic", "0fc63daf848347728e793d69d8477de4"},
}

// nativeArch maps GOARCH to systemd's names for the architecture the
// binary runs as and the one it can also run (secondary), if any.
var nativeArch = map[string][2]string{
	"amd64":    {"x86-64", "x86"},
	"386":      {"x86", ""},
	"arm64":    {"arm64", "arm"},
	"arm":      {"arm", ""},
	"loong64":  {"loongarch64", ""},
	"mips":     {"mips", ""},
	"mipsle":   {"mips-le", ""},
	"mips64":   {"mips64", ""},
	"mips64le": {"mips64-le", ""},
	"ppc64":    {"ppc64", ""},
	"ppc64le":  {"ppc64-le", ""},
	"riscv64":  {"riscv64", ""},
	"s390x":    {"s390x", ""},
}

var sextetSuffixes = [6]string{"", "-verity", "-verity-sig", "", "-verity", "-verity-sig"}

func sextet(prefixRoot, prefixUsr string, ids [6]string) []GPTType {
	out := make([]GPTType, 6)
	for i, s := range ids {
		prefix := prefixRoot
		if i >= 3 {
			prefix = prefixUsr
		}
		id, err := Parse(s)
		if err != nil {
			panic(err)
		}
		out[i] = GPTType{prefix + sextetSuffixes[i], id}
	}
	return out
}

func archIDs(arch string) [6]string {
	for _, a := range archPartitionTypes {
		if a.arch == arch {
			return a.ids
		}
	}
	panic("unknown architecture " + arch)
}

// GPTTypes is systemd's table of partition types in its order: every
// architecture's sextet ("root-x86-64", ...), the native architecture's
// under plain names ("root", "usr-verity", ...), the secondary
// architecture's as "root-secondary" etc., then "esp" to
// "linux-generic". A UUID may appear under several names; the first one
// is its canonical name. Built on first use, not by every process of the
// multicall binary at its start.
var GPTTypes = sync.OnceValue(func() []GPTType { return buildGPTTypes(runtime.GOARCH) })

func buildGPTTypes(goarch string) []GPTType {
	var out []GPTType
	for _, a := range archPartitionTypes {
		out = append(out, sextet("root-"+a.arch, "usr-"+a.arch, a.ids)...)
	}
	if n, ok := nativeArch[goarch]; ok {
		out = append(out, sextet("root", "usr", archIDs(n[0]))...)
		if n[1] != "" {
			out = append(out, sextet("root-secondary", "usr-secondary", archIDs(n[1]))...)
		}
	}
	for _, o := range otherPartitionTypes {
		id, err := Parse(o.id)
		if err != nil {
			panic(err)
		}
		out = append(out, GPTType{o.name, id})
	}
	return out
}

// GPTTypeName returns the canonical name of a partition type UUID.
func GPTTypeName(id ID) (string, bool) {
	for _, t := range GPTTypes() {
		if t.ID == id {
			return t.Name, true
		}
	}
	return "", false
}

// GPTTypeFromString resolves a partition type given by name or as an ID.
func GPTTypeFromString(s string) (ID, error) {
	for _, t := range GPTTypes() {
		if t.Name == s {
			return t.ID, nil
		}
	}
	return Parse(s)
}
