#!/bin/bash
# Boots a husk image on QEMU through its PVH entry and exits with the
# guest's status, like husk-vmm does.
#
#   scripts/qemu-run.sh [--machine microvm|q35|pc] [--accel kvm|tcg]
#                       [--mem SIZE] [--cmdline STR] [--initrd FILE]
#                       [--no-rewrite] IMAGE [-- ARGS...]
#
# --no-rewrite adds the kernel option husk.no-rewrite: the loader leaves
# the program's system calls alone, so all of them take the slow path.
#
# The guest console is standard output. The accelerator defaults to KVM
# when /dev/kvm can be opened, else TCG; the first line on standard error
# says which ("qemu-run: microvm on tcg"). isa-debug-exit keeps only 7 bits
# of a status, so the guest also writes "husk-exit N" to isa-debugcon, and
# that is what we exit with. Exit 125 when QEMU ends without it.
set -u
machine=microvm accel= mem=64M cmdline= initrd= norewrite=
while [ $# -gt 0 ]; do
	case $1 in
	--machine) machine=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--no-rewrite) norewrite=1; shift ;;
	-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
	-*) echo "qemu-run: unknown option $1" >&2; exit 125 ;;
	*) break ;;
	esac
done
[ -n "$norewrite" ] && cmdline="${cmdline:+$cmdline }husk.no-rewrite"
image=${1:?usage: qemu-run.sh [options] IMAGE [-- ARGS...]}
shift
if [ "${1:-}" = "--" ]; then
	shift
	args=
	for a in "$@"; do
		case $a in
		*[\ \	\"\\]*) a=${a//\\/\\\\}; a="\"${a//\"/\\\"}\"" ;;
		esac
		args="$args $a"
	done
	cmdline="$cmdline --$args"
fi
[ -r "$image" ] || { echo "qemu-run: $image: cannot read" >&2; exit 125; }
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "qemu-run: qemu-system-x86_64 not installed (scripts/setup.sh)" >&2; exit 125; }

if [ -z "$accel" ]; then
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && : 2>/dev/null </dev/kvm; then
		accel=kvm
	else
		accel=tcg
	fi
fi
case $accel in
kvm) cpu=host,-arch-capabilities ;; # plain "host" aborts under PVM
*) cpu=max ;;
esac
case $machine in
microvm) mopt=microvm,pit=on,rtc=on ;;
*) mopt=$machine ;;
esac
echo "qemu-run: $machine on $accel" >&2

status=$(mktemp)
trap 'rm -f "$status"' EXIT
qemu=(qemu-system-x86_64 -M "$mopt" -accel "$accel" -cpu "$cpu" -m "$mem"
	-kernel "$image" -append "$cmdline" -nodefaults -no-user-config
	-display none -no-reboot
	-chardev stdio,id=con,signal=off -serial chardev:con
	-chardev file,id=st,path="$status"
	-device isa-debugcon,iobase=0x402,chardev=st
	-device isa-debug-exit,iobase=0x501,iosize=1)
[ -n "$initrd" ] && qemu+=(-initrd "$initrd")
"${qemu[@]}" </dev/null
rc=$?
# SeaBIOS (q35/pc) logs to the same port: the last husk-exit line counts.
guest=$(grep -a '^husk-exit [0-9]*$' "$status" | tail -n 1 | cut -d' ' -f2)
if [ -z "$guest" ]; then
	echo "qemu-run: QEMU exited with $rc without a guest exit status" >&2
	exit 125
fi
exit "$guest"
