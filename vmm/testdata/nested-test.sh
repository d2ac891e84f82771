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
B=$ROOT/build
make -s build/bin/husk-vmm build/vmm/testdata/mkguest build/examples/hello.elf \
	build/examples/crash.elf build/examples/faults.elf build/examples/syscall.elf \
	build/husk.elf build/tests/rootfs.cpio build/vmm/testdata/hostile_dev.elf
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
