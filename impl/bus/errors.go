package bus

import (
	"errors"
	"fmt"
)

// Well-known D-Bus error names, as sd-bus uses them.
const (
	ErrNameFailed           = "org.freedesktop.DBus.Error.Failed"
	ErrNameNoMemory         = "org.freedesktop.DBus.Error.NoMemory"
	ErrNameAccessDenied     = "org.freedesktop.DBus.Error.AccessDenied"
	ErrNameInvalidArgs      = "org.freedesktop.DBus.Error.InvalidArgs"
	ErrNameInvalidSignature = "org.freedesktop.DBus.Error.InvalidSignature"
	ErrNameUnknownMethod    = "org.freedesktop.DBus.Error.UnknownMethod"
	ErrNameUnknownObject    = "org.freedesktop.DBus.Error.UnknownObject"
	ErrNameUnknownInterface = "org.freedesktop.DBus.Error.UnknownInterface"
	ErrNameUnknownProperty  = "org.freedesktop.DBus.Error.UnknownProperty"
	ErrNamePropertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly"
	ErrNameLimitsExceeded   = "org.freedesktop.DBus.Error.LimitsExceeded"
	ErrNameNotSupported     = "org.freedesktop.DBus.Error.NotSupported"
	ErrNameTimeout          = "org.freedesktop.DBus.Error.Timeout"
	ErrNameDisconnected     = "org.freedesktop.DBus.Error.Disconnected"
	ErrNameInconsistent     = "org.freedesktop.DBus.Error.InconsistentMessage"
)

// Error is an error that crosses the bus: a D-Bus error name and a
// human-readable message. Method handlers return it (or wrap it) to choose
// the error name the caller sees; any other error is sent as
// org.freedesktop.DBus.Error.Failed with the error's text.
type Error struct {
	Name    string
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Name
	}
	return e.Message
}

// Errorf makes an *Error with a formatted message.
func Errorf(name, format string, args ...any) *Error {
	return &Error{Name: name, Message: fmt.Sprintf(format, args...)}
}

// AsError maps any error to the *Error sent on the wire: an *Error found
// in err's chain keeps its name, anything else becomes Failed.
func AsError(err error) *Error {
	var be *Error
	if errors.As(err, &be) {
		return be
	}
	return &Error{Name: ErrNameFailed, Message: err.Error()}
}
