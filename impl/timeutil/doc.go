// Package timeutil owns systemd 252's time layer: time spans (parse_sec,
// format_timespan), timestamps (parse_timestamp, format_timestamp and its
// relative form) and calendar event specifications (OnCalendar=), each
// behaving byte for byte like systemd 252 on Debian 12.
//
// systemd computes local time through glibc (localtime_r, mktime, strptime,
// tzname), whose quirks show in its output: this package carries its own
// emulation of those glibc 2.36 routines (Zone, Tm) so results do not depend
// on Go's time package. A Context bundles the per-process state glibc keeps
// (the loaded zone, tzname, mktime's offset guess) and the clock.
//
// Any package may import timeutil; it imports nothing else of ours.
package timeutil
