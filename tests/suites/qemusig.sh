#!/bin/bash
# Host signals on the QEMU fallback (run by tests/run.sh with BUILD set):
# `husk run` on HUSK_MONITOR=qemu execs husk-qemu, and a signal sent to it
# must reach the guest program as on husk-vmm (vmm/testdata/nested-cases.sh,
# "SIGTERM passed on"): through COM2, one byte per signal. The program is
# tests/progs/signals in its wait-term mode: it prints "waiting for
# SIGTERM", and "got SIGTERM" with status 7 from its handler. SIGINT has no
# handler there: its default action ends the program (130). SIGKILL ends
# husk-qemu and QEMU with it.
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
case $B in /*) BD=$B ;; *) BD=$PWD/$B ;; esac
H=$BD/bin/husk
SUITE=qemusig
# shellcheck source=tests/suites/common.bash
. tests/suites/common.bash

for f in "$H" "$BD/bin/husk-qemu" "$BD/husk.elf" "$BD/tests/rootfs/bin/signals-musl"; do
	[ -e "$f" ] || { bad "build" "$f was not built"; exit 0; }
done
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "all" "qemu-system-x86_64 is not installed (scripts/setup.sh)"
	exit 0
fi

T=$(mktemp -d /tmp/husk-qemusig-XXXXXX)
trap 'rm -rf "$T"' EXIT
export HUSK_HOME=$T/home HUSK_MONITOR=qemu
unset HUSK_VMM HUSK_KERNEL HUSK_QEMU_WRAPPER
if ! "$H" import "$BD/tests/rootfs" sigs >"$T/import" 2>&1; then
	bad "import the test root filesystem" "$(tail -n 3 "$T/import")"
	exit 0
fi

# The program stop_after runs (RUN_CMD, an array): its wait-term mode
# unless a case says otherwise.
RUN_CMD=(/bin/signals-musl wait-term)
# stop_after PATTERN SIGNAL [group]: runs the program in the background,
# in a process group of its own, sends SIGNAL to the monitor (husk execs
# husk-qemu: the same pid), or to its whole group as a terminal's Ctrl-C
# does, once its output shows PATTERN, and returns its status; its output
# is in $T/out. A monitor still running 60 s later is killed: status 124.
stop_after() {
	local pat=$1 sig=$2 pid i=0 to
	: >"$T/out"
	setsid "$H" run --rm sigs "${RUN_CMD[@]}" >"$T/out" 2>&1 &
	pid=$!
	to=$pid
	[ "${3:-}" = group ] && to=-$pid
	while ! grep -q "$pat" "$T/out" && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	qemu_pid=$(pgrep -P "$pid" | head -n 1)
	kill -"$sig" -- "$to"
	for i in $(seq 600); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		echo "(still running 60 s after SIG$sig)" >>"$T/out"
		return 124
	fi
	wait "$pid" 2>/dev/null
}

# case_ NAME WANT-STATUS REGEX SIGNAL [group]
case_() {
	local name=$1 want=$2 re=$3 rc
	stop_after "^waiting for SIGTERM" "$4" "${5:-}"
	rc=$?
	if [ "$rc" != "$want" ]; then
		bad "$name" "exit status $rc, expected $want: $(tail -n 3 "$T/out")"
	elif ! grep -Eq -- "$re" "$T/out"; then
		bad "$name" "output lacks /$re/: $(tail -n 3 "$T/out")"
	else
		ok "$name"
	fi
}

case_ "SIGTERM reaches the program's handler" 7 "^got SIGTERM$" TERM
# husk wait on a foreground --rm run: husk-qemu writes the program's
# status to the record's exitcode file (--status-fd) before the record goes.
setsid "$H" run --rm --name qwait sigs /bin/signals-musl wait-term >"$T/out" 2>&1 &
pid=$!
i=0
while ! grep -q "^waiting for SIGTERM" "$T/out" && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
"$H" wait qwait >"$T/wait" 2>&1 &
wp=$!
# wait polls the record, asleep in clock_nanosleep (230) or nanosleep (35)
i=0
until grep -qE '^(230|35) ' "/proc/$wp/syscall" 2>/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM "$pid"
i=0
while kill -0 "$wp" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL "$pid" "$wp" 2>/dev/null
wait "$pid" 2>/dev/null
wait "$wp"
rc=$?
if [ $rc = 0 ] && [ "$(cat "$T/wait")" = 7 ]; then
	ok "husk wait on a foreground --rm run prints the program's status"
else
	bad "husk wait on a foreground --rm run prints the program's status" \
		"status $rc: $(cat "$T/wait"); run: $(tail -n 2 "$T/out")"
fi
case_ "SIGINT: the program's default action ends it" 130 \
	"program terminated by SIGINT" INT
case_ "Ctrl-C (SIGINT to the process group) reaches the program, not QEMU" \
	130 "program terminated by SIGINT" INT group
# A signal landing while the guest is about to halt must not be lost
# (vmm/testdata/nested-cases.sh's "six times in a row").
rounds=0
for _ in 1 2 3; do
	stop_after "^waiting for SIGTERM" TERM
	rc=$?
	[ $rc = 7 ] || break
	rounds=$((rounds + 1))
done
if [ $rounds = 3 ]; then
	ok "SIGTERM three times in a row, none lost"
else
	bad "SIGTERM three times in a row, none lost" \
		"round $((rounds + 1)): status $rc: $(tail -n 2 "$T/out")"
fi
# A program that never sleeps nor calls the system: the signal must still
# reach it (the local APIC takes COM2's interrupt while it spins).
RUN_CMD=(/bin/busybox sh -c 'echo spinning; while :; do :; done')
stop_after "^spinning" TERM
rc=$?
if [ $rc = 143 ] && grep -q "program terminated by SIGTERM" "$T/out"; then
	ok "SIGTERM reaches a program that never sleeps"
else
	bad "SIGTERM reaches a program that never sleeps" \
		"status $rc: $(tail -n 2 "$T/out")"
fi
RUN_CMD=(/bin/signals-musl wait-term)
case_ "SIGKILL ends husk-qemu" 137 "^waiting for SIGTERM$" KILL
# QEMU dies with its parent (PDEATHSIG); give it a moment.
for _ in 1 2 3 4 5 6 7 8 9 10; do
	[ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null || break
	sleep 0.5
done
if [ -z "$qemu_pid" ]; then
	bad "SIGKILL takes QEMU with it" "QEMU's pid was not found"
elif kill -0 "$qemu_pid" 2>/dev/null; then
	bad "SIGKILL takes QEMU with it" "QEMU (pid $qemu_pid) still runs"
	kill -KILL "$qemu_pid"
else
	ok "SIGKILL takes QEMU with it"
fi
