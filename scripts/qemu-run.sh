#!/bin/bash
# Boots a husk image on QEMU through its PVH entry and exits with the
# guest's status, like husk-vmm does.
#
#   scripts/qemu-run.sh [--machine microvm|q35|pc] [--accel kvm|tcg]
#                       [--mem SIZE] [--cmdline STR] [--initrd FILE]
#                       [--no-rewrite] [--net SPEC] [--qmp SOCKET]
#                       IMAGE [-- ARGS...]
#
# --no-rewrite adds the kernel option husk.no-rewrite: the loader leaves
# the program's system calls alone, so all of them take the slow path.
#
# --net SPEC attaches a virtio-net NIC to QEMU's network backend SPEC, as
# -netdev takes it without the id (for example
# "user,hostfwd=tcp:127.0.0.1:8080-:80"): virtio-mmio on microvm, modern
# virtio-pci (legacy off) on q35 and pc. The guest configures itself with
# DHCP unless its command line says ip=. The netdev's id is n0.
#
# --qmp SOCKET: QEMU's QMP monitor on that Unix socket (tests use it to
# take the NIC's link down and up: set_link n0).
#
# The guest console is standard output. The accelerator defaults to KVM
# when /dev/kvm can be opened, else TCG; the first line on standard error
# says which ("qemu-run: microvm on tcg"). isa-debug-exit keeps only 7 bits
# of a status, so the guest also writes "husk-exit N" to isa-debugcon, and
# that is what we exit with. Exit 125 when QEMU ends without it.
set -u
machine=microvm accel= mem=64M cmdline= initrd= norewrite= net= qmp=
while [ $# -gt 0 ]; do
	case $1 in
	--machine) machine=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--no-rewrite) norewrite=1; shift ;;
	--net) net=$2; shift 2 ;;
	--qmp) qmp=$2; shift 2 ;;
	-h|--help) sed -n '2,26p' "$0"; exit 0 ;;
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
# microvm describes its virtio-mmio devices on the kernel command line
# only without ACPI (husk reads no ACPI tables), and speaks virtio 1.x
# over mmio only when told to.
nic=()
if [ -n "$net" ]; then
	case $machine in
	microvm)
		mopt=$mopt,acpi=off
		nic=(-global virtio-mmio.force-legacy=false
			-device virtio-net-device,netdev=n0) ;;
	*) nic=(-device virtio-net-pci,disable-legacy=on,netdev=n0) ;;
	esac
	nic=(-netdev "$net,id=n0" "${nic[@]}")
fi
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
qemu+=("${nic[@]}")
[ -n "$qmp" ] && qemu+=(-qmp "unix:$qmp,server=on,wait=off")
# In the background, so that a SIGTERM or SIGINT sent to this script
# (a test's timeout, its clean-up) ends QEMU too.
"${qemu[@]}" </dev/null &
qpid=$!
trap 'kill "$qpid" 2>/dev/null' TERM INT HUP
while :; do
	wait "$qpid"
	rc=$?
	kill -0 "$qpid" 2>/dev/null || break # else a signal cut the wait short
done
# SeaBIOS (q35/pc) logs to the same port: the last husk-exit line counts.
guest=$(grep -a '^husk-exit [0-9]*$' "$status" | tail -n 1 | cut -d' ' -f2)
if [ -z "$guest" ]; then
	echo "qemu-run: QEMU exited with $rc without a guest exit status" >&2
	exit 125
fi
exit "$guest"
