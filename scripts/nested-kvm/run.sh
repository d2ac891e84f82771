#!/bin/bash
# run.sh - run a command inside a QEMU/TCG Linux guest that has /dev/kvm.
#
# This machine (and CI) has no /dev/kvm. QEMU's TCG emulates an AMD CPU with
# SVM and nested paging, so the Debian kernel's kvm_amd module can bring up
# /dev/kvm inside a software-emulated guest. This script boots such a guest
# from a small initramfs and runs one command in it.
#
# Usage:
#   scripts/nested-kvm/run.sh [--timeout SECONDS] [--mem SIZE] [--cpu MODEL]
#                             [--file HOSTPATH]... -- CMD [ARGS...]
#   scripts/nested-kvm/run.sh [options] --selftest   # kvmcheck in the guest
#   scripts/nested-kvm/run.sh --check   # prepare the cache; 0 when usable
#
#   --file HOSTPATH  copy HOSTPATH into the guest at the same absolute path;
#                    for a dynamic ELF also its shared libraries and loader.
#   --timeout S      wall-clock limit for the whole guest run (default 120).
#   --mem SIZE       guest memory, QEMU syntax (default 512M).
#   --cpu MODEL      QEMU -cpu value (default: see CPU below).
#
# CMD runs as root in the guest with stdin from /dev/null, in the same working
# directory as on the host (created empty if no --file put anything there).
# Of this script's environment only the sanitizers' options reach it
# (ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS, when set, less log_path: the
# ASan build of husk-vmm, see scripts/test-asan.sh).
# Its stdout and stderr come back on this script's stdout and stderr (kept
# apart, streamed live), and the script exits with CMD's exit status.
#
# Exit statuses of the script itself (CMD's own status is passed through, so
# a CMD that exits 2..6 is indistinguishable; the script's own failures also
# print a line starting with "nested-kvm:" on stderr):
#   2  usage error, or preparing the kernel/initramfs failed
#   3  qemu-system-x86_64 is missing (apt-get install qemu-system-x86)
#   4  nested KVM could not be brought up in the guest (kvm_amd did not load
#      or /dev/kvm is missing); the guest's dmesg tail is printed
#   5  timeout: the guest did not finish in time; qemu was killed
#   6  the guest ended without reporting CMD's status (kernel panic, OOM...);
#      the tail of the guest console is printed
#
# Cache (under build/nested/ in the repo root): kernel, base.cpio (busybox,
# /init, kvm modules), kvmcheck, console.log (guest console of the last run).
# Delete build/nested/ to rebuild it; set NESTED_KVM_KERNEL_PKG to pick a
# specific linux-image-* package.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$ROOT/scripts/nested-kvm
B=$ROOT/build/nested
# qemu64 is AMD-flavoured ("AuthenticAMD"), which kvm_amd requires, and
# already has svm; +npt adds nested paging (without it kvm_amd still loads
# but falls back to shadow paging). TCG implements both.
CPU=qemu64,+svm,+npt
# Kernel modules in base.cpio: loaded at boot, and for network tests
# (veth pairs, tc ingress redirects between a veth and a TAP, as
# husk-runtime plugs a guest in), loaded by those tests from the list
# /nested/modules-net. A change here rebuilds the cache.
BOOT_MODULES="kvm_amd tun tcp_diag"
NET_MODULES="veth sch_ingress cls_u32 act_mirred"
TIMEOUT=120
MEM=512M
FILES=()
SELFTEST=
CHECK=

die() { echo "nested-kvm: $2" >&2; exit "$1"; }

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || die 2 "--timeout needs a value"; TIMEOUT=$2; shift 2 ;;
	--mem) [ $# -ge 2 ] || die 2 "--mem needs a value"; MEM=$2; shift 2 ;;
	--cpu) [ $# -ge 2 ] || die 2 "--cpu needs a value"; CPU=$2; shift 2 ;;
	--file) [ $# -ge 2 ] || die 2 "--file needs a value"; FILES+=("$2"); shift 2 ;;
	--selftest) SELFTEST=1; shift ;;
	--check) CHECK=1; shift ;;
	--) shift; break ;;
	*) die 2 "unknown argument '$1' (usage: run.sh [--timeout S] [--mem SIZE] [--file PATH]... -- CMD [ARGS...])" ;;
	esac
done
if [ -n "$SELFTEST" ]; then
	[ $# -eq 0 ] || die 2 "--selftest takes no command"
	FILES+=("$B/kvmcheck")
	set -- "$B/kvmcheck"
fi
[ $# -gt 0 ] || [ -n "$CHECK" ] || die 2 "no command given (usage: run.sh [options] -- CMD [ARGS...])"
case $TIMEOUT in '' | *[!0-9]*) die 2 "--timeout must be a whole number of seconds" ;; esac
command -v qemu-system-x86_64 >/dev/null ||
	die 3 "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
for t in cpio busybox timeout; do
	command -v $t >/dev/null || die 2 "$t not found (apt-get install cpio busybox-static coreutils)"
done

# ---------------------------------------------------------------------------
# One-time preparation of the cached kernel and base initramfs.

# Print the paths of the module files that module NAME needs, itself last
# and its dependencies (recursively) first; duplicates are removed later. The .deb ships no modules.dep (depmod makes
# it at install time), so read the "depends=" field of each module's .modinfo
# section instead.
unpack() { # print module file $1, decompressed
	case $1 in *.xz) xz -dc "$1" ;; *.zst) zstd -dc "$1" ;; *) cat "$1" ;; esac
}
mod_order() { # TREE NAME
	local f dep d
	f=$(find "$1" -name "$2.ko*" -o -name "$(echo "$2" | tr _ -).ko*" | head -n 1)
	[ -n "$f" ] || { echo "nested-kvm: module $2 not found" >&2; return 1; }
	dep=$(unpack "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | tr , ' ')
	for d in $dep; do mod_order "$1" "$d"; done
	echo "$f"
}

prepare() {
	local pkg tmp st f n
	pkg=${NESTED_KVM_KERNEL_PKG:-}
	if [ -z "$pkg" ]; then
		# The versioned package behind the linux-image-amd64 metapackage.
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-6[^ ]*\).*/\1/p' | head -n 1)
		if [ -z "$pkg" ]; then
			apt-get update -qq >&2 || true
			pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-6[^ ]*\).*/\1/p' | head -n 1)
		fi
		[ -n "$pkg" ] || { echo "nested-kvm: cannot find the linux-image-6.x package behind linux-image-amd64" >&2; return 1; }
	fi
	echo "nested-kvm: preparing $pkg kernel and initramfs in $B (once)" >&2
	tmp=$B/prep.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp/deb" "$tmp/root"
	# apt-get download writes into the current directory; _apt cannot write
	# to some build dirs, hence the harmless "unsandboxed" warning filter.
	# A stale package list can name a version the mirror no longer has:
	# then update the list and try once more.
	for n in 1 2; do
		(cd "$tmp" && apt-get download -q "$pkg" 2>&1 | grep -v unsandboxed >&2) || true
		f=$(find "$tmp" -maxdepth 1 -name 'linux-image-*.deb' | head -n 1)
		[ -n "$f" ] || [ $n = 2 ] || apt-get update -qq >&2 || true
		[ -z "$f" ] || break
	done
	[ -n "$f" ] || { echo "nested-kvm: apt-get download $pkg failed" >&2; return 1; }
	dpkg-deb -x "$f" "$tmp/deb"

	st=$tmp/root
	mkdir -p "$st"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,nested}
	cp "$(command -v busybox)" "$st/bin/busybox"
	for n in $("$st/bin/busybox" --list-full); do
		[ -e "$st/$n" ] || ln -s /bin/busybox "$st/$n"
	done
	# Modules in load order, decompressed so busybox insmod can load them.
	: >"$st/nested/modules"
	# kvm_amd for /dev/kvm; tun for the tests' TAP devices; tcp_diag for
	# ss (which otherwise shows no listen backlogs).
	for f in $(for n in $BOOT_MODULES; do mod_order "$tmp/deb/lib/modules" "$n" || exit 1; done |
		awk '!seen[$0]++'); do
		n=$(basename "$f"); n=${n%.xz}; n=${n%.zst}
		unpack "$f" >"$st/nested/$n"
		echo "$n" >>"$st/nested/modules"
	done
	grep -q kvm-amd "$st/nested/modules"
	# Loaded by the tests that need them (/nested/modules-net, in load
	# order), not at every boot.
	: >"$st/nested/modules-net"
	for f in $(for n in $NET_MODULES; do mod_order "$tmp/deb/lib/modules" "$n" || exit 1; done |
		awk '!seen[$0]++'); do
		n=$(basename "$f"); n=${n%.xz}; n=${n%.zst}
		[ -e "$st/nested/$n" ] && continue
		unpack "$f" >"$st/nested/$n"
		echo "$n" >>"$st/nested/modules-net"
	done
	for n in $NET_MODULES; do grep -q "^$n.ko\$" "$st/nested/modules-net"; done
	cp "$SRC/init" "$st/init"
	chmod 755 "$st/init"
	(cd "$st" && find . | cpio -o -H newc -R 0:0 --quiet) >"$tmp/base.cpio"
	# Boot the uncompressed kernel: QEMU starts an ELF vmlinux through its PVH
	# entry point (Debian has CONFIG_PVH=y), which skips the ~3 s that the
	# bzImage needs to decompress itself under TCG. The xz stream starts at
	# the first xz magic in the bzImage; fall back to the bzImage if absent.
	f=$(ls "$tmp"/deb/boot/vmlinuz-*)
	n=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$f" | head -n 1 | cut -d: -f1)
	if [ -n "$n" ] && tail -c +$((n + 1)) "$f" | xz -dcq --single-stream >"$tmp/vmlinux" 2>/dev/null &&
		[ "$(head -c 4 "$tmp/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		mv "$tmp/vmlinux" "$B/kernel"
	else
		mv "$f" "$B/kernel"
	fi
	mv "$tmp/base.cpio" "$B/base.cpio"
	rm -rf "$tmp"
}

mkdir -p "$B"
# A background subshell, so that set -e stops it at the first failing step
# (bash ignores set -e inside anything tested with || or if). flock
# serialises preparation between concurrent runs.
(
	flock 9
	trap 'rm -rf "$B/prep.tmp"' EXIT
	if [ ! -s "$B/base.cpio" ] || [ ! -s "$B/kernel" ] || [ "$SRC/init" -nt "$B/base.cpio" ] ||
		[ "$(cat "$B/modules.list" 2>/dev/null)" != "$BOOT_MODULES / $NET_MODULES" ]; then
		prepare
		echo "$BOOT_MODULES / $NET_MODULES" >"$B/modules.list"
	fi
	if [ ! -x "$B/kvmcheck" ] || [ "$SRC/kvmcheck.c" -nt "$B/kvmcheck" ]; then
		gcc -static -O2 -Wall -o "$B/kvmcheck" "$SRC/kvmcheck.c"
	fi
) 9>"$B/.lock" &
wait $! || die 2 "preparing $B failed"
[ -z "$CHECK" ] || exit 0

# ---------------------------------------------------------------------------
# Per-call initramfs: the --file files, their libraries, and the command.

T=$(mktemp -d "${TMPDIR:-/tmp}/nested-kvm.XXXXXX")
QPID=
cleanup() {
	trap '' INT TERM # a second signal must not cut the cleanup short
	[ -z "$QPID" ] || kill "$QPID" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
st=$T/root
mkdir -p "$st/nested"

# Copy host path $1 (following symlinks) to the same path in the guest.
put() {
	mkdir -p "$st$(dirname "$1")"
	cp -L "$1" "$st$1"
}
for f in ${FILES[@]+"${FILES[@]}"}; do
	[ -f "$f" ] || die 2 "--file $f: no such file"
	f=$(realpath -s "$f")
	put "$f"
	# Dynamic ELF: add every absolute path ldd names (libraries, loader).
	if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		for l in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true); do put "$l"; done
		if ldd "$f" 2>/dev/null | grep -q 'not found'; then
			echo "nested-kvm: warning: $f has missing libraries:" >&2
			ldd "$f" | grep 'not found' >&2
		fi
	fi
done
# The command and working directory, as single-quoted shell words.
q() { printf "'%s' " "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
	# Less any log_path: its directory is the host's; in here the
	# reports go to standard error.
	for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		[ -z "${!v:-}" ] || printf 'export %s=%s\n' "$v" \
			"$(q "$(sed -E 's/(^|:)log_path=[^:]*//; s/^://' <<<"${!v}")")"
	done
	printf 'cd %s 2>/dev/null || cd /\n' "$(q "$PWD")"
	printf 'set -- '
	for a in "$@"; do q "$a"; done
	echo
} >"$st/nested/cmd"
mkdir -p "$st$PWD"
# The kernel unpacks concatenated cpio archives in order.
{ cat "$B/base.cpio"; (cd "$st" && find . | cpio -o -H newc -R 0:0 --quiet); } >"$T/initrd"

# ---------------------------------------------------------------------------
# Boot. Serial ports: ttyS0 console (kernel log), ttyS1 CMD stdout,
# ttyS2 CMD stderr, ttyS3 status lines from /init. stdout/stderr go through
# FIFOs so they stream live.
mkfifo "$T/out" "$T/err"
cat "$T/out" &
cat "$T/err" >&2 &
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu "$CPU" -smp 1 -m "$MEM" \
	-nodefaults -nographic -monitor none -no-reboot \
	-kernel "$B/kernel" -initrd "$T/initrd" \
	-append "console=ttyS0 quiet panic=-1" \
	-serial "file:$T/console" -serial "file:$T/out" \
	-serial "file:$T/err" -serial "file:$T/status" </dev/null 2>"$T/qemu.log" &
QPID=$!
rc=0
wait $QPID || rc=$?
QPID=
# If qemu died before opening a FIFO, its cat would still block in open():
# opening the FIFO read-write (never blocks) and closing it gives that cat EOF.
: <>"$T/out"; : <>"$T/err"
wait # for the two cats to drain the FIFOs
cp "$T/console" "$B/console.log" 2>/dev/null || true

# The status port is a tty in cooked mode: lines end in \r\n.
status=$(tr -d '\r' <"$T/status" 2>/dev/null || true)
case $status in
NOKVM*)
	echo "nested-kvm: nested KVM could not be brought up in the guest (CPU model $CPU); guest dmesg tail:" >&2
	printf '%s\n' "$status" | sed 1d >&2
	exit 4 ;;
"RC "[0-9]*)
	exit "${status#RC }" ;;
esac
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	die 5 "timeout: guest did not finish within ${TIMEOUT}s, qemu killed (guest console: $B/console.log)"
fi
echo "nested-kvm: guest ended without reporting a status (qemu exit $rc); qemu messages and console tail:" >&2
cat "$T/qemu.log" >&2
tail -n 30 "$T/console" >&2 2>/dev/null || true
exit 6
