#!/bin/sh
# Runs inside the nested-KVM guest (see nested-test.sh): each case runs
# husk-vmm once and checks its exit status and a pattern in its output.
#   nested-cases.sh HUSK-VMM GUEST-DIR EXAMPLES-DIR
V=$1 G=$2 E=$3
T=/tmp/husk-vmm-cases
mkdir -p $T
pass=0 fail=0

# case NAME STATUS PATTERN(extended regex over stdout+stderr, or "") CMD...
# A case that hangs is killed after LIMIT seconds and fails alone: the
# cases after it still run and the summary is still printed.
LIMIT=120
case_() {
	name=$1 want=$2 pat=$3
	shift 3
	rm -f $T/timedout
	(sleep $LIMIT && : >$T/timedout && killall -KILL husk-vmm) &
	watchdog=$!
	"$@" >$T/out 2>$T/err
	rc=$?
	kill $watchdog 2>/dev/null
	wait $watchdog 2>/dev/null
	[ ! -e $T/timedout ] || echo "husk-vmm killed: the case ran over ${LIMIT}s" >>$T/err
	cat $T/out $T/err >$T/all
	if [ "$rc" = "$want" ] && { [ -z "$pat" ] || grep -Eq "$pat" $T/all; }; then
		echo "PASS: nested: $name"
		pass=$((pass + 1))
	else
		echo "FAIL: nested: $name: status $rc (want $want), pattern '$pat'"
		sed 's/^/#   /' $T/all | head -20
		fail=$((fail + 1))
	fi
}

case_ "guest exit status" 42 "" $V $G/exit42.elf
case_ "console ring drained" 0 "^hi from the console ring$" $V $G/console.elf
case_ "boot info as the guest sees it" 0 "" $V $G/bootinfo.elf
case_ "console length beyond the ring" 125 \
	"husk-vmm: guest console length 4294967040 exceeds the console's 4080 bytes" \
	$V $G/console_overflow.elf
case_ "1-byte write to a non-husk port" 125 \
	"husk-vmm: guest wrote port 0x4a1 \(1-byte access x 1\).*;?" $V $G/badport.elf
case_ "bad port comes with a register dump" 125 "rip 0000000040100" \
	$V $G/badport.elf
case_ "reading the exit port" 125 "husk-vmm: guest read port 0x4a0" \
	$V $G/inport.elf
case_ "exit port written with outb" 125 "husk-vmm: guest wrote port 0x4a0 \(1-byte" \
	$V $G/exit_outb.elf
case_ "nested fault" 134 \
	"husk-vmm: guest faulted while handling a fault \(vector 14\)" \
	$V $G/nested.elf
case_ "unknown exit reason" 125 "husk-vmm: guest exited with unknown reason 9" \
	$V $G/unknown_reason.elf
case_ "triple fault" 124 "husk-vmm: guest triple-faulted" $V $G/triple.elf
case_ "triple fault register dump (or why none)" 124 \
	"cr0 80010033|KVM reset the vCPU" $V $G/triple.elf

case_ "hello" 0 "^Hello from husk$" $V $E/hello.elf
case_ "crash report" 139 "NULL pointer dereference" $V $E/crash.elf
case_ "program arguments" 1 "^faults: unknown fault 'with space'$" \
	$V $E/faults.elf -- faults "with space"
case_ "syscall slow path" 42 "^wrote 12 getpid 1 enosys -38 library-os-buffer -14$" $V $E/syscall.elf
case_ "boot time option" 0 "^husk: boot: [0-9]+ ns from first instruction" \
	$V --cmdline husk.boottime $E/hello.elf
case_ "4G of guest memory" 0 "^Hello from husk$" $V --mem 4G $E/hello.elf
case_ "--mem too small" 122 "husk-vmm: --mem 1M is too small for .*hello.elf \(needs at least 2 MiB\)" \
	$V --mem 1M $E/hello.elf
case_ "--mem nonsense" 120 "husk-vmm: --mem '12Q'" $V --mem 12Q $E/hello.elf
dd if=/dev/zero of=$T/rd bs=1024 count=300 2>/dev/null
dd if=/dev/zero of=$T/rd3 bs=1024 count=3000 2>/dev/null
case_ "initrd" 0 "^Hello from husk$" $V --initrd $T/rd $E/hello.elf
case_ "initrd too large" 122 "does not fit in guest memory above the image" \
	$V --mem 4M --initrd $T/rd3 $E/hello.elf
case_ "not an ELF" 121 "husk-vmm: .*/rd: not an ELF file" $V $T/rd
case_ "not a husk image" 121 "not a husk image \(no husk note\)" $V /bin/busybox
case_ "stdout closed" 0 "" sh -c "$V $E/hello.elf >&-"
case_ "stdout full" 0 "" sh -c "$V $E/hello.elf >/dev/full"
rm -rf "${XDG_CACHE_HOME:-$HOME/.cache}/husk"
case_ "cpuid cache written" 0 "" sh -c \
	"$V $E/hello.elf >/dev/null && test -s ${XDG_CACHE_HOME:-$HOME/.cache}/husk/cpuid-v1"
case_ "cpuid cache read" 0 "^Hello from husk$" $V $E/hello.elf
printf garbage >"${XDG_CACHE_HOME:-$HOME/.cache}/husk/cpuid-v1"
case_ "corrupt cpuid cache refreshed" 0 "^Hello from husk$" $V $E/hello.elf
case_ "cpuid cache rewritten" 0 "" test "$(wc -c <"${XDG_CACHE_HOME:-$HOME/.cache}/husk/cpuid-v1")" -gt 100
case_ "unwritable cache home" 0 "^Hello from husk$" \
	env XDG_CACHE_HOME=/proc/nonexistent $V $E/hello.elf

# The program's stdout and the library OS's messages (stderr) stay apart.
case_ "program output on stdout only" 42 "^via syscall$" sh -c \
	"$V $E/syscall.elf 2>/dev/null >$T/o; grep -q 'not implemented' $T/o && exit 1; cat $T/o; exit 42"
case_ "library OS messages on stderr" 0 "" sh -c \
	"$V $E/syscall.elf 2>&1 >/dev/null | grep -q '^husk: system call unknown (9999) is not implemented'"

# Flags for the Linux program (the generic kernel).
B=$(dirname "$E")
case_ "-e" 0 "^hi there$" $V --initrd $B/tests/rootfs.cpio \
	-e "GREETING=hi there" $B/husk.elf -- /bin/busybox sh -c 'echo $GREETING'
case_ "--cwd, created when missing" 0 "^/tmp/w/x$" $V --initrd $B/tests/rootfs.cpio \
	--cwd /tmp/w/x $B/husk.elf -- /bin/busybox pwd
case_ "--cwd must be absolute" 120 "husk-vmm: --cwd 'rel': expected an absolute path" \
	$V --cwd rel $B/husk.elf
case_ "--trace-syscalls" 3 "^husk: trace: exit_group\\(0x3, " $V --initrd $B/tests/rootfs.cpio \
	--trace-syscalls $B/husk.elf -- /bin/hello-musl
case_ "--no-rewrite" 0 "^syscalls: sites probe=syscall" $V --initrd $B/tests/rootfs.cpio \
	--no-rewrite $B/husk.elf -- /bin/syscalls-glibc

# start_bg CMD...: runs CMD in the background, its output in $T/bg (empty
# before it starts: no earlier run's output can match); its pid in bg_pid.
# wait_bg PATTERN: until $T/bg shows PATTERN, 30 s at most.
start_bg() {
	: >$T/bg
	"$@" >>$T/bg 2>&1 &
	bg_pid=$!
}
wait_bg() {
	wb_i=0
	while ! grep -q "$1" $T/bg && [ $wb_i -lt 300 ]; do
		sleep 0.1
		wb_i=$((wb_i + 1))
	done
}

# A signal sent to husk-vmm reaches the program's handler (docker stop).
# stop_after PATTERN SIGNAL CMD...: runs CMD, sends SIGNAL once its output
# shows PATTERN, returns its status.
# (Its variables are its own: case_ uses pat and rc.)
stop_after() {
	sa_pat=$1 sa_sig=$2
	shift 2
	start_bg "$@"
	sa_pid=$bg_pid
	wait_bg "$sa_pat"
	kill -$sa_sig $sa_pid
	wait $sa_pid
	sa_rc=$?
	cat $T/bg
	return $sa_rc
}
case_ "SIGTERM passed on to the program's handler" 7 "^got SIGTERM$" \
	stop_after "^waiting" TERM $V --initrd $B/tests/rootfs.cpio $B/husk.elf -- /bin/signals-musl wait-term
# Again and again: a host signal landing just before the guest halts
# must not be lost (it once was, and the guest slept for good).
repeat_term() {
	for rt_n in 1 2 3 4 5 6; do
		stop_after "^waiting" TERM "$@" >/dev/null 2>&1
		rt_rc=$?
		[ $rt_rc = 7 ] || { echo "round $rt_n: status $rt_rc"; return $rt_rc; }
	done
	echo "six rounds"
}
case_ "SIGTERM six times in a row, none lost" 0 "^six rounds$" \
	repeat_term $V --initrd $B/tests/rootfs.cpio $B/husk.elf -- /bin/signals-musl wait-term
# Descriptors the starter left open are closed before the guest runs.
inherited_fd() {
	start_bg "$@" 9>$T/inherited
	if_pid=$bg_pid
	wait_bg "^waiting"
	if [ -e /proc/$if_pid/fd/9 ]; then echo "fd 9 still open"; else echo "fd 9 closed"; fi
	ls -l /proc/$if_pid/fd | sed 's/^/#fd /'
	kill -TERM $if_pid
	wait $if_pid
}
case_ "inherited descriptors closed" 7 "^fd 9 closed$" \
	inherited_fd $V --initrd $B/tests/rootfs.cpio $B/husk.elf -- /bin/signals-musl wait-term
case_ "SIGINT passed on: the default action ends the program" 130 \
	"program terminated by SIGINT" \
	stop_after "^waiting" INT $V --initrd $B/tests/rootfs.cpio $B/husk.elf -- /bin/signals-musl wait-term

# The network device (--net, -p): the guest runs beside it (the device
# model itself is tested by tests/unit/test_vmm_net.c), and the setup
# errors come before the guest.
case_ "--net user: the guest runs beside the device" 0 "^Hello from husk$" \
	$V --net user $E/hello.elf
case_ "-p: ports published, the guest runs" 0 "^Hello from husk$" \
	$V -p 18080:80 -p 127.0.0.1:18053:53/udp $E/hello.elf
in_use() {
	busybox nc -l -p 18081 >/dev/null 2>&1 &
	iu_pid=$!
	sleep 0.5
	"$@"
	iu_rc=$?
	kill $iu_pid 2>/dev/null
	wait $iu_pid 2>/dev/null
	return $iu_rc
}
case_ "-p: a host port in use" 120 \
	"^husk-vmm: -p 18081:80: host port 18081 is already in use$" \
	in_use $V -p 18081:80 $E/hello.elf
case_ "--net with guest memory over the device registers" 120 \
	"husk-vmm: --net user needs --mem of at most 4075 MiB" \
	$V --net user --mem 4G $E/hello.elf
case_ "--net tap: a device that does not exist" 123 \
	"husk-vmm: --net tap:nope0: there is no network device nope0" \
	$V --net tap:nope0 $E/hello.elf
case_ "SIGTERM passed on with the network I/O thread running" 7 \
	"^got SIGTERM$" stop_after "^waiting" TERM $V --net user \
	--initrd $B/tests/rootfs.cpio $B/husk.elf -- /bin/signals-musl wait-term

# A hostile guest (hostile_dev.c) against the network device: each abuse
# refused with one line and NEEDS_RESET, the guest and husk-vmm running
# on; while the guest then sleeps, husk-vmm uses (almost) no CPU.
# cpu_ticks PID: user + system clock ticks of the process so far.
cpu_ticks() {
	awk '{ print $14 + $15 }' /proc/$1/stat
}
# idle_after PATTERN CMD...: once PATTERN shows, husk-vmm's CPU time over
# the next 2 s must stay under 0.5 s; prints it, returns CMD's status.
idle_after() {
	ia_pat=$1
	shift
	start_bg "$@"
	ia_pid=$bg_pid
	wait_bg "$ia_pat"
	ia_t0=$(cpu_ticks $ia_pid)
	sleep 2
	ia_t1=$(cpu_ticks $ia_pid)
	grep VmHWM /proc/$ia_pid/status
	wait $ia_pid
	ia_rc=$?
	cat $T/bg
	echo "cpu over 2 s idle: $((ia_t1 - ia_t0)) ticks"
	if [ $((ia_t1 - ia_t0)) -ge 50 ]; then
		echo "husk-vmm busy while the guest slept"
		return 97
	fi
	return $ia_rc
}
# refused MODE: the abuse refused with exactly one line, husk-vmm idle.
refused() {
	rf_m=$1
	idle_after "^$rf_m: refused" $V --net user $H -- hostile_dev $rf_m
	rf_rc=$?
	rf_n=$(grep -c "device stopped" $T/bg)
	if [ "$rf_n" != 1 ]; then
		echo "want one 'device stopped' line, got $rf_n"
		return 98
	fi
	return $rf_rc
}
H=$G/hostile_dev.elf
for m in loop outside huge indirect; do
	case_ "hostile guest: $m refused, husk-vmm idle after" 0 \
		"^$m: refused$" refused $m
done
case_ "hostile guest: garbage in every register, then a reset" 0 \
	"^regs: done .*magic 0x74726976, status 0$" $V --net user $H -- hostile_dev regs
case_ "hostile guest: buffers over the rings are read" 0 "^overlap: used 1" \
	$V --net user $H -- hostile_dev overlap
case_ "hostile guest: 20000 notifies, no acknowledgement" 0 "^flood: used 1" \
	$V --net user $H -- hostile_dev flood
# A console flood (busybox yes): husk-vmm's memory stays small however
# much the guest writes, and SIGTERM still ends it (the default action).
flood_stop() {
	"$@" >/dev/null 2>$T/flood.err &
	fs_pid=$!
	sleep 3
	fs_hwm=$(awk '/^VmHWM/ { print $2 }' /proc/$fs_pid/status)
	echo "husk-vmm peak RSS after 3 s of flood: $fs_hwm kB"
	[ "${fs_hwm:-999999}" -lt 65536 ] && echo "memory bounded"
	kill -TERM $fs_pid
	wait $fs_pid
	fs_rc=$?
	cat $T/flood.err
	return $fs_rc
}
case_ "console flood: memory bounded, SIGTERM ends it" 143 "^memory bounded$" \
	flood_stop $V --initrd $B/tests/rootfs.cpio $B/husk.elf -- /bin/busybox yes
# A program that never sleeps nor makes a system call hears SIGTERM too
# (its MSI was once dropped by a local APIC nobody had enabled yet).
case_ "SIGTERM reaches a program that never sleeps" 143 \
	"program terminated by SIGTERM" flood_stop $V --initrd $B/tests/rootfs.cpio \
	$B/husk.elf -- /bin/busybox sh -c 'while :; do :; done'
# A guest that blocks every interrupt cannot be told of SIGTERM: husk-vmm
# runs on (as a program ignoring it would), and SIGKILL ends it at once.
deaf_stop() {
	start_bg "$@"
	ds_pid=$bg_pid
	wait_bg "^deaf: spinning"
	kill -TERM $ds_pid
	sleep 2
	kill -0 $ds_pid 2>/dev/null && echo "alive 2 s after SIGTERM"
	kill -KILL $ds_pid
	wait $ds_pid
}
case_ "hostile guest: interrupts blocked, SIGKILL ends it" 137 \
	"^alive 2 s after SIGTERM$" deaf_stop $V $H -- hostile_dev deaf

echo "nested: $pass passed, $fail failed"
[ $fail -eq 0 ]
