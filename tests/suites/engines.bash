# Container engines on private sockets and data roots, for the runtime
# suite (tests/suites/runtime.sh) and bench/runtime.sh. Sourced, not a
# suite. Needs root. Everything lives under $ENG (a directory the caller
# made and removes); engines_stop ends what engines_* started.
#
#   engines_images        $ENG/img/{hello,busybox}: the image contexts
#   dockerd_start RT      dockerd + its containerd, runtime "husk" = RT
#   docker_cmd ARGS...    docker against it (bounded: ENG_TIMEOUT s)
#   containerd_start      a containerd alone, for ctr
#   engines_stop          stops every daemon started here

ENG_TIMEOUT=${ENG_TIMEOUT:-240}
ENG_PIDS=()
# until_ok, for bench/ scripts that source only this file.
# shellcheck source=tests/suites/common.bash
declare -F until_ok >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/common.bash"

# The Debian client matches the Debian daemon; a newer one on PATH may
# want BuildKit for `docker build`.
DOCKER=docker
[ -x /usr/bin/docker ] && DOCKER=/usr/bin/docker

# engines_images HELLO_BINARY: a FROM scratch context with the static
# hello, and a busybox root filesystem tar (no registry: docker import).
engines_images() {
	local hello=$1 r=$ENG/img/busybox-root
	mkdir -p "$ENG/img/hello" "$ENG/img/busy" "$r/bin" "$r/tmp" "$r/etc"
	cp "$hello" "$ENG/img/hello/hello"
	printf 'FROM scratch\nCOPY hello /hello\nCMD ["/hello"]\n' >"$ENG/img/hello/Dockerfile"
	cp /bin/busybox "$r/bin/busybox"
	for a in sh echo sleep cat ls true false; do ln -sf busybox "$r/bin/$a"; done
	echo 'root:x:0:0:root:/:/bin/sh' >"$r/etc/passwd"
	tar -C "$r" -cf "$ENG/img/busybox.tar" .
	printf 'FROM husk-busybox-base\nENV GREETING=hi\nCMD ["sh", "-c", "echo $GREETING from busybox"]\n' \
		>"$ENG/img/busy/Dockerfile"
}

# dockerd_start RUNTIME: dockerd on $ENG/docker.sock with --iptables=false
# --bridge=none, husk registered from daemon.json. 0 when it answers.
dockerd_start() {
	local rt=$1
	mkdir -p "$ENG/docker" "$ENG/dexec" "$ENG/cache"
	cat >"$ENG/daemon.json" <<-EOF
	{
	  "runtimes": {
	    "husk": { "path": "$rt", "runtimeArgs": ["--cache", "$ENG/cache"] }
	  }
	}
	EOF
	dockerd --host "unix://$ENG/docker.sock" --data-root "$ENG/docker" \
		--exec-root "$ENG/dexec" --pidfile "$ENG/docker.pid" \
		--config-file "$ENG/daemon.json" --iptables=false --ip-masq=false \
		--bridge=none --log-level=warn >"$ENG/dockerd.log" 2>&1 &
	ENG_PIDS+=($!)
	export DOCKER_HOST=unix://$ENG/docker.sock
	until_ok 60 "$DOCKER" version
}

docker_cmd() {
	timeout "$ENG_TIMEOUT" "$DOCKER" "$@"
}

# containerd_start: containerd alone on $ENG/ctrd.sock (no CRI plugin);
# HUSK_RUNTIME_CACHE reaches husk-runtime through its shims.
containerd_start() {
	mkdir -p "$ENG/ctrd/root" "$ENG/ctrd/state" "$ENG/cache"
	printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n' \
		>"$ENG/ctrd.toml"
	HUSK_RUNTIME_CACHE=$ENG/cache containerd --config "$ENG/ctrd.toml" \
		--root "$ENG/ctrd/root" --state "$ENG/ctrd/state" \
		--address "$ENG/ctrd.sock" >"$ENG/containerd.log" 2>&1 &
	ENG_PIDS+=($!)
	until_ok 60 ctr --address "$ENG/ctrd.sock" version
}

# Stops the daemons (TERM, then KILL after 20 s) and any shim they left.
engines_stop() {
	local p end
	for p in "${ENG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	end=$((SECONDS + 20))
	for p in "${ENG_PIDS[@]}"; do
		while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.2; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ENG_PIDS=()
	# Shims and monitors left behind: those whose command line names our
	# private directory, by pid.
	for p in $(grep -lsF -- "$ENG/" /proc/[0-9]*/cmdline | cut -d/ -f3); do
		[ "$p" != $$ ] && kill -KILL "$p" 2>/dev/null
	done
	grep -s " $ENG/" /proc/mounts | awk '{print $2}' | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
}
