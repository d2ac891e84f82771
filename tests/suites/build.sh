#!/bin/bash
# husk build end to end (run by tests/run.sh with BUILD set): every
# instruction, .dockerignore, a multi-stage build that compiles a C program
# in a stage made from the host's compiler and ships it FROM scratch, the
# cache, reproducible digests, bad Dockerfiles, concurrent builds and a
# build killed with SIGKILL. The Dockerfiles are in tests/dockerfiles/build-*.
# Each case prints PASS:, FAIL: or SKIP: with its reason. Works in a
# temporary HUSK_HOME that it removes.
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
case $B in /*) H=$B/bin/husk ;; *) H=$PWD/$B/bin/husk ;; esac
D=$PWD/tests/dockerfiles
T=$(mktemp -d /tmp/husk-build-XXXXXX)
export HUSK_HOME=$T/home
unset SOURCE_DATE_EPOCH
trap 'rm -rf "$T"' EXIT

SUITE=build
# shellcheck source=tests/suites/common.bash
. tests/suites/common.bash

# same NAME A B: passes when the two strings are equal and not empty.
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "'$2' vs '$3'"; fi
}

if [ ! -x "$H" ]; then
	bad "husk" "$H was not built"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	skip "all" "husk build runs RUN under runc on overlayfs, which needs root"
	exit 0
fi
if ! command -v runc >/dev/null; then
	skip "all" "runc is not installed (scripts/setup.sh installs it)"
	exit 0
fi

# A busybox root with a user "app" (1000) for USER and --chown.
make_base() {
	local a
	mkdir -p "$1/bin" "$1/etc" "$1/tmp" "$1/home"
	cp /bin/busybox "$1/bin/busybox" || return 1
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$1/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' >"$1/etc/passwd"
	printf 'root:x:0:\napp:x:1000:\n' >"$1/etc/group"
	chmod 1777 "$1/tmp"
}

# A root with busybox and the host's C compiler (gcc's driver, cc1,
# binutils) with musl's headers and libraries: enough to build static C
# programs inside RUN.
make_cc_root() {
	local d=$1 f lib gccdir=/usr/lib/gcc/x86_64-linux-gnu/12
	make_base "$d" || return 1
	mkdir -p "$d/usr/bin" "$d$gccdir" "$d/usr/lib/x86_64-linux-musl" \
		"$d/usr/include" || return 1
	cp -L /usr/bin/gcc /usr/bin/as /usr/bin/ld "$d/usr/bin/" &&
		cp -L "$gccdir"/{cc1,collect2,liblto_plugin.so,crtbeginS.o,crtendS.o,crtbeginT.o,crtend.o,libgcc.a,libgcc_eh.a} "$d$gccdir/" &&
		cp -r "$gccdir/include" "$d$gccdir/" &&
		cp -r /usr/lib/x86_64-linux-musl/. "$d/usr/lib/x86_64-linux-musl/" &&
		cp -r /usr/include/x86_64-linux-musl "$d/usr/include/" || return 1
	for f in /usr/bin/gcc /usr/bin/as /usr/bin/ld "$gccdir/cc1" "$gccdir/collect2"; do
		for lib in $(ldd "$(readlink -f "$f")" | grep -o '/[^ ]*'); do
			mkdir -p "$d$(dirname "$lib")" && cp -L "$lib" "$d$lib" || return 1
		done
	done
}

state() { # what a refused build must not change
	echo "$(sha256sum <"$HUSK_HOME/index.json") $(ls "$HUSK_HOME/blobs/sha256" | wc -l)"
}

# config_of IMAGE: the image's config blob, as stored.
config_of() {
	local id
	id=$("$H" inspect -f '{{.Id}}' "$1") || return 1
	cat "$HUSK_HOME/blobs/sha256/${id#sha256:}"
}

# layer_list IMAGE: "layer N: entries" of each layer, through husk save.
layer_list() {
	local dir=$T/save.$$ l n=0
	rm -rf "$dir" && mkdir -p "$dir"
	"$H" save "$1" | tar -x -C "$dir" || return 1
	for l in $(grep -o '"blobs/sha256/[0-9a-f]*"' "$dir/manifest.json" | tr -d '"' | tail -n +2); do
		n=$((n + 1))
		echo "layer $n: $(tar -tzf "$dir/$l" | tr '\n' ' ')"
	done
}

make_base "$T/base" || { bad "base image" "cannot assemble a busybox root"; exit 0; }
if ! SOURCE_DATE_EPOCH=1700000000 "$H" import "$T/base" base:1 >/dev/null 2>&1; then
	bad "base image" "husk import failed"
	exit 0
fi

# ---- every instruction ----
cp -r "$D/build-instructions" "$T/ctx"
mkdir -p "$T/files/files" && echo one >"$T/files/files/one" && echo two >"$T/files/files/two"
tar -C "$T/files" -czf "$T/ctx/files.tar.gz" files
tar -C "$T/files" -cjf "$T/ctx/files.tar.bz2" files
tar -C "$T/files" -cJf "$T/ctx/files.tar.xz" files
expect "a build using every instruction" 0 'naming to docker.io/library/every:1 done|naming to every:1 done' \
	"$H" build -t every:1 --build-arg FLAVOUR=plain "$T/ctx"
expect "RUN output is streamed with BuildKit-like prefixes" 0 '^#[0-9]+ [0-9.]+ instructions checked$' \
	"$H" build --no-cache --build-arg FLAVOUR=plain "$T/ctx"
cfg=$(config_of every:1)
for want in '"Env":\["GREETING=hi there","PATH=/usr/local/bin:/usr/bin:/bin"\]' \
	'"WorkingDir":"/app/sub"' '"User":"app"' \
	'"ExposedPorts":\{"80/tcp":\{\},"53/udp":\{\}\}' \
	'"Labels":\{"maintainer":"husk tests","org.example.version":"1.0","with space":"a b"\}' \
	'"Volumes":\{"/data":\{\},"/cache":\{\}\}' '"StopSignal":"SIGINT"' \
	'"Healthcheck":\{"Test":\["CMD","/bin/true"\],"Interval":30000000000,"Retries":2\}' \
	'"OnBuild":\["RUN echo triggered"\]' '"Shell":\["/bin/sh","-ec"\]' \
	'"Entrypoint":\["/bin/sh","-c"\]' '"Cmd":\["/bin/sh","-ec","echo \\"\$GREETING\\""\]' \
	'"empty_layer":true' '"created_by":"COPY a.txt sub ./"'; do
	if grep -Eq -- "$want" <<<"$cfg"; then ok "config has $want"; else bad "config" "lacks $want: $cfg"; fi
done
layers=$(layer_list every:1)
if grep -q 'bin/.wh.true' <<<"$layers" && grep -q 'var/made/by-run' <<<"$layers"; then
	ok "RUN's deletion is an OCI whiteout and its new files are in its layer"
else
	bad "RUN layer" "$layers"
fi
if grep -q 'secret.txt' <<<"$layers"; then bad ".dockerignore" "secret.txt is in a layer"; else ok ".dockerignore keeps files out"; fi
expect "COPY of an ignored file is a missing source" 125 \
	'Dockerfile:2: COPY secret.txt /: "secret.txt": not found in the build context' \
	bash -c "printf 'FROM base:1\nCOPY secret.txt /\n' >'$T/ctx/Ignored.Dockerfile' && '$H' build -f '$T/ctx/Ignored.Dockerfile' '$T/ctx'"
printf 'a.txt\n' >"$T/ctx/Ignored.Dockerfile.dockerignore"
expect "-f FILE uses FILE.dockerignore" 125 '"a.txt": not found in the build context' \
	bash -c "printf 'FROM base:1\nCOPY a.txt /\n' >'$T/ctx/Ignored.Dockerfile' && '$H' build -f '$T/ctx/Ignored.Dockerfile' '$T/ctx'"
expect "COPY through an absolute link in the image stays in the image" 0 'naming to' \
	bash -c "printf 'FROM base:1\nRUN mkdir /husk-target && ln -s /husk-target /escape\nCOPY a.txt /escape/\nRUN test -f /husk-target/a.txt\n' >'$T/ctx/Link.Dockerfile' && '$H' build -t link:1 -f '$T/ctx/Link.Dockerfile' '$T/ctx'"
if [ -e /husk-target ]; then bad "link escape" "/husk-target appeared on the host"; else ok "nothing was written outside the image"; fi
expect "--target stops at a stage" 0 'writing image sha256:' \
	bash -c "printf 'FROM base:1 AS one\nLABEL stage=one\nFROM one\nRUN exit 1\n' >'$T/ctx/Target.Dockerfile' && '$H' build -t target:1 --target one -f '$T/ctx/Target.Dockerfile' '$T/ctx'"
expect "-q prints only the ID" 0 '^sha256:[0-9a-f]{64}$' "$H" build -q --build-arg FLAVOUR=plain "$T/ctx"

# ---- multi-stage: compile in a stage, ship FROM scratch ----
if ! command -v gcc >/dev/null || [ ! -d /usr/lib/x86_64-linux-musl ] ||
	[ ! -x /usr/lib/gcc/x86_64-linux-gnu/12/cc1 ]; then
	skip "multi-stage C build" "needs gcc 12 and musl-dev on the host to assemble the compiler image"
elif ! make_cc_root "$T/cc" || ! "$H" import "$T/cc" cc:1 >/dev/null 2>&1; then
	bad "multi-stage C build" "cannot make the compiler image"
else
	expect "multi-stage: the build stage compiles and runs the program" 0 \
		'^#[0-9]+ [0-9.]+ hello from a husk build$' "$H" build -t hello:1 "$D/build-multistage"
	layers=$(layer_list hello:1)
	if [ "$(wc -l <<<"$layers")" = 1 ] && grep -Eq '^layer 1: hello $' <<<"$layers"; then
		ok "multi-stage: the final image is one layer holding only the program"
	else
		bad "multi-stage final image" "$layers"
	fi
	rm -rf "$T/out" && mkdir -p "$T/out" && "$H" save hello:1 | tar -x -C "$T/out"
	l=$(grep -o '"blobs/sha256/[0-9a-f]*"' "$T/out/manifest.json" | tr -d '"' | tail -n 1)
	tar -xzf "$T/out/$l" -C "$T/out" hello 2>/dev/null
	expect "multi-stage: the shipped binary runs" 0 '^hello from a husk build$' "$T/out/hello"
fi

# ---- the cache ----
cp -r "$D/build-cache" "$T/cache"
"$H" build -t cache:1 "$T/cache" >/dev/null 2>&1
out=$("$H" build -t cache:1 "$T/cache" 2>&1)
if [ "$(grep -c '^#[0-9]* CACHED$' <<<"$out")" = 4 ] && ! grep -q 'DONE' <<<"$out"; then
	ok "a rebuild hits the cache at every step"
else
	bad "warm rebuild" "$out"
fi
id1=$("$H" build -q -t cache:1 "$T/cache")
id2=$("$H" build -q -t cache:1 "$T/cache")
same "a cached rebuild gives the same image" "$id1" "$id2"
echo "version 2" >"$T/cache/data.txt"
out=$("$H" build -t cache:2 "$T/cache" 2>&1)
if [ "$(grep -c '^#[0-9]* CACHED$' <<<"$out")" = 2 ] && [ "$(grep -c '^#[0-9]* DONE' <<<"$out")" = 2 ] &&
	grep -A1 'COPY data.txt' <<<"$out" | grep -q DONE; then
	ok "a changed file invalidates from its COPY on"
else
	bad "cache invalidation" "$out"
fi
out=$("$H" build --build-arg MODE=b -t cache:3 "$T/cache" 2>&1)
if [ "$(grep -c '^#[0-9]* CACHED$' <<<"$out")" = 1 ] && grep -A1 'RUN echo before' <<<"$out" | grep -q DONE; then
	ok "a changed build argument invalidates the RUN steps that see it"
else
	bad "build-arg invalidation" "$out"
fi
out=$("$H" build --no-cache -t cache:2 "$T/cache" 2>&1)
if ! grep -q CACHED <<<"$out" && [ "$(grep -c '^#[0-9]* DONE' <<<"$out")" = 4 ]; then
	ok "--no-cache runs every step"
else
	bad "--no-cache" "$out"
fi

# ---- pruning the build cache ----
entries() { ls "$HUSK_HOME/cache" | grep -cE '^[0-9a-f]{64}$'; }
layers() { ls "$HUSK_HOME/cache/blobs" | grep -cE '^[0-9a-f]{64}$'; }
n=$(entries)
l=$(layers)
layers2=$("$H" inspect -f '{{join .RootFS.Layers ","}}' cache:2) # the context as it is now
out=$("$H" system prune -f 2>&1)
listed=$(sed -n '/^Deleted build cache objects:$/,/^$/p' <<<"$out" | grep -cE '^[0-9a-f]{64}$')
if [ "$n" -gt 0 ] && [ "$l" -gt 0 ] && [ "$listed" = "$n" ] && [ "$(entries)" = 0 ] && [ "$(layers)" = 0 ] &&
	grep -qE '^Total reclaimed space: [0-9.]+k?B$' <<<"$out" && ! grep -q '^Total reclaimed space: 0B$' <<<"$out"; then
	ok "system prune removes every build-cache entry ($n) and built layer ($l), and says how much"
else
	bad "system prune of the build cache" "$n entries, $l layers before; $(entries), $(layers) after; listed $listed: $(tail -n 4 <<<"$out")"
fi
out=$("$H" build -t cache:2 "$T/cache" 2>&1)
if ! grep -q CACHED <<<"$out" && [ "$(grep -c '^#[0-9]* DONE' <<<"$out")" = 4 ] &&
	[ "$("$H" inspect -f '{{join .RootFS.Layers ","}}' cache:2)" = "$layers2" ]; then
	ok "after the prune, a rebuild runs every step and gives the same layers"
else
	bad "rebuild after prune" "$out"
fi
out=$("$H" build -t cache:2 "$T/cache" 2>&1)
[ "$(grep -c '^#[0-9]* CACHED$' <<<"$out")" = 4 ] && ok "the rebuild filled the cache again" || bad "cache refilled" "$out"
expect "builder prune asks first (no answer: nothing removed)" 0 'remove all build cache' sh -c "'$H' builder prune </dev/null"
[ "$(entries)" -gt 0 ] && ok "builder prune without an answer keeps the cache" || bad "builder prune unanswered" "cache emptied"
expect "builder prune -f" 0 '^Deleted build cache objects:$' "$H" builder prune -f
[ "$(entries)" = 0 ] && [ "$(layers)" = 0 ] && ok "builder prune -f empties the cache" || bad "builder prune" "$(entries) entries, $(layers) layers left"
expect "builder prune on an empty cache reclaims 0B" 0 '^Total reclaimed space: 0B$' "$H" builder prune -af
"$H" build -q -t cache:1 "$T/cache" >/dev/null 2>&1 # something to keep
mkdir -p "$T/busy"
printf 'FROM base:1\nRUN echo started && sleep 4\n' >"$T/busy/Dockerfile"
"$H" build -t busy:1 "$T/busy" >"$T/busy.out" 2>&1 &
pb=$!
for _ in $(seq 100); do grep -q started "$T/busy.out" && break; sleep 0.1; done
n=$(entries)
expect "builder prune while a build runs is refused" 125 'a build is running' "$H" builder prune -f
expect "system prune while a build runs leaves the cache" 0 'a build is running: the build cache was left as it is' "$H" system prune -f
[ "$(entries)" = "$n" ] && [ "$n" -gt 0 ] && ok "a running build keeps its cache" || bad "busy cache" "$n entries before, $(entries) after"
wait $pb
expect "the build that ran during the prunes succeeded" 0 'naming to' cat "$T/busy.out"

# ---- reproducibility ----
repro() { # HOME SOURCE_DATE_EPOCH: the image ID of a clean build
	HUSK_HOME=$1 SOURCE_DATE_EPOCH=1700000000 "$H" import "$T/base" base:1 >/dev/null &&
		HUSK_HOME=$1 SOURCE_DATE_EPOCH=$2 "$H" build -q --no-cache "$T/cache" 2>/dev/null
}
r1=$(repro "$T/r1" 1700000100)
r2=$(repro "$T/r2" 1700000100)
same "two clean builds in two fresh stores give the same digest" "$r1" "$r2"
r3=$(repro "$T/r3" 1700000200)
if [ -n "$r3" ] && [ "$r3" != "$r1" ]; then ok "SOURCE_DATE_EPOCH changes the digest"; else bad "SOURCE_DATE_EPOCH" "$r1 vs $r3"; fi
created=$(HUSK_HOME=$T/r3 "$H" inspect -f '{{.Created}}' "$r3")
same "SOURCE_DATE_EPOCH is the creation time" "$created" "2023-11-14T22:16:40Z"

# ---- bad Dockerfiles: line-numbered errors, status, store untouched ----
before=$(state)
expect "unknown instruction" 125 '^husk: unknown.Dockerfile:2: FROB: unknown instruction' \
	bash -c "cd '$D/build-bad' && '$H' build -f unknown.Dockerfile ."
expect "unterminated JSON" 125 '^husk: json.Dockerfile:2: SHELL: requires the arguments to be in JSON form' \
	bash -c "cd '$D/build-bad' && '$H' build -f json.Dockerfile ."
expect "missing COPY source" 125 '^husk: missing.Dockerfile:2: COPY not-there.txt /x: "not-there.txt": not found' \
	bash -c "cd '$D/build-bad' && '$H' build -f missing.Dockerfile ."
expect "cyclic stage reference" 125 '^husk: cycle.Dockerfile:[0-9]+: COPY: cyclic stage reference' \
	bash -c "cd '$D/build-bad' && '$H' build -f cycle.Dockerfile ."
expect "a failing RUN stops the build with its exit code" 1 \
	'^husk: failing.Dockerfile:2: RUN echo failing; exit 3: exit code 3$' \
	bash -c "cd '$D/build-bad' && '$H' build -f failing.Dockerfile ."
expect "ADD of an URL says the build has no network" 125 \
	'url.Dockerfile:2: .*the build has no network for ADD URLs' \
	bash -c "cd '$D/build-bad' && '$H' build -f url.Dockerfile ."
expect "an unknown base image" 1 'Dockerfile:1: FROM nosuch:1: No such image: nosuch:1' \
	bash -c "printf 'FROM nosuch:1\n' >'$T/ctx/Nosuch.Dockerfile' && '$H' build -f '$T/ctx/Nosuch.Dockerfile' '$T/ctx'"
expect "a bad flag is exit 125" 125 'only none and host' "$H" build --network bridge "$T/ctx"
expect "a missing context is exit 125" 125 'requires exactly 1 argument' "$H" build
same "refused builds leave the store unchanged" "$before" "$(state)"

# ---- concurrency ----
mkdir -p "$T/c1" "$T/c2"
printf 'FROM base:1\nRUN echo one > /one && sleep 1\nCOPY f /f\n' >"$T/c1/Dockerfile"
printf 'FROM base:1\nRUN echo two > /two && sleep 1\nCOPY f /f\n' >"$T/c2/Dockerfile"
echo 1 >"$T/c1/f" && echo 2 >"$T/c2/f"
"$H" build -q -t conc:1 "$T/c1" >"$T/c1.out" 2>&1 &
p1=$!
"$H" build -q -t conc:2 "$T/c2" >"$T/c2.out" 2>&1 &
p2=$!
"$H" images >"$T/images.out" 2>&1
s3=$?
wait $p1; s1=$?
wait $p2; s2=$?
if [ $s1 = 0 ] && [ $s2 = 0 ] && [ $s3 = 0 ] && "$H" images | grep -q '^conc  *1 ' &&
	"$H" images | grep -q '^conc  *2 '; then
	ok "two builds and an images at once all succeed"
else
	bad "concurrency" "$s1 $s2 $s3: $(cat "$T/c1.out" "$T/c2.out" "$T/images.out" | tail -n 5)"
fi
broken=0
for f in "$HUSK_HOME"/blobs/sha256/*; do
	[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "${f##*/}" ] || broken=$((broken + 1))
done
if [ $broken = 0 ]; then ok "every blob matches its digest after concurrent builds"; else bad "blobs" "$broken broken"; fi

# ---- a build killed with SIGKILL ----
mkdir -p "$T/k"
printf 'FROM base:1\nRUN echo start && sleep 3 && echo end > /end\n' >"$T/k/Dockerfile"
"$H" build -t killed:1 "$T/k" >"$T/k.out" 2>&1 &
pk=$!
for _ in $(seq 50); do grep -q 'start' "$T/k.out" && break; sleep 0.1; done
kill -9 $pk 2>/dev/null
wait $pk 2>/dev/null
sleep 3.5 # the RUN's container ends on its own
expect "after a SIGKILL'ed build, images works" 0 '^base +1 ' "$H" images
if "$H" images | grep -q '^killed '; then bad "killed build" "its image was committed"; else ok "a killed build commits nothing"; fi
expect "after a SIGKILL'ed build, prune cleans up" 0 'Total reclaimed space' "$H" system prune -f
expect "after a SIGKILL'ed build, building again works" 0 'naming to' "$H" build -t killed:1 "$T/k"
if grep -q "$HUSK_HOME" /proc/mounts; then bad "mounts" "a build left a mount: $(grep "$HUSK_HOME" /proc/mounts)"; else ok "no build leaves a mount behind"; fi
