#!/bin/bash
# husk-runtime, the OCI runtime (run by tests/run.sh with BUILD set; as
# root). Three parts:
#
# 1. husk-runtime called directly, as an engine would: bad and missing
#    config.json fields, a missing root filesystem, unknown ids, verbs a
#    unikernel cannot do, each with its message on standard error and in
#    the --log file (runc's JSON), and no residue; then one container's
#    whole life: created (its init waiting), started, stopped, deleted.
# 2. docker (dockerd started here on a private socket and data root, with
#    husk-runtime registered in daemon.json): docker build of a FROM
#    scratch image (a static hello) and of a busybox image (imported: no
#    registry), run --rm with the program's output and status, -d, logs,
#    stop, rm, --network none; and the network: an HTTP server in a
#    container on a docker bridge network, answering curl at the
#    container's IP (the guest on a TAP redirected to the veth).
# 3. podman (containers.conf of our own) and ctr run --runc-binary
#    against a containerd started here: run --rm; the detached life
#    (run -d, the output through the engine's logs, stop or kill with
#    the guest's SIGTERM handler running and its status reported, rm);
#    podman on --network none and on a CNI bridge network (curl at the
#    container's IP; CNI's nat rules gone after rm), ctr in the new
#    namespace its config.json asks for and with --net-host.
#    After each flow nothing may be left: no monitor, no state
#    directory, no network namespace, no TAP.
#
# Guests really boot: on husk-vmm where KVM works, else on the QEMU
# fallback (slow), so the cases are few and every wait is bounded. Each
# line names the monitor used. Engines that are not installed are
# skipped with the reason.
#
# tests/run.sh: alone
# (docker, podman, containerd, CNI bridge networks and their iptables
# rules: no other suite runs beside it)
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
case $B in /*) BD=$B ;; *) BD=$PWD/$B ;; esac
RT=$BD/bin/husk-runtime
HELLO=$BD/tests/rootfs/bin/hello-musl
HTTPD=$BD/tests/rootfs/bin/httpd-musl
unset HUSK_VMM HUSK_KERNEL HUSK_MONITOR
SUITE=runtime
# shellcheck source=tests/suites/common.bash
. tests/suites/common.bash
# shellcheck source=tests/suites/engines.bash
. tests/suites/engines.bash

if [ "$(id -u)" != 0 ]; then
	skip "all" "needs root (namespaces, engines' daemons)"
	exit 0
fi
for f in "$RT" "$BD/bin/husk-qemu" "$BD/husk.elf" "$HELLO" "$HTTPD"; do
	[ -e "$f" ] || { bad "build" "$f was not built"; exit 0; }
done

ENG=$(mktemp -d /tmp/husk-rt-XXXXXX)
trap 'declare -F podman_cleanup >/dev/null && podman_cleanup; engines_stop; rm -rf "$ENG"' EXIT
ROOT=$ENG/state
LOG=$ENG/runtime.log
R=("$RT" --root "$ROOT" --cache "$ENG/cache" --log "$LOG" --log-format json)
monitor=$("$RT" --version | sed -n 's/^monitor: //p')
case $monitor in
QEMU*) M="on QEMU, the fallback" ;;
*) M="on husk-vmm" ;;
esac

# ---- part 1: direct calls ----

# bundle DIR ARGS...: a bundle whose root has the static hello and
# busybox, running ARGS.
bundle() {
	local dir=$1 args
	shift
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/tmp"
	cp "$HELLO" "$dir/rootfs/bin/hello"
	cp /bin/busybox "$dir/rootfs/bin/busybox"
	ln -sf busybox "$dir/rootfs/bin/sh"
	args=$(printf '%s\n' "$@" | jq -R . | jq -cs .)
	jq -n --argjson args "$args" '{
		ociVersion: "1.0.2", hostname: "box",
		root: {path: "rootfs"},
		process: {terminal: false, args: $args, cwd: "/tmp",
			env: ["PATH=/bin", "GREETING=hi"], user: {uid: 0, gid: 0}},
		mounts: [{destination: "/proc", type: "proc", source: "proc"}],
		linux: {namespaces: [{type: "pid"}, {type: "network"}],
			resources: {memory: {limit: 67108864}}}
	}' >"$dir/config.json"
}

# edit DIR JQ-FILTER: changes the bundle's config.json.
edit() {
	jq "$2" "$1/config.json" >"$1/config.new" && mv "$1/config.new" "$1/config.json"
}

# no_residue NAME: the state root holds nothing, no process names $ENG.
no_residue() {
	local left procs=0 f p
	left=$(ls -A "$ROOT" 2>/dev/null)
	# grep names itself too: count only processes alive after it.
	for f in $(grep -lsF -- "$ENG/" /proc/[0-9]*/cmdline); do
		p=${f#/proc/}
		p=${p%%/*}
		[ "$p" != $$ ] && [ -d "/proc/$p" ] && procs=$((procs + 1))
	done
	if [ -n "$left" ]; then
		bad "$1" "left in $ROOT: $left"
	elif [ "$procs" != 0 ]; then
		bad "$1" "$procs process(es) still name $ENG"
	else
		ok "$1"
	fi
}

# create_fails NAME REGEX BUNDLE: create must fail with the message. A
# create that wrongly succeeds leaves an init holding whatever output it
# got, so it writes to a file, and the container is removed again.
create_fails() {
	local out=$ENG/create.out rc
	"${R[@]}" create --bundle "$3" c1 >"$out" 2>&1 </dev/null
	rc=$?
	if [ $rc = 0 ]; then
		"${R[@]}" delete --force c1 >/dev/null 2>&1
		bad "$1" "create succeeded"
	elif [ $rc != 1 ]; then
		bad "$1" "exit status $rc, expected 1: $(tail -n 2 "$out")"
	elif ! grep -Eq -- "$2" "$out"; then
		bad "$1" "output lacks /$2/: $(tail -n 2 "$out")"
	else
		ok "$1"
	fi
}

# state_is ID STATUS [SECONDS]: waits (bounded) for the status.
state_is() {
	local end=$((SECONDS + ${3:-0})) s
	while :; do
		s=$("${R[@]}" state "$1" 2>/dev/null | jq -r .status)
		[ "$s" = "$2" ] && return 0
		[ $SECONDS -lt $end ] || { echo "status $s, not $2"; return 1; }
		sleep 0.2
	done
}

expect "--version names the monitor" 0 "^monitor: " "$RT" --version
expect "features: runtime-spec JSON" 0 '"ociVersionMax": "1.1.0"' "$RT" features
expect "exec is refused" 1 "exec is not supported for unikernels" "${R[@]}" exec c1 /bin/sh
expect "pause is refused" 1 "pause is not supported for unikernels" "${R[@]}" pause c1

B1=$ENG/b1
bundle "$B1" /bin/hello
edit "$B1" 'del(.process.args)'
create_fails "create: missing process.args" \
	'config.json: process.args: must be a non-empty array of strings' "$B1"
if tail -n 1 "$LOG" | jq -e 'select(.level == "error" and (.msg | test("process.args")) and (.time | length > 0))' >/dev/null 2>&1; then
	ok "the error is in --log as runc's JSON"
else
	bad "the error is in --log as runc's JSON" "$(tail -n 1 "$LOG")"
fi
bundle "$B1" /bin/hello
edit "$B1" '.process.env = ["PATH=/bin", "NOEQUALS"]'
create_fails "create: a bad process.env entry" \
	"config.json: process.env\[1\]: expected KEY=VALUE, got 'NOEQUALS'" "$B1"
bundle "$B1" /bin/hello
edit "$B1" '.linux.resources.memory.limit = "lots"'
create_fails "create: a bad memory limit" \
	'config.json: linux.resources.memory.limit: must be a number of bytes' "$B1"
bundle "$B1" /bin/hello
edit "$B1" '.root.path = "nosuch"'
create_fails "create: a missing root filesystem" \
	"config.json: root.path: 'nosuch': No such file or directory" "$B1"
bundle "$B1" /bin/hello
edit "$B1" '.root.path = "../.."'
create_fails "create: a root.path out of the bundle" \
	"leads out of the bundle" "$B1"
bundle "$B1" nosuch
create_fails "create: a program not along PATH" \
	'exec: "nosuch": executable file not found in \$PATH' "$B1"
echo '{"ociVersion": "1.0.2", ' >"$B1/config.json"
create_fails "create: config.json that is not JSON" \
	'config.json:[0-9]+:[0-9]+: ' "$B1"
expect "create: a bad id" 1 "invalid container id '../x'" \
	"${R[@]}" create --bundle "$B1" ../x
no_residue "failed creates leave no state and no process"

expect "state of an unknown id" 1 "container does not exist: ghost" "${R[@]}" state ghost
expect "start of an unknown id" 1 "container does not exist: ghost" "${R[@]}" start ghost
expect "kill of an unknown id" 1 "container does not exist: ghost" "${R[@]}" kill ghost KILL
expect "delete of an unknown id" 1 "container does not exist: ghost" "${R[@]}" delete ghost
expect "delete --force of an unknown id" 0 "" "${R[@]}" delete --force ghost
# What a delete killed between removing state.json and the directory
# leaves: runc's "does not exist" to state, and the next delete tidies it.
mkdir -p "$ROOT/half"
expect "state of a half-deleted container: does not exist" 1 \
	"container does not exist: half" "${R[@]}" state half
expect "delete --force of a half-deleted container" 0 "" "${R[@]}" delete --force half
if [ -e "$ROOT/half" ]; then bad "half-deleted: its directory is gone" "$(ls -la "$ROOT/half")"
else ok "half-deleted: its directory is gone"; fi

# One whole life: sh prints, then sleeps (exec: a unikernel cannot fork).
bundle "$B1" /bin/sh -c 'echo "$GREETING from $PWD"; exec sleep 1000'
out=$ENG/c1.out
if "${R[@]}" create --bundle "$B1" --pid-file "$ENG/c1.pid" c1 >"$out" 2>&1 </dev/null; then
	ok "create"
	expect "state: created, with the init's pid" 0 "\"status\": \"created\"" "${R[@]}" state c1
	pid=$(cat "$ENG/c1.pid" 2>/dev/null)
	if [ -n "$pid" ] && [ "$("${R[@]}" state c1 | jq .pid)" = "$pid" ] && kill -0 "$pid"; then
		ok "--pid-file names the waiting init"
	else
		bad "--pid-file names the waiting init" "pid file '$pid'"
	fi
	expect "create twice is refused" 1 "container with id exists: c1" \
		"${R[@]}" create --bundle "$B1" c1
	expect "start" 0 "" "${R[@]}" start c1
	expect "state: running" 0 "\"status\": \"running\"" "${R[@]}" state c1
	expect "start twice is refused" 1 "cannot start an already running container" \
		"${R[@]}" start c1
	if until_ok 120 grep -q "hi from /tmp" "$out"; then
		ok "the guest runs the program with env and cwd $M"
	else
		bad "the guest runs the program with env and cwd $M" "$(tail -n 3 "$out")"
	fi
	expect "delete of a running container is refused" 1 \
		"cannot delete container c1 that is not stopped: running" "${R[@]}" delete c1
	expect "kill KILL" 0 "" "${R[@]}" kill c1 KILL
	expect "state: stopped" 0 "" state_is c1 stopped 20
	expect "kill of a stopped container" 1 "container not running" "${R[@]}" kill c1
	expect "delete" 0 "" "${R[@]}" delete c1
else
	bad "create" "$(tail -n 3 "$out")"
fi
# A created container is deleted (its init killed) without --force.
bundle "$B1" /bin/hello
if "${R[@]}" create --bundle "$B1" c2 >/dev/null 2>&1 </dev/null; then
	expect "delete of a created container" 0 "" "${R[@]}" delete c2
else
	bad "create c2" "$(tail -n 1 "$LOG")"
fi
# The network, on a namespace of our own with a veth named eth0: what
# the init does at start, seen from inside the namespace by a stand-in
# monitor (HUSK_VMM) that records its arguments, the addresses and the
# tc filters. No guest boots, so this part is quick on any machine.
net_standin() {
	cat >"$ENG/monitor" <<-EOF
	#!/bin/sh
	printf '%s\n' "\$@" >"$ENG/net.args"
	ip -o -4 addr show dev eth0 >"$ENG/net.addr"
	tc filter show dev eth0 ingress >"$ENG/net.tc-eth0"
	tc filter show dev husk-tap0 ingress >"$ENG/net.tc-tap"
	EOF
	chmod +x "$ENG/monitor"
}

# net_run ID BUNDLE: create and start with the stand-in; start's output.
net_run() {
	rm -f "$ENG/net.args"
	HUSK_VMM=$ENG/monitor "${R[@]}" create --bundle "$2" "$1" </dev/null >/dev/null 2>&1 &&
		HUSK_VMM=$ENG/monitor "${R[@]}" start "$1" 2>&1 &&
		state_is "$1" stopped 20
}

net_part() {
	local ns=husk-rt-net-$$ BN=$ENG/bn mac args want
	if ! command -v tc >/dev/null || ! ip netns add "$ns" 2>/dev/null; then
		skip "network plumbing" "no tc or ip netns"
		return
	fi
	ip link add "hrt$$" type veth peer name eth0 netns "$ns"
	ip -n "$ns" addr add 10.213.7.2/24 dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via 10.213.7.1
	mac=$(ip -n "$ns" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*')
	mac=${mac#link/ether }
	net_standin
	bundle "$BN" /bin/hello
	edit "$BN" ".linux.namespaces = [{type: \"network\", path: \"/run/netns/$ns\"}]"
	mkdir -p "$BN/rootfs/etc"
	printf 'nameserver 127.0.0.11\nnameserver 10.213.7.53\n' >"$BN/rootfs/etc/resolv.conf"
	if net_run n1 "$BN" >/dev/null; then
		args=$(tr '\n' ' ' <"$ENG/net.args")
		want="--net tap:husk-tap0 --mac $mac --cmdline hostname=box ip=10.213.7.2/24 gw=10.213.7.1 dns=10.213.7.53 "
		if [[ $args == *"$want"* ]]; then
			ok "start: the monitor gets the TAP, eth0's MAC, address, gateway and DNS"
		else
			bad "start: the monitor's network arguments" "'$args', wanted '$want'"
		fi
		# eth0 keeps its address: engines tear down by it (CNI's
		# bridge plugin finds its masquerade rule by it at DEL).
		if grep -q "10.213.7.2/24" "$ENG/net.addr" &&
			grep -q "Egress Redirect to device husk-tap0" "$ENG/net.tc-eth0" &&
			grep -q "Egress Redirect to device eth0" "$ENG/net.tc-tap"; then
			ok "start: eth0 keeps its address for the engine, tc redirects both ways"
		else
			bad "start: address and redirects" "$(cat "$ENG/net.addr" "$ENG/net.tc-eth0" "$ENG/net.tc-tap")"
		fi
	else
		bad "start with a network namespace" "$(tail -n 2 "$LOG")"
	fi
	expect "delete (network)" 0 "" "${R[@]}" delete n1
	# The TAP is still there (persistent, until the namespace goes): a
	# second guest in the namespace (a pod) leaves the first one's alone.
	if net_run n2 "$BN" >/dev/null && ! grep -qx -- --net "$ENG/net.args" &&
		grep -q 'belongs to another guest (husk-tap0 exists)' "$LOG"; then
		ok "start: a namespace whose interface a guest took gives no NIC, and says so"
	else
		bad "start: a namespace whose interface a guest took" \
			"$(cat "$ENG/net.args" 2>&1; tail -n 1 "$LOG")"
	fi
	expect "delete (interface taken)" 0 "" "${R[@]}" delete n2
	# The TAP gone, but eth0's ingress qdisc still there: tc says so, and
	# start passes that on.
	ip -n "$ns" link del husk-tap0
	HUSK_VMM=$ENG/monitor "${R[@]}" create --bundle "$BN" n5 </dev/null >/dev/null 2>&1
	expect "start: plumbing that fails says why" 1 \
		"cannot start container n5: container init: .*tc qdisc add dev eth0" \
		env HUSK_VMM="$ENG/monitor" "${R[@]}" start n5
	expect "delete after a failed start" 0 "" "${R[@]}" delete --force n5
	# The engine's own namespace named by path (docker's --network host
	# does so): never touched. Run from inside ours, which stands for it.
	rm -f "$ENG/net.args"
	ip netns exec "$ns" env HUSK_VMM="$ENG/monitor" "${R[@]}" create \
		--bundle "$BN" n4 </dev/null >/dev/null 2>&1 &&
		HUSK_VMM=$ENG/monitor "${R[@]}" start n4 >/dev/null 2>&1 &&
		state_is n4 stopped 20 >/dev/null
	if [ -f "$ENG/net.args" ] && ! grep -qx -- --net "$ENG/net.args" &&
		grep -q "10.213.7.2/24" "$ENG/net.addr"; then
		ok "start: the engine's own namespace is left alone, no NIC"
	else
		bad "start: the engine's own namespace is left alone" \
			"$(cat "$ENG/net.args" "$ENG/net.addr" 2>&1)"
	fi
	expect "delete (the engine's namespace)" 0 "" "${R[@]}" delete n4
	# A new namespace has only lo: no NIC.
	edit "$BN" '.linux.namespaces = [{type: "network"}]'
	if net_run n3 "$BN" >/dev/null && ! grep -qx -- --net "$ENG/net.args" &&
		grep -qx -- --cmdline "$ENG/net.args"; then
		ok "start: a namespace with only lo gives no NIC"
	else
		bad "start: a namespace with only lo gives no NIC" "$(cat "$ENG/net.args" 2>&1)"
	fi
	expect "delete (only lo)" 0 "" "${R[@]}" delete n3
	ip netns del "$ns"
}
net_part
no_residue "the network cases leave no state or process"

# husk itself boots on the same monitor: lib/launch is shared.
if [ -x "$BD/bin/husk" ]; then
	HUSK_HOME=$ENG/home "$BD/bin/husk" import "$B1/rootfs" cli-img >/dev/null 2>&1
	expect "husk run --rm: the program's output and status $M" 3 \
		'^hello cli from /bin/hello$' \
		env HUSK_HOME="$ENG/home" "$BD/bin/husk" run --rm cli-img /bin/hello cli
fi
no_residue "delete leaves no state, fifo or process"

# ---- what every engine's flow must leave: nothing ----

# The program of the detached flows: stop's SIGTERM must reach its
# handler (a trap that runs between the loop's builtins: a unikernel
# cannot fork), whose status, 5, the engine must report.
TERM_PROG='trap "echo got TERM; exit 5" TERM; echo started; while :; do :; done'

# monitors_gone: no monitor of ours is alive (each boots a cpio from our
# cache); bounded, as one just stopped may still be on its way out.
monitors_gone() {
	until_ok 20 eval '! pgrep -f -- "$ENG/cache/"'
}

# no_engine_residue NAME STATE_DIR [NETNS]: after the engine removed a
# container: no monitor of ours, husk-runtime's state directory for it
# gone, the network namespace the engine bound for it gone (and the TAP
# in it with it; docker leaves the empty file behind for a while), and
# no TAP of ours in the host's namespace.
no_engine_residue() {
	local why=""
	monitors_gone ||
		why="; a monitor runs: $(pgrep -af -- "$ENG/cache/" | cut -c1-100 | head -n 1)"
	[ -e "$2" ] && why="$why; $2 is still there"
	[ -n "${3:-}" ] && nsenter --net="$3" true 2>/dev/null &&
		why="$why; network namespace $3 is still there"
	ip -o link show husk-tap0 >/dev/null 2>&1 &&
		why="$why; husk-tap0 in the host's network namespace"
	if [ -z "$why" ]; then ok "$1"; else bad "$1" "${why#; }"; fi
}

# ---- part 2: docker ----

docker_part() {
	local id log st
	engines_images "$HELLO"
	if ! dockerd_start "$RT"; then
		bad "dockerd" "did not come up: $(tail -n 3 "$ENG/dockerd.log")"
		return
	fi
	docker_cmd import "$ENG/img/busybox.tar" husk-busybox-base >/dev/null
	expect "docker build: FROM scratch, a static C program" 0 "" \
		docker_cmd build -q -t husk-hello "$ENG/img/hello"
	expect "docker build: busybox" 0 "" docker_cmd build -q -t husk-busy "$ENG/img/busy"
	docker_cmd save -o "$ENG/images.tar" husk-hello husk-busy
	expect "docker run --rm: output and exit status $M" 3 \
		'^hello world from /hello$' docker_cmd run --runtime=husk --rm husk-hello
	expect "docker run --rm busybox: CMD and ENV $M" 0 '^hi from busybox$' \
		docker_cmd run --runtime=husk --rm husk-busy
	expect "docker run --network none, a command" 7 '^out$' \
		docker_cmd run --runtime=husk --rm --network none husk-busy sh -c 'echo out; exit 7'
	id=$(docker_cmd run -d --runtime=husk --network none husk-busy \
		sh -c "$TERM_PROG" 2>&1)
	if [[ ! $id =~ ^[0-9a-f]{64}$ ]]; then
		bad "docker run -d" "$id"
		return
	fi
	ok "docker run -d"
	if until_ok 120 eval "docker_cmd logs $id 2>&1 | grep -q started"; then
		ok "docker logs"
	else
		bad "docker logs" "$(docker_cmd logs "$id" 2>&1 | tail -n 3)"
	fi
	expect "docker stop" 0 "$id" docker_cmd stop -t 5 "$id"
	st=$(docker_cmd inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")
	want="exited 5" # the trap's, on husk-vmm and QEMU alike
	if [ "$st" = "$want" ] && docker_cmd logs "$id" 2>&1 | grep -q '^got TERM$'; then
		ok "docker stop: the program's SIGTERM handler ran $M, status 5"
	else
		bad "docker stop: the program's SIGTERM handler" "$st: $(docker_cmd logs "$id" 2>&1 | tail -n 2)"
	fi
	expect "docker rm" 0 "$id" docker_cmd rm "$id"
	log=$(ls -A "$ENG/dexec/runtime-husk" 2>/dev/null | grep -v '^moby$')
	if [ -z "$(ls -A "$ENG/dexec/runtime-husk/moby" 2>/dev/null)" ] && [ -z "$log" ]; then
		ok "docker: no runtime state left"
	else
		bad "docker: no runtime state left" "$(ls -R "$ENG/dexec/runtime-husk")"
	fi
	expect "docker run: a volume is refused by name" 125 'husk cannot share host files' \
		docker_cmd run --runtime=husk --rm -v "$ENG:/data" husk-busy true
}

# http_page URL: the page, once the server answers (bounded: TCG boots
# slowly).
http_page() {
	local end=$((SECONDS + 120)) page
	while [ $SECONDS -lt $end ]; do
		page=$(curl -sf -m 3 "$1" 2>/dev/null) && { echo "$page"; return 0; }
		sleep 0.5
	done
	return 1
}

# One container on a bridge network: the guest owns the container's IP.
docker_net_part() {
	local net=husk-rt-net id ip ns page=""
	mkdir -p "$ENG/img/httpd"
	cp "$HTTPD" "$ENG/img/httpd/httpd"
	printf 'FROM scratch\nCOPY httpd /httpd\nCMD ["/httpd", "80"]\n' \
		>"$ENG/img/httpd/Dockerfile"
	expect "docker build: a static HTTP server" 0 "" \
		docker_cmd build -q -t husk-httpd "$ENG/img/httpd"
	docker_cmd save -o "$ENG/httpd.tar" husk-httpd # for podman
	expect "docker network create: a bridge network" 0 "" docker_cmd network \
		create --opt com.docker.network.bridge.enable_ip_masquerade=false "$net"
	id=$(docker_cmd run -d --runtime=husk --network "$net" husk-httpd 2>&1)
	if [[ ! $id =~ ^[0-9a-f]{64}$ ]]; then
		bad "docker run -d --network $net" "$id"
		docker_cmd network rm "$net" >/dev/null 2>&1
		return
	fi
	ip=$(docker_cmd inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$id")
	ns=$(docker_cmd inspect -f '{{.NetworkSettings.SandboxKey}}' "$id")
	if [[ ! $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
		bad "docker inspect: the container's IP" "'$ip'"
	elif page=$(http_page "http://$ip/") && [[ $page == *"hello from husk"* ]]; then
		ok "curl http://$ip/: the guest answers at the container's IP $M"
	else
		bad "curl http://$ip/ $M" "'${page:-no answer}'; logs: $(docker_cmd logs "$id" 2>&1 | tail -n 3)"
	fi
	if nsenter --net="$ns" ip -o link show husk-tap0 >/dev/null 2>&1; then
		ok "docker: the guest's TAP is in the container's namespace"
	else
		bad "docker: the guest's TAP is in the container's namespace" "no husk-tap0 in '$ns'"
	fi
	expect "docker stop (network)" 0 "$id" docker_cmd stop -t 5 "$id"
	# It was this guest that answered: nothing does once it is gone.
	if [ -n "$page" ] && curl -sf -m 2 "http://$ip/" >/dev/null 2>&1; then
		bad "after docker stop, nothing answers at $ip" "something still does"
	elif [ -n "$page" ]; then
		ok "after docker stop, nothing answers at $ip"
	fi
	expect "docker rm (network)" 0 "$id" docker_cmd rm "$id"
	expect "docker network rm" 0 "$net" docker_cmd network rm "$net"
	no_engine_residue "docker (network): no monitor, runtime state, namespace or TAP left" \
		"$ENG/dexec/runtime-husk/moby/$id" "$ns"
}

if command -v dockerd >/dev/null && command -v containerd >/dev/null; then
	docker_part
	if command -v curl >/dev/null; then
		docker_net_part
	else
		skip "docker network" "curl is not installed"
	fi
else
	skip "docker" "dockerd or containerd is not installed (scripts/setup.sh)"
fi

# ---- part 3: podman and ctr ----

# podman as users register husk (containers.conf, no --root): the
# runtime's state is under its default root. A --root through
# --runtime-flag would not do: podman's exit command (container
# cleanup, which deletes a container that ended by itself) does not pass
# runtime flags on. The networks are ours too (network_config_dir).
PODMAN=()
PODMAN_NET=husk-rt-pnet
PODMAN_RT_ROOT=/run/husk-runtime

podman_setup() {
	mkdir -p "$ENG/podman/net"
	cat >"$ENG/containers.conf" <<-EOF
	[containers]
	default_ulimits = ["nofile=20000:20000"]
	[engine]
	runtime = "runc"
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	[engine.runtimes]
	husk = ["$RT"]
	[network]
	network_config_dir = "$ENG/podman/net"
	EOF
	PODMAN=(timeout "$ENG_TIMEOUT" env CONTAINERS_CONF="$ENG/containers.conf" podman
		--root "$ENG/podman/root" --runroot "$ENG/podman/run"
		--storage-driver vfs --tmpdir "$ENG/podman/tmp")
}

# What an interrupted podman part left: containers (their conmons die
# with engines_stop), the bridge network and its host-local leases.
podman_cleanup() {
	[ ${#PODMAN[@]} -gt 0 ] || return 0
	"${PODMAN[@]}" --runtime husk rm -f -a -t 0 >/dev/null 2>&1
	"${PODMAN[@]}" network rm -f "$PODMAN_NET" >/dev/null 2>&1
	rm -rf "/var/lib/cni/networks/$PODMAN_NET"
	PODMAN=()
}

# The detached life on --network none: run -d, logs, stop (the guest's
# SIGTERM handler), wait and inspect (its status), rm.
podman_detached() {
	local id ns st
	id=$("${PH[@]}" run -d --network none husk-busy sh -c "$TERM_PROG" 2>&1)
	if [[ ! $id =~ ^[0-9a-f]{64}$ ]]; then
		bad "podman run -d" "$id"
		return
	fi
	ok "podman run -d: prints the container's id"
	ns=$("${PODMAN[@]}" inspect -f '{{.NetworkSettings.SandboxKey}}' "$id")
	if until_ok 120 eval '"${PODMAN[@]}" logs "$id" 2>&1 | grep -qx started'; then
		ok "podman logs: the program's output $M"
	else
		bad "podman logs" "$("${PODMAN[@]}" logs "$id" 2>&1 | tail -n 3)"
	fi
	expect "podman inspect: running (husk-runtime state)" 0 '^running$' \
		"${PODMAN[@]}" inspect -f '{{.State.Status}}' "$id"
	expect "podman stop" 0 "$id" "${PH[@]}" stop -t 5 "$id"
	expect "podman wait: the program's exit status" 0 '^5$' "${PODMAN[@]}" wait "$id"
	st=$("${PODMAN[@]}" inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")
	if [ "$st" = "exited 5" ] && "${PODMAN[@]}" logs "$id" 2>&1 | grep -qx 'got TERM'; then
		ok "podman stop: the program's SIGTERM handler ran $M, status 5"
	else
		bad "podman stop: the program's SIGTERM handler" \
			"$st: $("${PODMAN[@]}" logs "$id" 2>&1 | tail -n 2)"
	fi
	expect "podman rm" 0 "$id" "${PH[@]}" rm "$id"
	no_engine_residue "podman: no monitor, runtime state, namespace or TAP left" \
		"$PODMAN_RT_ROOT/$id" "$ns"
}

# nat_rules ID: how many of the host's nat rules name the container.
nat_rules() {
	iptables -t nat -S 2>/dev/null | grep -c -- "$1"
}

# A CNI bridge network of our own: the guest answers curl at the
# container's IP, and rm leaves none of CNI's rules behind (its bridge
# plugin finds its masquerade rule by the interface's addresses at DEL).
podman_net() {
	local id ip ns rules page=""
	if ! "${PODMAN[@]}" load -i "$ENG/httpd.tar" >"$ENG/podman.log" 2>&1; then
		bad "podman load (httpd)" "$(tail -n 3 "$ENG/podman.log")"
		return
	fi
	if ! "${PODMAN[@]}" network create --disable-dns --subnet 10.213.9.0/24 \
		"$PODMAN_NET" >"$ENG/podman.log" 2>&1; then
		skip "podman bridge network" "podman network create: $(tail -n 1 "$ENG/podman.log")"
		return
	fi
	id=$("${PH[@]}" run -d --network "$PODMAN_NET" husk-httpd 2>&1)
	if [[ ! $id =~ ^[0-9a-f]{64}$ ]]; then
		# CNI's plugins failing on this machine are not husk's doing.
		if grep -qi 'cni\|plugin' <<<"$id"; then
			skip "podman bridge network" "$(tail -n 1 <<<"$id")"
		else
			bad "podman run -d --network $PODMAN_NET" "$id"
		fi
		return
	fi
	ip=$("${PODMAN[@]}" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$id")
	ns=$("${PODMAN[@]}" inspect -f '{{.NetworkSettings.SandboxKey}}' "$id")
	if [[ ! $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
		bad "podman inspect: the container's IP" "'$ip'"
	elif page=$(http_page "http://$ip/") && [[ $page == *"hello from husk"* ]]; then
		ok "podman: curl http://$ip/: the guest answers at the container's IP $M"
	else
		bad "podman: curl http://$ip/ $M" "'${page:-no answer}'; logs: $("${PODMAN[@]}" logs "$id" 2>&1 | tail -n 3)"
	fi
	if nsenter --net="$ns" ip -o link show husk-tap0 >/dev/null 2>&1; then
		ok "podman: the guest's TAP is in the container's namespace"
	else
		bad "podman: the guest's TAP is in the container's namespace" "no husk-tap0 in '$ns'"
	fi
	rules=$(nat_rules "$id")
	expect "podman stop (network)" 0 "$id" "${PH[@]}" stop -t 5 "$id"
	if [ -n "$page" ] && curl -sf -m 2 "http://$ip/" >/dev/null 2>&1; then
		bad "podman: after stop, nothing answers at $ip" "something still does"
	elif [ -n "$page" ]; then
		ok "podman: after stop, nothing answers at $ip"
	fi
	expect "podman rm (network)" 0 "$id" "${PH[@]}" rm "$id"
	if [ "$rules" = 0 ]; then
		skip "podman rm: CNI's nat rules gone" "CNI made none to look for (iptables?)"
	elif [ "$(nat_rules "$id")" = 0 ]; then
		ok "podman rm: CNI's nat rules for the container are gone"
	else
		bad "podman rm: CNI's nat rules for the container are gone" \
			"$(iptables -t nat -S | grep -- "$id" | head -n 2)"
	fi
	no_engine_residue "podman (network): no monitor, runtime state, namespace or TAP left" \
		"$PODMAN_RT_ROOT/$id" "$ns"
	expect "podman network rm" 0 "$PODMAN_NET" "${PODMAN[@]}" network rm "$PODMAN_NET"
	rm -rf "/var/lib/cni/networks/$PODMAN_NET" # host-local's leases
}

podman_part() {
	local PH
	podman_setup
	PH=("${PODMAN[@]}" --runtime husk --runtime-flag "cache=$ENG/cache")
	if ! "${PODMAN[@]}" load -i "$ENG/images.tar" >"$ENG/podman.log" 2>&1; then
		bad "podman load" "$(tail -n 3 "$ENG/podman.log")"
		return
	fi
	expect "podman run --runtime husk: output and exit status $M" 3 \
		'^hello world from /hello$' "${PH[@]}" run --rm --network none husk-hello
	expect "podman run --runtime husk busybox $M" 5 '^podman$' "${PH[@]}" \
		run --rm --network none husk-busy sh -c 'echo podman; exit 5'
	podman_detached
	if [ ! -f "$ENG/httpd.tar" ]; then
		skip "podman bridge network" "no HTTP server image: the docker network part did not make it"
	else
		podman_net
	fi
	podman_cleanup
}

# ctr_task_is ID STATUS: ctr task ls shows the task so.
ctr_task_is() {
	"${C[@]}" task ls | grep -Eq "^$1 +[0-9]+ +$2( |$)"
}

# ctr_life ID NAME SIGNAL STATUS [ctr run OPTIONS...]: one detached task:
# run -d with its output to a file (--log-uri), task ls, the network the
# monitor has (NAME says which), task kill SIGNAL, the status through
# task delete, container delete, and no residue.
ctr_life() {
	local id=$1 what=$2 sig=$3 want=$4 log=$ENG/$1.log pid out
	shift 4
	if ! out=$("${C[@]}" run -d "${CR[@]}" --log-uri "file://$log" "$@" \
		docker.io/library/husk-busy:latest "$id" sh -c "$TERM_PROG" 2>&1); then
		bad "ctr run -d ($what)" "$(tail -n 2 <<<"$out")"
		return
	fi
	ok "ctr run -d ($what)"
	if until_ok 120 grep -qx started "$log"; then
		ok "ctr run --log-uri file://: the program's output ($what) $M"
	else
		bad "ctr run --log-uri file://: the program's output ($what)" "$(tail -n 3 "$log" 2>&1)"
	fi
	if ctr_task_is "$id" RUNNING; then
		ok "ctr task ls: RUNNING ($what)"
	else
		bad "ctr task ls: RUNNING ($what)" "$("${C[@]}" task ls 2>&1)"
	fi
	pid=$("${C[@]}" task ls | awk -v id="$id" '$1 == id { print $2 }')
	case $what in
	new) ctr_network_new "$pid" ;;
	host) ctr_network_host "$pid" ;;
	esac
	expect "ctr task kill${sig:+ -s $sig} ($what)" 0 "" "${C[@]}" task kill ${sig:+-s "$sig"} "$id"
	if until_ok 30 ctr_task_is "$id" STOPPED; then
		ok "ctr task ls: STOPPED ($what)"
	else
		bad "ctr task ls: STOPPED ($what)" "$("${C[@]}" task ls 2>&1)"
	fi
	# ctr 1.6 has no task wait; task delete reports a non-zero status.
	out=$("${C[@]}" task delete "$id" 2>&1)
	if [ "$want" = 5 ] && [[ $out == *"exit code 5"* ]] && grep -qx 'got TERM' "$log"; then
		ok "ctr task kill: the program's SIGTERM handler ran $M, status 5"
	elif [ "$want" != 5 ] && [[ $out == *"exit code $want"* ]] && ! grep -q 'got TERM' "$log"; then
		ok "ctr task kill -s $sig: the VM ends, status $want"
	else
		bad "ctr task kill ($what): status $want" "$out; $(tail -n 2 "$log")"
	fi
	expect "ctr container delete ($what)" 0 "" "${C[@]}" container delete "$id"
	no_engine_residue "ctr ($what): no monitor, runtime state or TAP left" \
		"$ENG/ctr-runc/husk-test/$id"
}

# ctr_network_new PID: ctr's config.json asks for a new network
# namespace and nobody configures it: only lo there, and no NIC.
ctr_network_new() {
	local links
	links=$(nsenter --net="/proc/$1/ns/net" ip -o link show 2>&1 | awk '{ print $2 }')
	if [ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ] &&
		[ "$links" = "lo:" ] && ! tr '\0' '\n' <"/proc/$1/cmdline" | grep -qxE -- '--net|-netdev'; then
		ok "ctr: a new network namespace with only lo, and no NIC"
	else
		bad "ctr: a new network namespace with only lo" "links '$links' of pid '$1'"
	fi
}

# ctr_network_host PID: --net-host names no network namespace: the
# monitor is in the host's, whose network is never touched: no NIC.
ctr_network_host() {
	if [ -n "$1" ] && [ "$(readlink "/proc/$1/ns/net")" = "$(readlink /proc/self/ns/net)" ] &&
		! tr '\0' '\n' <"/proc/$1/cmdline" | grep -qxE -- '--net|-netdev' &&
		! ip -o link show husk-tap0 >/dev/null 2>&1; then
		ok "ctr --net-host: the host's network namespace, untouched, and no NIC"
	else
		bad "ctr --net-host: the host's network namespace, untouched" "pid '$1'"
	fi
}

ctr_part() {
	local C CR
	if ! containerd_start; then
		bad "containerd" "did not come up: $(tail -n 3 "$ENG/containerd.log")"
		return
	fi
	C=(timeout "$ENG_TIMEOUT" ctr --address "$ENG/ctrd.sock" --namespace husk-test)
	# The runc shim runs husk-runtime with --root RUNC-ROOT/NAMESPACE.
	CR=(--runc-binary "$RT" --runc-root "$ENG/ctr-runc")
	if ! "${C[@]}" images import "$ENG/images.tar" >"$ENG/ctr.log" 2>&1; then
		bad "ctr images import" "$(tail -n 3 "$ENG/ctr.log")"
		return
	fi
	expect "ctr run --runc-binary: output and exit status $M" 3 \
		'^hello world from /hello$' "${C[@]}" run --rm "${CR[@]}" \
		docker.io/library/husk-hello:latest husk-ctr-1
	no_engine_residue "ctr run --rm: no monitor, runtime state or TAP left" \
		"$ENG/ctr-runc/husk-test/husk-ctr-1"
	ctr_life husk-ctr-2 new "" 5
	ctr_life husk-ctr-3 host SIGKILL 137 --net-host
}

if [ ! -f "$ENG/images.tar" ]; then
	skip "podman and ctr" "no images: the docker part did not make them"
else
	if command -v podman >/dev/null && command -v conmon >/dev/null; then
		podman_part
	else
		skip "podman" "podman or conmon is not installed (scripts/setup.sh)"
	fi
	if command -v containerd >/dev/null && command -v ctr >/dev/null; then
		ctr_part
	else
		skip "ctr" "containerd is not installed (scripts/setup.sh)"
	fi
fi
exit 0
