#!/bin/bash
# husk run's cost (not a test): `husk run --rm hello /bin/hello-musl` (the
# image already in the store, its root filesystem already flattened and
# cached) next to husk-vmm alone with the very arguments husk run gives
# it, in one environment, median of $RUNS runs each (bench/timeit.c). The
# husk-vmm row is measured before and after the husk run row so that
# drift in the environment shows. Target: husk run adds at most 2 ms.
# Then, as root with Debian's docker.io, `docker run --rm` of the same
# static program (a FROM scratch image) with runc, on the host, against a
# dockerd started here on a private socket (tests/suites/engines.bash):
# the container number users compare with. BENCH_DOCKER=0 skips it.
# And, where this host's /dev/kvm is unusable, husk's own cost here: the
# monitor runs until it finds no KVM (status 123), alone and inside
# `husk run --rm` (HUSK_MONITOR=vmm: vmm_main in husk's process), both
# doing the same work up to that point (STANDIN_RUNS, 300).
#
# Without a usable /dev/kvm everything runs inside the nested-KVM guest
# (Linux under QEMU TCG): the absolute times are an emulated CPU's, but
# both rows share the environment, so the difference means something.
#   usage: bench/run.sh [RUNS]   (default 30)
# hello-musl exits 3 by design, so timeit counts every run as "failed".
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}
RUNS=${1:-30}
BD=$PWD/$B
mkdir -p "$B/bench"
gcc -O2 -static -Wall -o "$B/bench/timeit" bench/timeit.c
for f in "$BD/bin/husk" "$BD/bin/husk-vmm" "$BD/husk.elf" "$BD/tests/rootfs/bin/hello-musl"; do
	[ -f "$f" ] || { echo "bench/run.sh: $f missing (make BUILD=$B all)" >&2; exit 2; }
done

# The measuring script; the same text runs on the host or nested.
{
	echo "set -e"
	echo "T=$BD/bench/timeit"
	echo "export HUSK_HOME=/tmp/husk-bench-home"
	echo "# as a user's shell would have it: where husk caches its KVM probe"
	echo 'export HOME=${HOME:-/root}'
	echo 'rm -rf "$HUSK_HOME" /tmp/husk-bench-root'
	echo "mkdir -p /tmp/husk-bench-root/bin"
	echo "cp $BD/tests/rootfs/bin/hello-musl /tmp/husk-bench-root/bin/"
	echo "$BD/bin/husk import /tmp/husk-bench-root hello >/dev/null"
	echo "# One run flattens the image; every later run finds it cached."
	echo "$BD/bin/husk run --rm hello /bin/hello-musl >/dev/null || true"
	echo 'cpio=$(ls $HUSK_HOME/rootfs/*.cpio)'
	echo "vmm=\"$BD/bin/husk-vmm --mem 262144K --initrd \$cpio $BD/husk.elf -- /bin/hello-musl\""
	echo 'echo "args $vmm"'
	echo "echo \"vmm1 \$(\$T $RUNS \$vmm || true)\""
	echo "echo \"run \$(\$T $RUNS $BD/bin/husk run --rm hello /bin/hello-musl || true)\""
	echo "echo \"vmm2 \$(\$T $RUNS \$vmm || true)\""
	echo "echo \"version \$(\$T $RUNS $BD/bin/husk version || true)\""
} >"$B/bench/run-inner.sh"

if [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; then
	env="host KVM"
	out=$(sh "$B/bench/run-inner.sh")
else
	env="nested KVM (Linux guest under QEMU TCG, emulated SVM)"
	out=$(scripts/nested-kvm/run.sh --mem 1G --timeout 1200 \
		--file "$BD/bench/timeit" --file "$BD/bin/husk" --file "$BD/bin/husk-vmm" \
		--file "$BD/husk.elf" --file "$BD/tests/rootfs/bin/hello-musl" \
		--file "$BD/bench/run-inner.sh" -- sh "$BD/bench/run-inner.sh")
fi

field() { sed -n "s/^$1 .* $2 \([0-9]*\).*/\1/p" <<<"$out"; }
vmm1=$(field vmm1 median_us)
run=$(field run median_us)
vmm2=$(field vmm2 median_us)
if [ -z "$vmm1" ] || [ -z "$run" ] || [ -z "$vmm2" ]; then
	echo "bench/run.sh: no figures:" >&2
	printf '%s\n' "$out" >&2
	exit 1
fi
vmm=$(((vmm1 + vmm2) / 2))

# docker_runc_us: median of RUNS `docker run --rm` (runc) of hello, on the
# host; empty when docker cannot be used here.
docker_runc_us() {
	[ "${BENCH_DOCKER:-1}" != 0 ] && [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null ||
		return 0
	(
		ENG=$(mktemp -d /tmp/husk-bench-run-XXXXXX)
		# shellcheck source=tests/suites/engines.bash
		. tests/suites/engines.bash
		trap 'engines_stop >/dev/null 2>&1; rm -rf "$ENG"' EXIT
		engines_images "$BD/tests/rootfs/bin/hello-musl"
		dockerd_start "$BD/bin/husk-runtime" >/dev/null 2>&1 || exit 0
		docker_cmd build -q -t husk-hello "$ENG/img/hello" >/dev/null 2>&1 || exit 0
		$DOCKER run --rm --runtime=runc husk-hello >/dev/null 2>&1 # warm-up
		"$BD/bench/timeit" "$RUNS" $DOCKER run --rm --runtime=runc husk-hello |
			sed -n 's/.* median_us \([0-9]*\).*/\1/p'
	) 2>/dev/null
}
# standin_rows: husk's own cost on a host whose KVM is unusable. The
# monitor parses its arguments, loads husk.elf and the initrd and stops at
# /dev/kvm (status 123): husk-vmm alone, and `husk run --rm` calling the
# same code in its own process (vmm_main), so the difference is what husk
# does before it. Three alternations of STANDIN_RUNS (default 300) each,
# medians. Nothing where KVM works: the rows above are then the host's.
standin_rows() {
	local d=$BD/bench/standin i cpio
	[ "$env" != "host KVM" ] || return 0
	rm -rf "$d" && mkdir -p "$d/root/bin"
	cp "$BD/tests/rootfs/bin/hello-musl" "$d/root/bin/"
	(
		export HUSK_HOME=$d/home HUSK_MONITOR=vmm
		unset HUSK_VMM HUSK_KERNEL
		"$BD/bin/husk" import "$d/root" hello >/dev/null
		"$BD/bin/husk" run --rm hello /bin/hello-musl >/dev/null 2>&1
		cpio=$(ls "$d/home/rootfs/"*.cpio)
		for i in 1 2 3; do
			echo "standin $("$BD/bench/timeit" "${STANDIN_RUNS:-300}" "$BD/bin/husk-vmm" --mem 262144K --initrd "$cpio" "$BD/husk.elf" -- /bin/hello-musl 2>/dev/null)"
			echo "standin_run $("$BD/bench/timeit" "${STANDIN_RUNS:-300}" "$BD/bin/husk" run --rm hello /bin/hello-musl 2>/dev/null)"
		done
	)
}
standin=$(standin_rows || true)
median_of() { sed -n "s/^$1 .* median_us \([0-9]*\).*/\1/p" <<<"$standin" | sort -n | sed -n 2p; }
sa=$(median_of standin)
sr=$(median_of standin_run)
docker_us=$(docker_runc_us || true)
echo "date:        $(date -u +%Y-%m-%d)"
echo "machine:     $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(uname -r)"
echo "environment: $env; $RUNS runs each, medians"
echo "husk-vmm alone (before / after):             $vmm1 us / $vmm2 us"
echo "husk run --rm hello /bin/hello-musl:          $run us"
echo "husk run's overhead (vs the mean of both):    $((run - vmm)) us  (target <= 2000 us)"
if [ -n "$sa" ] && [ -n "$sr" ]; then
	echo "on this host (no usable KVM), husk-vmm up to /dev/kvm (123): $sa us"
	echo "husk run --rm, the same monitor in its process: $sr us"
	echo "husk's own cost up to starting the monitor:   $((sr - sa)) us  (the middle of three medians each)"
fi
if [ -n "$docker_us" ]; then
	echo "docker run --rm (runc) of the same program:   $docker_us us  (on the host, beside the rows above)"
else
	echo "docker run --rm (runc): not measured (needs root and dockerd; BENCH_DOCKER=0 skips it)"
fi
printf '%s\n' "$out" "$standin" | sed 's/^/raw: /'
