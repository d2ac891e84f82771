#!/bin/bash
# `make test`: every test. First the suite (tests/run.sh: unit tests,
# host suites, boot cases and host comparisons on husk-vmm and QEMU),
# then the host programs again under ASan and UBSan (scripts/test-asan.sh,
# their build in $ASAN_BUILD). Ends with the sum of both runs' counts on
# one line, "N passed, N failed, N skipped"; fails if either failed.
# TEST_ASAN=0 leaves the sanitizer run out (say so: it is then skipped).
set -uo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}
A=${ASAN_BUILD:-build-asan}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# counts FILE: "passed failed skipped" of the last summary line in FILE.
counts() {
	sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$1" |
		tail -n 1
}

# seed_guest_parts: SAN=1 changes only the host programs' flags, so the
# guest side (kernel, images, lwIP, test programs and root filesystems,
# the nested-KVM guest) just built in $B is copied into $A, dates kept,
# and make there rebuilds the host programs only: a CI machine would
# otherwise compile the guest twice. Copied every time, so $A's guest
# side is always $B's (whose make ran first).
seed_guest_parts() {
	local p
	for p in husk.elf husk.elf.debug husk.elf.syms.S husk.elf.syms.o \
		kernel examples third_party tools src nested \
		tests/rootfs tests/rootfs.cpio tests/apps tests/apps.cpio \
		tests/compare tests/r0check; do
		[ -e "$B/$p" ] || continue
		mkdir -p "$(dirname "$A/$p")"
		rm -rf "${A:?}/$p"
		cp -a --reflink=auto "$B/$p" "$A/$p"
	done
}

BUILD=$B tests/run.sh 2>&1 | tee "$log/suite"
suite_rc=${PIPESTATUS[0]}
if [ "${TEST_ASAN:-1}" = 0 ]; then
	echo "SKIP: test-asan: left out (TEST_ASAN=0)"
	echo "0 passed, 0 failed, 1 skipped" >"$log/asan"
	asan_rc=0
else
	echo "test: building the host programs under ASan and UBSan ($A)"
	t0=$SECONDS
	seed_guest_parts
	if make -s BUILD="$A" SAN=1 all >"$log/asan-build" 2>&1; then
		echo "time: ASan build: $((SECONDS - t0)) s"
		BUILD=$A scripts/test-asan.sh 2>&1 | tee "$log/asan"
		asan_rc=${PIPESTATUS[0]}
	else
		tail -n 30 "$log/asan-build"
		echo "FAIL: test-asan: the ASan build failed"
		echo "0 passed, 1 failed, 0 skipped" >"$log/asan"
		asan_rc=1
	fi
fi
read -r p1 f1 s1 < <(counts "$log/suite"; echo)
read -r p2 f2 s2 < <(counts "$log/asan"; echo)
for v in p1 f1 s1 p2 f2 s2; do [ -n "${!v}" ] || printf -v "$v" 0; done
if [ -z "$(counts "$log/suite")" ]; then
	echo "FAIL: tests/run.sh ended without its counts"
	f1=$((f1 + 1))
fi
if [ -z "$(counts "$log/asan")" ]; then
	echo "FAIL: test-asan ended without its counts"
	f2=$((f2 + 1))
fi
echo "test: suite $p1 passed, $f1 failed, $s1 skipped (rc $suite_rc);" \
	"under ASan and UBSan $p2 passed, $f2 failed, $s2 skipped (rc $asan_rc)"
echo "$((p1 + p2)) passed, $((f1 + f2)) failed, $((s1 + s2)) skipped"
[ "$suite_rc" = 0 ] && [ "$asan_rc" = 0 ] && [ $((f1 + f2)) = 0 ]
