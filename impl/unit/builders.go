package unit

import (
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
)

// ws is systemd's WHITESPACE separator set.
const ws = unitfile.Whitespace

// Field selectors: a directive's parser finds its field through one of
// these, from the unit or one of its contexts.

func inExec[T any](f func(*ExecContext) *T) func(*Unit) *T {
	return func(u *Unit) *T { return f(u.Exec) }
}

func inCG[T any](f func(*CGroupContext) *T) func(*Unit) *T {
	return func(u *Unit) *T { return f(u.CGroup) }
}

func inKill[T any](f func(*KillContext) *T) func(*Unit) *T {
	return func(u *Unit) *T { return f(u.Kill) }
}

func inService[T any](f func(*Service) *T) func(*Unit) *T {
	return func(u *Unit) *T { return f(u.Service) }
}

func inSocket[T any](f func(*Socket) *T) func(*Unit) *T {
	return func(u *Unit) *T { return f(u.Socket) }
}

// boolField is config_parse_bool.
func boolField(get func(*Unit) *bool) parseFunc {
	return func(p *parser, v string) error {
		b, err := value.ParseBoolean(v)
		if err != nil {
			p.warn("Failed to parse boolean value, ignoring: %s", v)
			return nil
		}
		*get(p.u) = b
		return nil
	}
}

// fatalBoolField is config_parse_bool with a true ltype: a bad value makes
// the unit fail to load.
func fatalBoolField(get func(*Unit) *bool) parseFunc {
	return func(p *parser, v string) error {
		b, err := value.ParseBoolean(v)
		if err != nil {
			p.log(LevelErr, "Failed to parse boolean value: %s", v)
			return errFatal
		}
		*get(p.u) = b
		return nil
	}
}

// stringField is config_parse_string.
func stringField(get func(*Unit) *string) parseFunc {
	return func(p *parser, v string) error {
		*get(p.u) = v
		return nil
	}
}

// stringPrintfField is config_parse_unit_string_printf.
func stringPrintfField(get func(*Unit) *string) parseFunc {
	return func(p *parser, v string) error {
		k, ok := p.printfOr(v, specFull)
		if ok {
			*get(p.u) = k
		}
		return nil
	}
}

// pathPrintfField is config_parse_unit_path_printf; fatal refuses the
// unit on a bad path.
func pathPrintfField(get func(*Unit) *string, fatal bool) parseFunc {
	return func(p *parser, v string) error {
		k, err := p.printf(v, specPath)
		if err != nil {
			if fatal {
				p.log(LevelErr, "Failed to resolve unit specifiers in '%s': %s", v, strerror(err))
				return errFatal
			}
			p.warn("Failed to resolve unit specifiers in '%s', ignoring: %s", v, strerror(err))
			return nil
		}
		if k == "" {
			*get(p.u) = ""
			return nil
		}
		flags := pathCheckAbsolute
		if fatal {
			flags |= pathCheckFatal
		}
		s, ok := p.simplifyAndWarn(k, flags)
		if !ok {
			if fatal {
				return errFatal
			}
			return nil
		}
		*get(p.u) = s
		return nil
	}
}

// numberField is DEFINE_PARSER's config_parse_<kind>: conv's error is
// reported as "Failed to parse <kind> value, ignoring: ...".
func numberField[T any](kind string, conv func(string) (T, error), get func(*Unit) *T) parseFunc {
	return func(p *parser, v string) error {
		x, err := conv(v)
		if err != nil {
			p.warn("Failed to parse %s value, ignoring: %s", kind, v)
			return nil
		}
		*get(p.u) = x
		return nil
	}
}

func unsignedField(get func(*Unit) *uint32) parseFunc {
	return numberField("unsigned", value.SafeAtou, get)
}

func intField(get func(*Unit) *int32) parseFunc { return numberField("int", value.SafeAtoi, get) }

func longField(get func(*Unit) *int64) parseFunc { return numberField("long", value.SafeAtoi64, get) }

func secField(get func(*Unit) *uint64) parseFunc { return numberField("sec", value.ParseSec, get) }

func nsecField(get func(*Unit) *uint64) parseFunc { return numberField("nsec", value.ParseNSec, get) }

func modeField(get func(*Unit) *uint32) parseFunc { return numberField("mode", value.ParseMode, get) }

func secDefInfinityField(get func(*Unit) *uint64) parseFunc {
	return numberField("sec_def_infinity", value.ParseSecDefInfinity, get)
}

// secFix0Field is config_parse_sec_fix_0: 0 means infinity.
func secFix0Field(get func(*Unit) *uint64) parseFunc {
	return func(p *parser, v string) error {
		x, err := value.ParseSecFix0(v)
		if err != nil {
			p.warn("Failed to parse time value, ignoring: %s", v)
			return nil
		}
		*get(p.u) = x
		return nil
	}
}

// iecSizeField is config_parse_iec_size.
func iecSizeField(get func(*Unit) *uint64) parseFunc {
	return func(p *parser, v string) error {
		x, err := value.ParseSize(v, 1024)
		if err != nil {
			p.warn("Failed to parse size value '%s', ignoring: %s", v, strerror(err))
			return nil
		}
		*get(p.u) = x
		return nil
	}
}

// enumField is DEFINE_CONFIG_PARSE_ENUM: v must be one of names.
func enumField(get func(*Unit) *string, msg string, names ...string) parseFunc {
	return func(p *parser, v string) error {
		for _, n := range names {
			if n == v {
				*get(p.u) = v
				return nil
			}
		}
		p.warn("%s, ignoring: %s", msg, v)
		return nil
	}
}

// enumBoolField is an enum whose lookup also takes booleans, mapping them
// to no and yes (DEFINE_STRING_TABLE_LOOKUP_WITH_BOOLEAN).
func enumBoolField(get func(*Unit) *string, msg, no, yes string, names ...string) parseFunc {
	plain := enumField(get, msg, names...)
	return func(p *parser, v string) error {
		if b, err := value.ParseBoolean(v); err == nil {
			if b {
				*get(p.u) = yes
			} else {
				*get(p.u) = no
			}
			return nil
		}
		return plain(p, v)
	}
}

// signalField is config_parse_signal.
func signalField(get func(*Unit) *int32) parseFunc {
	return func(p *parser, v string) error {
		s, err := value.SignalFromString(v)
		if err != nil || s <= 0 {
			p.warn("Failed to parse signal name, ignoring: %s", v)
			return nil
		}
		*get(p.u) = int32(s)
		return nil
	}
}

// warnCompat is config_parse_warn_compat for options systemd no longer
// supports (info) or was built without (debug).
func warnCompat(disabledAtCompileTime bool) parseFunc {
	return func(p *parser, v string) error {
		if disabledAtCompileTime {
			p.log(LevelDebug, "Support for option %s= has been disabled at compile time and it is ignored", p.key)
		} else {
			p.log(LevelInfo, "Support for option %s= has been removed and it is ignored", p.key)
		}
		return nil
	}
}

// pathListPrintf is config_parse_unit_path_strv_printf.
func pathListPrintf(get func(*Unit) *[]string) parseFunc {
	return func(p *parser, v string) error {
		if v == "" {
			*get(p.u) = nil
			return nil
		}
		w := unitfile.NewExtractor(v)
		for {
			word, ok, err := w.Next(ws, unitfile.ExtractUnquote)
			if err != nil {
				p.warn("Invalid syntax, ignoring: %s", v)
				return nil
			}
			if !ok {
				return nil
			}
			k, ok := p.printfOr(word, specPath)
			if !ok {
				return nil
			}
			s, ok := p.simplifyAndWarn(k, pathCheckAbsolute)
			if !ok {
				return nil
			}
			*get(p.u) = append(*get(p.u), s)
		}
	}
}
