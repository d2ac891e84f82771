#!/bin/bash
# Containers end to end (run by tests/run.sh with BUILD set): run, create,
# start, ps, logs, stop, kill, rm, wait, inspect, container prune.
#
# The host part runs husk directly. It needs no KVM: HUSK_VMM points at a
# stand-in monitor (a shell script) that prints the command line husk gave
# it and behaves as told (exit, print, wait for SIGTERM), which checks the
# records, the supervisor, the logs, signals and the exit statuses.
#
# The guest part boots the real husk-vmm once, inside the nested Linux
# guest (scripts/nested-kvm/run.sh), with every case in one script. Where
# nested KVM cannot come up, each of those cases prints SKIP with the reason.
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
case $B in /*) BD=$B ;; *) BD=$PWD/$B ;; esac
H=$BD/bin/husk
T=$(mktemp -d /tmp/husk-run-XXXXXX)
export HUSK_HOME=$T/home
unset SOURCE_DATE_EPOCH HUSK_VMM HUSK_KERNEL
trap 'rm -rf "$T"' EXIT

SUITE=run
# shellcheck source=tests/suites/common.bash
. tests/suites/common.bash


if [ ! -x "$H" ]; then
	bad "husk" "$H was not built"
	exit 0
fi

# ---- an image: busybox and test programs ----
mkdir -p "$T/root/bin" "$T/root/tmp" "$T/root/etc"
cp /bin/busybox "$T/root/bin/busybox" 2>/dev/null || printf '#!/bin/sh\n' >"$T/root/bin/busybox"
chmod 755 "$T/root/bin/busybox"
ln -s busybox "$T/root/bin/sh"
for p in hello-musl signals-musl; do
	[ -f "$BD/tests/rootfs/bin/$p" ] && cp "$BD/tests/rootfs/bin/$p" "$T/root/bin/"
done
echo "not a command" >"$T/root/etc/data"
img=$("$H" import "$T/root" img 2>&1) || bad "import" "$img"

# ---- errors, before anything runs ----
expect "run -p with a bad port is 125" 125 'invalid publish spec "8080:99999": the container port must be a number' "$H" run -p 8080:99999 img /bin/sh
expect "run -p with --network none is 125" 125 'publishing a port needs --network user' "$H" run -p 80:80 --network none img /bin/sh
expect "run --network host is 125" 125 '--network host: expected none, user, bridge or tap:NAME' "$H" run --network host img /bin/sh
expect "a missing image is 125 with Docker's message" 125 "Unable to find image 'nosuch:latest' locally" "$H" run nosuch
expect "a bad image name is 125" 125 'invalid reference format' "$H" run Bad:Name
expect "a command not in the image is 127" 127 'exec: "nosuchcmd": executable file not found in \$PATH' "$H" create img nosuchcmd
expect "a file without x bits is not a command" 127 'executable file not found' "$H" create img data
expect "an image without a command" 125 'No command specified' "$H" create img
expect "a memory below 6MB is refused" 125 'Minimum memory limit allowed is 6MB' "$H" create -m 1k img /bin/sh
expect "a bad memory size is refused" 125 'invalid size' "$H" create -m lots img /bin/sh
printf 'A=1\n# comment\n\nBAD KEY=2\n' >"$T/bad.env"
expect "a bad env file names its line" 125 "$T/bad.env:4: variable 'BAD KEY' contains whitespaces" "$H" create --env-file "$T/bad.env" img /bin/sh
expect "a relative -w is refused" 125 'needs to be an absolute path' "$H" create -w tmp img /bin/sh
expect "an invalid name is refused" 125 'Invalid container name' "$H" create --name 'a b' img /bin/sh
expect "unknown container is exit 1" 1 'No such container: ghost' "$H" stop ghost
expect "run without an image is a usage error" 125 'requires at least 1 argument' "$H" run

# ---- records ----
printf 'FROM_FILE=yes\n' >"$T/good.env"
id=$("$H" create --name first -e A=1 --env-file "$T/good.env" -w /tmp img sh -c 'echo hi' 2>&1)
if [[ $id =~ ^[0-9a-f]{64}$ ]]; then ok "create prints the full ID"; else bad "create" "$id"; fi
expect "create: the command is looked up along PATH" 0 '^/bin/sh \[-c echo hi\]$' "$H" inspect -f '{{.Path}} {{.Args}}' first
expect "create: -e and --env-file" 0 '^\[A=1 FROM_FILE=yes\]$' "$H" inspect -f '{{.Config.Env}}' first
expect "create: -w" 0 '^/tmp$' "$H" inspect -f '{{.Config.WorkingDir}}' first
expect "inspect: State of a created container" 0 '^created false 0$' "$H" inspect -f '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}' first
expect "inspect: Name and Image" 0 "^/first sha256:[0-9a-f]{64}$" "$H" inspect -f '{{.Name}} {{.Image}}' first
expect "a name in use is refused" 125 'The container name "/first" is already in use' "$H" create --name first img /bin/sh
expect "ps hides containers that do not run" 0 '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$' "$H" ps
expect "ps -a shows created ones" 0 "^${id:0:12} +img +\"/bin/sh -c echo hi\" +.* ago +Created +first$" "$H" ps -a
expect "ps -a --no-trunc" 0 "^$id " "$H" ps -a --no-trunc
expect "ps -q" 0 "^${id:0:12}$" "$H" ps -aq
expect "ps --format" 0 '^first created$' "$H" ps -a --format '{{.Names}} {{.State}}'
second=$("$H" create img /bin/sh)
expect "a generated name is adjective_surname" 0 '^/[a-z]+_[a-z]+$' "$H" inspect -f '{{.Name}}' "$second"
expect "rm by ID prefix" 0 "^${second:0:6}$" "$H" rm "${second:0:6}"
expect "rm by name" 0 '^first$' "$H" rm first
expect "rm'ed containers are gone" 1 'No such (image|container|object): first' "$H" inspect first
[ "$(ls "$HUSK_HOME/rootfs/"*.cpio 2>/dev/null | wc -l)" = 1 ] && ok "the root filesystem is cached once" ||
	bad "rootfs cache" "$(ls "$HUSK_HOME/rootfs" 2>&1)"
cpio -it <"$HUSK_HOME/rootfs/"*.cpio 2>/dev/null | grep -qx 'bin/hello-musl' && ok "the cached cpio holds the image's files" ||
	bad "rootfs content" "$(cpio -it <"$HUSK_HOME/rootfs/"*.cpio 2>&1 | head -n 5)"

# ---- running, with a stand-in monitor ----
cat >"$T/fake-vmm" <<'EOF'
#!/bin/bash
# Stands in for husk-vmm: prints its command line, then does $FAKE; with
# --status-fd N, as husk-vmm, it writes its exit status to N on the way out.
echo "vmm: $*"
sfd=
[ "$1" = --status-fd ] && sfd=$2
finish() {
	[ -z "$sfd" ] || echo "$1" >&"$sfd"
	exit "$1"
}
case ${FAKE:-exit} in
exit) finish "${FAKE_STATUS:-42}" ;;
talk) echo "to stdout"; echo "to stderr" >&2; finish 5 ;;
term)
	trap 'echo "got TERM"; finish 7' TERM
	echo "waiting"
	while :; do sleep 0.05; done ;;
deaf)
	trap '' TERM
	echo "ignoring TERM"
	while :; do sleep 0.05; done ;;
esac
EOF
chmod +x "$T/fake-vmm"
export HUSK_VMM=$T/fake-vmm HUSK_KERNEL=$T/fake-vmm
cpio=$(ls "$HUSK_HOME/rootfs/"*.cpio)
expect "run: husk-vmm's command line" 42 "^vmm: --status-fd [0-9]+ --mem 262144K --initrd $cpio -e K=v --cwd /tmp --cmdline hostname=[0-9a-f]{12} $T/fake-vmm -- /bin/hello-musl x y\$" "$H" run --rm -e K=v -w /tmp img /bin/hello-musl x y
expect "run -p: --net user and each port reach husk-vmm" 42 ' --net user -p 0\.0\.0\.0:8080:80/tcp -p 127\.0\.0\.1:9090:90/udp ' "$H" run --rm -p 8080:80 -p 127.0.0.1:9090:90/udp img /bin/sh
expect "run --network tap:NAME" 42 ' --net tap:tap7 ' "$H" run --rm --network tap:tap7 img /bin/sh
expect "run: no -p, no --network: no NIC" 42 '^vmm: --status-fd [0-9]+ --mem [0-9]+K --initrd [^ ]+ --cmdline hostname=[0-9a-f]{12} [^-]' "$H" run --rm img /bin/sh
expect "run --hostname reaches the guest" 42 ' --cmdline hostname=web ' "$H" run --rm --hostname web img /bin/sh
expect "run: the default host name is the short ID" 42 ' --cmdline hostname=[0-9a-f]{12} ' "$H" run --rm --name named img /bin/sh
expect "inspect: NetworkSettings.Ports in Docker's shape" 0 '"80/tcp":\[\{"HostIp":"0\.0\.0\.0","HostPort":"8080"\}\]' \
	sh -c "'$H' create --name ported -p 8080:80 img /bin/sh >/dev/null && '$H' inspect ported | jq -c '.[0].NetworkSettings.Ports'"
"$H" rm ported >/dev/null
expect "run: -m in Docker's units" 42 '^vmm: --status-fd [0-9]+ --mem 524288K ' "$H" run --rm -m 512m img /bin/sh
# The root filesystem is loaded whole into the guest: -m must leave room.
mkdir -p "$T/bigroot/bin" && cp "$BD/tests/rootfs/bin/hello-musl" "$T/bigroot/bin/" &&
	head -c 7000000 /dev/zero >"$T/bigroot/blob" && "$H" import "$T/bigroot" bigimg >/dev/null
expect "run: -m too small for the image's root filesystem is refused, with what to give" 125 \
	"root filesystem \(6\.[0-9] MiB\) leaves less than 2 MiB of the guest's 8\.0 MiB of memory for the program: give it more \(-m [0-9]+m or more\)" \
	"$H" run --rm -m 8m bigimg /bin/hello-musl
expect "run: -m with room beside it starts the monitor" 42 '^vmm: ' "$H" run --rm -m 9m bigimg /bin/hello-musl
"$H" rmi bigimg >/dev/null
expect "run: options after IMAGE belong to the program" 42 ' -- /bin/sh -d --rm$' "$H" run --rm img /bin/sh -d --rm
[ -z "$("$H" ps -aq)" ] && ok "run --rm leaves no record" || bad "run --rm" "$("$H" ps -a)"
expect "run: the exit status is the program's" 9 '' env FAKE_STATUS=9 "$H" run --name nine img /bin/sh
expect "run: the record keeps the exit status" 0 '^exited 9$' "$H" inspect -f '{{.State.Status}} {{.State.ExitCode}}' nine
expect "ps: Exited (9)" 0 ' Exited \(9\) (Less than a second|[0-9]+ seconds?) ago +nine$' "$H" ps -a
expect "start -a runs it again" 9 '^vmm: ' env FAKE_STATUS=9 "$H" start -a nine

# Foreground: SIGTERM to husk goes on to the monitor.
FAKE=term "$H" run --rm img /bin/sh >"$T/fg.out" 2>&1 &
fg=$!
until_ok 10 grep -q waiting "$T/fg.out"
kill -TERM $fg
wait $fg
rc=$?
[ $rc = 7 ] && grep -q 'got TERM' "$T/fg.out" && ok "run: SIGTERM to husk reaches the monitor" ||
	bad "foreground SIGTERM" "status $rc: $(cat "$T/fg.out")"

# Foreground --rm: husk writes the record, then becomes the monitor.
# reap PID: waits for a child of ours, killing it after 20 s (a stop that
# failed must not hang the suite); returns its status. Polls its state
# until it ended: Z, or gone (bash reaps background children itself and
# keeps their status for wait).
reap() {
	local i=0
	while [ $i -lt 200 ] && [ -d "/proc/$1" ] &&
		[ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ $i -lt 200 ] || kill -KILL "$1" 2>/dev/null
	wait "$1"
}
# records: how many record directories there are beyond the $r0 before.
records() { echo $(($(find "$HUSK_HOME/containers" -mindepth 1 -maxdepth 1 -regextype egrep -regex '.*/[0-9a-f]{64}' | wc -l) - r0)); }
r0=0
"$H" ps -a >/dev/null # removes what earlier --rm runs left
r0=$(records)
FAKE=term "$H" run --rm img /bin/sh >"$T/fg.out" 2>&1 &
fg=$!
until_ok 10 grep -q waiting "$T/fg.out"
expect "run --rm: ps lists it while it runs" 0 '^[0-9a-f]{12} +img +"/bin/sh" .* Up .* [a-z]+_[a-z]+[0-9]?$' "$H" ps
fgid=$("$H" ps -q --no-trunc)
expect "run --rm: its pid is husk's own (husk became the monitor)" 0 "^running $fg\$" "$H" inspect -f '{{.State.Status}} {{.State.Pid}}' "$fgid"
expect "run --rm: stop by ID" 0 "^${fgid:0:12}\$" "$H" stop "${fgid:0:12}"
reap $fg
rc=$?
[ $rc = 7 ] && grep -q 'got TERM' "$T/fg.out" && ok "run --rm: stop ends it with the handler's status" ||
	bad "run --rm stopped" "status $rc: $(cat "$T/fg.out")"
[ -z "$("$H" ps -q)" ] && [ "$(records)" = 0 ] && ok "run --rm: no record left after it ends" ||
	bad "run --rm record" "$("$H" ps -a; ls "$HUSK_HOME/containers")"
FAKE=term "$H" run --rm --name fgnamed img /bin/sh >"$T/fg.out" 2>&1 &
fg=$!
until_ok 10 grep -q waiting "$T/fg.out"
expect "run --rm --name: ps shows the name" 0 ' Up .* fgnamed$' "$H" ps
expect "run --rm --name: the name is taken while it runs" 125 'The container name "/fgnamed" is already in use' "$H" create --name fgnamed img /bin/sh
expect "run --rm: kill -s TERM by name" 0 '^fgnamed$' "$H" kill -s TERM fgnamed
reap $fg
rc=$?
[ $rc = 7 ] && ok "run --rm: kill's signal reaches the handler" || bad "run --rm killed" "status $rc: $(cat "$T/fg.out")"
expect "run --rm: the name is free once it ended" 0 '^[0-9a-f]{64}$' "$H" create --name fgnamed img /bin/sh
"$H" rm fgnamed >/dev/null
FAKE=term "$H" run --rm --name fgwait img /bin/sh >"$T/fg.out" 2>&1 &
fg=$!
until_ok 10 grep -q waiting "$T/fg.out"
"$H" wait fgwait >"$T/wait.out" 2>&1 &
wp=$!
# Once wait found the record it polls it, asleep in clock_nanosleep (230):
# only then may the container end, or wait would not know it.
until_ok 10 grep -qE '^(230|35) ' "/proc/$wp/syscall"
kill -TERM $fg
reap $fg
reap $wp
rc=$?
[ $rc = 0 ] && [ "$(cat "$T/wait.out")" = 7 ] && ok "run --rm: wait prints the status the monitor wrote (--status-fd)" ||
	bad "run --rm wait" "status $rc: $(cat "$T/wait.out")"
# No status written (the monitor was killed): 137, as for any SIGKILL.
FAKE=deaf "$H" run --rm --name fgkilled img /bin/sh >"$T/fg.out" 2>&1 &
fg=$!
until_ok 10 grep -q 'ignoring TERM' "$T/fg.out"
"$H" wait fgkilled >"$T/wait.out" 2>&1 &
wp=$!
until_ok 10 grep -qE '^(230|35) ' "/proc/$wp/syscall"
"$H" kill fgkilled >/dev/null
reap $fg 2>/dev/null
reap $wp
rc=$?
[ $rc = 0 ] && [ "$(cat "$T/wait.out")" = 137 ] && ok "run --rm: wait on one killed with SIGKILL prints 137" ||
	bad "run --rm killed wait" "status $rc: $(cat "$T/wait.out")"
# Detached --rm: the supervisor writes the status before the record goes.
FAKE=term "$H" run -d --rm --name dwait img /bin/sh >/dev/null
until_ok 10 sh -c "'$H' logs dwait | grep -q waiting"
"$H" wait dwait >"$T/wait.out" 2>&1 &
wp=$!
until_ok 10 grep -qE '^(230|35) ' "/proc/$wp/syscall"
"$H" stop dwait >/dev/null
reap $wp
rc=$?
[ $rc = 0 ] && [ "$(cat "$T/wait.out")" = 7 ] && ok "run -d --rm: wait prints the status after the record went" ||
	bad "run -d --rm wait" "status $rc: $(cat "$T/wait.out")"
FAKE=term "$H" run --rm --name fgdead img /bin/sh >"$T/fg.out" 2>&1 &
fg=$!
until_ok 10 grep -q waiting "$T/fg.out"
kill -KILL $fg
reap $fg 2>/dev/null
[ "$(records)" = 1 ] && ok "run --rm killed with SIGKILL: its record stays until read" || bad "SIGKILL'ed run --rm" "$(records) records"
expect "run --rm killed: inspect finds nothing" 1 'No such (image|container|object): fgdead' "$H" inspect fgdead
[ "$(records)" = 0 ] && ! "$H" ps -a | grep -q fgdead && ok "run --rm killed: the reader removed the record" ||
	bad "dead run --rm record" "$(records) records: $("$H" ps -a)"
for i in 1 2 3; do "$H" run --rm img /bin/sh >/dev/null; done
"$H" ps -a >/dev/null
[ "$(records)" = 0 ] && [ "$(ls "$HUSK_HOME/containers/spare" | wc -l)" -le 8 ] && ok "run --rm, again and again: record directories are reused" ||
	bad "spare directories" "$(records) records, spare: $(ls "$HUSK_HOME/containers/spare")"

# Detached: supervisor, log, stop.
d=$(FAKE=term "$H" run -d -p 127.0.0.1:8080:80 -p 5353:53/udp --name svc img /bin/sh)
if [[ $d =~ ^[0-9a-f]{64}$ ]]; then ok "run -d prints the full ID"; else bad "run -d" "$d"; fi
expect "ps shows it Up, with its ports" 0 "^${d:0:12} +img .* Up (Less than a second|[0-9]+ seconds?) +0\.0\.0\.0:5353->53/udp, 127\.0\.0\.1:8080->80/tcp +svc$" "$H" ps
expect "inspect: running, with husk-vmm's pid" 0 '^running true [1-9][0-9]*$' "$H" inspect -f '{{.State.Status}} {{.State.Running}} {{.State.Pid}}' svc
until_ok 10 sh -c "'$H' logs svc | grep -q waiting" && ok "logs: the program's output" || bad "logs" "$("$H" logs svc 2>&1)"
expect "a running container is not removed without -f" 1 'You cannot remove a running container' "$H" rm svc
expect "stop: SIGTERM, the program's handler runs" 0 '^svc$' "$H" stop svc
expect "stop: exit status 7 recorded" 0 '^exited 7$' "$H" inspect -f '{{.State.Status}} {{.State.ExitCode}}' svc
expect "logs: the handler's output" 0 'got TERM' "$H" logs svc
expect "logs -t shows times" 0 '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z got TERM$' "$H" logs -t svc
expect "logs --tail 1" 0 '^got TERM$' sh -c "'$H' logs --tail 1 svc | wc -l | grep -qx 1 && '$H' logs --tail 1 svc"
d=$(FAKE=talk "$H" run -d --name talk img /bin/sh)
expect "wait prints the exit status" 0 '^5$' "$H" wait talk
expect "logs: stdout to stdout" 0 '^to stdout$' sh -c "'$H' logs talk 2>/dev/null | grep -v vmm:"
expect "logs: stderr to stderr" 0 '^to stderr$' sh -c "'$H' logs talk 2>&1 >/dev/null"
d=$(FAKE=deaf "$H" run -d --name deaf img /bin/sh)
until_ok 10 sh -c "'$H' logs deaf | grep -q ignoring"
expect "stop -t 1: SIGKILL after the timeout" 0 '^deaf$' "$H" stop -t 1 deaf
expect "a killed monitor is 137" 0 '^exited 137$' "$H" inspect -f '{{.State.Status}} {{.State.ExitCode}}' deaf
d=$(FAKE=term "$H" run -d --name kk img /bin/sh)
# Its TERM trap is set once it says "waiting" (a TERM before would kill it).
until_ok 10 sh -c "'$H' logs kk | grep -q waiting"
expect "kill -s TERM" 0 '^kk$' "$H" kill -s TERM kk
expect "kill: the status is recorded" 0 '^7$' "$H" wait kk
expect "kill of a stopped container is exit 1" 1 'is not running' "$H" kill kk
d=$(FAKE=term "$H" run -d --name lost img /bin/sh)
pid=$("$H" inspect -f '{{.State.Pid}}' lost)
sup=$(ps -o ppid= -p "$pid" | tr -d ' ')
kill -9 "$sup" "$pid"
until_ok 5 sh -c "! kill -0 $pid 2>/dev/null"
expect "a dead monitor and supervisor show as exited 137" 0 '^exited 137$' "$H" inspect -f '{{.State.Status}} {{.State.ExitCode}}' lost
d=$(FAKE=term "$H" run -d --name forced img /bin/sh)
expect "rm -f removes a running container" 0 '^forced$' "$H" rm -f forced
expect "rm -f: gone" 1 'No such (image|container|object): forced' "$H" inspect forced
d=$(FAKE=term "$H" run -d --rm --name auto img /bin/sh)
"$H" stop auto >/dev/null 2>&1
until_ok 5 sh -c "! '$H' inspect auto"
expect "run -d --rm: the supervisor removes the record" 1 'No such (image|container|object): auto' "$H" inspect auto
expect "run --entrypoint replaces the image's" 42 ' -- /bin/hello-musl arg$' "$H" run --rm --entrypoint /bin/hello-musl img arg
c=$("$H" create --name later img /bin/sh)
expect "start a created container" 0 '^later$' env FAKE=talk "$H" start later
expect "start: its status is recorded" 0 '^5$' "$H" wait later
d=$(FAKE=term "$H" run -d --name followed img /bin/sh)
"$H" logs -f followed >"$T/follow.out" 2>&1 &
lf=$!
until_ok 10 grep -q waiting "$T/follow.out"
"$H" stop followed >/dev/null
if until_ok 10 sh -c "! kill -0 $lf 2>/dev/null" && grep -q 'got TERM' "$T/follow.out"; then
	ok "logs -f follows until the container stops"
else
	kill $lf 2>/dev/null
	bad "logs -f" "$(cat "$T/follow.out")"
fi
expect "start: a stopped container runs again" 0 '^talk$' env FAKE=talk "$H" start talk
expect "start: exit status recorded again" 0 '^5$' "$H" wait talk
expect "container ls is ps" 0 'NAMES' "$H" container ls -a
expect "container prune -f" 0 '^Deleted Containers:' "$H" container prune -f
[ -z "$("$H" ps -aq)" ] && ok "container prune removed the stopped ones" || bad "prune" "$("$H" ps -a)"
unset HUSK_VMM HUSK_KERNEL

# ---- where KVM is unusable, run says it falls back to QEMU ----
# The stand-in is named husk-qemu so that husk gives it QEMU's command line.
mkdir -p "$T/q"
cp "$T/fake-vmm" "$T/q/husk-qemu"
note='^husk: /dev/kvm is not usable \(.+\); running under QEMU \(slower\)$'
qrun() { env HUSK_QEMU_WRAPPER="$T/q/husk-qemu" HUSK_QEMU="$T/fake-vmm" HUSK_KERNEL="$T/fake-vmm" "$@"; }
if ! env -u HUSK_MONITOR "$H" info | grep -q '^ *Monitor: *QEMU'; then
	for c in "run --rm" "run -d" "run -q" "HUSK_MONITOR=qemu"; do
		skip "the QEMU fallback note: $c" "KVM is usable here, so husk run does not fall back"
	done
else
	out=$(qrun env -u HUSK_MONITOR "$H" run --rm img /bin/sh 2>&1 >/dev/null)
	rc=$?
	[ $rc = 42 ] && [ "$(grep -cE "$note" <<<"$out")" = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] &&
		ok "the QEMU fallback note: run --rm says it once, on stderr" || bad "QEMU note (run --rm)" "status $rc: $out"
	out=$(qrun env -u HUSK_MONITOR FAKE=term "$H" run -d --name qd img /bin/sh 2>"$T/qd.err")
	[[ $out =~ ^[0-9a-f]{64}$ ]] && grep -qE "$note" "$T/qd.err" && ok "the QEMU fallback note: run -d" ||
		bad "QEMU note (run -d)" "$out / $(cat "$T/qd.err")"
	"$H" rm -f qd >/dev/null 2>&1
	out=$(qrun env -u HUSK_MONITOR "$H" run --rm -q img /bin/sh 2>&1)
	rc=$?
	[ $rc = 42 ] && ! grep -q 'not usable' <<<"$out" && grep -q '^vmm: ' <<<"$out" &&
		ok "the QEMU fallback note: run -q" || bad "QEMU note (run -q)" "status $rc: $out"
	out=$(qrun env HUSK_MONITOR=qemu "$H" run --rm img /bin/sh 2>&1)
	rc=$?
	[ $rc = 42 ] && ! grep -q 'not usable' <<<"$out" && ok "the QEMU fallback note: HUSK_MONITOR=qemu (asked for) says nothing" ||
		bad "QEMU note (HUSK_MONITOR=qemu)" "status $rc: $out"
fi
expect "the QEMU fallback note: none with a stand-in HUSK_VMM" 42 '^vmm: ' sh -c "! HUSK_VMM='$T/fake-vmm' HUSK_KERNEL='$T/fake-vmm' '$H' run --rm img /bin/sh 2>&1 | grep 'not usable'; HUSK_VMM='$T/fake-vmm' HUSK_KERNEL='$T/fake-vmm' '$H' run --rm img /bin/sh 2>&1"

# ---- system prune drops the cached root filesystem of a removed image ----
"$H" rmi img >/dev/null 2>&1
"$H" system prune -f >/dev/null 2>&1
[ ! -e "$cpio" ] && ok "system prune removes the rootfs of a removed image" || bad "rootfs prune" "$cpio still there"

# ---- the real husk-vmm, in one nested boot ----
GUEST_CASES=("run --rm prints and exits 3" "run --rm leaves no record"
	"run -d prints the ID" "ps shows it running" "logs shows its output"
	"stop: the handler ran, 7 recorded" "logs shows the handler's output" "rm"
	"wait prints 3" "a missing command exits 127" "a bad image name exits 125"
	"busybox along PATH with -e and -w" "SIGTERM to husk run reaches the program"
	"run --rm: ps lists it while it runs" "run --rm: husk is the monitor (no exec of husk-vmm)"
	"run --rm: stop by ID ends it with the handler's status"
	"run --rm: no record left after it ends" "run --rm: wait prints the status husk-vmm wrote"
	"run --rm -p: the page through slirp, then stop: 143"
	"stop -t 2 ends a guest deaf to SIGTERM (interrupts blocked): 137 after the timeout")
# A hostile guest (vmm/testdata/hostile_dev.c) as the kernel: `deaf`
# blocks every interrupt and spins, so SIGTERM cannot reach it.
make -s BUILD="$B" "$B/vmm/testdata/hostile_dev.elf" >/dev/null 2>&1
for f in "$BD/bin/husk-vmm" "$BD/husk.elf" "$BD/tests/rootfs/bin/hello-musl" "$BD/tests/rootfs/bin/signals-musl" \
	"$BD/vmm/testdata/hostile_dev.elf"; do
	if [ ! -f "$f" ]; then
		skip_guest "$f was not built"
		exit 0
	fi
done
if ! scripts/nested-kvm/run.sh --check >/dev/null 2>&1; then
	skip_guest "nested KVM is unavailable (scripts/nested-kvm/run.sh --check failed)"
	exit 0
fi
cat >"$T/guest.sh" <<EOF
#!/bin/sh
# Runs inside the nested guest; prints PASS:/FAIL: lines.
H=$H
BD=$BD
EOF
cat >>"$T/guest.sh" <<'EOF'
export HUSK_HOME=/tmp/husk-home
ok() { echo "PASS: run: husk-vmm: $1"; }
bad() { echo "FAIL: run: husk-vmm: $1: $2"; }
mkdir -p /tmp/r/bin /tmp/r/tmp
cp /bin/busybox $BD/tests/rootfs/bin/hello-musl $BD/tests/rootfs/bin/signals-musl $BD/tests/rootfs/bin/httpd-musl /tmp/r/bin/
ln -s busybox /tmp/r/bin/sh
$H import /tmp/r img >/dev/null || bad "import" "failed"
out=$($H run --rm img /bin/hello-musl x 2>&1); rc=$?
[ $rc = 3 ] && [ "$out" = "hello x from /bin/hello-musl" ] && ok "run --rm prints and exits 3" || bad "run --rm prints and exits 3" "status $rc: $out"
[ -z "$($H ps -aq)" ] && ok "run --rm leaves no record" || bad "run --rm leaves no record" "$($H ps -a)"
id=$($H run -d --name waiter img /bin/signals-musl wait-term 2>&1)
echo "$id" | grep -Eqx '[0-9a-f]{64}' && ok "run -d prints the ID" || bad "run -d prints the ID" "$id"
$H ps | grep -Eq ' Up .* waiter$' && ok "ps shows it running" || bad "ps shows it running" "$($H ps -a)"
n=0; until $H logs waiter | grep -q 'waiting for SIGTERM' || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
$H logs waiter | grep -q 'waiting for SIGTERM' && ok "logs shows its output" || bad "logs shows its output" "$($H logs waiter 2>&1)"
out=$($H stop waiter 2>&1); st=$($H inspect -f '{{.State.Status}} {{.State.ExitCode}}' waiter 2>&1)
[ "$out" = waiter ] && [ "$st" = "exited 7" ] && ok "stop: the handler ran, 7 recorded" || bad "stop: the handler ran, 7 recorded" "$out / $st"
$H logs waiter | grep -q 'got SIGTERM' && ok "logs shows the handler's output" || bad "logs shows the handler's output" "$($H logs waiter 2>&1)"
$H rm waiter >/dev/null && ! $H inspect waiter >/dev/null 2>&1 && ok "rm" || bad "rm" "still there"
id=$($H run -d img /bin/hello-musl bg)
out=$($H wait "$id" 2>&1)
[ "$out" = 3 ] && ok "wait prints 3" || bad "wait prints 3" "$out"
out=$($H run --rm img /bin/nope 2>&1); rc=$?
[ $rc = 127 ] && ok "a missing command exits 127" || bad "a missing command exits 127" "status $rc: $out"
out=$($H run --rm nosuch 2>&1); rc=$?
[ $rc = 125 ] && echo "$out" | grep -q "Unable to find image 'nosuch:latest' locally" && ok "a bad image name exits 125" || bad "a bad image name exits 125" "status $rc: $out"
out=$($H run --rm -e GREETING=hi -w /tmp img sh -c 'echo $GREETING from $PWD' 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "hi from /tmp" ] && ok "busybox along PATH with -e and -w" || bad "busybox along PATH with -e and -w" "status $rc: $out"
$H run --rm img /bin/signals-musl wait-term >/tmp/fg.out 2>&1 &
fg=$!
n=0; until grep -q 'waiting for SIGTERM' /tmp/fg.out || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
kill -TERM $fg; wait $fg; rc=$?
[ $rc = 7 ] && grep -q 'got SIGTERM' /tmp/fg.out && ok "SIGTERM to husk run reaches the program" || bad "SIGTERM to husk run reaches the program" "status $rc: $(cat /tmp/fg.out)"
# A foreground --rm run is listed, and stopped, by its record.
$H run --rm --name fgrm img /bin/signals-musl wait-term >/tmp/fgrm.out 2>&1 &
fg=$!
n=0; until grep -q 'waiting for SIGTERM' /tmp/fgrm.out || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
$H ps | grep -Eq ' Up .* fgrm$' && ok "run --rm: ps lists it while it runs" || bad "run --rm: ps lists it while it runs" "$($H ps -a 2>&1)"
# husk ran the monitor itself (vmm_main), not an exec of husk-vmm.
exe=$(readlink /proc/$fg/exe)
[ "$exe" = "$(readlink -f $H)" ] && ok "run --rm: husk is the monitor (no exec of husk-vmm)" || bad "run --rm: husk is the monitor (no exec of husk-vmm)" "pid $fg runs $exe"
id=$($H ps -q)
out=$($H stop "$id" 2>&1)
# Bounded: a stop that failed must not hang the boot (Z: it ended).
state() { sed 's/.*) //' /proc/$1/stat 2>/dev/null | cut -c1; }
n=0; while [ -d /proc/$fg ] && [ "$(state $fg)" != Z ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
[ $n -lt 300 ] || kill -KILL $fg
wait $fg; rc=$?
[ -n "$id" ] && [ "$out" = "$id" ] && [ $rc = 7 ] && grep -q 'got SIGTERM' /tmp/fgrm.out && ok "run --rm: stop by ID ends it with the handler's status" ||
	bad "run --rm: stop by ID ends it with the handler's status" "stop $id: $out; status $rc: $(cat /tmp/fgrm.out)"
! $H ps -a | grep -q fgrm && [ -n "$id" ] && [ -z "$(ls $HUSK_HOME/containers | grep "^$id")" ] && ok "run --rm: no record left after it ends" ||
	bad "run --rm: no record left after it ends" "$($H ps -a 2>&1; ls $HUSK_HOME/containers)"
# husk wait on a foreground --rm run: husk-vmm (run inside husk) wrote it.
$H run --rm --name fgw img /bin/signals-musl wait-term >/tmp/fgw.out 2>&1 &
fg=$!
n=0; until grep -q 'waiting for SIGTERM' /tmp/fgw.out || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
$H wait fgw >/tmp/fgw.wait 2>&1 &
wp=$!
n=0; until grep -qE '^(230|35) ' /proc/$wp/syscall 2>/dev/null || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
$H stop fgw >/dev/null 2>&1
n=0; while [ -d /proc/$wp ] && [ "$(state $wp)" != Z ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
[ $n -lt 300 ] || kill -KILL $wp $fg
wait $fg; wait $wp; rc=$?
[ $rc = 0 ] && [ "$(cat /tmp/fgw.wait)" = 7 ] && ok "run --rm: wait prints the status husk-vmm wrote" ||
	bad "run --rm: wait prints the status husk-vmm wrote" "status $rc: $(cat /tmp/fgw.wait)"
# -p in a foreground --rm run: husk's own process serves slirp's I/O thread.
$H run --rm -p 18080:80 --name web img /bin/httpd-musl 80 >/tmp/web.out 2>&1 &
fg=$!
n=0; until grep -q '^listening on' /tmp/web.out || [ $n -ge 300 ]; do sleep 0.1; n=$((n + 1)); done
body=$(curl -s --max-time 20 http://127.0.0.1:18080/ 2>&1)
$H stop web >/dev/null 2>&1
n=0; while [ -d /proc/$fg ] && [ "$(state $fg)" != Z ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
[ $n -lt 300 ] || kill -KILL $fg
wait $fg; rc=$?
echo "$body" | grep -q 'hello from husk' && [ $rc = 143 ] && ok "run --rm -p: the page through slirp, then stop: 143" ||
	bad "run --rm -p: the page through slirp, then stop: 143" "status $rc; body: $body; $(tail -n 3 /tmp/web.out)"
# husk stop must end a guest that cannot hear SIGTERM within its timeout.
HUSK_KERNEL=$BD/vmm/testdata/hostile_dev.elf $H run -d --name deaf img /bin/sh deaf >/dev/null 2>&1
n=0; until $H logs deaf 2>&1 | grep -q 'deaf: spinning' || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
t0=$(ms)
out=$($H stop -t 2 deaf 2>&1)
dt=$(($(ms) - t0))
st=$($H inspect -f '{{.State.Status}} {{.State.ExitCode}}' deaf 2>&1)
[ "$out" = deaf ] && [ "$st" = "exited 137" ] && [ $dt -ge 1800 ] && [ $dt -lt 15000 ] &&
	ok "stop -t 2 ends a guest deaf to SIGTERM (interrupts blocked): 137 after the timeout" ||
	bad "stop -t 2 ends a guest deaf to SIGTERM (interrupts blocked): 137 after the timeout" "stop: $out after $dt ms; $st; $($H logs deaf 2>&1 | tail -n 2)"
EOF
chmod +x "$T/guest.sh"
out=$(scripts/nested-kvm/run.sh --timeout 300 --file "$H" --file "$BD/bin/husk-vmm" \
	--file "$BD/husk.elf" --file "$BD/tests/rootfs/bin/hello-musl" \
	--file "$BD/tests/rootfs/bin/signals-musl" --file "$BD/tests/rootfs/bin/httpd-musl" \
	--file /bin/busybox --file "$(command -v curl)" \
	--file "$BD/vmm/testdata/hostile_dev.elf" \
	--file "$T/guest.sh" -- "$T/guest.sh" 2>&1)
guest_results "$out" $?
