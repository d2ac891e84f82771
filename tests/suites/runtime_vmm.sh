#!/bin/bash
# husk-runtime driving the real husk-vmm (run by tests/run.sh with BUILD
# set; as root). tests/suites/runtime.sh boots its guests on the QEMU
# fallback wherever /dev/kvm is unusable; this suite runs the runtime-spec
# verbs where KVM works: on /dev/kvm when it is usable, else in ONE boot
# of the nested Linux guest of scripts/nested-kvm (a KVM under QEMU TCG).
# The same file runs the checks there (runtime_vmm.sh --inside), under
# rt_reaper, which stands for the engine's shim: it reaps the containers'
# inits (husk-vmm after start) and reports their exit statuses.
#
# As an engine calls it (--root, --log, --log-format json):
# - the monitor chosen is husk-vmm on KVM, not the QEMU fallback
#   (--version, the --debug log's monitor line, /proc/PID/exe);
# - create --pid-file: state created, the pid file's process is the
#   container's init waiting for start, with no program output yet;
#   start: running, the same pid is now husk-vmm, the output appears and
#   the program's exit status is husk-vmm's; state stopped; delete;
# - kill ID TERM reaches the program's handler (signals wait-term, 7);
#   kill ID KILL ends the VM (137); delete --force of a running one;
# - process.terminal with --console-socket (rt_console: the pty master
#   arrives, the program's output comes through it), and state
#   "creating" while create waits to hand the terminal over;
# - the network: a namespace with a veth (eth0 10.213.8.2/24), the guest
#   on the TAP redirected to it answers HTTP (tests/progs/httpd.c) at the
#   container's IP from the other end of the veth;
# - nothing left: no process, state directory, TAP, or mount;
# - the cost: create+start+wait+delete of hello against husk-vmm alone
#   on the same root filesystem and command line (BENCH: lines, medians of
#   RTVMM_BENCH_N runs, default 20; 0 leaves it out).
set -u
cd "$(dirname "$0")/../.."
SUITE=runtime_vmm
unset HUSK_VMM HUSK_KERNEL HUSK_MONITOR HUSK_QEMU_WRAPPER
# shellcheck source=tests/suites/common.bash
. tests/suites/common.bash

NET=10.213.8        # the veth pair: .1 the "engine" side, .2 the container
NS=husk-rtvmm-$$    # the container's network namespace (ip netns)
VETH=hrtvmm$$       # the engine's end of the veth
WAIT=90             # seconds a guest may take to say something (nested TCG)

# ======================================================================
# The checks, where KVM is (the host, or the nested guest).

# reaped PID SECONDS: sets STATUS to the exit status rt_reaper reports for
# PID (an orphan: a container's init, then monitor); 1 when SECONDS pass
# first. Statuses of other pids read meanwhile are kept for later.
declare -A REAPED
reaped() {
	local p s end=$((SECONDS + $2))
	while [ -z "${REAPED[$1]:-}" ]; do
		[ $SECONDS -lt $end ] || return 1
		read -r -t $((end - SECONDS)) p s <&9 || return 1
		REAPED[$p]=$s
	done
	STATUS=${REAPED[$1]}
	unset "REAPED[$1]"
}


# bundle NAME ARGS...: a bundle whose root has busybox and the static
# test programs, running ARGS; prints its directory. $JQF (a jq filter
# that starts with "|") changes the config.
bundle() {
	local dir=$T/$1 args
	shift
	rm -rf "$dir"
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/tmp" "$dir/rootfs/etc"
	cp "$BD/tests/rootfs/bin/hello-musl" "$dir/rootfs/bin/hello"
	cp "$BD/tests/rootfs/bin/signals-musl" "$dir/rootfs/bin/signals"
	cp "$BD/tests/rootfs/bin/httpd-musl" "$dir/rootfs/bin/httpd"
	cp "$BUSYBOX" "$dir/rootfs/bin/busybox"
	ln -s busybox "$dir/rootfs/bin/sh"
	args=$(printf '%s\n' "$@" | "$JQ" -R . | "$JQ" -cs .)
	"$JQ" -n --argjson args "$args" '{
		ociVersion: "1.0.2", hostname: "box",
		root: {path: "rootfs"},
		process: {terminal: false, args: $args, cwd: "/",
			env: ["PATH=/bin"], user: {uid: 0, gid: 0}},
		linux: {namespaces: [{type: "pid"}, {type: "network"}],
			resources: {memory: {limit: 67108864}}}
	} '"${JQF:-}" >"$dir/config.json"
	echo "$dir"
}

# state_is ID STATUS: the runtime-spec state JSON says STATUS, with the
# id and the bundle, and a pid exactly while there is a process.
state_is() {
	local json
	json=$("${R[@]}" state "$1" 2>&1) || { echo "state: $json"; return 1; }
	"$JQ" -e --arg id "$1" --arg st "$2" --arg b "$T/$1" '
		.ociVersion == "1.1.0" and .id == $id and .status == $st and
		.bundle == $b and
		(if $st == "created" or $st == "running" then .pid > 0 else .pid == 0 end)
	' <<<"$json" >/dev/null || { echo "$json" | tr -d '\n '; return 1; }
}

# exe PID: the binary the process runs.
exe() { readlink "/proc/$1/exe" 2>/dev/null; }

# gone ID PID: no state directory, no process.
gone() {
	[ ! -e "$ROOT/$1" ] && ! kill -0 "$2" 2>/dev/null
}

# One check: NAME, then a command whose output explains a failure.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$(tail -n 3 <<<"$out" | tr '\n' ' ')"; fi
}

# The monitor: husk-vmm on KVM, and never the QEMU fallback.
monitor_part() {
	local cache=$T/xdg/husk/kvm-v1 boot
	export XDG_CACHE_HOME=$T/xdg
	rm -rf "$T/xdg"
	expect "--version: the monitor is husk-vmm on KVM" 0 '^monitor: husk-vmm on KVM$' "$RT" --version
	# A usable KVM is remembered for this boot (lib/launch_monitor.c):
	# the probe's KVM_CREATE_VM is not paid by every create.
	boot=$(cat /proc/sys/kernel/random/boot_id)
	check "KVM probe: a usable KVM is remembered for this boot ($cache)" \
		grep -q "^$boot " "$cache"
	echo "$boot 1 2 3.4" >"$cache"
	expect "KVM probe: a cache from another /dev/kvm node is not believed" 0 \
		'^monitor: husk-vmm on KVM$' "$RT" --version
	check "KVM probe: ... and is rewritten" eval "! grep -q ' 1 2 3.4$' '$cache' && grep -q '^$boot ' '$cache'"
}

# hello: create, created (the init waits, no output), start, its status
# is husk-vmm's, stopped, delete.
hello_part() {
	local b pid out=$T/hello.out
	b=$(bundle hello /bin/hello vmm)
	if ! "${R[@]}" --debug create --bundle "$b" --pid-file "$T/hello.pid" hello \
		</dev/null >"$out" 2>&1; then
		bad "create" "$(tail -n 2 "$out")"
		return
	fi
	ok "create --pid-file"
	pid=$(cat "$T/hello.pid")
	check "state: created, with the pid file's pid" state_is hello created
	check "state: the pid is the pid file's" test "$("${R[@]}" state hello | "$JQ" .pid)" = "$pid"
	check "created: the pid file's process is the init waiting for start (husk-runtime, no output yet)" \
		eval "[ '$(exe "$pid")' = '$RT' ] && [ ! -s '$out' ]"
	check "create: the monitor is husk-vmm, no QEMU fallback warning in --log" eval \
		"grep -q '\"monitor: $VMM --mem 65536K --initrd ' '$LOG' && ! grep -q 'no usable KVM' '$LOG'"
	check "start" "${R[@]}" start hello
	if reaped "$pid" "$WAIT"; then
		check "start: the program's exit status is husk-vmm's (3)" test "$STATUS" = 3
	else
		bad "start: the program's exit status is husk-vmm's (3)" "pid $pid did not end in ${WAIT}s"
	fi
	check "start: the program's output" grep -qx 'hello vmm from /bin/hello' "$out"
	check "state: stopped" state_is hello stopped
	check "delete" "${R[@]}" delete hello
	check "delete: no state directory, no process" gone hello "$pid"
	expect "state after delete: does not exist" 1 'container does not exist: hello' "${R[@]}" state hello
}

# wait_term ID: a created and started signals wait-term, its handler set
# (it said so); prints nothing, fails with the output.
wait_term() {
	local b out=$T/$1.out
	b=$(bundle "$1" /bin/signals wait-term)
	"${R[@]}" create --bundle "$b" --pid-file "$T/$1.pid" "$1" </dev/null >"$out" 2>&1 &&
		"${R[@]}" start "$1" >>"$out" 2>&1 &&
		until_ok "$WAIT" grep -q 'waiting for SIGTERM' "$out" ||
		{ tail -n 3 "$out"; return 1; }
}

# kill TERM: the program's handler runs and its status is husk-vmm's.
term_part() {
	local pid out=$T/term.out
	if ! wait_term term; then
		bad "kill TERM: a guest waiting for SIGTERM" "$(tail -n 3 "$out")"
		return
	fi
	pid=$(cat "$T/term.pid")
	check "state: running" state_is term running
	check "running: the pid file's process is now husk-vmm, with no child (no QEMU)" eval \
		"[ '$(exe "$pid")' = '$VMM' ] && [ '$(cat "/proc/$pid/comm")' = husk-vmm ] &&
		 [ -z \"\$(cat /proc/$pid/task/*/children)\" ]"
	expect "delete of a running container is refused" 1 \
		'cannot delete container term that is not stopped: running' "${R[@]}" delete term
	check "kill TERM" "${R[@]}" kill term TERM
	if reaped "$pid" "$WAIT"; then
		check "kill TERM: the handler ran, status 7" eval "[ '$STATUS' = 7 ] && grep -qx 'got SIGTERM' '$out'"
	else
		bad "kill TERM: the handler ran, status 7" "pid $pid still runs: $(tail -n 2 "$out")"
	fi
	check "state: stopped (after kill TERM)" state_is term stopped
	expect "kill of a stopped container is refused" 1 'container not running' "${R[@]}" kill term
	check "delete (after kill TERM)" "${R[@]}" delete term
	check "delete: nothing left (after kill TERM)" gone term "$pid"
}

# kill KILL: the VM ends, 137, no handler.
kill_part() {
	local pid out=$T/kill.out
	if ! wait_term kill; then
		bad "kill KILL: a guest waiting for SIGTERM" "$(tail -n 3 "$out")"
		return
	fi
	pid=$(cat "$T/kill.pid")
	check "kill KILL" "${R[@]}" kill kill KILL
	if reaped "$pid" 30; then
		check "kill KILL: the VM ends, status 137, no handler" eval "[ '$STATUS' = 137 ] && ! grep -q 'got SIGTERM' '$out'"
	else
		bad "kill KILL: the VM ends, status 137" "pid $pid still runs"
	fi
	check "state: stopped (after kill KILL)" state_is kill stopped
	check "delete (after kill KILL)" "${R[@]}" delete kill
	check "delete: nothing left (after kill KILL)" gone kill "$pid"
}

# delete --force of a running container.
force_part() {
	local pid
	if ! wait_term force; then
		bad "delete --force: a running guest" "$(tail -n 3 "$T/force.out")"
		return
	fi
	pid=$(cat "$T/force.pid")
	check "delete --force of a running container" "${R[@]}" delete --force force
	# delete returns once the monitor is dead, maybe not yet reaped.
	if reaped "$pid" 10; then
		check "delete --force: the monitor was killed (137)" test "$STATUS" = 137
	else
		bad "delete --force: the monitor was killed (137)" "no status for $pid"
	fi
	check "delete --force: no process, no state directory" gone force "$pid"
}

# process.terminal: the pty master through --console-socket; "creating"
# while create waits to hand it over (rt_console --hold).
terminal_part() {
	local b pid rpid cpid sock=$T/console.sock out=$T/tty.out st
	b=$(JQF='| .process.terminal = true | .process.consoleSize = {height: 24, width: 100}' \
		bundle tty /bin/hello tty)
	if ! rpid=$("$HELPERS/rt_console" --hold "$sock" "$out"); then
		bad "terminal: the console socket" "rt_console failed"
		return
	fi
	"${R[@]}" create --bundle "$b" --console-socket "$sock" --pid-file "$T/tty.pid" tty \
		</dev/null >"$T/tty.create" 2>&1 &
	cpid=$!
	if until_ok 30 "${R[@]}" state tty; then
		check "state: creating, while create hands the terminal over" state_is tty creating
	else
		bad "state: creating" "no state for tty: $(cat "$T/tty.create")"
	fi
	kill -USR1 "$rpid"
	wait "$cpid"
	st=$?
	if [ $st != 0 ]; then
		bad "create with process.terminal and --console-socket" "status $st: $(tail -n 2 "$T/tty.create")"
		kill "$rpid" 2>/dev/null
		"${R[@]}" delete --force tty >/dev/null 2>&1
		return
	fi
	ok "create with process.terminal and --console-socket"
	pid=$(cat "$T/tty.pid")
	check "terminal: the master arrived, with the slave's name and consoleSize" eval \
		"grep -Eqx '/dev/pts/[0-9]+ 24x100' '$out.name'"
	check "terminal: the init's stdio is that pty" eval \
		"[ \"\$(readlink /proc/$pid/fd/1)\" = \"\$(cut -d' ' -f1 '$out.name')\" ]"
	check "state: created (terminal)" state_is tty created
	check "start (terminal)" "${R[@]}" start tty
	if reaped "$pid" "$WAIT"; then
		check "terminal: exit status 3" test "$STATUS" = 3
	else
		bad "terminal: exit status 3" "pid $pid did not end"
	fi
	# The receiver sees EIO once the last slave closed; bounded wait.
	until_ok 10 eval "! kill -0 $rpid"
	check "terminal: the program's output came through the pty" eval \
		"tr -d '\\r' <'$out' | grep -qx 'hello tty from /bin/hello'"
	check "delete (terminal)" "${R[@]}" delete tty
	check "delete: nothing left (terminal)" gone tty "$pid"
}

# The network: a namespace with a veth, as an engine makes it; the guest
# takes eth0's place through a TAP and tc redirects.
net_setup() {
	local m
	for m in $(cat /nested/modules-net 2>/dev/null); do
		insmod "/nested/$m" 2>/dev/null
	done
	mkdir -p /run
	"$IP" netns add "$NS" &&
		"$IP" link add "$VETH" type veth peer name eth0 netns "$NS" &&
		"$IP" addr add "$NET.1/24" dev "$VETH" &&
		"$IP" link set "$VETH" up &&
		"$IP" -n "$NS" addr add "$NET.2/24" dev eth0 &&
		"$IP" -n "$NS" link set eth0 up &&
		"$IP" -n "$NS" link set lo up &&
		"$IP" -n "$NS" route add default via "$NET.1"
}

# http_once ADDR: one GET / through bash's /dev/tcp (busybox's static
# wget crashes resolving in the nested guest; no curl needed), 5 s at most.
http_once() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/80" &&
		printf "GET / HTTP/1.0\r\nHost: %s\r\n\r\n" "$1" >&3 && cat <&3' http "$1"
}

# http_get ADDR: the answer, once the server gives one (bounded: the
# guest boots slowly under nested TCG).
http_get() {
	local end=$((SECONDS + WAIT)) page
	while [ $SECONDS -lt $end ]; do
		page=$(http_once "$1" 2>/dev/null) && [ -n "$page" ] && { echo "$page"; return 0; }
		sleep 0.5
	done
	return 1
}

net_part() {
	local b pid mac out=$T/net.out page left
	if ! left=$(net_setup 2>&1); then
		bad "network: a namespace with a veth" "$left"
		"$IP" netns del "$NS" 2>/dev/null
		return
	fi
	mac=$("$IP" -n "$NS" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*')
	mac=${mac#link/ether }
	b=$(JQF="| .linux.namespaces = [{type: \"network\", path: \"/run/netns/$NS\"}]" \
		bundle net /bin/httpd 80)
	if ! "${R[@]}" create --bundle "$b" --pid-file "$T/net.pid" net </dev/null >"$out" 2>&1 ||
		! "${R[@]}" start net >>"$out" 2>&1; then
		bad "network: create and start" "$(tail -n 3 "$out"; tail -n 1 "$LOG")"
		"${R[@]}" delete --force net >/dev/null 2>&1
		"$IP" netns del "$NS"
		"$IP" link del "$VETH" 2>/dev/null
		return
	fi
	ok "network: create and start in the namespace"
	pid=$(cat "$T/net.pid")
	check "network: husk-vmm gets the TAP and eth0's MAC" eval \
		"tr '\\0' ' ' </proc/$pid/cmdline | grep -q -- '--net tap:husk-tap0 --mac $mac --cmdline hostname=box ip=$NET.2/24 gw=$NET.1 '"
	check "network: tc redirects between eth0 and husk-tap0" eval \
		"'$TC' -n '$NS' filter show dev eth0 ingress | grep -q 'Egress Redirect to device husk-tap0' &&
		 '$TC' -n '$NS' filter show dev husk-tap0 ingress | grep -q 'Egress Redirect to device eth0'"
	if page=$(http_get "$NET.2") && [[ $page == *"hello from husk"* ]]; then
		ok "network: the guest answers HTTP at the container's IP $NET.2"
	else
		bad "network: the guest answers HTTP at $NET.2" "'${page:-no answer}': $(tail -n 3 "$out")"
	fi
	check "delete --force (network)" "${R[@]}" delete --force net
	reaped "$pid" 10
	check "delete: no process, no state directory (network)" gone net "$pid"
	if [ -n "$page" ]; then
		check "network: once deleted, nothing answers at $NET.2" eval "! http_once $NET.2"
	fi
	# The namespace is the engine's: its TAP goes with it.
	"$IP" netns del "$NS"
	"$IP" link del "$VETH" 2>/dev/null
	check "network: the namespace deleted, no TAP or veth left" eval \
		"! '$IP' -o link show | grep -Eq 'husk-tap0|$VETH' && [ ! -e /run/netns/$NS ]"
}

# Nothing of ours: no state, no process naming $T, no mount, no TAP.
residue_part() {
	local procs=0 f p
	for f in $(grep -lsF -- "$T/" /proc/[0-9]*/cmdline); do
		p=${f#/proc/}
		p=${p%%/*}
		[ "$p" != $$ ] && [ -d "/proc/$p" ] && procs=$((procs + 1))
	done
	check "nothing left: no state directory, process, mount or TAP" eval \
		"[ -z \"\$(ls -A '$ROOT')\" ] && [ $procs = 0 ] && ! grep -qE '$T|/run/netns/$NS' /proc/mounts &&
		 ! '$IP' -o link show | grep -q husk-tap0"
}

# median FILE: the middle value of the numbers in FILE.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# stamp VAR: the time in microseconds, into VAR (no subshell: a fork
# costs milliseconds under nested TCG).
stamp() { printf -v "$1" '%s' "${EPOCHREALTIME/./}"; }

# The cost of the runtime's verbs around one hello, against husk-vmm
# alone on the same root filesystem and command line.
bench_part() {
	local n=$1 b pid t0 t1 t2 t3 t4 fails=0 argv rt_ms vmm_ms
	[ "$n" -gt 0 ] || return 0
	b=$(bundle bench /bin/hello)
	: >"$T/bench.total"; : >"$T/bench.create"; : >"$T/bench.start"
	: >"$T/bench.wait"; : >"$T/bench.delete"; : >"$T/bench.vmm"
	"${R[@]}" --debug create --bundle "$b" bench </dev/null >/dev/null 2>&1 # fills the cache
	"${R[@]}" delete --force bench >/dev/null 2>&1
	for _ in $(seq "$n"); do
		stamp t0
		"${R[@]}" create --bundle "$b" --pid-file "$T/bench.pid" bench </dev/null >/dev/null 2>&1 || fails=$((fails + 1))
		stamp t1
		"${R[@]}" start bench || fails=$((fails + 1))
		stamp t2
		read -r pid <"$T/bench.pid"
		reaped "$pid" "$WAIT" && [ "$STATUS" = 3 ] || fails=$((fails + 1))
		stamp t3
		"${R[@]}" delete bench || fails=$((fails + 1))
		stamp t4
		echo $((t4 - t0)) >>"$T/bench.total"
		echo $((t1 - t0)) >>"$T/bench.create"
		echo $((t2 - t1)) >>"$T/bench.start"
		echo $((t3 - t2)) >>"$T/bench.wait"
		echo $((t4 - t3)) >>"$T/bench.delete"
	done
	# The very command line the runtime gave husk-vmm (the --debug log).
	read -ra argv <<<"$("$JQ" -r 'select(.msg | startswith("monitor: ")) | .msg' "$LOG" | tail -n 1 | sed 's/^monitor: //')"
	for _ in $(seq "$n"); do
		stamp t0
		"${argv[@]}" </dev/null >/dev/null 2>&1
		[ $? = 3 ] || fails=$((fails + 1))
		stamp t1
		echo $((t1 - t0)) >>"$T/bench.vmm"
	done
	rt_ms=$(($(median "$T/bench.total") / 1000))
	vmm_ms=$(($(median "$T/bench.vmm") / 1000))
	check "bench: $n runtime cycles and $n husk-vmm runs of hello, each exited 3 (medians: $rt_ms ms, husk-vmm alone $vmm_ms ms)" \
		test "$fails" = 0
	echo "BENCH: husk-runtime create+start+wait+delete of hello: median $rt_ms ms ($n runs; create $(($(median "$T/bench.create") / 1000)), start $(($(median "$T/bench.start") / 1000)), wait $(($(median "$T/bench.wait") / 1000)), delete $(($(median "$T/bench.delete") / 1000)) ms)"
	echo "BENCH: husk-vmm alone, same rootfs and command line: median $vmm_ms ms ($n runs)"
	echo "BENCH: argv: ${argv[*]}"
}

inside() {
	BD=$1 HELPERS=$2 JQ=$3 IP=$4 TC=$5 BUSYBOX=$6 BENCH_N=$7
	RT=$BD/bin/husk-runtime
	VMM=$BD/bin/husk-vmm
	T=$(mktemp -d /tmp/husk-rtvmm-XXXXXX)
	ROOT=$T/state
	LOG=$T/runtime.log
	trap 'rm -rf "$T"' EXIT
	R=("$RT" --root "$ROOT" --cache "$T/cache" --log "$LOG" --log-format json)
	export PATH=/usr/sbin:/usr/bin:/sbin:/bin
	# A terminal needs devpts (the nested guest mounts only devtmpfs).
	if ! grep -q ' /dev/pts devpts ' /proc/mounts; then
		mkdir -p /dev/pts && mount -t devpts -o ptmxmode=666 devpts /dev/pts
	fi
	monitor_part
	hello_part
	term_part
	kill_part
	force_part
	terminal_part
	net_part
	residue_part
	bench_part "$BENCH_N"
}

if [ "${1:-}" = --inside ]; then
	shift
	inside "$@"
	echo "@@END"
	exit 0
fi
# bash leaves a compound command that an expansion error aborted and goes
# on with the next one: never into the host's part from inside.
[ "${1:-}" != --inside ] || exit 1

# ======================================================================
# The host: what is needed, then where KVM is.

B=${BUILD:-build}
case $B in /*) BD=$B ;; *) BD=$PWD/$B ;; esac
HELPERS=$BD/tests/rtvmm
BENCH_N=${RTVMM_BENCH_N:-20}

case " ${BACKENDS:-vmm} " in
*" vmm "*) ;;
*)
	skip "all" "husk-vmm is not among BACKENDS='$BACKENDS'"
	exit 0
	;;
esac
if [ "$(id -u)" != 0 ]; then
	skip "all" "needs root (namespaces, a TAP)"
	exit 0
fi
for f in "$BD/bin/husk-runtime" "$BD/bin/husk-vmm" "$BD/husk.elf" \
	"$BD/tests/rootfs/bin/hello-musl" "$BD/tests/rootfs/bin/signals-musl" \
	"$BD/tests/rootfs/bin/httpd-musl"; do
	[ -f "$f" ] || { bad "build" "$f was not built"; exit 0; }
done
JQ=$(command -v jq) IP=$(command -v ip) BUSYBOX=$(command -v busybox) TC=
# husk-runtime's order (runtime/net_plug.c): in the nested guest, the
# first of these must be iproute2's, not busybox's.
for f in /usr/sbin/tc /sbin/tc /usr/bin/tc /bin/tc; do
	[ -x "$f" ] && { TC=$f; break; }
done
for t in JQ IP TC BUSYBOX; do
	[ -n "${!t}" ] || { skip "all" "${t,,} is not installed (scripts/setup.sh)"; exit 0; }
done
# The engine's side: a subreaper and a console-socket receiver.
mkdir -p "$HELPERS"
for h in rt_reaper rt_console; do
	if [ ! -x "$HELPERS/$h" ] || [ "tests/suites/$h.c" -nt "$HELPERS/$h" ]; then
		gcc -static -O2 -Wall -Wextra -o "$HELPERS/$h" "tests/suites/$h.c" ||
			{ bad "build" "tests/suites/$h.c did not build"; exit 0; }
	fi
done

results() {
	grep -E '^(PASS|FAIL|SKIP|BENCH): ' <<<"$1"
	grep -q '^@@END$' <<<"$1" ||
		bad "the run" "it ended early (status $2): $(grep -Ev '^(PASS|FAIL|SKIP|BENCH): ' <<<"$1" | tail -n 5 | tr '\n' ' ')"
}

args=("$BD" "$HELPERS" "$JQ" "$IP" "$TC" "$BUSYBOX" "$BENCH_N")
if [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; then
	out=$("$HELPERS/rt_reaper" 9 bash "$0" --inside "${args[@]}" 2>&1)
	results "$out" $?
	exit 0
fi
if ! why=$(scripts/nested-kvm/run.sh --check 2>&1); then
	skip "all" "/dev/kvm is unusable here and nested KVM is unavailable: $(tail -n 1 <<<"$why")"
	exit 0
fi
files=()
for f in "$BD/bin/husk-runtime" "$BD/bin/husk-vmm" "$BD/husk.elf" \
	"$BD/tests/rootfs/bin/hello-musl" "$BD/tests/rootfs/bin/signals-musl" \
	"$BD/tests/rootfs/bin/httpd-musl" "$HELPERS/rt_reaper" "$HELPERS/rt_console" \
	"$PWD/tests/suites/runtime_vmm.sh" "$PWD/tests/suites/common.bash" \
	/bin/bash "$JQ" "$IP" "$TC" "$BUSYBOX"; do
	files+=(--file "$f")
done
out=$(scripts/nested-kvm/run.sh --timeout 400 --mem 768M "${files[@]}" -- \
	"$HELPERS/rt_reaper" 9 /bin/bash "$PWD/tests/suites/runtime_vmm.sh" --inside "${args[@]}" 2>&1)
results "$out" $?
exit 0
