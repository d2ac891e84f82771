#!/bin/bash
# Boot benchmark (not a test): in one run, side by side,
#   floor     the smallest KVM program: create a VM and a vCPU, run three
#             instructions, exit (scripts/nested-kvm/kvmcheck.c)
#   husk-vmm  build/bin/husk-vmm build/examples/hello.elf, process start to exit
#   qemu      QEMU microvm booting the same image (PVH entry) on the same KVM
# each the median of $RUNS runs (bench/timeit.c), plus the guest's own time
# from its first instruction to main (husk.boottime), husk-vmm's peak RSS and
# the image size.
#
# With a usable /dev/kvm everything runs on this host. Without one, all
# three run inside the nested-KVM guest (Linux under QEMU TCG with emulated
# SVM): absolute figures are then those of an emulated CPU, but the three
# still share one environment, so their ratios mean something. QEMU microvm
# on host TCG is reported beside it for reference.
# Also: a static Linux program (musl hello) through build/husk.elf's ELF
# loader, from an initrd, against the same floor.
#   usage: bench/boot.sh [RUNS]   (default 30; QEMU=0 skips the QEMU rows,
#                                 which take ~12 s a run when nested)
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}
RUNS=${1:-30}
mkdir -p "$B/bench"
gcc -O2 -static -Wall -o "$B/bench/timeit" bench/timeit.c
gcc -O2 -static -Wall -o "$B/bench/kvm-floor" scripts/nested-kvm/kvmcheck.c
make -s "$B/bin/husk-vmm" "$B/examples/hello.elf" "$B/husk.elf" \
	"$B/tests/rootfs.cpio" >/dev/null
QEMU=${QEMU:-1}

image=$PWD/$B/examples/hello.elf
qemu=$(command -v qemu-system-x86_64)
# The script that measures; the same text runs on the host or nested.
cat >"$B/bench/inner.sh" <<EOF
T=$PWD/$B/bench/timeit
echo "floor \$(\$T $RUNS $PWD/$B/bench/kvm-floor)"
echo "husk-vmm \$(\$T $RUNS $PWD/$B/bin/husk-vmm $image)"
echo "loader \$(\$T $RUNS $PWD/$B/bin/husk-vmm --initrd $PWD/$B/tests/rootfs.cpio $PWD/$B/husk.elf -- /bin/hello-musl)"
[ $QEMU = 1 ] && echo "qemu-microvm \$(\$T $RUNS $qemu -M microvm,pit=on -accel kvm -cpu host -m 64M \
	-kernel $image -nodefaults -no-user-config -display none -no-reboot \
	-device isa-debug-exit,iobase=0x501,iosize=1)"
i=0
while [ \$i -lt $RUNS ]; do
	$PWD/$B/bin/husk-vmm --cmdline husk.boottime $image 2>&1 | sed -n 's/^husk: boot: \([0-9]*\) ns.*/guest_ns \1/p'
	i=\$((i + 1))
done
EOF

if [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; then
	env="host KVM"
	out=$(sh "$B/bench/inner.sh")
else
	env="nested KVM (Linux guest under QEMU TCG, emulated SVM)"
	out=$(scripts/nested-kvm/run.sh --mem 1G --timeout 1200 \
		--file "$B/bench/timeit" --file "$B/bench/kvm-floor" \
		--file "$B/bin/husk-vmm" --file "$image" --file "$B/bench/inner.sh" \
		--file "$B/husk.elf" --file "$B/tests/rootfs.cpio" \
		--file "$qemu" --file /usr/share/qemu/bios-microvm.bin \
		--file /usr/share/qemu/pvh.bin --file /usr/share/qemu/qboot.rom \
		-- sh "$PWD/$B/bench/inner.sh")
fi

field() { sed -n "s/^$1 .* $2 \([0-9]*\).*/\1/p" <<<"$out"; }
floor=$(field floor median_us)
vmm=$(field husk-vmm median_us)
loader=$(field loader median_us)
qemu_us=$(field qemu-microvm median_us)
rss=$(field husk-vmm max_rss_kib)
guest=$(sed -n 's/^guest_ns //p' <<<"$out" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
tcg=
[ "$QEMU" = 1 ] && tcg=$("$B/bench/timeit" "$RUNS" scripts/qemu-run.sh --accel tcg "$image" || true)
tcg=$(sed -n 's/.*median_us \([0-9]*\).*/\1/p' <<<"$tcg")
size=$(stat -c %s "$B/examples/hello.elf")

echo "date:        $(date -u +%Y-%m-%d)"
echo "machine:     $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(uname -r)"
echo "environment: $env; $RUNS runs each, medians"
echo "KVM floor (create VM + vCPU, 3 instructions):  $floor us"
echo "husk-vmm hello, process start to exit:        $vmm us  ($(awk "BEGIN {printf \"%.2f\", $vmm / $floor}")x the floor)"
echo "static musl hello through husk.elf's loader:  $loader us  ($(awk "BEGIN {printf \"%.2f\", $loader / $floor}")x the floor)"
[ -n "$qemu_us" ] &&
echo "QEMU microvm hello on the same KVM:            $qemu_us us  ($(awk "BEGIN {printf \"%.2f\", $qemu_us / $vmm}")x husk-vmm)"
[ -n "$tcg" ] && echo "QEMU microvm hello on host TCG (reference):    $tcg us"
echo "guest first instruction to main (husk-vmm):   $((guest / 1000)) us  ($guest ns)"
echo "husk-vmm peak RSS:                             $rss KiB"
echo "hello image size:                              $size bytes"
printf '%s\n' "$out" | grep -v '^guest_ns' | sed 's/^/raw: /'
