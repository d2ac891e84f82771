#!/bin/bash
# Guest memory benchmark (not a test; issue 4's memory targets: nginx
# serving under load in 16 MB of guest RAM, redis in 32 MB): for each
# server, the smallest guest memory (--mem) at which it starts and serves
# a short load without a single error.
#
# Each server gets a root filesystem of its own holding only it, its
# shared libraries and loader (from $BUILD/tests/apps, the application
# tests' tree: tests/apps/mkroot.sh), so the initrd, which lives in guest
# RAM, is what an image of that one program would carry. For each size in
# SIZES (MiB, ascending) the server boots in a fresh guest and is loaded:
#   nginx   wrk -t1 -c20 -d${DURATION}s --timeout 10s (the tests' own: under
#           TCG a first answer can take seconds) on the 57-byte index.html
#   redis   redis-benchmark -c 20 -n $REDIS_N -t set,get
# A size passes when the server answers within UP_WAIT seconds, the client
# reports no error (socket errors, non-2xx, a failed exit) and the server
# is still running after it. The guest's own memory accounting does not
# depend on the accelerator, so this runs on husk-vmm when /dev/kvm works
# and on QEMU microvm (TCG) otherwise: the figures are the same; only the
# throughput printed beside them is not comparable.
#
#   usage: bench/mem.sh [nginx|redis]...      (default both)
#   environment: BUILD (build), SIZES ("12 16 20 24 28 32 40 48 64"),
#   DURATION (wrk seconds, 5), REDIS_N (2000), UP_WAIT (120)
set -u
cd "$(dirname "$0")/.."
B=${BUILD:-build}
case $B in /*) BD=$B ;; *) BD=$PWD/$B ;; esac
SIZES=${SIZES:-12 16 20 24 28 32 40 48 64}
DURATION=${DURATION:-5}
REDIS_N=${REDIS_N:-2000}
UP_WAIT=${UP_WAIT:-120}
APPS=("$@")
[ ${#APPS[@]} -gt 0 ] || APPS=(nginx redis)

say() { echo "mem.sh: $*" >&2; }
die() { say "$*"; exit 2; }

for t in curl wrk redis-cli redis-benchmark python3; do
	command -v $t >/dev/null || die "$t is not installed (scripts/setup.sh)"
done
make -s BUILD="$B" "$B/husk.elf" "$B/bin/husk-vmm" "$B/bin/husk" "$B/tests/apps.cpio" >/dev/null ||
	die "cannot build husk.elf, husk, husk-vmm and the application tree"
T=$(mktemp -d /tmp/husk-mem-XXXXXX)
GUEST=
cleanup() {
	[ -z "$GUEST" ] || kill "$GUEST" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; then
	MONITOR=husk-vmm
else
	MONITOR="qemu microvm"
fi

# root APP PROGRAM: $T/APP.cpio, the program with what ldd lists, the
# application tree's /etc, /srv, /tmp and /var (configuration, the page).
root() {
	local app=$1 prog=$2 src=$BD/tests/apps dst=$T/$1 l
	mkdir -p "$dst"
	(cd "$src" && cp -a --parents etc srv tmp var run data "$dst/")
	rm -f "$dst/srv/www/big.bin"
	(cd "$src" && cp -a --parents ".$prog" "$dst/")
	for l in $(ldd "$src$prog" | grep -o '/[^ ]*'); do
		(cd "$src" && cp -a --parents ".$l" "$dst/") ||
			die "$app: $l is not in $src (tests/apps/mkroot.sh)"
	done
	# Packed by husk itself (an image imported, a container created: the
	# root filesystem husk run would boot, ELF data page-aligned).
	HUSK_HOME=$T/home-$app "$BD/bin/husk" import "$dst" "mem-$app" >/dev/null &&
		HUSK_HOME=$T/home-$app "$BD/bin/husk" create "mem-$app" "$prog" >/dev/null ||
		die "$app: husk cannot pack $dst"
	cp "$T/home-$app"/rootfs/*.cpio "$T/$app.cpio"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# boot MEM PORT GUESTPORT ARGS...: the guest in the background ($GUEST),
# its console in $T/guest.log.
boot() {
	local mem=$1 port=$2 gport=$3
	shift 3
	if [ "$MONITOR" = husk-vmm ]; then
		"$BD/bin/husk-vmm" --mem "$mem" -p "127.0.0.1:$port:$gport" \
			--initrd "$CPIO" "$BD/husk.elf" -- "$@" >"$T/guest.log" 2>&1 &
	else
		scripts/qemu-run.sh --machine microvm --mem "$mem" \
			--net "user,hostfwd=tcp:127.0.0.1:$port-:$gport" \
			--initrd "$CPIO" "$BD/husk.elf" -- "$@" >"$T/guest.log" 2>&1 &
	fi
	GUEST=$!
}

up_nginx() { curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/" | grep -qx 200; }
up_redis() { [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ]; }

# load_nginx PORT / load_redis PORT: 0 and a figure when no error.
load_nginx() {
	local out
	out=$(wrk -t1 -c20 -d"${DURATION}s" --timeout 10s "http://127.0.0.1:$1/" 2>&1) || { echo "wrk failed"; return 1; }
	if grep -qE 'Socket errors|Non-2xx' <<<"$out"; then
		grep -E 'Socket errors|Non-2xx' <<<"$out" | tr -s ' ' | tr '\n' ' '
		return 1
	fi
	sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1 requests\/s/p' <<<"$out"
}
load_redis() {
	local out
	out=$(redis-benchmark -p "$1" -c 20 -n "$REDIS_N" -t set,get -q 2>&1) || { echo "redis-benchmark failed"; return 1; }
	grep -qiE 'error|refused' <<<"$out" && { grep -iE 'error|refused' <<<"$out" | head -n 1; return 1; }
	tr '\r' '\n' <<<"$out" | grep -E '^(SET|GET): [0-9.]+ requests per second' |
		sed 's/ *requests per second.*/ requests\/s/' | tr '\n' ' '
}

# try APP MIB: one boot at MIB MiB; prints a result line, 0 when it passed.
try() {
	local app=$1 mib=$2 port gport result rc=1 end
	port=$(free_port)
	case $app in
	nginx) gport=80; boot "${mib}M" "$port" 80 /usr/sbin/nginx -e stderr -c /etc/nginx/nginx.conf ;;
	redis) gport=6379; boot "${mib}M" "$port" 6379 /usr/bin/redis-server --port 6379 \
		--save "" --appendonly no --protected-mode no --daemonize no ;;
	esac
	end=$((SECONDS + UP_WAIT))
	until "up_$app" "$port"; do
		if ! kill -0 "$GUEST" 2>/dev/null || [ $SECONDS -ge $end ]; then
			result="does not start: $(grep -v '^qemu-run:' "$T/guest.log" | tail -n 1)"
			break
		fi
		sleep 1
	done
	if [ -z "${result:-}" ]; then
		if result=$("load_$app" "$port") && kill -0 "$GUEST" 2>/dev/null; then
			rc=0
		elif ! kill -0 "$GUEST" 2>/dev/null; then
			result="died under load: $(tail -n 1 "$T/guest.log")"
		fi
	fi
	kill "$GUEST" 2>/dev/null
	wait "$GUEST" 2>/dev/null
	GUEST=
	printf '  %-6s %4s MiB  %-5s %s\n' "$app" "$mib" "$([ $rc = 0 ] && echo ok || echo FAIL)" "$result"
	return $rc
}

echo "mem.sh: $(date -u +%F), $(nproc) CPUs, guests on $MONITOR, sizes $SIZES MiB"
for app in "${APPS[@]}"; do
	case $app in
	nginx) root nginx /usr/sbin/nginx ;;
	redis) root redis /usr/bin/redis-server ;;
	*) die "unknown server $app (nginx or redis)" ;;
	esac
	CPIO=$T/$app.cpio
	echo "$app: initrd $(($(stat -c %s "$CPIO") / 1024)) KiB ($(cd "$T/$app" && find . -type f | wc -l) files)"
	least=
	for mib in $SIZES; do
		if try "$app" "$mib"; then
			least=$mib
			break
		fi
	done
	echo "$app: smallest guest memory that served without error: ${least:-none of $SIZES} MiB"
done
