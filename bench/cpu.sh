#!/bin/bash
# CPU-bound benchmark (not a test): Debian's unmodified, dynamically linked
# /usr/bin/sqlite3 and /usr/bin/lua5.4 running bench/data/cpu.sql and
# bench/data/cpu.lua (each ~0.3-0.4 s of CPU on this machine's Linux), in husk
# (build/husk.elf) and natively: the very same binaries and libraries, from
# one small initrd ($B/bench/cpu.cpio) that husk boots and that the native
# side unpacks and chroots into. Each program's start-up alone (a trivial
# script) is timed too, so that the work can be told apart from boot,
# loading and the system-call rewriter's scan (also timed without it).
#
#   (1) husk-vmm against Linux on the same CPU. Without a usable /dev/kvm
#       both run inside ONE boot of the nested-KVM guest (Linux under QEMU
#       TCG with emulated SVM): those are emulated-CPU figures, and only
#       their ratio means something. Beside the guest's wall time, the CPU
#       time this host gave that QEMU during each run (sampled at a mark
#       the guest prints between runs): other users' load on this machine
#       stretches the guest's wall clock, much less that.
#   (2) this host's Linux alone, as the reference for the programs' native
#       time. TCG=1 adds husk on QEMU microvm with TCG (TCG_RUNS runs,
#       default 3), shown as not comparable: TCG translates every
#       instruction, so that ratio (~10x) is the emulator's, not husk's.
#
# Every run's exit status is checked, and every side's output must equal
# this host's native output. One more run per program and side counts
# husk's system calls (husk.trace) and the native minor page faults.
#   usage: bench/cpu.sh [RUNS]   (default 5, sides alternating; run as root:
#                                 the native side chroots)
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}
RUNS=${1:-5}
TCG=${TCG:-0}
TCG_RUNS=${TCG_RUNS:-3}
MEM=256M
for n in "$RUNS" "$TCG_RUNS"; do
	case $n in '' | *[!0-9]* | 0) echo "cpu.sh: run counts must be positive numbers, not '$n'" >&2; exit 2 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "cpu.sh: the native side chroots into the initrd's tree: run as root" >&2; exit 2; }
make -s "$B/husk.elf" "$B/bin/husk-vmm" >/dev/null
mkdir -p "$B/bench"
gcc -O2 -static -Wall -o "$B/bench/timeit" bench/timeit.c

# The initrd: the two programs with their libraries, gathered as
# tests/tests.mk gathers them, the two scripts, and timeit, which the
# native side runs inside the chroot so that chroot itself is not timed.
root=$B/bench/cpu-root
cpio_file=$PWD/$B/bench/cpu.cpio
mkdir -p "$root/bin" "$root/data" "$root/tmp"
for p in sqlite3 lua5.4; do
	cp /usr/bin/$p "$root/bin/$p"
	for l in $(ldd /usr/bin/$p | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$l")" && cp -L "$l" "$root$l"
	done
done
cp bench/data/cpu.sql bench/data/cpu.lua "$root/data/"
cp "$B/bench/timeit" "$root/bin/timeit"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$cpio_file"

# The measuring script; the same text runs on this host and nested (busybox
# sh there). Output lines: "time WORKLOAD SIDE US FAILED",
# "check WORKLOAD SIDE MD5", "trace WORKLOAD SIDE CALLS",
# "faults WORKLOAD native N", "fail WORKLOAD SIDE".
inner=$PWD/$B/bench/cpu-inner.sh
{
	echo "MEM=$MEM CPIO=$cpio_file IMAGE=$PWD/$B/husk.elf VMM=$PWD/$B/bin/husk-vmm"
	echo "TIMEIT=$PWD/$B/bench/timeit QEMU_RUN=$PWD/scripts/qemu-run.sh"
	cat <<'EOF'
# usage: sh cpu-inner.sh RUNS SIDES DIR [MARKS]
#   SIDES: "native vmm", "native qemu" or native. MARKS=1: print
#   "mark WORKLOAD SIDE" after each timed run and idle a moment, for a
#   reader outside the machine to sample its CPU time then.
RUNS=$1 SIDES=$2 R=$3 MARKS=${4:-0} CHROOT=$(command -v chroot)
WORK="sqlite lua sqlite-start lua-start"
mkdir -p "$R/dev"
(cd "$R" && cpio -idu <"$CPIO" 2>/dev/null)
# timeit sends the program's output to /dev/null.
[ -c "$R/dev/null" ] || mknod -m 666 "$R/dev/null" c 1 3

# A Linux process with the environment husk gives its program.
native() { env -i PATH=/bin HOME=/ $CHROOT "$R" "$@"; }
workload() { # NAME COMMAND-PREFIX...
	w=$1; shift
	case $w in
	sqlite) "$@" /bin/sqlite3 :memory: '.read /data/cpu.sql' ;;
	lua) "$@" /bin/lua5.4 /data/cpu.lua ;;
	sqlite-start) "$@" /bin/sqlite3 :memory: 'select 1;' ;;
	lua-start) "$@" /bin/lua5.4 -e 'x = 1' ;;
	esac
}
monitor() { # SIDE [OPTION...]: the command that boots husk, up to "--"
	m=$1; shift
	case $m in
	vmm) echo $VMM "$@" --mem $MEM --initrd $CPIO $IMAGE -- ;;
	qemu) echo $QEMU_RUN --accel tcg "$@" --mem $MEM --initrd $CPIO $IMAGE -- ;;
	esac
}
timed() { # WORKLOAD SIDE [OPTION...]: one run, printed as "US FAILED"
	tw=$1 ts=$2; shift 2
	if [ $ts = native ]; then
		t=$(workload $tw native /bin/timeit 1 || true)
	else
		t=$(workload $tw $TIMEIT 1 $(monitor $ts "$@") || true)
	fi
	echo "$t" | sed -n 's/.*median_us \([0-9]*\).* failed \([0-9]*\).*/\1 \2/p'
}

mark() { [ "$MARKS" = 0 ] || { echo "mark $*"; sleep 0.25; }; }
mark begin
i=0
while [ $i -lt $RUNS ]; do
	# Alternate which side goes first, so that drift in the machine's
	# load falls on both.
	order=$SIDES
	[ $((i % 2)) = 0 ] || order=$(echo $SIDES | awk '{for (j = NF; j; j--) printf "%s ", $j}')
	for w in $WORK; do
		for s in $order; do
			echo "time $w $s $(timed $w $s)"
			mark $w $s
			case $s-$w in
			native-*) ;;
			*-start)
				echo "time $w $s-nr $(timed $w $s --no-rewrite)"
				mark $w $s-nr ;;
			esac
		done
	done
	i=$((i + 1))
done

F=$(mktemp) E=$(mktemp)
for w in $WORK; do
	workload $w busybox time -v env -i PATH=/bin HOME=/ $CHROOT "$R" >$F 2>$E || echo "fail $w native"
	echo "check $w native $(md5sum <$F | cut -d' ' -f1)"
	echo "faults $w native $(sed -n 's/.*Minor.*page faults: //p' $E)"
	for s in $SIDES; do
		[ $s != native ] || continue
		workload $w $(monitor $s --cmdline husk.trace) >$F 2>$E || echo "fail $w $s"
		echo "check $w $s $(grep -v '^husk: ' $F | md5sum | cut -d' ' -f1)"
		echo "trace $w $s $(cat $F $E | grep -c '^husk: trace:')"
	done
done
rm -f $F $E
EOF
} >"$inner"

kvm_ok() { [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; }
descends() { # PID ANCESTOR
	local p=$1
	while [ -n "$p" ] && [ "$p" -gt 1 ]; do
		[ "$p" != "$2" ] || return 0
		p=$(ps -o ppid= -p "$p" | tr -d ' ')
	done
	return 1
}
# The QEMU (the nested guest's emulated CPU, with its devices) that the
# run.sh process $1 started.
nested_qemu() {
	local q
	for q in $(pgrep -x qemu-system-x86 || true); do
		! descends "$q" "$1" || { echo "$q"; return; }
	done
}
# Its user + system time in ms, all threads (exact to a clock tick: the
# kernel splits the precise run time into the two).
cpu_ms() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null |
		awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($12 + $13) * 1000 / hz}'
}
# Runs the measuring script in the nested guest and adds, at each of its
# marks, "cpu WORKLOAD SIDE US": the time this host gave the guest's
# emulated CPU for that run. This machine's load stretches the guest's
# wall clock (the emulator waits for a host core while the guest's time
# runs on), and this much less.
nested() {
	local fifo=$PWD/$B/bench/cpu-nested.fifo rpid rc=0 q= prev= now line
	rm -f "$fifo" && mkfifo "$fifo"
	scripts/nested-kvm/run.sh --mem 1G --timeout 1200 \
		--file "$B/bench/timeit" --file "$B/bin/husk-vmm" --file "$B/husk.elf" \
		--file "$cpio_file" --file "$inner" \
		-- sh "$inner" "$RUNS" "native vmm" /cpu-native 1 >"$fifo" &
	rpid=$!
	while IFS= read -r line; do
		case $line in
		"mark "*)
			[ -n "$q" ] || q=$(nested_qemu $rpid)
			now=$([ -z "$q" ] || cpu_ms "$q")
			[ -z "$prev" ] || [ -z "$now" ] ||
				echo "cpu ${line#mark } $(awk -v a="$now" -v b="$prev" 'BEGIN {printf "%.0f", (a - b) * 1000}')"
			prev=$now ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$fifo"
	wait $rpid || rc=$?
	rm -f "$fifo"
	return $rc
}

if kvm_ok; then
	env1="KVM on this host"
	out1=$(sh "$inner" "$RUNS" "native vmm" "$PWD/$B/bench/cpu-native")
else
	env1="nested KVM: Linux 6.1 under QEMU TCG with emulated SVM, husk-vmm on its KVM; $RUNS runs each.
    EMULATED-CPU FIGURES: absolute times are TCG's, only the ratios carry over. CPU ms: this
    host's CPU time for that QEMU during the run (less sensitive to this machine's load than
    the guest's wall clock; includes ~50 ms per run of the pause between runs)"
	out1=$(nested) || { echo "cpu.sh: the nested run failed ($?)" >&2; exit 1; }
fi
if [ "$TCG" = 1 ]; then
	out2=$(sh "$inner" "$TCG_RUNS" "native qemu" "$PWD/$B/bench/cpu-native")
	runs2=$TCG_RUNS
else
	out2=$(sh "$inner" "$RUNS" native "$PWD/$B/bench/cpu-native")
	runs2=$RUNS
fi

# "MEDIAN MIN MAX" (ms) of the KIND (time, cpu) figures of WORKLOAD on
# SIDE in OUTPUT.
stats() { # OUTPUT KIND WORKLOAD SIDE
	awk -v k="$2" -v w="$3" -v s="$4" '$1 == k && $2 == w && $3 == s {print $4}' <<<"$1" |
		sort -n | awk '{a[NR] = $1} END {if (NR) printf "%.1f %.1f %.1f", a[int((NR + 1) / 2)] / 1000, a[1] / 1000, a[NR] / 1000; else print "- - -"}'
}
nth() { cut -d' ' -f"$1" <<<"$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "-"}'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN {if (a != "-" && b != "-") printf "%.1f", a - b; else print "-"}'; }
# The median of WORKLOAD less the median of its start-up alone.
work() { # OUTPUT KIND WORKLOAD SIDE
	minus "$(nth 1 "$(stats "$1" "$2" "$3" "$4")")" "$(nth 1 "$(stats "$1" "$2" "$3-start" "$4")")"
}
get() { awk -v k="$2" -v w="$3" -v s="$4" '$1 == k && $2 == w && $3 == s {print $4}' <<<"$1"; }
# what | wall: median min max | CPU: median min | guest/native: wall, CPU (medians)
row() { printf '  %-44s %9s %9s %9s %10s %9s   %-7s %s\n' "$@"; }
hdr() { row "" "wall ms" "min" "max" "CPU ms" "min" "guest/native: wall, CPU"; }

guest_rows() { # OUTPUT SIDE LABEL COMPARABLE
	local out=$1 side=$2 label=$3 comparable=$4 w s l n g nc gc
	hdr
	for w in sqlite lua sqlite-start lua-start; do
		n=$(stats "$out" time $w native) nc=$(stats "$out" cpu $w native)
		row "$w: Linux, native" $n $(nth 1 "$nc") $(nth 2 "$nc") "" ""
		[ -n "$side" ] || continue
		for s in "$side" "$side-nr"; do
			case $s-$w in *-nr-sqlite | *-nr-lua) continue ;; esac
			g=$(stats "$out" time $w "$s") gc=$(stats "$out" cpu $w "$s")
			l="$w: $label"
			[ "$s" = "$side" ] || l="$l --no-rewrite"
			if [ "$comparable" = 1 ]; then
				row "$l" $g $(nth 1 "$gc") $(nth 2 "$gc") \
					"$(ratio "$(nth 1 "$g")" "$(nth 1 "$n")")" "$(ratio "$(nth 1 "$gc")" "$(nth 1 "$nc")")"
			else
				row "$l" $g - - "n/a (TCG)" ""
			fi
		done
	done
	[ -n "$side" ] && [ "$comparable" = 1 ] || return 0
	echo "  the work alone: whole run minus that side's start-up (medians):"
	for w in sqlite lua; do
		n=$(work "$out" time $w native) nc=$(work "$out" cpu $w native)
		g=$(work "$out" time $w "$side") gc=$(work "$out" cpu $w "$side")
		row "$w work: Linux, native" "$n" "" "" "$nc" "" "" ""
		row "$w work: $label" "$g" "" "" "$gc" "" "$(ratio "$g" "$n")" "$(ratio "$gc" "$nc")"
	done
}

echo "date:        $(date -u +%Y-%m-%d)"
echo "machine:     $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command:     bench/cpu.sh $RUNS (TCG=$TCG); $(dpkg-query -W -f '${Package} ${Version}, ' sqlite3 lua5.4 2>/dev/null)husk --mem $MEM"
echo "wall:        ms per whole run, process start to exit (boot, loading, rewriter scan, work), timeit"
echo
echo "(1) $env1"
guest_rows "$out1" vmm husk-vmm 1
echo
if [ "$TCG" = 1 ]; then
	echo "(2) this host's Linux, and husk on QEMU microvm with TCG; $runs2 runs each. NOT COMPARABLE:"
	echo "    TCG translates every instruction, so the ratio is the emulator's, not husk's"
	guest_rows "$out2" qemu "husk, microvm TCG" 0
	for w in sqlite lua; do
		echo "    $w: TCG/native $(ratio "$(nth 1 "$(stats "$out2" time $w qemu)")" "$(nth 1 "$(stats "$out2" time $w native)")") (the emulator's factor; reference only)"
	done
else
	echo "(2) this host's Linux; $runs2 runs each (husk on QEMU TCG skipped: its ratio would be the"
	echo "    emulator's, ~10x, not husk's; TCG=1 adds it)"
	guest_rows "$out2" "" "" 0
fi
echo
echo "husk system calls (husk.trace): sqlite $(get "$out1" trace sqlite vmm), lua $(get "$out1" trace lua vmm); start-ups alone $(get "$out1" trace sqlite-start vmm), $(get "$out1" trace lua-start vmm)"
echo "native minor page faults, nested Linux: $(awk '$1 == "faults" {printf "%s %s  ", $2, $4}' <<<"$out1")"
echo "native minor page faults, this host:    $(awk '$1 == "faults" {printf "%s %s  ", $2, $4}' <<<"$out2")"

bad=0
for w in sqlite lua sqlite-start lua-start; do
	ref=$(get "$out2" check $w native)
	for c in $(printf '%s\n%s\n' "$out1" "$out2" | awk -v w=$w '$1 == "check" && $2 == w {print $3 "=" $4}'); do
		[ "${c#*=}" = "$ref" ] || { echo "cpu.sh: $w: ${c%%=*}'s output differs from this host's" >&2; bad=1; }
	done
done
fails=$(printf '%s\n%s\n' "$out1" "$out2" | awk '$1 == "fail" || ($1 == "time" && ($5 != 0 || $4 == "")) {n++} END {print n + 0}')
[ "$fails" = 0 ] || { echo "cpu.sh: $fails runs failed or gave no time (see the raw lines)" >&2; bad=1; }
[ "$bad" = 1 ] || echo "outputs:     the same on every side (md5), every run exited 0"
printf '%s\n%s\n' "$out1" "$out2" | grep -v '^time\|^cpu' | sed 's/^/raw: /'
exit $bad
