#!/bin/bash
# mkroot.sh DEST: the root filesystem of the application tests, as an image
# built FROM debian with `apt-get install nginx redis-server` would carry
# them: Debian's own nginx and redis-server, unmodified, with their shared
# libraries and loader copied from this machine, our configuration files
# (nginx.conf, a static page) and the few /etc files they read.
#
# Exits 2 with a line naming what is missing when a program is not
# installed (scripts/setup.sh installs both).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest=$1

copy() { # copy FILE: the file at the same path, following links
	mkdir -p "$dest$(dirname "$1")"
	cp -L "$1" "$dest$1"
}

with_libs() { # with_libs ELF: it and every library ldd lists
	copy "$1"
	for l in $(ldd "$1" | grep -o '/[^ ]*'); do
		copy "$l"
	done
}

for p in /usr/sbin/nginx /usr/bin/redis-server; do
	[ -x "$p" ] || { echo "mkroot: $p is not installed (apt-get install nginx redis-server)" >&2; exit 2; }
done
rm -rf "$dest"
mkdir -p "$dest/tmp" "$dest/etc/nginx" "$dest/srv/www" "$dest/var/log/nginx" \
	"$dest/var/lib/nginx" "$dest/run" "$dest/data"
chmod 1777 "$dest/tmp"
with_libs /usr/sbin/nginx
with_libs /usr/bin/redis-server
cp "$here/nginx.conf" "$here/mime.types" "$dest/etc/nginx/"
cp "$here/index.html" "$dest/srv/www/"
# 1 MiB of incompressible data: a transfer long enough to close midway.
head -c 1048576 /dev/urandom >"$dest/srv/www/big.bin"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$dest/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$dest/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$dest/etc/nsswitch.conf"
