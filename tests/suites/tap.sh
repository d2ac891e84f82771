#!/bin/bash
# husk-vmm's --net tap:NAME (issue 4), run by tests/run.sh with BUILD set.
# In a network namespace of its own, a TAP device whose host side is
# 192.168.100.1/24; husk-vmm attaches to it and boots tests/progs/httpd
# with the static address 192.168.100.2 (ip=, gw=); from the namespace,
# curl fetches its page and a 1 MiB reply, ping gets ICMP echo replies,
# and from outside it the guest is unreachable. Then the guest is
# stopped, the TAP and the namespace deleted, and nothing may be left.
# husk-vmm's errors: no such device, a device that is not a TAP, a TAP
# already in use.
#
# It needs root and a real KVM: /dev/kvm when it is usable, else the
# Linux guest under QEMU TCG of scripts/nested-kvm (which has KVM and the
# tun module), into which the host's iproute2 `ip` is copied (busybox's
# lacks tuntap and netns). The same file runs the checks there:
#   tap.sh --inside LABEL IP CURL VMM IMAGE CPIO
set -u
cd "$(dirname "$0")/../.."
SUITE=tap
# shellcheck source=tests/suites/common.bash
. tests/suites/common.bash

NET=192.168.100
BOOT_WAIT=90 # seconds for httpd to listen (nested KVM under TCG, a busy host)

# ---- the checks, where KVM is (the host or the nested guest) ----

# until_listening LOG PID: until httpd says so; 1 when it ended first or
# BOOT_WAIT passed.
until_listening() {
	local end=$((SECONDS + BOOT_WAIT))
	until grep -q '^listening on' "$1"; do
		kill -0 "$2" 2>/dev/null && [ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

# stop_guest PID SECONDS: SIGTERM, which husk-vmm passes to the program;
# its status, or 124 (and it is killed) when it did not end in time.
stop_guest() {
	local end=$(($2 + SECONDS))
	kill -TERM "$1" 2>/dev/null
	while kill -0 "$1" 2>/dev/null; do
		if [ $SECONDS -ge $end ]; then
			kill -KILL "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			return 124
		fi
		sleep 0.2
	done
	wait "$1"
}

# The guest's page, a long reply, ICMP echo, and no way in from outside.
traffic_checks() {
	local l=$1 body n out
	body=$("$IP" netns exec "$NS" "$CURL" -sS --max-time 30 "http://$NET.2/" 2>&1)
	if grep -q 'hello from husk' <<<"$body"; then
		ok "$l: curl in the namespace gets httpd's page from $NET.2"
	else
		bad "$l: curl in the namespace gets httpd's page from $NET.2" "got '$body'"
	fi
	# httpd's /big is that many bytes of 'x'.
	"$IP" netns exec "$NS" "$CURL" -sS --max-time 60 -o "$LOG.big" "http://$NET.2/big?1048576"
	n=$(wc -c <"$LOG.big")
	if [ "$n" = 1048576 ] && [ "$(tr -d x <"$LOG.big" | wc -c)" = 0 ]; then
		ok "$l: a 1 MiB reply arrives whole over the TAP"
	else
		bad "$l: a 1 MiB reply arrives whole over the TAP" "$n bytes, $(tr -d x <"$LOG.big" | wc -c) of them not 'x'"
	fi
	if ! command -v ping >/dev/null; then
		skip "$l: ping $NET.2" "no ping program here"
	else
		out=$("$IP" netns exec "$NS" ping -c 3 -W 10 "$NET.2" 2>&1)
		if [ $? = 0 ] && grep -Eq '3 (packets )?received' <<<"$out"; then
			ok "$l: ping $NET.2: 3 ICMP echo replies"
		else
			bad "$l: ping $NET.2: 3 ICMP echo replies" "$(tail -n 2 <<<"$out" | tr '\n' ' ')"
		fi
	fi
	# A host whose own network routes there could reach something else.
	if "$IP" route get "$NET.2" >/dev/null 2>&1; then
		skip "$l: outside the namespace the guest is unreachable" \
			"this machine routes $NET.2 itself"
	elif "$CURL" -s --max-time 5 -o /dev/null "http://$NET.2/"; then
		bad "$l: outside the namespace the guest is unreachable" "curl got an answer"
	else
		ok "$l: outside the namespace the guest is unreachable"
	fi
}

# The namespace NS with tap0 at .1; lo up for ping's sake. /run is where
# ip keeps named namespaces (the nested guest's initramfs has none).
make_tap() {
	mkdir -p /run &&
		"$IP" netns add "$NS" &&
		"$IP" -n "$NS" tuntap add dev tap0 mode tap &&
		"$IP" -n "$NS" addr add "$NET.1/24" dev tap0 &&
		"$IP" -n "$NS" link set tap0 up &&
		"$IP" -n "$NS" link set lo up
}

# Deletes what a check that stopped early left behind.
cleanup_inside() {
	[ -z "$GUEST" ] || kill -KILL "$GUEST" 2>/dev/null
	"$IP" netns del "$NS" 2>/dev/null
	rm -f "$LOG" "$LOG.big"
}

# Every check, in the order a user would meet them.
inside() {
	local l=$1 rc left pid err
	IP=$2 CURL=$3 VMM=$4 IMAGE=$5 CPIO=$6
	NS=husk-tap-$$
	LOG=$(mktemp /tmp/husk-tap-XXXXXX)
	GUEST=
	trap cleanup_inside EXIT
	expect "$l: --net tap:nosuch is refused with the device's name" 123 \
		'^husk-vmm: --net tap:nosuch: there is no network device nosuch' \
		timeout 60 "$VMM" --net tap:nosuch "$IMAGE" -- /bin/hello-musl
	if ! err=$(make_tap 2>&1); then
		bad "$l: a namespace with a TAP device" "$err"
		return
	fi
	ok "$l: a namespace $NS with tap0 at $NET.1/24"
	"$IP" netns exec "$NS" "$VMM" --net tap:tap0 --cmdline "ip=$NET.2/24 gw=$NET.1" \
		--initrd "$CPIO" "$IMAGE" -- /bin/httpd-musl 80 >"$LOG" 2>&1 &
	GUEST=$!
	pid=$GUEST
	if until_listening "$LOG" "$pid"; then
		ok "$l: husk-vmm --net tap:tap0 boots httpd (ip=$NET.2/24 gw=$NET.1)"
		traffic_checks "$l"
		expect "$l: a second husk-vmm on tap0 is told it is in use" 123 \
			'^husk-vmm: --net tap:tap0: the TAP device is in use by another program' \
			timeout 60 "$IP" netns exec "$NS" "$VMM" --net tap:tap0 "$IMAGE" -- /bin/hello-musl
	else
		bad "$l: husk-vmm --net tap:tap0 boots httpd (ip=$NET.2/24 gw=$NET.1)" "$(tail -n 5 "$LOG" | tr '\n' ' ')"
	fi
	expect "$l: --net tap:lo is refused: not a TAP device" 123 \
		'^husk-vmm: --net tap:lo: not a TAP device' \
		timeout 60 "$IP" netns exec "$NS" "$VMM" --net tap:lo "$IMAGE" -- /bin/hello-musl
	stop_guest "$pid" 30
	rc=$?
	GUEST=
	if [ $rc = 143 ] && grep -q 'terminated by SIGTERM' "$LOG"; then
		ok "$l: SIGTERM stops the guest (status 143)"
	else
		bad "$l: SIGTERM stops the guest (status 143)" "status $rc: $(tail -n 3 "$LOG" | tr '\n' ' ')"
	fi
	if "$IP" -n "$NS" link show tap0 >/dev/null 2>&1; then
		ok "$l: the TAP outlives the guest (husk-vmm never deletes it)"
	else
		bad "$l: the TAP outlives the guest (husk-vmm never deletes it)" "tap0 is gone"
	fi
	"$IP" -n "$NS" link del tap0 && "$IP" netns del "$NS"
	left=$({
		"$IP" netns list | grep -w "$NS"
		"$IP" link show | grep -w tap0
		[ ! -e "/run/netns/$NS" ] || echo "/run/netns/$NS"
		! kill -0 "$pid" 2>/dev/null || echo "husk-vmm (pid $pid) still runs"
	})
	if [ -z "$left" ]; then
		ok "$l: TAP and namespace deleted, nothing left (ip netns list, ip link)"
	else
		bad "$l: TAP and namespace deleted, nothing left (ip netns list, ip link)" "$left"
	fi
}

if [ "${1:-}" = --inside ]; then
	shift
	inside "$@"
	exit 0
fi

# ---- the host: what is needed, then where to run ----

B=${BUILD:-build}
case $B in /*) BD=$B ;; *) BD=$PWD/$B ;; esac
VMM=$BD/bin/husk-vmm
IMAGE=$BD/husk.elf
CPIO=$BD/tests/rootfs.cpio

case " ${BACKENDS:-vmm} " in
*" vmm "*) ;;
*)
	skip "all" "husk-vmm is not among BACKENDS='$BACKENDS'"
	exit 0
	;;
esac
IP=$(command -v ip)
CURL=$(command -v curl)
if [ -z "$IP" ] || ! "$IP" tuntap help 2>&1 | grep -q 'ip tuntap'; then
	skip "all" "iproute2's ip is not installed (apt-get install iproute2)"
	exit 0
fi
if [ -z "$CURL" ]; then
	skip "all" "curl is not installed (scripts/setup.sh installs it)"
	exit 0
fi
for f in "$VMM" "$IMAGE" "$CPIO"; do
	if [ ! -f "$f" ]; then
		bad "all" "$f was not built"
		exit 0
	fi
done

if [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; then
	if [ "$(id -u)" != 0 ]; then
		skip "all" "needs root (a network namespace and a TAP device)"
		exit 0
	fi
	inside "husk-vmm kvm" "$IP" "$CURL" "$VMM" "$IMAGE" "$CPIO"
	exit 0
fi
if ! why=$(scripts/nested-kvm/run.sh --check 2>&1); then
	skip "all" "/dev/kvm is unusable here and nested KVM is unavailable: $(tail -n 1 <<<"$why")"
	exit 0
fi
out=$(scripts/nested-kvm/run.sh --timeout 300 \
	--file "$VMM" --file "$IMAGE" --file "$CPIO" --file "$PWD/tests/suites/tap.sh" \
	--file "$PWD/tests/suites/common.bash" --file /bin/bash --file "$IP" --file "$CURL" \
	-- /bin/bash "$PWD/tests/suites/tap.sh" --inside "husk-vmm nested-kvm" \
	"$IP" "$CURL" "$VMM" "$IMAGE" "$CPIO" 2>&1)
rc=$?
grep -E '^(PASS|FAIL|SKIP): ' <<<"$out"
if [ $rc != 0 ] || ! grep -Eq '^(PASS|FAIL|SKIP): ' <<<"$out"; then
	bad "husk-vmm nested-kvm: the nested run" "status $rc: $(grep -Ev '^(PASS|FAIL|SKIP): ' <<<"$out" | tail -n 5 | tr '\n' ' ')"
fi
