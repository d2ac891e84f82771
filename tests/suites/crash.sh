#!/bin/bash
# Crash reports kept with the container (run by tests/run.sh with BUILD
# set): a program fault's symbolized backtrace, an out-of-memory end,
# husk-vmm's own failure and a program that could not be started, shown
# by `husk logs` and `husk inspect` (State.Error, OOMKilled,
# ExitCode) after the VM is gone, for foreground and detached runs.
#
# Three parts:
#   - a stand-in monitor (HUSK_VMM, a shell script) prints reports as the
#     library OS does, and hostile consoles (floods, endless lines, bytes
#     that are not UTF-8, forged reports): the records and the bound on
#     what husk keeps;
#   - the real guest on the QEMU fallback (HUSK_MONITOR=qemu), here;
#   - the real husk-vmm, in one nested boot (scripts/nested-kvm/run.sh).
# The program is tests/progs/crash.c ("segv": a fault three calls deep),
# static musl and dynamic glibc; the out-of-memory one is memops exhaust.
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
case $B in /*) BD=$B ;; *) BD=$PWD/$B ;; esac
H=$BD/bin/husk
T=$(mktemp -d /tmp/husk-crash-XXXXXX)
export HUSK_HOME=$T/home
unset SOURCE_DATE_EPOCH HUSK_VMM HUSK_KERNEL HUSK_MONITOR
trap 'rm -rf "$T"' EXIT

SUITE=crash
# shellcheck source=tests/suites/common.bash
. tests/suites/common.bash

if [ ! -x "$H" ]; then
	bad "husk" "$H was not built"
	exit 0
fi

# The backtrace of crash segv, in order, as the library OS prints it.
FRAMES='husk:   #0  crash_here\+0x[0-9a-f]+ \(/bin/crash-[a-z]+\+0x[0-9a-f]+\)
husk:   #1  crash_middle\+0x[0-9a-f]+ \(/bin/crash-[a-z]+\+0x[0-9a-f]+\)
husk:   #2  crash_outer\+0x[0-9a-f]+ \(/bin/crash-[a-z]+\+0x[0-9a-f]+\)
husk:   #3  main\+0x[0-9a-f]+ \(/bin/crash-[a-z]+\+0x[0-9a-f]+\)'
# frames_in_order TEXT: the four frames appear as consecutive lines.
frames_in_order() {
	grep -E '^husk:   #[0-3]  ' <<<"$1" | head -n 4 | grep -Ecx "$FRAMES" | grep -qx 4 &&
		[ "$(grep -E '^husk:   #[0-3]  ' <<<"$1" | head -n 4 | sed -E 's/^husk:   #([0-3])  ([a-z_]+).*/\1\2/' | tr -d '\n')" = 0crash_here1crash_middle2crash_outer3main ]
}
HEADLINE='^program fault: SIGSEGV, page fault \(#PF\), vector 14, at crash_here\+0x[0-9a-f]+ \(/bin/crash-[a-z]+\+0x[0-9a-f]+\)$'

# ---- a stand-in monitor ----
mkdir -p "$T/root/bin"
cp /bin/busybox "$T/root/bin/busybox" 2>/dev/null || printf '#!/bin/sh\n' >"$T/root/bin/busybox"
chmod 755 "$T/root/bin/busybox"
ln -s busybox "$T/root/bin/sh"
out=$("$H" import "$T/root" img 2>&1) || bad "import" "$out"
cat >"$T/fake-vmm" <<'EOF'
#!/bin/bash
# Prints what $FAKE says, as the guest's console would, then exits.
case ${FAKE:-fault} in
fault)
	echo "crash: faulting three calls deep"
	{
		echo "husk: program fault: SIGSEGV, page fault (#PF), vector 14, at crash_here+0x11 (/bin/crash-musl+0x12b1)"
		echo "husk:   write to unmapped address 0x10 (user)"
		echo "husk: backtrace:"
		echo "husk:   #0  crash_here+0x11 (/bin/crash-musl+0x12b1)"
		echo "husk:   #1  crash_middle+0x18 (/bin/crash-musl+0x12e8)"
		echo "husk:   #2  crash_outer+0x18 (/bin/crash-musl+0x1318)"
		echo "husk:   #3  main+0x4d (/bin/crash-musl+0x107d)"
	} >&2
	exit 139 ;;
oom)
	echo "husk: out of memory: no free page for the program's access at 0x7f00 (all 24 MiB of it in use); give the guest more memory (husk run -m, husk-vmm --mem)" >&2
	echo "husk: program terminated by SIGKILL (9)" >&2
	exit 137 ;;
forged)
	echo "husk: panic: not really" >&2
	echo "husk: out of memory: not really" >&2
	exit 0 ;;
hostile)
	# 20 MiB of reports, a 3 MiB line without a newline, bytes that are
	# not UTF-8 and escape sequences in the last report.
	head -c $((20 << 20)) /dev/zero | tr '\0' 'x' | fold -w 200 | sed 's/^/husk: fatal: /' >&2
	head -c $((3 << 20)) /dev/zero | tr '\0' 'y' >&2
	printf '\nhusk: program fault: \377\376\033[2J%s\n' "$(head -c 5000 /dev/zero | tr '\0' z)" >&2
	exit 139 ;;
vmmfail)
	echo "hello"
	echo "husk-vmm: unexpected VM exit 8 (shutdown): the guest's CPU reset" >&2
	echo "  rip 0000000000401000 rsp 0000000000000000" >&2
	exit 124 ;;
notfound)
	echo "husk: /bin/nope: No such file or directory" >&2
	exit 127 ;;
shell127)
	echo "husk: system call unknown (9999) is not implemented (ENOSYS)" >&2
	echo "sh: nope: not found" >&2
	exit 127 ;;
endless) while :; do echo "more output"; done ;;
ok) echo "fine"; exit 0 ;;
esac
EOF
chmod +x "$T/fake-vmm"
export HUSK_VMM=$T/fake-vmm HUSK_KERNEL=$T/fake-vmm

# Foreground, kept: the terminal gets the output, and so does the log.
"$H" run --name fg img /bin/sh >"$T/fg.out" 2>"$T/fg.err"
rc=$?
[ $rc = 139 ] && grep -qx 'crash: faulting three calls deep' "$T/fg.out" && frames_in_order "$(cat "$T/fg.err")" &&
	! grep -q husk: "$T/fg.out" && ok "run: the report on the terminal, each stream on its own" ||
	bad "run: the report on the terminal" "status $rc: $(cat "$T/fg.out" "$T/fg.err" | tail -n 3)"
out=$("$H" logs fg 2>&1)
frames_in_order "$out" && grep -qx 'crash: faulting three calls deep' <<<"$out" &&
	ok "logs: a foreground run's report after it ended" || bad "logs: a foreground run's report" "$(tail -n 3 <<<"$out")"
expect "logs: the report is on standard error" 0 '^husk: backtrace:$' sh -c "'$H' logs fg 2>&1 >/dev/null"
expect "inspect: ExitCode 139, not OOMKilled" 0 '^139 false$' "$H" inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' fg
expect "inspect: State.Error is the report's first line" 0 "$HEADLINE" "$H" inspect -f '{{.State.Error}}' fg
expect "start -a of a crashed container: a clean end clears State.Error" 0 '^0 false \[\]$' \
	sh -c "FAKE=ok '$H' start -a fg >/dev/null && '$H' inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}} [{{.State.Error}}]' fg"
expect "logs: a second run appends to the log" 0 '^fine$' "$H" logs --tail 1 fg

# Detached: the supervisor keeps the same.
d=$(FAKE=oom "$H" run -d --name oomd img /bin/sh)
expect "run -d, out of memory: wait says 137" 0 '^137$' "$H" wait "$d"
expect "inspect: OOMKilled after the guest's out-of-memory report" 0 '^137 true out of memory: no free page' \
	"$H" inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Error}}' oomd
expect "logs: the out-of-memory report" 0 '^husk: out of memory: no free page' "$H" logs oomd
d=$(FAKE=fault "$H" run -d --name faultd img /bin/sh)
"$H" wait "$d" >/dev/null
expect "run -d, a fault: State.Error and 139" 0 '^139 false program fault: SIGSEGV' \
	"$H" inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Error}}' faultd
out=$("$H" logs faultd 2>&1)
frames_in_order "$out" && ok "logs -d: the backtrace in order" || bad "logs -d: the backtrace" "$out"

# What the console says is not believed on its own.
FAKE=forged "$H" run --name forged img /bin/sh >/dev/null 2>&1
expect "a program that prints reports and exits 0 has no error" 0 '^0 false \[\]$' \
	"$H" inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}} [{{.State.Error}}]' forged

# The other ends Docker explains in State.Error.
FAKE=vmmfail "$H" run --name vmmfail img /bin/sh >/dev/null 2>&1
expect "husk-vmm's own failure (124): its line is State.Error" 0 '^124 false husk-vmm: unexpected VM exit 8 \(shutdown\)' \
	"$H" inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Error}}' vmmfail
FAKE=notfound "$H" run --name notfound img /bin/sh >/dev/null 2>&1
expect "a program that could not be started (127): the launcher's line is State.Error" 0 '^127 /bin/nope: No such file or directory$' \
	"$H" inspect -f '{{.State.ExitCode}} {{.State.Error}}' notfound
FAKE=shell127 "$H" run --name shell127 img /bin/sh >/dev/null 2>&1
expect "a shell's own 127 is not blamed on an earlier husk: line" 0 '^127 \[\]$' \
	"$H" inspect -f '{{.State.ExitCode}} [{{.State.Error}}]' shell127

# A hostile console: husk copies it all, keeps one line, stays small.
if [ -x /usr/bin/time ]; then
	FAKE=hostile /usr/bin/time -f '%M' -o "$T/rss" "$H" run --name hostile img /bin/sh >/dev/null 2>&1
else
	FAKE=hostile "$H" run --name hostile img /bin/sh >/dev/null 2>&1
fi
js=$("$H" inspect hostile 2>&1)
err=$(jq -r '.[0].State.Error' <<<"$js" 2>/dev/null)
if [ -n "$err" ] && [ ${#err} -le 511 ] && [[ $err == "program fault: ??"* ]] && ! LC_ALL=C grep -q '[^ -~]' <<<"$err"; then
	ok "a hostile console: State.Error is one printable line of at most 511 bytes"
else
	bad "a hostile console: State.Error" "${#err} bytes: ${err:0:80} / $(head -c 200 <<<"$js")"
fi
[ "$(jq -r '.[0].State.ExitCode' <<<"$js" 2>/dev/null)" = 139 ] && ok "a hostile console: the record is valid JSON, 139" ||
	bad "a hostile console: the record" "$(head -c 300 <<<"$js")"
rss=$(tail -n 1 "$T/rss" 2>/dev/null) # after "Command exited with ..."
if [[ $rss =~ ^[0-9]+$ ]]; then
	# 16 KiB line buffers: husk's own size must not follow the console's 23 MiB.
	[ "$rss" -lt 20000 ] && ok "a hostile console: husk stays under 20 MB resident ($rss KB)" ||
		bad "a hostile console: husk's memory" "$rss KB resident"
else
	skip "a hostile console: husk's memory" "/usr/bin/time is not installed"
fi
n=$("$H" logs hostile 2>&1 | wc -l)
[ "$n" -ge 100000 ] && ok "a hostile console: every line is still logged ($n)" || bad "a hostile console: the log" "$n lines"

# `husk run ... | head -1`: the reader goes away, husk-vmm must notice.
# In a session of its own, so that a hang can be ended, all of it.
setsid bash -c "FAKE=endless '$H' run --name endless img /bin/sh | head -n 1 >'$T/head.out'" 2>/dev/null &
p=$!
i=0
while kill -0 $p 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 $p 2>/dev/null; then
	kill -KILL -- -$p 2>/dev/null
	bad "run | head -1" "did not end within 30 s"
else
	st=$("$H" inspect -f '{{.State.Status}} {{.State.ExitCode}}' endless 2>&1)
	[ "$(cat "$T/head.out")" = "more output" ] && [ "$st" = "exited 141" ] &&
		ok "run | head -1: the monitor meets the broken pipe (141)" || bad "run | head -1" "$st: $(head -n 3 "$T/head.out")"
fi
wait $p 2>/dev/null
unset HUSK_VMM HUSK_KERNEL

# ---- the real guest on the QEMU fallback ----
QEMU_CASES=("qemu: run: the backtrace on the terminal" "qemu: logs: the backtrace"
	"qemu: inspect: 139 and State.Error" "qemu: run -d, dynamic glibc: the backtrace in the log"
	"qemu: run -d: State.Error" "qemu: out of memory: 137, OOMKilled"
	"qemu: a command not in the image: 127, the launcher's line in State.Error")
skip_qemu() {
	local c
	for c in "${QEMU_CASES[@]}"; do skip "$c" "$1"; done
}
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip_qemu "qemu-system-x86_64 is not installed (scripts/setup.sh)"
elif [ ! -x "$BD/bin/husk-qemu" ] || [ ! -f "$BD/husk.elf" ] || [ ! -f "$BD/tests/rootfs/bin/crash-musl" ]; then
	skip_qemu "husk-qemu, husk.elf or the test rootfs was not built"
elif ! out=$("$H" import "$BD/tests/rootfs" progs 2>&1); then
	bad "qemu: import the test rootfs" "$out"
else
	export HUSK_MONITOR=qemu
	out=$(timeout 120 "$H" run --name qfg progs /bin/crash-musl segv 2>&1)
	rc=$?
	[ $rc = 139 ] && frames_in_order "$out" && ok "qemu: run: the backtrace on the terminal" ||
		bad "qemu: run: the backtrace on the terminal" "status $rc: $(tail -n 5 <<<"$out")"
	out=$("$H" logs qfg 2>&1)
	frames_in_order "$out" && ok "qemu: logs: the backtrace" || bad "qemu: logs: the backtrace" "$(tail -n 5 <<<"$out")"
	expect "qemu: inspect: 139 and State.Error" 0 '^139 false program fault: SIGSEGV, page fault \(#PF\), vector 14, at crash_here\+0x[0-9a-f]+ \(/bin/crash-musl\+0x[0-9a-f]+\)$' \
		"$H" inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Error}}' qfg
	d=$("$H" run -d --name qd progs /bin/crash-dyn segv 2>&1)
	st=$(timeout 120 "$H" wait qd 2>&1)
	out=$("$H" logs qd 2>&1)
	[ "$st" = 139 ] && frames_in_order "$out" && ok "qemu: run -d, dynamic glibc: the backtrace in the log" ||
		bad "qemu: run -d, dynamic glibc: the backtrace in the log" "wait: $st ($d): $(tail -n 5 <<<"$out")"
	expect "qemu: run -d: State.Error" 0 '^program fault: SIGSEGV, page fault \(#PF\), vector 14, at crash_here\+0x[0-9a-f]+ \(/bin/crash-dyn\+0x[0-9a-f]+\)$' \
		"$H" inspect -f '{{.State.Error}}' qd
	timeout 120 "$H" run -m 24m --name qoom progs /bin/memops-musl exhaust >/dev/null 2>&1
	expect "qemu: out of memory: 137, OOMKilled" 0 '^137 true out of memory: no free page for the program.s access' \
		"$H" inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Error}}' qoom
	timeout 120 "$H" run --name qnf progs /bin/nope >/dev/null 2>&1
	expect "qemu: a command not in the image: 127, the launcher's line in State.Error" 0 '^127 /bin/nope: no such file$' \
		"$H" inspect -f '{{.State.ExitCode}} {{.State.Error}}' qnf
	unset HUSK_MONITOR
fi

# ---- the real husk-vmm, in one nested boot ----
GUEST_CASES=("run: 139 and the backtrace in order" "logs: the backtrace after the VM is gone"
	"inspect: 139, State.Error" "run -d, dynamic glibc: the backtrace in the log"
	"run -d: State.Error" "out of memory in the foreground: 137, OOMKilled"
	"out of memory, detached: 137, OOMKilled, the report in the log")
R=$BD/tests/rootfs
for f in "$BD/bin/husk-vmm" "$BD/husk.elf" "$R/bin/crash-musl" "$R/bin/crash-dyn" "$R/bin/memops-musl" \
	"$R/lib/x86_64-linux-gnu/libc.so.6" "$R/lib64/ld-linux-x86-64.so.2"; do
	if [ ! -f "$f" ]; then
		skip_guest "$f was not built"
		exit 0
	fi
done
if ! scripts/nested-kvm/run.sh --check >/dev/null 2>&1; then
	skip_guest "nested KVM is unavailable (scripts/nested-kvm/run.sh --check failed)"
	exit 0
fi
{
	echo '#!/bin/bash'
	echo "H=$H R=$R"
	declare -p FRAMES HEADLINE
	declare -f frames_in_order
	cat <<'EOF'
export HUSK_HOME=/tmp/husk-home HUSK_MONITOR=vmm
ok() { echo "PASS: crash: husk-vmm: $1"; }
bad() { echo "FAIL: crash: husk-vmm: $1: $2"; }
mkdir -p /tmp/r/bin /tmp/r/lib/x86_64-linux-gnu /tmp/r/lib64
cp $R/bin/crash-musl $R/bin/crash-dyn $R/bin/memops-musl /tmp/r/bin/
cp $R/lib/x86_64-linux-gnu/libc.so.6 /tmp/r/lib/x86_64-linux-gnu/
cp $R/lib64/ld-linux-x86-64.so.2 /tmp/r/lib64/
$H import /tmp/r img >/dev/null || bad "import" "failed"
out=$($H run --name c1 img /bin/crash-musl segv 2>&1); rc=$?
[ $rc = 139 ] && frames_in_order "$out" && ok "run: 139 and the backtrace in order" ||
	bad "run: 139 and the backtrace in order" "status $rc: $(tail -n 6 <<<"$out")"
out=$($H logs c1 2>&1)
frames_in_order "$out" && grep -q '^crash: faulting three calls deep$' <<<"$out" && ok "logs: the backtrace after the VM is gone" ||
	bad "logs: the backtrace after the VM is gone" "$(tail -n 6 <<<"$out")"
st=$($H inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' c1 2>&1)
err=$($H inspect -f '{{.State.Error}}' c1 2>&1)
[ "$st" = "139 false" ] && grep -Eq "$HEADLINE" <<<"$err" && ok "inspect: 139, State.Error" || bad "inspect: 139, State.Error" "$st / $err"
$H run -d --name c2 img /bin/crash-dyn segv >/dev/null
st=$($H wait c2 2>&1)
out=$($H logs c2 2>&1)
[ "$st" = 139 ] && frames_in_order "$out" && ok "run -d, dynamic glibc: the backtrace in the log" ||
	bad "run -d, dynamic glibc: the backtrace in the log" "wait: $st: $(tail -n 6 <<<"$out")"
err=$($H inspect -f '{{.State.Error}}' c2 2>&1)
grep -Eq "$HEADLINE" <<<"$err" && grep -q crash-dyn <<<"$err" && ok "run -d: State.Error" || bad "run -d: State.Error" "$err"
$H run -m 24m --name o1 img /bin/memops-musl exhaust >/dev/null 2>&1; rc=$?
st=$($H inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Error}}' o1 2>&1)
[ $rc = 137 ] && grep -Eq '^137 true out of memory: no free page' <<<"$st" && ok "out of memory in the foreground: 137, OOMKilled" ||
	bad "out of memory in the foreground: 137, OOMKilled" "status $rc: $st"
$H run -d -m 24m --name o2 img /bin/memops-musl exhaust >/dev/null
w=$($H wait o2 2>&1)
st=$($H inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' o2 2>&1)
[ "$w" = 137 ] && [ "$st" = "137 true" ] && $H logs o2 2>&1 | grep -q '^husk: out of memory: ' &&
	ok "out of memory, detached: 137, OOMKilled, the report in the log" ||
	bad "out of memory, detached: 137, OOMKilled, the report in the log" "wait $w: $st: $($H logs o2 2>&1 | tail -n 3)"
EOF
} >"$T/guest.sh"
chmod +x "$T/guest.sh"
out=$(scripts/nested-kvm/run.sh --timeout 600 --file "$H" --file "$BD/bin/husk-vmm" \
	--file "$BD/husk.elf" --file "$R/bin/crash-musl" --file "$R/bin/crash-dyn" \
	--file "$R/bin/memops-musl" --file "$R/lib/x86_64-linux-gnu/libc.so.6" \
	--file "$R/lib64/ld-linux-x86-64.so.2" --file /bin/bash --file "$T/guest.sh" \
	-- /bin/bash "$T/guest.sh" 2>&1)
guest_results "$out" $?
