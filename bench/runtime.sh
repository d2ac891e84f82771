#!/bin/bash
# husk-runtime's cost under docker (not a test): `docker run --rm
# --runtime=husk` of the static hello image next to `--runtime=runc` of
# the very same image, in one run, against a dockerd started here on a
# private socket and data root (tests/suites/engines.bash). hyperfine
# when installed (median and spread), else a loop with medians. Target
# (issue 6): husk adds at most 20 ms over runc.
#
# Where KVM is unusable husk-runtime boots the guest on QEMU with TCG
# (the slow fallback), and its row says so: that is not the number the
# target is about. Needs root. Results go in bench/RESULTS.md by hand.
#   usage: bench/runtime.sh [RUNS]   (default 20)
set -u
cd "$(dirname "$0")/.."
B=${BUILD:-build}
case $B in /*) BD=$B ;; *) BD=$PWD/$B ;; esac
RUNS=${1:-20}
RT=$BD/bin/husk-runtime
HELLO=$BD/tests/rootfs/bin/hello-musl
# shellcheck source=tests/suites/engines.bash
. tests/suites/engines.bash

[ "$(id -u)" = 0 ] || { echo "bench/runtime.sh: needs root (dockerd)" >&2; exit 2; }
for f in "$RT" "$HELLO" "$BD/husk.elf"; do
	[ -e "$f" ] || { echo "bench/runtime.sh: $f missing (make BUILD=$B all)" >&2; exit 2; }
done
command -v dockerd >/dev/null || { echo "bench/runtime.sh: no dockerd (scripts/setup.sh)" >&2; exit 2; }

ENG=$(mktemp -d /tmp/husk-bench-rt-XXXXXX)
trap 'engines_stop; rm -rf "$ENG"' EXIT
engines_images "$HELLO"
dockerd_start "$RT" || { echo "bench/runtime.sh: dockerd did not start" >&2; exit 2; }
docker_cmd build -q -t husk-hello "$ENG/img/hello" >/dev/null || exit 2
monitor=$("$RT" --version | sed -n 's/^monitor: //p')
echo "husk-runtime monitor: $monitor"
# Warm up both (the image's root filesystem enters husk's cache).
for rt in husk runc; do
	docker_cmd run --rm --runtime=$rt husk-hello >/dev/null 2>&1
done

cmd() { echo "$DOCKER run --rm --runtime=$1 husk-hello"; }

# hello exits 3 by design: -i (hyperfine), `|| true` (the loop).
if command -v hyperfine >/dev/null && command -v jq >/dev/null; then
	hyperfine -N -i -w 2 -r "$RUNS" --export-json "$ENG/times.json" \
		-n runc "$(cmd runc)" -n "husk ($monitor)" "$(cmd husk)"
	# RESULTS.md records medians: hyperfine's summary shows means.
	jq -r '.results[] | "median \(.median * 1000 | floor) ms: \(.command)"' "$ENG/times.json"
	jq -r '"husk - runc (medians): \((.results[1].median - .results[0].median) * 1000 | floor) ms (target: at most 20 ms, on KVM)"' "$ENG/times.json"
	exit
fi

# median_ms RUNTIME: the median wall time of RUNS runs, in ms.
median_ms() {
	local i t0 t1 times=()
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		$(cmd "$1") >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 1000000)))
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}
runc_ms=$(median_ms runc)
husk_ms=$(median_ms husk)
echo "docker run --rm --runtime=runc husk-hello: median $runc_ms ms ($RUNS runs)"
echo "docker run --rm --runtime=husk husk-hello: median $husk_ms ms ($RUNS runs, $monitor)"
echo "husk - runc: $((husk_ms - runc_ms)) ms (target: at most 20 ms, on KVM)"
