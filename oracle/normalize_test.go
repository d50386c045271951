package oracle

import "testing"

// Pairs seen on two boots of the same real system normalize to the same
// text; pairs that differ in behaviour still differ.
func TestNormalize(t *testing.T) {
	same := [][2]string{
		{"ActiveEnterTimestamp=Thu 2026-11-26 07:25:19 UTC\n", "ActiveEnterTimestamp=Fri 2026-11-27 01:02:03 UTC\n"},
		{"ActiveEnterTimestampMonotonic=1234567\n", "ActiveEnterTimestampMonotonic=99\n"},
		{"InvocationID=0123456789abcdef0123456789abcdef\n", "InvocationID=fedcba9876543210fedcba9876543210\n"},
		{"MainPID=82\n", "MainPID=4711\n"},
		{"ExecStart={ path=/bin/true ; argv[]=/bin/true ; pid=82 ; code=exited ; status=0 }\n", "ExecStart={ path=/bin/true ; argv[]=/bin/true ; pid=90 ; code=exited ; status=0 }\n"},
		{"Nov 26 07:25:19 systemd[1]: Started a.service.\n", "Dec  1 10:00:00 systemd[1]: Started a.service.\n"},
		{"<TS> oracle statusd.sh[123]: hello\n", "<TS> oracle statusd.sh[456]: hello\n"},
		{"<TS> (hoami.sh)[105]: badcwd.service: Failed at step CHDIR\n", "<TS> (hoami.sh)[106]: badcwd.service: Failed at step CHDIR\n"},
		{"             ├─ 99 /bin/sh /usr/local/bin/statusd.sh\n             └─100 sleep 1000\n", "             ├─101 /bin/sh /usr/local/bin/statusd.sh\n             └─102 sleep 1000\n"},
		{"victim.service: Sent signal SIGKILL to main process 82 (sleep) on client request.\n", "victim.service: Sent signal SIGKILL to main process 91 (sleep) on client request.\n"},
		{"TimersMonotonic={ OnActiveUSec=300ms ; next_elapse=22min 6.169140s }\n", "TimersMonotonic={ OnActiveUSec=300ms ; next_elapse=22min 8.088728s }\n"},
		{"Trigger: Sat 2036-06-01 00:00:00 UTC; 10 years 6 months left\n", "Trigger: Sat 2036-06-01 00:00:00 UTC; 10 years 5 months left\n"},
		{"     Active: active (running) since Thu 2026-11-26 07:25:19 UTC; 2min 3s ago\n", "     Active: active (running) since Thu 2026-11-26 07:26:00 UTC; 86ms ago\n"},
		{"Wants=b.service a.service\n", "Wants=a.service b.service\n"},
		{"Startup finished in 736ms.\n", "Startup finished in 1.066s.\n"},
		{"ControlGroupId=633\n", "ControlGroupId=1716\n"},
		{"   Duration: 3ms\n", "   Duration: 3.561s\n"},
		{"      Tasks: 1 (limit: 28745)\n     Memory: 1.2M\n", "      Tasks: 2 (limit: 28745)\n     Memory: 980K\n"},
		{"    Thu 2026-11-26 07:25:19.123456 UTC [s=0123456789abcdef0123456789abcdef;i=36;b=0123456789abcdef0123456789abcdef;m=606e4149;t=5e1f;x=9a]\n",
			"    Thu 2026-11-26 07:25:20.654321 UTC [s=fedcba9876543210fedcba9876543210;i=37;b=fedcba9876543210fedcba9876543210;m=606e4150;t=5e20;x=9b]\n"},
	}
	for _, p := range same {
		if a, b := Normalize(p[0]), Normalize(p[1]); a != b {
			t.Errorf("not normalized alike:\n %q\n %q", a, b)
		}
	}
	differ := [][2]string{
		{"ActiveState=active\n", "ActiveState=failed\n"},
		{"Wants=a.service\n", "Wants=a.service b.service\n"},
		{"ExecMainStatus=0\n", "ExecMainStatus=1\n"},
		{"RestartUSec=100ms\n", "RestartUSec=7s\n"},
		{"TimeoutStopUSec=1min 30s\n", "TimeoutStopUSec=42s\n"},
		{"Nov 26 07:25:19 systemd[1]: Started a.service.\n", "Nov 26 07:25:19 systemd[1]: Started b.service.\n"},
		{"status=0/SUCCESS\n", "status=1/FAILURE\n"},
		{"NRestarts=2\n", "NRestarts=3\n"},
	}
	for _, p := range differ {
		if Normalize(p[0]) == Normalize(p[1]) {
			t.Errorf("normalization hides a real difference: %q vs %q", p[0], p[1])
		}
	}
}

func TestGroupJournalBySender(t *testing.T) {
	a := "<TS> systemd[<PID>]: Starting a...\n<TS> echo[<PID>]: hi\n<TS> systemd[<PID>]: Finished a.\n"
	b := "<TS> echo[<PID>]: hi\n<TS> systemd[<PID>]: Starting a...\n<TS> systemd[<PID>]: Finished a.\n"
	if GroupJournalBySender(a) != GroupJournalBySender(b) {
		t.Errorf("interleavings of two senders differ:\n%s\n%s", GroupJournalBySender(a), GroupJournalBySender(b))
	}
	c := "<TS> systemd[<PID>]: Finished a.\n<TS> systemd[<PID>]: Starting a...\n"
	if GroupJournalBySender(c) == GroupJournalBySender("<TS> systemd[<PID>]: Starting a...\n<TS> systemd[<PID>]: Finished a.\n") {
		t.Error("one sender's order was lost")
	}
}
