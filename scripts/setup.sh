#!/bin/sh
# Installs the Debian 12 packages that building and testing husk need.
# Idempotent, and silent when everything is already there.
set -eu
packages="gcc make binutils libc6-dev libseccomp-dev qemu-system-x86 cpio
busybox-static xz-utils hyperfine musl-tools dpkg-dev linux-libc-dev
sqlite3 lua5.4 pkg-config libjansson-dev libarchive-dev libssl-dev
libzstd-dev libacl1-dev skopeo podman runc jq libglib2.0-dev libpcre2-dev
nginx redis-server redis-tools wrk apache2-utils curl docker.io containerd
containernetworking-plugins iptables clang-14 libclang-rt-14-dev strace"
missing=
for p in $packages; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "setup: installing$missing"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
