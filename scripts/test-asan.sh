#!/bin/bash
# `make test-asan`: the tests that run the host programs, against their
# ASan and UBSan build (SAN=1, built by make into $BUILD, default
# build-asan, before this script runs):
#   1. on this host: husk-vmm's unit tests (the others are built with
#      ASan and UBSan in every build and ran in the suite) and the host
#      suites (tests/suites/cli.sh, build.sh, run.sh, runtime.sh,
#      qemusig.sh) through tests/run.sh; husk, husk-runtime and husk-qemu are the ASan builds
#   2. husk-vmm's own cases (vmm/testdata/nested-test.sh: misbehaving
#      guests, its errors, signals, the network device), in the nested-KVM
#      guest where /dev/kvm is unusable, the ASan husk-vmm with its shared
#      libraries copied in (scripts/nested-kvm/run.sh --file); then the
#      boot cases of tests/boot/cases.sh on it, through tests/run.sh
# The QEMU boot cases and the host-versus-guest comparison are left out:
# the first run no host program of ours, the second is long.
#
# Every sanitizer report is a failure:
#   - ASan and LeakSanitizer reports of host processes are written to
#     $BUILD/sanitizer/asan.PID (log_path), whatever the test did with the
#     process's output or status; each file left there is a FAIL, printed.
#   - every report ends the process (halt_on_error, and the build's
#     -fno-sanitize-recover) with status 86 (ASan, LSan) or 87 (UBSan,
#     whose log_path the shared runtimes cannot honour: its reports go to
#     standard error), which the test sees as a wrong status.
#   - husk-vmm's reports in the nested guest go to its standard error
#     (under seccomp it cannot open a log file); nested-cases.sh shows a
#     failed case's output. Frames there are module+offset (the filter
#     refuses the symbolizer's files): this script adds addr2line's
#     answer under each one.
# Ends with "N passed, N failed, N skipped"; exits non-zero on a failure.
set -u
cd "$(dirname "$0")/.."
B=${BUILD:-build-asan}
export BUILD=$B SAN=1
start=$(date +%s)
case $B in /*) LOGS=$B/sanitizer ;; *) LOGS=$PWD/$B/sanitizer ;; esac
rm -rf "$LOGS"
mkdir -p "$LOGS"
pass=0 fail=0 skip=0

if [ ! -x "$B/bin/husk-vmm" ] || ! nm -D "$B/bin/husk-vmm" 2>/dev/null | grep -q __asan_init; then
	echo "test-asan: $B/bin/husk-vmm is not an ASan build (make BUILD=$B SAN=1 all)" >&2
	exit 2
fi

# symbolize: copies its input, adding under each module+offset frame
# what addr2line says of it.
symbolize() {
	local line path off
	while IFS= read -r line; do
		printf '%s\n' "$line"
		[[ $line =~ \#[0-9]+\ 0x[0-9a-f]+\ +\((/[^+\)]+)\+(0x[0-9a-f]+)\)$ ]] || continue
		path=${BASH_REMATCH[1]} off=${BASH_REMATCH[2]}
		[ -f "$path" ] || continue
		addr2line -f -i -p -C -e "$path" "$off" 2>/dev/null | sed 's/^/        = /'
	done
}

# report_in NAME OUTPUT: a sanitizer report in what the tests printed
# (a failed case's output) is one more failure, named.
report_in() {
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error: ' <<<"$2"; then
		echo "FAIL: test-asan: $1: a sanitizer report in the output above"
		fail=$((fail + 1))
	fi
}

# run_part NAME: tests/run.sh with the environment set by the caller;
# its output printed, its counts added.
run_part() {
	local out p f s
	echo "test-asan: $1"
	out=$(tests/run.sh 2>&1)
	printf '%s\n' "$out" | symbolize
	if ! read -r p f s < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' <<<"$out" | tail -n 1); then
		echo "FAIL: test-asan: $1: tests/run.sh ended without its counts"
		fail=$((fail + 1))
		return
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	report_in "$1" "$out"
}

# 1. This host: reports to files; leaks checked at every exit.
host_part() {
	ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=86:detect_leaks=1:log_path=$LOGS/asan" \
	UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87" \
	TESTS='^(unit:test_vmm_.*|suite:(cli|build|run|runtime|qemusig)\.sh)$' BACKENDS=none \
		run_part "husk-vmm's unit tests and the host suites"
}

# 2. husk-vmm's cases, in the nested guest unless /dev/kvm works here:
# reports to standard error (nested-cases.sh shows a failed case's
# output). Its leak check runs before its first seccomp filter
# (vmm/seccomp_san.c).
run_vmm_cases() {
	local out p f direct=
	echo "test-asan: husk-vmm cases (vmm/testdata/nested-test.sh)"
	if [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; then
		direct=--direct
	elif ! scripts/nested-kvm/run.sh --check >/dev/null 2>&1; then
		echo "SKIP: test-asan: husk-vmm cases: no usable /dev/kvm and no nested KVM"
		skip=$((skip + 1))
		return
	fi
	out=$(vmm/testdata/nested-test.sh $direct 2>&1)
	printf '%s\n' "$out" | symbolize
	if ! read -r p f < <(sed -n 's/^nested: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' <<<"$out"); then
		echo "FAIL: test-asan: husk-vmm cases: ended before their summary"
		fail=$((fail + 1))
		return
	fi
	pass=$((pass + p)) fail=$((fail + f))
	report_in "husk-vmm cases" "$out"
}
guest_part() {
	ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=86:detect_leaks=1" \
	UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87" \
		run_vmm_cases
	# And the boot cases on husk-vmm (one more nested boot, ~2 minutes).
	ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=86:detect_leaks=1" \
	UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87" \
	TESTS='^boot:' BACKENDS=vmm \
		run_part "boot cases on husk-vmm"
}

# The guest part keeps one CPU busy (QEMU TCG under the nested guest):
# with two or more CPUs it runs beside the host suites, which then run
# one at a time (SERIAL=1) so that two things run, not three. Its output
# is printed after theirs, its counts added from its log.
if [ -n "${SERIAL:-}" ] || [ "$(nproc 2>/dev/null || echo 1)" -lt 2 ]; then
	host_part
	guest_part
else
	(
		pass=0 fail=0 skip=0
		guest_part
		echo "@@COUNTS $pass $fail $skip"
	) >"$B/guest-part.log" 2>&1 &
	guest_pid=$!
	export SERIAL=1
	host_part
	wait "$guest_pid"
	grep -v '^@@COUNTS ' "$B/guest-part.log"
	if read -r _ p f s < <(grep '^@@COUNTS ' "$B/guest-part.log"); then
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	else
		echo "FAIL: test-asan: the husk-vmm part ended without counts: $(tail -n 3 "$B/guest-part.log")"
		fail=$((fail + 1))
	fi
fi

# 3. Reports written to files.
for f in "$LOGS"/*; do
	[ -e "$f" ] || continue
	echo "FAIL: test-asan: sanitizer report ${f##*/}:"
	symbolize <"$f" | sed 's/^/    | /'
	fail=$((fail + 1))
done

echo "test-asan: $(($(date +%s) - start)) s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
