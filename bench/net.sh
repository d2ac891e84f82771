#!/bin/bash
# Network benchmark (not a test; issue 4): Debian's unmodified nginx and
# redis-server, the very same binaries and libraries (the application
# root filesystem, $BUILD/tests/apps, tests/apps/mkroot.sh), served four
# ways in one run, each server alone:
#
#   native      chrooted into a copy of that tree, on the loopback of a
#               network namespace of its own (the host kernel's loopback,
#               the ceiling; its own namespace so that port 80 and 6379
#               cannot clash with anything else on the machine)
#   runc        in a runc container (an OCI bundle over the same tree) in
#               its own network namespace, reached through a veth pair,
#               as a container engine would run it
#   husk-tap    in husk: husk-vmm --net tap:tap0, the TAP in a network
#               namespace, the guest at a static address (ip=, gw=)
#   husk-slirp  in husk through -p (libslirp): what publishing a port costs
#
# Clients: wrk, 1 thread, 20 connections, keep-alive, the 57-byte
# index.html, --latency; redis-benchmark -c 20 -t set,get. Each RUNS
# times (default 3) after a warm-up; the medians of requests/s and of the
# p99 latency, then the ratios. A run whose client reports errors (non-2xx,
# socket errors, a failed exit), or whose server dies, is shown and left
# out of the medians.
#
# The husk sides need a usable /dev/kvm. Without one they run inside the
# Linux guest of scripts/nested-kvm (QEMU TCG with emulated SVM, one vCPU
# shared by the guest, husk-vmm and the clients), and are labelled
# "nested KVM under TCG (not comparable)": the native and runc figures are
# this host's, those are an emulator's. NESTED=0 skips them instead.
#
# Everything it creates (namespaces, the veth pair, the TAP, servers,
# containers, the temporary directory) is removed on exit, Ctrl-C
# included.
#
#   usage: bench/net.sh [RUNS]          as root (namespaces, runc, chroot)
#   environment: BUILD (default build), DURATION (wrk seconds, 10),
#   REDIS_N (requests per redis-benchmark test, 100000), NESTED_DURATION
#   (10) and NESTED_REDIS_N (5000) for the nested sides, MEM (guest RAM,
#   256M), NESTED (1: run the husk sides nested when KVM is unusable),
#   RUNC_NET and TAP_NET (the /24s used, 10.213.0 and 10.214.0), SIDES
#   (the sides to run, default all four: "native runc husk-tap husk-slirp"),
#   NESTED_TIMEOUT (seconds for the whole nested run, 3600)
set -u
cd "$(dirname "$0")/.."

CONNS=20
NGINX=(/usr/sbin/nginx -e stderr -c /etc/nginx/nginx.conf)
REDIS=(/usr/bin/redis-server --port 6379 --save "" --appendonly no
	--protected-mode no --daemonize no)
UP_WAIT=120 # seconds for a server to answer (a guest under nested TCG)

say() { echo "net.sh: $*" >&2; }
die() { say "$*"; exit 2; }

# ---- measuring (on this host, and inside the nested guest) ----

# client COMMAND...: runs a client into $T/client.out, in the background
# so that Ctrl-C's trap runs at once rather than after it; its status.
client() {
	"$@" >"$T/client.out" 2>&1 &
	CPID=$!
	wait "$CPID"
	local rc=$?
	CPID=
	return $rc
}

# wrk_run SIDE URL CLIENT...: one wrk run; prints
# "RESULT SIDE nginx REQS P99MS", or "FAILED SIDE nginx WHY".
wrk_run() {
	local side=$1 url=$2 out rc
	shift 2
	client "$@" "$WRK" -t1 -c"$CONNS" -d"${DURATION}s" --latency --timeout 10s "$url"
	rc=$?
	out=$(cat "$T/client.out")
	if [ $rc != 0 ] || grep -Eq 'Non-2xx|Socket errors' <<<"$out" ||
		! grep -q '^Requests/sec' <<<"$out"; then
		echo "FAILED $side nginx wrk status $rc: $(grep -E 'Non-2xx|Socket errors' <<<"$out" || tail -n 2 <<<"$out" | tr '\n' ' ')"
		return
	fi
	awk -v side="$side" '
		/^ *99%/ { v = $2
			if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
			else if (v ~ /ms$/) { sub(/ms$/, "", v); v += 0 }
			else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
			p99 = v }
		/^Requests\/sec:/ { rps = $2 }
		END { printf "RESULT %s nginx %s %s\n", side, rps, p99 }' <<<"$out"
}

# redis_run SIDE HOST PORT N CLIENT...: one redis-benchmark run; prints
# "RESULT SIDE redis-set REQS P99MS" and the same for GET, or FAILED.
redis_run() {
	local side=$1 host=$2 port=$3 n=$4 out rc
	shift 4
	client "$@" timeout 900 "$REDIS_BENCH" -h "$host" -p "$port" -c "$CONNS" -n "$n" \
		-t set,get --csv
	rc=$?
	out=$(cat "$T/client.out")
	if [ $rc != 0 ] || grep -qi error <<<"$out" ||
		[ "$(grep -Ec '^"(SET|GET)",' <<<"$out")" != 2 ]; then
		echo "FAILED $side redis redis-benchmark status $rc: $(tr '\r' '\n' <<<"$out" | tail -n 2 | tr '\n' ' ')"
		return
	fi
	# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",
	# "p95_latency_ms","p99_latency_ms","max_latency_ms"
	awk -F, -v side="$side" '/^"(SET|GET)",/ {
		gsub(/"/, ""); printf "RESULT %s redis-%s %s %s\n", side, tolower($1), $2, $7 }' <<<"$out"
}

# until_up SECONDS COMMAND...: until COMMAND succeeds; 1 when the server
# ended (ALIVE, the side's test, fails) or the time is up.
until_up() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		"$ALIVE" && [ $SECONDS -lt $end ] || return 1
		sleep 0.5
	done
}

pid_alive() { kill -0 "$SPID" 2>/dev/null; }

# " (status N)" of a server of ours that has ended, with the signal that
# ended it; nothing for one that runs or is not our child (runc's).
end_status() {
	local rc
	[ "$ALIVE" = pid_alive ] && ! pid_alive || return 0
	wait "$SPID" 2>/dev/null
	rc=$?
	forget "$SPID"
	if [ $rc -gt 128 ]; then
		printf ' (status %d: signal %d, %s)' $rc $((rc - 128)) "$(kill -l $((rc - 128)))"
	else
		printf ' (status %d)' $rc
	fi
}

nginx_up() { "$@" "$CURL" -s --max-time 5 -o /dev/null -f "$URL"; }
redis_up() { [ "$("$@" "$REDIS_CLI" -h "$HOST" -p "$PORT" ping 2>/dev/null)" = PONG ]; }

# measure SIDE WHAT LOG CLIENT...: once the server (output in LOG)
# answers, a warm-up and RUNS runs; every run's line on stdout, progress
# on stderr. URL, or HOST and PORT, name the server.
measure() {
	local side=$1 what=$2 log=$3 i
	shift 3
	if ! until_up "$UP_WAIT" "${what}_up" "$@"; then
		echo "FAILED $side $what the server did not answer$(end_status): $(tail -n 3 "$log" | tr '\n' ' ')"
		say "$side: $what did not start: $(tail -n 3 "$log" | tr '\n' ' ')"
		return
	fi
	case $what in
	nginx) client "$@" "$WRK" -t1 -c"$CONNS" -d2s "$URL" ;;
	redis) client "$@" "$REDIS_BENCH" -h "$HOST" -p "$PORT" -c "$CONNS" -n 1000 -t set,get -q ;;
	esac
	for i in $(seq "$RUNS"); do
		case $what in
		nginx) wrk_run "$side" "$URL" "$@" >"$T/line" ;;
		redis) redis_run "$side" "$HOST" "$PORT" "$REDIS_N" "$@" >"$T/line" ;;
		esac
		cat "$T/line"
		say "$side $what run $i/$RUNS: $(tr '\n' ' ' <"$T/line")"
		if ! "$ALIVE"; then
			echo "FAILED $side $what the server ended after run $i$(end_status): $(tail -n 3 "$log" | tr '\n' ' ')"
			say "$side: $what ended after run $i"
			return
		fi
	done
}

# stop PID: SIGTERM, then SIGKILL after 10 s; waits for it, and forgets
# it (a pid reused by someone else's process must not be killed at exit).
stop() {
	local end=$((SECONDS + 10))
	kill -TERM "$1" 2>/dev/null
	while kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.2; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	forget "$1"
}

forget() {
	local p kept=()
	for p in ${PIDS[@]+"${PIDS[@]}"}; do [ "$p" = "$1" ] || kept+=("$p"); done
	PIDS=(${kept[@]+"${kept[@]}"})
}

# ---- the four sides ----
# Each side has setup_SIDE (once), start_SIDE WHAT (starts one server:
# SPID, SLOG; sets CLIENT, the command prefix that puts a client where it
# reaches the server, and URL or HOST and PORT) and its way to stop.

server_args() { # WHAT: the server's command line in SARGS
	case $1 in
	nginx) SARGS=("${NGINX[@]}") ;;
	redis) SARGS=("${REDIS[@]}") ;;
	esac
}

# A namespace of our own, remembered for the cleanup. /run is where ip
# keeps them (the nested guest's initramfs has none).
new_netns() {
	mkdir -p /run && "$IP" netns add "$1" || return 1
	NETNS+=("$1")
	"$IP" -n "$1" link set lo up
}

setup_native() {
	NATIVE_NS=husk-bench-native-$$
	new_netns "$NATIVE_NS" || die "native: ip netns add $NATIVE_NS failed"
}

# chroot into the copy, with a tmpfs /tmp and the host's /dev mounted in
# the private mount namespace that `ip netns exec` makes: gone with it.
start_native() {
	server_args "$1"
	SLOG=$T/native-$1.log
	"$IP" netns exec "$NATIVE_NS" /bin/sh -c \
		'r=$1; shift; mount -t tmpfs tmpfs "$r/tmp" && mount --rbind /dev "$r/dev" && exec chroot "$r" "$@"' \
		sh "$T/rootfs" "${SARGS[@]}" >"$SLOG" 2>&1 &
	SPID=$!
	PIDS+=("$SPID")
	ALIVE=pid_alive
	CLIENT=("$IP" netns exec "$NATIVE_NS")
	URL=http://127.0.0.1:80/ HOST=127.0.0.1 PORT=6379
}

# The container's namespace holds one end of a veth pair (.2); this
# host's namespace the other (.1), where the clients run.
setup_runc() {
	RUNC_NS=husk-bench-runc-$$
	VETH=hbr$$h
	new_netns "$RUNC_NS" || die "runc: ip netns add $RUNC_NS failed"
	"$IP" link add "$VETH" type veth peer name "hbr$$c" &&
		"$IP" link set "hbr$$c" netns "$RUNC_NS" &&
		"$IP" addr add "$RUNC_NET.1/24" dev "$VETH" && "$IP" link set "$VETH" up &&
		"$IP" -n "$RUNC_NS" addr add "$RUNC_NET.2/24" dev "hbr$$c" &&
		"$IP" -n "$RUNC_NS" link set "hbr$$c" up ||
		die "runc: the veth pair $VETH could not be set up"
	mkdir -p "$T/bundle" "$T/runc-state"
	runc spec --bundle "$T/bundle" || die "runc: runc spec failed"
	mv "$T/bundle/config.json" "$T/spec.json"
}

# Docker's default capabilities: runc's own default set lacks CAP_CHOWN,
# which nginx needs for its temporary directories.
DOCKER_CAPS='["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
	"CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP",
	"CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
	"CAP_AUDIT_WRITE"]'

# The bundle's config.json: runc's default spec, the tree read-only with
# a tmpfs /tmp, the server as the process with Docker's capabilities, and
# the namespace above.
runc_config() {
	jq --arg root "$T/rootfs" --arg ns "/run/netns/$RUNC_NS" \
		--argjson args "$(printf '%s\n' "${SARGS[@]}" | jq -R . | jq -s .)" \
		--argjson caps "$DOCKER_CAPS" '
		.root = {path: $root, readonly: true}
		| .process.terminal = false
		| .process.args = $args
		| .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}
		| .hostname = "bench"
		| .linux.namespaces |= map(if .type == "network" then .path = $ns else . end)
		| .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs",
			options: ["nosuid", "nodev", "mode=1777"]}]' "$T/spec.json"
}

start_runc() {
	server_args "$1"
	SLOG=$T/runc-$1.log
	RUNC_ID=husk-bench-$$-$1
	runc_config >"$T/bundle/config.json" || die "runc: could not write config.json"
	CONTAINERS+=("$RUNC_ID")
	SPID=
	if runc --root "$T/runc-state" run -d -b "$T/bundle" "$RUNC_ID" \
		</dev/null >"$SLOG" 2>&1; then
		SPID=$(runc --root "$T/runc-state" state "$RUNC_ID" | jq -r .pid)
	fi
	ALIVE=runc_alive
	CLIENT=()
	URL=http://$RUNC_NET.2:80/ HOST=$RUNC_NET.2 PORT=6379
}

# The container's process is not our child (nor reaped by us): ask runc.
runc_alive() {
	[ "$(runc --root "$T/runc-state" state "$RUNC_ID" 2>/dev/null | jq -r .status)" = running ]
}

stop_runc() {
	runc --root "$T/runc-state" kill "$RUNC_ID" KILL 2>/dev/null
	runc --root "$T/runc-state" delete -f "$RUNC_ID" 2>/dev/null
}

# The TAP in its own namespace at .1, the guest at .2 (static).
setup_husk_tap() {
	TAP_NS=husk-bench-tap-$$
	new_netns "$TAP_NS" && "$IP" -n "$TAP_NS" tuntap add dev tap0 mode tap &&
		"$IP" -n "$TAP_NS" addr add "$TAP_NET.1/24" dev tap0 &&
		"$IP" -n "$TAP_NS" link set tap0 up ||
		die "husk-tap: the TAP device could not be set up in $TAP_NS"
}

start_husk_tap() {
	server_args "$1"
	SLOG=$T/husk-tap-$1.log
	"$IP" netns exec "$TAP_NS" "$VMM" --mem "$MEM" --net tap:tap0 \
		--cmdline "ip=$TAP_NET.2/24 gw=$TAP_NET.1" \
		--initrd "$CPIO" "$IMAGE" -- "${SARGS[@]}" >"$SLOG" 2>&1 &
	SPID=$!
	PIDS+=("$SPID")
	ALIVE=pid_alive
	CLIENT=("$IP" netns exec "$TAP_NS")
	# The port in every URL: the nested guest has no /etc/services.
	URL=http://$TAP_NET.2:80/ HOST=$TAP_NET.2 PORT=6379
}

setup_husk_slirp() { SLIRP_PORT=$((20000 + $$ % 20000)); }

start_husk_slirp() {
	local gport=80
	server_args "$1"
	[ "$1" = nginx ] || gport=6379
	SLOG=$T/husk-slirp-$1.log
	"$VMM" --mem "$MEM" -p "127.0.0.1:$SLIRP_PORT:$gport" \
		--initrd "$CPIO" "$IMAGE" -- "${SARGS[@]}" >"$SLOG" 2>&1 &
	SPID=$!
	PIDS+=("$SPID")
	ALIVE=pid_alive
	CLIENT=()
	URL=http://127.0.0.1:$SLIRP_PORT/ HOST=127.0.0.1 PORT=$SLIRP_PORT
}

# bench_side SIDE: both servers, one after the other; result lines on
# standard output.
bench_side() {
	local side=$1 what fn=${1//-/_}
	"setup_$fn"
	for what in nginx redis; do
		"start_$fn" "$what"
		if [ -z "$SPID" ]; then
			echo "FAILED $side $what did not start: $(tail -n 3 "$SLOG" | tr '\n' ' ')"
			say "$side: $what did not start: $(tail -n 3 "$SLOG" | tr '\n' ' ')"
			continue
		fi
		measure "$side" "$what" "$SLOG" ${CLIENT[@]+"${CLIENT[@]}"}
		if [ "$side" = runc ]; then stop_runc; else stop "$SPID"; fi
	done
}

cleanup() {
	local p c n
	trap '' INT TERM # a second Ctrl-C must not cut the cleanup short
	for c in ${CONTAINERS[@]+"${CONTAINERS[@]}"}; do
		runc --root "$T/runc-state" delete -f "$c" >/dev/null 2>&1
	done
	[ -z "${CPID:-}" ] || kill -KILL "$CPID" 2>/dev/null
	# SIGTERM first: the nested harness kills its QEMU on it.
	for p in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for p in ${PIDS[@]+"${PIDS[@]}"}; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in ${NETNS[@]+"${NETNS[@]}"}; do "$IP" netns del "$n" 2>/dev/null; done
	[ -z "${VETH:-}" ] || "$IP" link del "$VETH" 2>/dev/null
	rm -rf "$T"
}

# State every side shares; a fresh temporary directory.
init_state() {
	T=$(mktemp -d /tmp/husk-bench-net-XXXXXX)
	PIDS=() NETNS=() CONTAINERS=() VETH='' CPID=''
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

# ---- inside the nested guest: the husk sides alone ----

# --husk-inside RUNS DURATION REDIS_N MEM VMM IMAGE CPIO IP CURL WRK
#   REDIS_BENCH REDIS_CLI TAP_NET SIDES
if [ "${1:-}" = --husk-inside ]; then
	shift
	RUNS=$1 DURATION=$2 REDIS_N=$3 MEM=$4 VMM=$5 IMAGE=$6 CPIO=$7 IP=$8 CURL=$9
	WRK=${10} REDIS_BENCH=${11} REDIS_CLI=${12} TAP_NET=${13}
	init_state
	for s in ${14}; do bench_side "$s"; done
	exit 0
fi

# ---- the summary ----

# report RESULTS WHERE: the medians of every side and test, the ratios,
# and every failed run. WHERE is kvm, nested or none (the husk sides').
report() {
	local note=
	[ "$2" != nested ] ||
		note="nested KVM under TCG (not comparable); wrk -d${NESTED_DURATION}s, redis-benchmark -n $NESTED_REDIS_N"
	echo
	echo "bench/net.sh: medians of $RUNS runs; requests/s, p99 latency in ms"
	echo "wrk -t1 -c$CONNS -d${DURATION}s --latency; redis-benchmark -c $CONNS -n $REDIS_N -t set,get"
	awk -v note="$note" '
	function median(list,   n, a, i, j, t) {
		n = split(list, a, " ")
		if (!n) return ""
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function cell(side, test, col,   m) {
		m = median(col == 2 ? rps[side, test] : p99[side, test])
		if (m == "") return sprintf("%*s", col == 2 ? 10 : 7, "-")
		return col == 2 ? sprintf("%10.0f", m) : sprintf("%7.2f", m)
	}
	function ratio(a, b, test, col,   x, y) {
		x = median(col == 2 ? rps[a, test] : p99[a, test])
		y = median(col == 2 ? rps[b, test] : p99[b, test])
		return (x == "" || y == "" || y == 0) ? "-" : sprintf("%.2fx", x / y)
	}
	$1 == "RESULT" {
		rps[$2, $3] = rps[$2, $3] " " $4; p99[$2, $3] = p99[$2, $3] " " $5
		runs[$2, $3]++; seen[$2] = 1 }
	$1 == "FAILED" { failed[++nf] = $0; seen[$2] = 1 }
	END {
		split("native runc husk-tap husk-slirp", sides, " ")
		label["native"] = "native (loopback)"; label["runc"] = "runc (veth)"
		label["husk-tap"] = "husk --net tap"; label["husk-slirp"] = "husk -p (slirp)"
		if (note != "") { label["husk-tap"] = label["husk-tap"] " *"
			label["husk-slirp"] = label["husk-slirp"] " *" }
		split("nginx redis-set redis-get", tests, " ")
		printf "%-20s %10s %7s %10s %7s %10s %7s  %s\n", "", "nginx", "p99",
			"redis SET", "p99", "redis GET", "p99", "runs"
		for (s = 1; s <= 4; s++) {
			if (!seen[sides[s]]) continue
			line = sprintf("%-20s", label[sides[s]])
			for (t = 1; t <= 3; t++)
				line = line " " cell(sides[s], tests[t], 2) " " cell(sides[s], tests[t], 3)
			printf "%s  %d/%d/%d\n", line, runs[sides[s], "nginx"],
				runs[sides[s], "redis-set"], runs[sides[s], "redis-get"]
		}
		if (note != "") print "* " note
		split("husk-tap/runc husk-tap/native runc/native husk-slirp/husk-tap", pairs, " ")
		for (p = 1; p <= 4; p++) {
			split(pairs[p], ab, "/")
			if (!seen[ab[1]] || !seen[ab[2]]) continue
			if (!nr++) print "\nratios of requests/s (of p99 latency in brackets):"
			line = sprintf("%-22s", pairs[p])
			for (t = 1; t <= 3; t++)
				line = line sprintf("  %s %s (%s)", tests[t],
					ratio(ab[1], ab[2], tests[t], 2), ratio(ab[1], ab[2], tests[t], 3))
			if (note != "" && pairs[p] ~ /husk/ && pairs[p] !~ /slirp\/husk/)
				line = line "  * not comparable"
			print line
		}
		for (i = 1; i <= nf; i++) print (i == 1 ? "\nfailed runs (not in the medians):\n" : "") failed[i]
	}' "$1"
}

# ---- this host ----

B=${BUILD:-build}
case $B in /*) BD=$B ;; *) BD=$PWD/$B ;; esac
RUNS=${1:-3}
DURATION=${DURATION:-10}
REDIS_N=${REDIS_N:-100000}
NESTED_DURATION=${NESTED_DURATION:-10}
NESTED_REDIS_N=${NESTED_REDIS_N:-5000}
MEM=${MEM:-256M}
NESTED=${NESTED:-1}
RUNC_NET=${RUNC_NET:-10.213.0}
TAP_NET=${TAP_NET:-10.214.0}
SIDES=${SIDES:-native runc husk-tap husk-slirp}
for s in $SIDES; do
	case $s in native | runc | husk-tap | husk-slirp) ;;
	*) die "SIDES: unknown side '$s' (native, runc, husk-tap, husk-slirp)" ;; esac
done
for v in RUNS DURATION REDIS_N NESTED_DURATION NESTED_REDIS_N; do
	case ${!v} in '' | *[!0-9]* | 0) die "$v must be a positive whole number, not '${!v}'" ;; esac
done
[ "$(id -u)" = 0 ] || die "run as root: network namespaces, a veth pair, a TAP, runc and chroot"
for t in ip curl wrk redis-benchmark redis-cli runc jq chroot mount; do
	command -v $t >/dev/null || die "$t is not installed (scripts/setup.sh; runc: apt-get install runc)"
done
IP=$(command -v ip) CURL=$(command -v curl) WRK=$(command -v wrk)
REDIS_BENCH=$(command -v redis-benchmark) REDIS_CLI=$(command -v redis-cli)
"$IP" tuntap help 2>&1 | grep -q 'ip tuntap' || die "$IP is not iproute2's (no tuntap)"
for n in "$RUNC_NET" "$TAP_NET"; do
	[[ $n =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || die "RUNC_NET and TAP_NET are the first three numbers of a /24 (10.213.0), not '$n'"
	! "$IP" -4 route show table all | grep -Eq "^((local|broadcast) )?${n//./\\.}\." ||
		die "$n.0/24 is already in use here: choose another with RUNC_NET= or TAP_NET="
done
make -s BUILD="$B" "$BD/husk.elf" "$BD/bin/husk-vmm" "$BD/tests/apps.cpio" >/dev/null ||
	die "the build failed (make BUILD=$B $BD/tests/apps.cpio)"
VMM=$BD/bin/husk-vmm IMAGE=$BD/husk.elf CPIO=$BD/tests/apps.cpio

init_state
RESULTS=$T/results
cp -a "$BD/tests/apps" "$T/rootfs"
mkdir -p "$T/rootfs/dev" "$T/rootfs/proc"

HUSK_WHERE=kvm
if ! { [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; }; then
	HUSK_WHERE=none
	if [ "$NESTED" = 1 ] && scripts/nested-kvm/run.sh --check >/dev/null 2>&1; then
		HUSK_WHERE=nested
	fi
fi

say "$(date -u '+%F %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs per figure"
wants() { [[ " $SIDES " == *" $1 "* ]]; }
husk_sides=
for s in husk-tap husk-slirp; do ! wants $s || husk_sides="$husk_sides $s"; done
[ -n "$husk_sides" ] || HUSK_WHERE=unwanted
! wants native || bench_side native >>"$RESULTS"
! wants runc || bench_side runc >>"$RESULTS"
case $HUSK_WHERE in
kvm)
	for s in $husk_sides; do bench_side "$s" >>"$RESULTS"; done
	;;
nested)
	say "husk: /dev/kvm is unusable here, so in the nested-KVM guest (QEMU TCG): not comparable"
	files=()
	for f in "$PWD/bench/net.sh" "$VMM" "$IMAGE" "$CPIO" /bin/bash "$IP" "$CURL" "$WRK" \
		"$REDIS_BENCH" "$REDIS_CLI"; do
		files+=(--file "$f")
	done
	scripts/nested-kvm/run.sh --timeout "${NESTED_TIMEOUT:-3600}" --mem 1G "${files[@]}" -- \
		/bin/bash "$PWD/bench/net.sh" --husk-inside "$RUNS" "$NESTED_DURATION" \
		"$NESTED_REDIS_N" "$MEM" "$VMM" "$IMAGE" "$CPIO" "$IP" "$CURL" "$WRK" \
		"$REDIS_BENCH" "$REDIS_CLI" "$TAP_NET" "$husk_sides" >>"$RESULTS" &
	nested=$!
	PIDS+=("$nested")
	wait "$nested" || say "the nested run ended with status $? (see above)"
	forget "$nested"
	;;
none)
	say "husk: skipped: /dev/kvm is unusable here and nested KVM is off (NESTED=0) or unavailable"
	;;
esac
report "$RESULTS" "$HUSK_WHERE"
