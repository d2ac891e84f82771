#!/bin/bash
# Runs every test (`make test`): the host-side unit tests, the build checks,
# then each boot case of tests/boot/cases.sh on every backend:
#   husk-vmm  on /dev/kvm when it works; else on a real KVM inside a Linux
#             guest under QEMU TCG (scripts/nested-kvm), which is how it
#             runs on machines like ours whose /dev/kvm is unusable
#   QEMU      microvm and q35, through the PVH entry, on KVM when it works,
#             else TCG
# and the host-versus-guest comparison of the C test suite on each of them
# (tests/compare/compare.sh: the same binaries on the host are the reference).
# The output names the backend of every result. A run that cannot happen
# is SKIP, never PASS. Ends with "N passed, N failed, N skipped".
#
# A part alone: TESTS=ERE runs only the tests whose name matches: unit:NAME,
# ring0, suite:NAME, boot:CASE, compare:PROGRAM-LIBC, hostile (for example
# TESTS=compare, TESTS='^boot:(memops|fsops)'); BACKENDS='vmm microvm q35'
# (the default; none: the host parts only) picks the backends.
set -u
cd "$(dirname "$0")/.."
B=${BUILD:-build}
pass=0 fail=0 skip=0

ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1: $2"; fail=$((fail + 1)); }
skipped() { echo "SKIP: $1: $2"; skip=$((skip + 1)); }

selected() { [ -z "${TESTS:-}" ] || [[ $1 =~ $TESTS ]]; }
backend_selected() { [[ " ${BACKENDS:-vmm microvm q35} " == *" $1 "* ]]; }

check_selection() {
	local b
	if [ -n "${TESTS:-}" ]; then
		[[ "" =~ $TESTS ]]
		if [ $? -eq 2 ]; then
			echo "run.sh: TESTS='$TESTS' is not a valid extended regular expression" >&2
			exit 2
		fi
	fi
	for b in ${BACKENDS:-}; do
		case $b in
		vmm | microvm | q35 | none) ;;
		*) echo "run.sh: BACKENDS: unknown backend '$b' (vmm, microvm, q35; none for the host parts only)" >&2
			exit 2 ;;
		esac
	done
	[ -z "${TESTS:-}${BACKENDS:-}" ] ||
		echo "run.sh: a part only: TESTS='${TESTS:-}' BACKENDS='${BACKENDS:-vmm microvm q35}'"
}

run_unit_tests() {
	local t out rc p f
	for t in "$B"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		selected "unit:${t##*/}" || continue
		out=$("$t" 2>&1)
		rc=$?
		p=$(grep -c '^PASS: ' <<<"$out")
		f=$(grep -c '^FAIL: ' <<<"$out")
		grep -E '^(FAIL|SKIP): ' <<<"$out"
		pass=$((pass + p))
		fail=$((fail + f))
		skip=$((skip + $(grep -c '^SKIP: ' <<<"$out")))
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			bad "${t##*/}" "exited $rc without a FAIL line"
			printf '%s\n' "$out" | tail -n 5
		fi
		echo "unit: ${t##*/}: $p passed, $f failed"
	done
}

# The ring-0 check must reject what PLATFORM.md forbids.
run_build_checks() {
	local dir=$B/tests/r0check insn
	selected ring0 || return 0
	mkdir -p "$dir"
	for insn in "xsave (%rax)" "ldmxcsr (%rax)" "int3" "int \$0x80" \
		"addps %xmm0, %xmm1" "rdtscp" "cmpxchg16b (%rax)" "xgetbv"; do
		printf '.section .r0text,"ax"\ntrap_common:\n\t%s\n' "$insn" >"$dir/bad.S"
		gcc -c "$dir/bad.S" -o "$dir/bad.o" &&
			ld -o "$dir/bad.elf" -e trap_common "$dir/bad.o" 2>/dev/null
		if scripts/check-ring0.sh "$dir/bad.elf" 2>/dev/null; then
			bad "check-ring0: rejects $insn" "accepted"
		else
			ok "check-ring0: rejects $insn"
		fi
	done
	# Every dependency file names the object it belongs to: a ring-0
	# object once named its .tmp and was never rebuilt after a header
	# changed (a stale boot-info layout on the PVH path).
	stale=$(find "$B" -name '*.d' -path '*/kernel/*' -exec awk -v f={} \
		'NR == 1 { t = $1; sub(/:$/, "", t); o = f; sub(/\.d$/, "", o);
		  if (t != o && t ".o" != o && t != o ".o") print f; exit }' {} \; | head -n 3)
	if [ -z "$stale" ]; then
		ok "build: every kernel dependency file names its object"
	else
		bad "build: every kernel dependency file names its object" "$stale"
	fi
	# The decoder and lwIP are libraries only build/husk.elf links.
	if nm "$B/examples/hello.elf.debug" | grep -Eq ' (ZydisDecoderDecodeInstruction|tcp_input|sys_socket)$'; then
		bad "hello.elf: no decoder, no lwIP" "linked into the example image"
	else
		ok "hello.elf: no decoder, no lwIP"
	fi
	if [ "$(nm "$B/husk.elf.debug" | grep -cE ' (ZydisDecoderDecodeInstruction|tcp_input|sys_socket|sys_sendto|sys_setsockopt|net_poll)$')" = 6 ]; then
		ok "husk.elf: links the decoder and lwIP"
	else
		bad "husk.elf: links the decoder and lwIP" "missing"
	fi
	if scripts/check-ring0.sh "$B/examples/hello.elf.debug"; then
		ok "check-ring0: hello.elf ring-0 code is clean"
	else
		bad "check-ring0: hello.elf" "forbidden instruction"
	fi
}

kvm_usable() {
	[ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null
}

# check BACKEND NAME WANT-STATUS REGEXES STATUS OUTPUT
check() {
	local label="$1 $2" want=$3 res=$4 rc=$5 out=$6 re
	if [ "$rc" != "$want" ]; then
		bad "$label" "exit status $rc, expected $want"
		# The failed checks of a test program first: the tail may not
		# hold them (an intermittent one must be named to be found).
		{ grep -m 5 '^not ok' <<<"$out"; printf '%s\n' "$out" | tail -n 8; } |
			sed 's/^/    | /'
		return
	fi
	IFS=';' read -ra res <<<"$res"
	for re in "${res[@]}"; do
		if ! grep -Eq -- "$re" <<<"$out"; then
			bad "$label" "output lacks /$re/"
			printf '%s\n' "$out" | tail -n 8 | sed 's/^/    | /'
			return
		fi
	done
	ok "$label"
}

# Every case: calls "$1" NAME IMAGE MEM CMDLINE INITRD WANT REGEXES ARGS...
# (INITRD is empty or a path under $B.)
for_each_case() {
	local fn=$1 name image mem cmdline initrd want res args
	while IFS='|' read -r name image mem cmdline initrd want res args; do
		case $name in '' | '#'*) continue ;; esac
		selected "boot:$name" || continue
		eval "set -- $args"
		"$fn" "$name" "$B/$image" "$mem" "$cmdline" "${initrd:+$B/$initrd}" \
			"$want" "$res" "$@"
	done <tests/boot/cases.sh
}

qemu_case() {
	local name=$1 image=$2 mem=$3 cmdline=$4 initrd=$5 want=$6 res=$7 out rc
	shift 7
	out=$(timeout 120 scripts/qemu-run.sh --machine "$QEMU_MACHINE" \
		--mem "$mem" --cmdline "$cmdline" ${initrd:+--initrd "$initrd"} \
		"$image" ${1+-- "$@"} 2>&1)
	rc=$?
	check "[$QEMU_LABEL]" "$name" "$want" "$res" "$rc" "$out"
}

run_qemu() {
	local accel=tcg t0
	if ! command -v qemu-system-x86_64 >/dev/null; then
		skipped "qemu" "qemu-system-x86_64 is not installed"
		return
	fi
	kvm_usable && accel=kvm
	for QEMU_MACHINE in microvm q35; do
		backend_selected "$QEMU_MACHINE" || continue
		QEMU_LABEL="qemu $QEMU_MACHINE $accel"
		echo "boot: QEMU $QEMU_MACHINE with $accel"
		t0=$SECONDS
		for_each_case qemu_case
		compare_qemu
		echo "time: QEMU $QEMU_MACHINE: $((SECONDS - t0)) s"
	done
}

vmm_direct_case() {
	local name=$1 image=$2 mem=$3 cmdline=$4 initrd=$5 want=$6 res=$7 out rc
	shift 7
	out=$(timeout 60 "$B/bin/husk-vmm" --mem "$mem" --cmdline "$cmdline" \
		${initrd:+--initrd "$initrd"} "$image" ${1+-- "$@"} 2>&1)
	rc=$?
	check "[husk-vmm kvm]" "$name" "$want" "$res" "$rc" "$out"
}

# Nested: one Linux boot runs every case; each prints a marked status line
# and its output, which we split back apart.
vmm_script_case() {
	local name=$1 image=$2 mem=$3 cmdline=$4 initrd=$5 q a
	shift 7
	q=
	for a in "$@"; do q="$q '${a//\'/\'\\\'\'}'"; done
	echo "$PWD/$B/bin/husk-vmm --mem $mem --cmdline '$cmdline' ${initrd:+--initrd $PWD/$initrd} $PWD/$image ${q:+--$q} >/tmp/out 2>&1"
	echo "echo \"@@STATUS $name \$?\"; sed 's/^/@@OUT $name /' /tmp/out"
	nested_file "$PWD/$image"
	[ -z "$initrd" ] || nested_file "$PWD/$initrd"
}

# Each file goes into the nested guest once, however many cases use it.
nested_file() {
	[[ " ${NESTED_FILES[*]} " == *" --file $1 "* ]] || NESTED_FILES+=(--file "$1")
}

vmm_nested_check() {
	local name=$1 want=$6 res=$7 rc out
	rc=$(sed -n "s/^@@STATUS $name //p" <<<"$NESTED_OUT")
	out=$(sed -n "s/^@@OUT $name //p" <<<"$NESTED_OUT")
	check "[husk-vmm nested-kvm]" "$name" "$want" "$res" "${rc:-none}" "$out"
}

# Misbehaving guests (vmm/testdata/guests.S) and husk-vmm's own errors.
run_vmm_hostile() {
	local out
	selected hostile || return 0
	out=$(vmm/testdata/nested-test.sh "$@" 2>&1)
	grep -E '^(PASS|FAIL): ' <<<"$out" | sed "s/^\(PASS\|FAIL\): nested: /\1: [husk-vmm $VMM_LABEL] /"
	pass=$((pass + $(grep -c '^PASS: ' <<<"$out")))
	fail=$((fail + $(grep -c '^FAIL: ' <<<"$out")))
	grep -Eq '^nested: [0-9]+ passed, [0-9]+ failed$' <<<"$out" ||
		bad "husk-vmm hostile guests" "the run ended before its summary: $(tail -n 3 <<<"$out")"
}

run_vmm() {
	local script t0
	backend_selected vmm || return 0
	if [ ! -x "$B/bin/husk-vmm" ]; then
		bad "husk-vmm" "$B/bin/husk-vmm was not built"
		return
	fi
	if kvm_usable; then
		echo "boot: husk-vmm on /dev/kvm"
		for_each_case vmm_direct_case
		compare_vmm_direct
		VMM_LABEL=kvm run_vmm_hostile --direct
		return
	fi
	if ! scripts/nested-kvm/run.sh --check >/dev/null 2>&1; then
		skipped "husk-vmm" "/dev/kvm is unusable here and nested KVM under QEMU TCG is unavailable ($(scripts/nested-kvm/run.sh --check 2>&1 | tail -n 1))"
		return
	fi
	echo "boot: husk-vmm on nested KVM (/dev/kvm is unusable here: a Linux guest under QEMU TCG provides one)"
	t0=$SECONDS
	script=$B/tests/vmm-cases.sh
	NESTED_FILES=(--file "$PWD/$B/bin/husk-vmm" --file "$PWD/$script")
	for_each_case vmm_script_case >"$script"
	compare_vmm_script >>"$script"
	# Every selected case and comparison in one boot, none when none is.
	if [ -s "$script" ]; then
		NESTED_OUT=$(scripts/nested-kvm/run.sh --timeout 600 "${NESTED_FILES[@]}" \
			-- /bin/sh "$PWD/$script" 2>&1)
		for_each_case vmm_nested_check
		compare_vmm_nested_check
	fi
	echo "time: husk-vmm nested boot cases: $((SECONDS - t0)) s"
	t0=$SECONDS
	VMM_LABEL=nested-kvm run_vmm_hostile
	echo "time: husk-vmm nested hostile cases: $((SECONDS - t0)) s"
}

# Host-side suites (tests/suites/*.sh: the CLI, the OCI runtime...): each
# prints PASS:/FAIL:/SKIP: lines and is counted like the unit tests.
#
# With two or more CPUs two suites run at a time (most spend their time
# in one QEMU or nested-KVM guest, one CPU each); SERIAL=1 runs them in
# turn. A suite that uses something of the whole machine (container
# engines, iptables, CNI networks) says so with a line
# "# tests/run.sh: alone" and runs with no other, before the rest. Then
# the longest start first (SUITES_FIRST, measured); each suite's output
# is printed in name order once all have run, with its time.
SUITES_FIRST="stress.sh run.sh apps.sh runtime_vmm.sh build.sh net.sh vmmnet.sh"

suite_alone() { grep -qx '# tests/run.sh: alone' "$1"; }

# one_at_a_time: SERIAL is set, or there is a single CPU; else the suites
# run two at a time and the nested husk-vmm run goes beside QEMU's.
one_at_a_time() { [ -n "${SERIAL:-}" ] || [ "$(nproc 2>/dev/null || echo 1)" -lt 2 ]; }

# suite_start FILE DIR: runs it in the background, output in DIR/NAME.
suite_start() {
	(
		t0=$SECONDS
		BUILD=$B bash "$1" >"$2/${1##*/}" 2>&1
		echo "$((SECONDS - t0))" >"$2/${1##*/}.time"
	) &
	RUNNING[$!]=${1##*/}
}

suite_report() {
	local name=$1 out=$2 secs=$3
	echo "suite: $name"
	grep -E '^(PASS|FAIL|SKIP): ' <<<"$out"
	pass=$((pass + $(grep -c '^PASS: ' <<<"$out")))
	fail=$((fail + $(grep -c '^FAIL: ' <<<"$out")))
	skip=$((skip + $(grep -c '^SKIP: ' <<<"$out")))
	grep -Eq '^(PASS|FAIL|SKIP): ' <<<"$out" ||
		bad "suite $name" "no result: $(tail -n 3 <<<"$out")"
	echo "time: suite $name: $secs s"
}

run_suites() {
	local s list=() order=() dir pid name lanes=2 t0
	for s in tests/suites/*.sh; do
		[ -f "$s" ] && selected "suite:${s##*/}" && list+=("$s")
	done
	[ ${#list[@]} -gt 0 ] || return 0
	if one_at_a_time; then
		for s in "${list[@]}"; do
			t0=$SECONDS
			suite_report "${s##*/}" "$(BUILD=$B bash "$s" 2>&1)" $((SECONDS - t0))
		done
		return
	fi
	for s in "${list[@]}"; do # those that run alone first: no lane waits
		suite_alone "$s" && order+=("$s")
	done
	for name in $SUITES_FIRST; do
		[[ " ${list[*]} " == *" tests/suites/$name "* ]] && order+=("tests/suites/$name")
	done
	for s in "${list[@]}"; do
		[[ " ${order[*]} " == *" $s "* ]] || order+=("$s")
	done
	dir=$(mktemp -d)
	declare -A RUNNING=()
	t0=$SECONDS
	for s in "${order[@]}"; do
		if suite_alone "$s"; then
			wait # every running suite
			RUNNING=()
			suite_start "$s" "$dir"
			wait
			RUNNING=()
			continue
		fi
		while [ ${#RUNNING[@]} -ge $lanes ]; do
			wait -n -p pid "${!RUNNING[@]}"
			unset "RUNNING[$pid]"
		done
		suite_start "$s" "$dir"
	done
	wait
	for s in "${list[@]}"; do
		name=${s##*/}
		suite_report "$name" "$(cat "$dir/$name")" "$(cat "$dir/$name.time" 2>/dev/null || echo '?')"
	done
	echo "time: suites, two at a time: $((SECONDS - t0)) s"
	rm -rf "$dir"
}

# The nested husk-vmm run and the QEMU runs each keep one CPU busy: with
# two or more CPUs they run side by side (SERIAL=1 runs them in turn). The
# husk-vmm output is printed after QEMU's, its counts added from its log.
run_backends() {
	local log=$B/tests/vmm-backend.log pid p f s
	if one_at_a_time; then
		run_vmm
		run_qemu
		return
	fi
	mkdir -p "$B/tests"
	(
		pass=0 fail=0 skip=0
		run_vmm
		echo "@@COUNTS $pass $fail $skip"
	) >"$log" 2>&1 &
	pid=$!
	run_qemu
	wait "$pid"
	grep -v '^@@COUNTS ' "$log"
	if ! read -r _ p f s < <(grep '^@@COUNTS ' "$log"); then
		bad "husk-vmm" "its run ended without counts: $(tail -n 3 "$log")"
		return
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
}

# shellcheck source=tests/compare/compare.sh
. tests/compare/compare.sh

check_selection
run_unit_tests
run_build_checks
run_suites
compare_prepare
run_backends
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
