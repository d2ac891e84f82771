#!/bin/bash
# Unmodified Debian nginx and redis-server in husk (issue 4), reached from
# the host: on QEMU microvm (virtio-mmio) through
# QEMU's user networking and hostfwd, and on husk-vmm (inside the nested
# KVM guest) through `-p`. The checks are in tests/apps/checks.bash.
#
# Each server gets its own guest; every wait is bounded; the guests are
# killed on exit. BACKENDS (as for tests/run.sh) picks the backends.
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
case $B in /*) BD=$B ;; *) BD=$PWD/$B ;; esac
SUITE=apps
# shellcheck source=tests/suites/common.bash
. tests/suites/common.bash
# shellcheck source=tests/apps/checks.bash
. tests/apps/checks.bash
T=$(mktemp -d /tmp/husk-apps-XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
BACKS=${BACKENDS:-vmm microvm q35}

for t in curl wrk redis-cli redis-benchmark; do
	if ! command -v $t >/dev/null; then
		skip "all" "$t is not installed (scripts/setup.sh installs it)"
		exit 0
	fi
done
if ! make -s BUILD="$B" "$B/tests/apps.cpio" >"$T/make.log" 2>&1; then
	skip "all" "the application root filesystem could not be built: $(tail -n 1 "$T/make.log")"
	exit 0
fi
CPIO=$BD/tests/apps.cpio
SUM=$(sha256sum "$BD/tests/apps/srv/www/big.bin" | cut -d' ' -f1)
NGINX=(/usr/sbin/nginx -e stderr -c /etc/nginx/nginx.conf)
REDIS=(/usr/bin/redis-server --port 6379 --save "" --appendonly no
	--protected-mode no --daemonize no)

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# qemu_case MACHINE NAME GUESTPORT CHECK ARGS...: boots ARGS with the
# guest port forwarded, waits for the server, runs CHECK LABEL PORT.
qemu_case() {
	local m=$1 name=$2 gport=$3 check=$4 port pid label="qemu $m"
	shift 4
	port=$(free_port)
	scripts/qemu-run.sh --machine "$m" --mem "${CASE_MEM:-256M}" \
		--net "user,hostfwd=tcp:127.0.0.1:$port-:$gport" \
		--initrd "$CPIO" "$BD/husk.elf" -- "$@" >"$T/$m-$name.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	label="qemu $m $(sed -n 's/^qemu-run: [a-z0-9]* on //p' "$T/$m-$name.log" 2>/dev/null | head -n 1)"
	if ! wait_server 180 "$name" "$port" "$pid"; then
		bad "$label: $name starts and answers" "$(tail -n 5 "$T/$m-$name.log" | tr '\n' ' ')"
		kill "$pid" 2>/dev/null
		return
	fi
	label="qemu $m $(sed -n 's/^qemu-run: [a-z0-9]* on //p' "$T/$m-$name.log" | head -n 1)"
	"$check" "$label" "$port"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# wait_server SECONDS NAME PORT PID: until the server answers; 1 when the
# time is up or the guest is gone.
wait_server() {
	local end=$((SECONDS + $1))
	while kill -0 "$4" 2>/dev/null && [ $SECONDS -lt $end ]; do
		case $2 in
		nginx) curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$3/" && return 0 ;;
		redis) [ "$(redis-cli -p "$3" ping 2>/dev/null)" = PONG ] && return 0 ;;
		esac
		sleep 0.5
	done
	return 1
}

nginx_check() { nginx_checks "$1" "$2" "$SUM"; }
redis_check() { redis_checks "$1" "$2"; }
redis_small_check() { redis_checks "$1 in 30 MiB" "$2"; }

# QEMU microvm only: q35's virtio-pci driver is covered by tests/suites/
# net.sh, and each of these boots costs a minute of emulated CPU.
for m in microvm; do
	case " $BACKS " in *" $m "*) ;; *) continue ;; esac
	qemu_case "$m" nginx 80 nginx_check "${NGINX[@]}"
	qemu_case "$m" redis 6379 redis_check "${REDIS[@]}"
	# Guest memory: the initrd is 20 MB of it, redis's files 17 MB. Its
	# mapped pages must be the initrd's own (kernel/sys/mmap_private.c):
	# it serves from 28 MiB; copied in full at mmap it needed 44, and
	# copied on first touch, ~32.
	CASE_MEM=30M qemu_case "$m" redis 6379 redis_small_check "${REDIS[@]}"
done

# husk-vmm: one nested guest runs both servers in turn with -p.
case " $BACKS " in *" vmm "*) ;; *) exit 0 ;; esac
if ! scripts/nested-kvm/run.sh --check >/dev/null 2>&1; then
	skip "husk-vmm" "nested KVM is unavailable: $(scripts/nested-kvm/run.sh --check 2>&1 | tail -n 1)"
	exit 0
fi
cat >"$T/nested.sh" <<NESTED
#!/bin/bash
SUITE=apps
. $PWD/tests/suites/common.bash
. $PWD/tests/apps/checks.bash
vmm_case() { # NAME GUESTPORT CHECK ARGS...
	local name=\$1 gport=\$2 check=\$3 pid
	shift 3
	$BD/bin/husk-vmm --mem 256M -p 8080:\$gport --initrd $CPIO $BD/husk.elf -- "\$@" >/tmp/\$name.log 2>&1 &
	pid=\$!
	case \$name in
	nginx) up() { curl -s --max-time 5 -o /dev/null http://127.0.0.1:8080/; } ;;
	redis) up() { [ "\$(redis-cli -p 8080 ping 2>/dev/null)" = PONG ]; } ;;
	esac
	if until_ok 60 up; then
		\$check "husk-vmm nested-kvm" 8080
	else
		bad "husk-vmm nested-kvm: \$name starts and answers" "\$(tail -n 5 /tmp/\$name.log | tr '\n' ' ')"
	fi
	kill \$pid; wait \$pid
}
nginx_check() { nginx_checks "\$1" "\$2" $SUM; }
redis_check() { redis_checks "\$1" "\$2"; }
vmm_case nginx 80 nginx_check ${NGINX[*]}
vmm_case redis 6379 redis_check /usr/bin/redis-server --port 6379 --save "" --appendonly no --protected-mode no --daemonize no
NESTED
chmod +x "$T/nested.sh"
files=()
for f in "$BD/bin/husk-vmm" "$BD/husk.elf" "$CPIO" "$T/nested.sh" tests/suites/common.bash \
	tests/apps/checks.bash /bin/bash "$(command -v curl)" "$(command -v wrk)" \
	"$(command -v redis-cli)" "$(command -v redis-benchmark)" "$(command -v sha256sum)" \
	"$(command -v timeout)"; do
	case $f in /*) ;; *) f=$PWD/$f ;; esac
	files+=(--file "$f")
done
scripts/nested-kvm/run.sh --timeout 600 --mem 1G "${files[@]}" -- /bin/bash "$T/nested.sh" 2>&1 |
	grep -E '^(PASS|FAIL|SKIP): '
