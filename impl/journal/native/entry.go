package native

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Field is one field of an entry. Values are bytes: they may hold
// newlines, NULs and invalid UTF-8.
type Field struct {
	Name, Value string
}

const (
	// FieldNameMax is the longest field name journald accepts.
	FieldNameMax = 64
	// EntryFieldsMax is the most fields journald takes in one entry:
	// it drops the whole entry when a field arrives after
	// ENTRY_FIELD_COUNT_MAX (1024) others plus one.
	EntryFieldsMax = 1025
)

// ValidFieldName is journald's journal_field_valid: 1 to 64 characters
// from A-Z, 0-9 and '_', not starting with a digit. Names starting with
// '_' are the trusted fields journald adds itself; allowProtected says
// whether they count as valid (journald silently drops them from
// clients).
func ValidFieldName(name string, allowProtected bool) bool {
	if name == "" || len(name) > FieldNameMax {
		return false
	}
	if !allowProtected && name[0] == '_' {
		return false
	}
	if name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// FieldError is a field journald would drop: its name is not one a
// client may send.
type FieldError struct{ Name string }

func (e *FieldError) Error() string { return fmt.Sprintf("invalid journal field name %q", e.Name) }

// ErrEmptyEntry is the error for an entry without fields, which journald
// ignores.
var ErrEmptyEntry = errors.New("journal entry has no fields")

// ErrTooManyFields is the error for an entry of more than EntryFieldsMax
// fields, which journald ignores.
var ErrTooManyFields = fmt.Errorf("journal entry has more than %d fields", EntryFieldsMax)

// AppendEntry appends fields to b encoded as one entry of the native
// protocol, as sd_journal_sendv encodes them: NAME=value\n, or, when the
// value holds a newline, NAME\n, the value's length as a 64-bit
// little-endian number, the value and \n. It refuses what journald would
// drop silently: an empty entry, too many fields, or a field name a
// client may not send.
func AppendEntry(b []byte, fields []Field) ([]byte, error) {
	if len(fields) == 0 {
		return b, ErrEmptyEntry
	}
	if len(fields) > EntryFieldsMax {
		return b, ErrTooManyFields
	}
	for _, f := range fields {
		if !ValidFieldName(f.Name, false) {
			return b, &FieldError{Name: f.Name}
		}
	}
	for _, f := range fields {
		b = append(b, f.Name...)
		if strings.IndexByte(f.Value, '\n') < 0 {
			b = append(b, '=')
			b = append(b, f.Value...)
		} else {
			b = append(b, '\n')
			b = binary.LittleEndian.AppendUint64(b, uint64(len(f.Value)))
			b = append(b, f.Value...)
		}
		b = append(b, '\n')
	}
	return b, nil
}
