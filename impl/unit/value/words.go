package value

import "gosystemd/impl/unitfile"

// Word-splitting flags, short names for unitfile's.
const (
	unquote      = unitfile.ExtractUnquote
	cunescape    = unitfile.ExtractCUnescape
	dontCoalesce = unitfile.ExtractDontCoalesceSeparators
	retainEscape = unitfile.ExtractRetainEscape
)

type words struct{ x *unitfile.Extractor }

func newWords(s string) words { return words{unitfile.NewExtractor(s)} }

func (w words) next(seps string, flags unitfile.ExtractFlags) (string, bool, error) {
	if seps == "" {
		seps = whitespace
	}
	return w.x.Next(seps, flags)
}

func (w words) done() bool   { return w.x.Done() }
func (w words) rest() string { return w.x.Rest() }

// Split splits s into words as systemd's extract_first_word loop does with
// whitespace separators and the given flags.
func Split(s string, flags unitfile.ExtractFlags) ([]string, error) {
	w := newWords(s)
	var out []string
	for {
		word, ok, err := w.next("", flags)
		if err != nil {
			return out, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, word)
	}
}
