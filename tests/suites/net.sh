#!/bin/bash
# The guest's network on QEMU (issue 4), run by tests/run.sh with BUILD
# set: the virtio-net driver over virtio-mmio (microvm) and modern
# virtio-pci (q35), lwIP, DHCP and the /etc files, with QEMU's user-mode
# networking (slirp; the guest is 10.0.2.15, the host 10.0.2.2):
#   - curl reaches tests/progs/httpd through a forwarded port;
#   - 1,000 sequential connections, 200 open at once, a client that never
#     reads and one that closes mid-transfer: httpd keeps answering and its
#     count of open descriptors (/stats) is the same before and after;
#   - datagrams come back from udpecho;
#   - netclient (musl and glibc) fetches a page from a server on the
#     host's 127.0.0.1, by a name /etc/hosts gives (add-host=);
#   - static configuration (ip=, gw=, dns=, hostname=) and the files it
#     writes, a bad option, and a network without a DHCP server.
# The host-side clients are tests/suites/net_clients.py. Every wait is
# bounded; the guests are killed on exit. BACKENDS (as for tests/run.sh)
# picks the machines. Under TCG the whole suite takes a minute or two; it
# prints its time.
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
case $B in /*) BD=$B ;; *) BD=$PWD/$B ;; esac
SUITE=net
# shellcheck source=tests/suites/common.bash
. tests/suites/common.bash
T=$(mktemp -d /tmp/husk-net-XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
START=$SECONDS
CLIENTS=tests/suites/net_clients.py
IMAGE=$BD/husk.elf
CPIO=$BD/tests/rootfs.cpio
BOOT_WAIT=120 # seconds for a guest to start listening (TCG, a busy host)

for t in qemu-system-x86_64 curl python3; do
	if ! command -v $t >/dev/null; then
		skip "all" "$t is not installed (scripts/setup.sh installs it)"
		exit 0
	fi
done
for f in "$IMAGE" "$CPIO"; do
	if [ ! -f "$f" ]; then
		bad "all" "$f was not built"
		exit 0
	fi
done

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# boot MACHINE LOG NET CMDLINE ARGS...: a guest in the background running
# ARGS, its QMP monitor on LOG.qmp; its pid in BOOTED.
boot() {
	local m=$1 log=$2 net=$3 cmdline=$4
	shift 4
	scripts/qemu-run.sh --machine "$m" --net "$net" ${cmdline:+--cmdline "$cmdline"} \
		--qmp "$log.qmp" --initrd "$CPIO" "$IMAGE" -- "$@" >"$log" 2>&1 &
	BOOTED=$!
	PIDS+=("$BOOTED")
}

# listening LOG PID: until the guest prints "listening on"; 1 when it
# ended first or BOOT_WAIT passed.
listening() {
	local end=$((SECONDS + BOOT_WAIT))
	until grep -q '^listening on' "$1"; do
		kill -0 "$2" 2>/dev/null && [ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

# finished PID SECONDS: waits for a guest to end by itself; its status,
# or 124 (and it is killed) when it did not in time.
finished() {
	local end=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		if [ $SECONDS -ge $end ]; then
			kill "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			return 124
		fi
		sleep 0.2
	done
	wait "$1"
}

stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

accel_of() {
	sed -n 's/^qemu-run: [a-z0-9]* on //p' "$1" | head -n 1
}

last_lines() {
	tail -n 4 "$1" | tr '\n' ' '
}

# ---- httpd: curl, sequential, concurrent, stalled clients ----

http_checks() {
	local m=$1 lib=$2 port log=$T/$1-httpd.log pid label body before n
	port=$(free_port)
	boot "$m" "$log" "user,hostfwd=tcp:127.0.0.1:$port-:80" "" /bin/httpd-$lib 80
	pid=$BOOTED
	if ! listening "$log" "$pid"; then
		bad "qemu $m: httpd-$lib starts" "$(last_lines "$log")"
		stop "$pid"
		return
	fi
	label="qemu $m $(accel_of "$log")"
	body=$(curl -s --max-time 30 "http://127.0.0.1:$port/")
	if grep -q 'hello from husk' <<<"$body"; then
		ok "$label: curl from the host reaches httpd-$lib through hostfwd"
	else
		bad "$label: curl from the host reaches httpd-$lib through hostfwd" "got '$body'"
	fi
	before=$(python3 "$CLIENTS" stats "$port")
	n=$(curl -s --max-time 300 -o /dev/null -w '%{http_code}\n' \
		"http://127.0.0.1:$port/?[1-1000]" | grep -c '^200$')
	if [ "$n" = 1000 ] && [ "$(python3 "$CLIENTS" stats "$port")" = "$before" ]; then
		ok "$label: 1000 sequential connections answered, no descriptor leaked"
	else
		bad "$label: 1000 sequential connections answered, no descriptor leaked" \
			"$n answered; open fds $before before, $(python3 "$CLIENTS" stats "$port") after"
	fi
	expect "$label: 200 connections open at once, all answered, none leaked" 0 \
		'^200 of 200 answered' timeout 300 python3 "$CLIENTS" concurrent "$port" 200
	expect "$label: a client that never reads and one that closes mid-transfer" 0 \
		'served while blocked: True' timeout 300 python3 "$CLIENTS" stalled "$port"
	body=$(curl -s --max-time 30 "http://127.0.0.1:$port/")
	if grep -q 'hello from husk' <<<"$body" && kill -0 "$pid" 2>/dev/null; then
		ok "$label: httpd still serves after all that"
	else
		bad "$label: httpd still serves after all that" "$(last_lines "$log")"
	fi
	link_checks "$label" "$log" "$port"
	stop "$pid"
}

# The link taken down and up from QEMU's monitor: the device's
# configuration-change interrupt reaches the driver, which tells lwIP (and
# says so on the console); the address survives.
link_checks() {
	local label=$1 log=$2 port=$3 state body
	for state in down up; do
		if ! python3 "$CLIENTS" link "$log.qmp" $state >"$T/qmp.out" 2>&1; then
			bad "$label: link $state from QEMU's monitor" "$(cat "$T/qmp.out")"
			return
		fi
		if ! until_seen 30 "husk: net: .*: link $state\$" "$log"; then
			bad "$label: the driver sees the link go $state" "$(last_lines "$log")"
			return
		fi
	done
	body=$(curl -s --max-time 30 "http://127.0.0.1:$port/")
	if grep -q 'hello from husk' <<<"$body"; then
		ok "$label: link down and up seen by the driver (configuration interrupt), httpd serves again"
	else
		bad "$label: httpd serves again after the link came back" "got '$body'"
	fi
}

# until_seen SECONDS ERE FILE: until a line of FILE matches.
until_seen() {
	local end=$((SECONDS + $1))
	until grep -Eq "$2" "$3"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

# ---- UDP ----

udp_checks() {
	local m=$1 lib=$2 port log=$T/$1-udp.log pid out rc
	port=$(free_port)
	boot "$m" "$log" "user,hostfwd=udp:127.0.0.1:$port-:7" "" /bin/udpecho-$lib 7
	pid=$BOOTED
	if ! listening "$log" "$pid"; then
		bad "qemu $m: udpecho-$lib starts" "$(last_lines "$log")"
		stop "$pid"
		return
	fi
	out=$(timeout 120 python3 "$CLIENTS" udp "$port" 20 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		ok "qemu $m $(accel_of "$log"): UDP datagrams echoed by udpecho-$lib, up to 1.6 KiB (fragments): $out"
	else
		bad "qemu $m: UDP datagrams echoed by udpecho-$lib" "$out $(last_lines "$log")"
	fi
	stop "$pid"
}

# ---- guest to host ----

client_checks() {
	local m=$1 lib out rc log
	for lib in musl glibc; do
		log=$T/$m-netclient-$lib.log
		boot "$m" "$log" user "add-host=hostbox:10.0.2.2" \
			/bin/netclient-$lib hostbox "$WEB_PORT" /page.txt
		finished "$BOOTED" "$BOOT_WAIT"
		rc=$?
		if [ $rc = 0 ] && grep -qx "$WEB_TEXT" "$log"; then
			ok "qemu $m $(accel_of "$log"): netclient-$lib fetches a page from the host by an /etc/hosts name"
		else
			bad "qemu $m: netclient-$lib fetches a page from the host by an /etc/hosts name" \
				"status $rc: $(last_lines "$log")"
		fi
	done
}

# ---- configuration ----

config_checks() {
	local m=$1 log=$T/$1-config.log rc want
	local opts="ip=10.0.2.20/24 gw=10.0.2.2 dns=10.0.2.3 dns=192.0.2.53 hostname=web add-host=hostbox:10.0.2.2"
	boot "$m" "$log" user "$opts" /bin/busybox cat /etc/hostname /etc/hosts /etc/resolv.conf \
		/proc/sys/kernel/hostname
	finished "$BOOTED" "$BOOT_WAIT"
	rc=$?
	want=$'web\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.2.20\tweb\n10.0.2.2\thostbox\nnameserver 10.0.2.3\nnameserver 192.0.2.53\nweb'
	if [ $rc = 0 ] && [ "$(grep -v '^qemu-run' "$log")" = "$want" ]; then
		ok "qemu $m $(accel_of "$log"): static ip=, gw=, dns=, hostname= and add-host= written to /etc as Docker does (and /proc/sys/kernel/hostname)"
	else
		bad "qemu $m: static configuration written to /etc" "status $rc: $(last_lines "$log")"
	fi
	log=$T/$m-hostname.log
	boot "$m" "$log" user "hostname=web" /bin/busybox hostname
	finished "$BOOTED" "$BOOT_WAIT"
	rc=$?
	if [ $rc = 0 ] && [ "$(grep -v '^qemu-run' "$log")" = web ]; then
		ok "qemu $m $(accel_of "$log"): hostname= is the name gethostname gives"
	else
		bad "qemu $m: hostname= is the name gethostname gives" "status $rc: $(last_lines "$log")"
	fi
	log=$T/$m-static.log
	boot "$m" "$log" user "ip=10.0.2.20/24 gw=10.0.2.2 add-host=hostbox:10.0.2.2" \
		/bin/netclient-musl hostbox "$WEB_PORT" /page.txt
	finished "$BOOTED" "$BOOT_WAIT"
	rc=$?
	if [ $rc = 0 ] && grep -qx "$WEB_TEXT" "$log"; then
		ok "qemu $m $(accel_of "$log"): a static address reaches the host through the gateway"
	else
		bad "qemu $m: a static address reaches the host through the gateway" "status $rc: $(last_lines "$log")"
	fi
}

# The option parser and the DHCP wait are the same on every machine:
# checked once.
option_checks() {
	local log=$T/bad-option.log rc
	boot microvm "$log" user "ip=10.0.2.300/24" /bin/hello-musl
	finished "$BOOTED" "$BOOT_WAIT"
	rc=$?
	if [ $rc = 126 ] && grep -q '^husk: kernel option ip=10.0.2.300/24: expected ip=dhcp or ip=ADDRESS/PREFIX' "$log"; then
		ok "qemu microvm: a bad ip= is refused with a message naming it, status 126"
	else
		bad "qemu microvm: a bad ip= is refused with a message naming it, status 126" \
			"status $rc: $(last_lines "$log")"
	fi
	log=$T/no-dhcp.log
	boot microvm "$log" hubport,hubid=1 "" /bin/busybox cat /etc/hosts
	finished "$BOOTED" "$BOOT_WAIT"
	rc=$?
	if [ $rc = 0 ] && grep -q '^husk: net: no DHCP lease after 3 s' "$log" &&
		grep -q '^127.0.1.1	husk$' "$log"; then
		ok "qemu microvm: without a DHCP server the program starts after 3 s, with a warning"
	else
		bad "qemu microvm: without a DHCP server the program starts after 3 s, with a warning" \
			"status $rc: $(last_lines "$log")"
	fi
}

# A page on the host's loopback, which the guest reaches as 10.0.2.2.
mkdir -p "$T/www"
WEB_TEXT="a page from the host, $$ $RANDOM"
echo "$WEB_TEXT" >"$T/www/page.txt"
WEB_PORT=$(free_port)
(cd "$T/www" && exec python3 -m http.server --bind 127.0.0.1 "$WEB_PORT") >"$T/web.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 50); do
	curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$WEB_PORT/page.txt" && break
	sleep 0.1
done

machines=0
for m in ${BACKENDS:-microvm q35}; do
	case $m in
	microvm) lib=musl ;;
	q35) lib=glibc ;;
	*) continue ;;
	esac
	machines=$((machines + 1))
	http_checks "$m" "$lib"
	udp_checks "$m" "$lib"
	client_checks "$m"
	config_checks "$m"
done
[[ " ${BACKENDS:-microvm} " == *" microvm "* ]] && option_checks
[ $machines = 0 ] && skip "all" "BACKENDS='${BACKENDS:-}' selects neither microvm nor q35"
echo "net: the suite took $((SECONDS - START)) s"
