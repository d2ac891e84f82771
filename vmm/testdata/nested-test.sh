#!/bin/sh
# Runs husk-vmm against real KVM inside the nested-KVM guest
# (scripts/nested-kvm/run.sh): the examples, and the misbehaving guests of
# guests.S, each checked for its exit status and message.
#   vmm/testdata/nested-test.sh [--direct]
# --direct runs the cases on this host's own /dev/kvm instead.
# Prints PASS:/FAIL: lines; exits non-zero if any failed.
set -e
cd "$(dirname "$0")/../.."
ROOT=$PWD
# BUILD (as tests/run.sh has it) picks the build directory; make reads it
# (and SAN, for the ASan build) from the environment.
BD=${BUILD:-build}
case $BD in /*) B=$BD ;; *) B=$ROOT/$BD ;; esac
make -s $BD/bin/husk-vmm $BD/vmm/testdata/mkguest $BD/examples/hello.elf \
	$BD/examples/crash.elf $BD/examples/faults.elf $BD/examples/syscall.elf \
	$BD/husk.elf $BD/tests/rootfs.cpio $BD/vmm/testdata/hostile_dev.elf
G=$B/vmm/testdata
FILES="--file $B/bin/husk-vmm --file $ROOT/vmm/testdata/nested-cases.sh"
for g in $("$G/mkguest" 2>&1 | sed 's/.*one of://'); do
	"$G/mkguest" "$g" "$G/$g.elf"
	FILES="$FILES --file $G/$g.elf"
done
for e in hello crash faults syscall; do
	FILES="$FILES --file $B/examples/$e.elf"
done
FILES="$FILES --file $B/husk.elf --file $B/tests/rootfs.cpio --file $G/hostile_dev.elf"
if [ "${1:-}" = --direct ]; then
	exec sh "$ROOT/vmm/testdata/nested-cases.sh" "$B/bin/husk-vmm" "$G" "$B/examples"
fi
exec scripts/nested-kvm/run.sh --timeout 600 $FILES -- \
	sh "$ROOT/vmm/testdata/nested-cases.sh" "$B/bin/husk-vmm" "$G" "$B/examples"
