#!/bin/sh
# Prints what a started process sees, one "== section" at a time.
echo "== argv"; for a in "$0" "$@"; do echo "[$a]"; done
echo "== id"; id
echo "== umask"; umask
echo "== pwd"; pwd
# The shell reads its own status: a child's view would show the shell
# blocking signals while it waits.
echo "== status"
while read -r key value; do
	case $key in Cap*|NoNewPrivs:|SigBlk:|SigIgn:|Groups:|Cpus_allowed_list:) echo "$key $value";; esac
done </proc/$$/status
echo "== stat"; cut -d' ' -f5,6 /proc/$$/stat
echo "== limits"; ulimit -a
echo "== nice"; nice
echo "== oom"; cat /proc/$$/oom_score_adj
echo "== timerslack"; cat /proc/$$/timerslack_ns
echo "== sched"; chrt -p $$ 2>&1; ionice -p $$ 2>&1
echo "== fds"; find /proc/$$/fd -mindepth 1 -printf '%f %l\n'
echo "== env"; env | sort
echo "== mounts"; cut -d' ' -f4- /proc/$$/mountinfo
