#!/bin/bash
# The main demo (`make demo`): boot the hello unikernel on husk-vmm when
# /dev/kvm works, and always on QEMU through the same image's PVH entry.
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
	echo "husk: /dev/kvm is not usable on this machine; husk-vmm needs it (QEMU below uses TCG)"
fi
echo "\$ scripts/qemu-run.sh $image"
scripts/qemu-run.sh "$image"
echo "(exit status $?)"
