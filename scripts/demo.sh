#!/bin/bash
# The main demo (`make demo`): boot the hello unikernel on husk-vmm (on
# /dev/kvm, or where that is unusable on the real KVM of a Linux guest under
# QEMU TCG, scripts/nested-kvm), then the same image on QEMU through its PVH
# entry.
set -u
cd "$(dirname "$0")/.."
B=${BUILD:-build}
image=$B/examples/hello.elf
ls -l "$image" | awk '{printf "husk: %s is %d bytes\n", $NF, $5}'
if [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; then
	echo "\$ $B/bin/husk-vmm $image"
	start=$(date +%s%N)
	"$B/bin/husk-vmm" "$image"
	echo "(exit status $?, $(( ($(date +%s%N) - start) / 1000 )) us process start to exit)"
else
	echo "husk: /dev/kvm is not usable here; running husk-vmm on the KVM of a"
	echo "      Linux guest under QEMU TCG instead (scripts/nested-kvm, a few seconds)"
	echo "\$ $B/bin/husk-vmm $image"
	scripts/nested-kvm/run.sh --file "$B/bin/husk-vmm" --file "$image" -- \
		"$PWD/$B/bin/husk-vmm" "$PWD/$image"
	echo "(exit status $?)"
fi
echo "\$ scripts/qemu-run.sh $image"
scripts/qemu-run.sh "$image"
echo "(exit status $?)"
