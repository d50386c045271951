package specifier

// SystemTmpTable is system_and_tmp_specifier_table: the host's
// specifiers (%a %A %b %B %H %l %m %M %o %q %v %w %W) and the temporary
// directories (%T %V), with no unit or user ones. The system manager
// expands DefaultEnvironment= and ManagerEnvironment= of system.conf
// with it.
func SystemTmpTable(h Host) Table {
	t := Table{}
	systemTable(t, h)
	t['T'] = h.TmpDir
	t['V'] = h.VarTmpDir
	return t
}
