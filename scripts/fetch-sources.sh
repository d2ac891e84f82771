#!/bin/sh
# Fetches the sources of the Debian packages that husk builds for the guest
# (Zydis and its dependency Zycore, and lwIP) and husk-vmm links (libslirp,
# which Debian ships only as a shared library) into build/src/, with
# `apt-get source`. Nothing fetched is committed (build/ is ignored).
#
#   build/src/zydis   -> zydis-<version>/    (Debian source package zydis)
#   build/src/zycore  -> zycore-c-<version>/ (Debian source package zycore-c)
#   build/src/lwip    -> lwip-<version>/     (Debian source package lwip)
#   build/src/libslirp -> libslirp-<version>/ (Debian source package libslirp)
#
# Source indices come from deb-src entries in an apt sources file of our own,
# /etc/apt/sources.list.d/husk-deb-src.sources (deb822), which mirrors the
# URIs, suites and components of the machine's Debian `deb` sources. Only
# that file's indices are refreshed, and only when they are missing.
#
# Zydis's decoder uses nothing of Zycore but its headers. When the mirror
# serves no source tarball for zycore-c (ours serves its .dsc but answers 404
# for the tarballs), the headers come from the binary package libzycore-dev
# of the same version instead (upstream's include/ as it is), unpacked as
# build/src/zycore-c-<version>-headers/include.
#
# Idempotent, and silent when everything is already there. Needs apt,
# dpkg-dev (dpkg-source unpacks what apt-get source fetches), and root or
# sudo for the apt steps. Any failure exits 1 with a "fetch-sources:" line.
set -eu

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SRC=$BUILD/src
LIST=/etc/apt/sources.list.d/husk-deb-src.sources
# Each: source package, link under $SRC, a file its tree has, and
# optionally the binary package whose usr/include may stand in for it.
PACKAGES="zydis:zydis:include/Zydis/Zydis.h
zycore-c:zycore:include/Zycore/Zycore.h:libzycore-dev
lwip:lwip:src/include/lwip/tcp.h
libslirp:libslirp:src/libslirp.h"

die() {
	echo "fetch-sources: $*" >&2
	exit 1
}

missing=
for spec in $PACKAGES; do
	rest=${spec#*:}
	link=${rest%%:*}
	rest=${rest#*:}
	file=${rest%%:*}
	[ -f "$SRC/$link/$file" ] || missing="$missing $spec"
done
[ -z "$missing" ] && exit 0

command -v apt-get >/dev/null || die "apt-get not found (Debian 12 is required)"
command -v dpkg-source >/dev/null ||
	die "dpkg-source not found: install the Debian package dpkg-dev"

sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "not root, and sudo is not installed"
	sudo=sudo
fi

# URI|SUITE|COMPONENTS of every enabled `deb` source of a Debian archive,
# from one-line .list files and deb822 .sources files. Third-party
# archives are left out: most publish no sources.
debian_sources() {
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			# deb [options] URI SUITE COMPONENT...
			sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
				awk '$1 == "deb" && NF >= 4 {
					c = $4; for (i = 5; i <= NF; i++) c = c " " $i
					print $2 "|" $3 "|" c }'
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			if [ ! -f "$f" ] || [ "$f" = "$LIST" ]; then continue; fi
			awk '
			function flush(  n, m, i, j, u, s) {
				if (types ~ /(^| )deb( |$)/ && enabled !~ /^[Nn][Oo]/ &&
				    uris != "" && suites != "") {
					n = split(uris, u, " "); m = split(suites, s, " ")
					for (i = 1; i <= n; i++)
						for (j = 1; j <= m; j++)
							print u[i] "|" s[j] "|" comps
				}
				types = uris = suites = comps = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			{
				key = tolower($1); sub(/:$/, "", key)
				val = $0; sub(/^[^:]*:[ \t]*/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "components") comps = val
				else if (key == "enabled") enabled = val
			}
			END { flush() }' "$f"
		done
	} | awk -F'|' '$1 ~ /\/debian(-security)?\/?$/ && !seen[$0]++'
}

wanted=$(
	debian_sources | awk -F'|' '
	{
		key = $1 "|" $3
		if (!(key in suites)) order[n++] = key
		suites[key] = suites[key] (suites[key] == "" ? "" : " ") $2
	}
	END {
		print "# Written by husk scripts/fetch-sources.sh: source indices for"
		print "# apt-get source, mirroring the Debian deb sources of this machine."
		for (i = 0; i < n; i++) {
			split(order[i], p, "|")
			printf "%sTypes: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n",
				(i ? "\n" : ""), p[1], suites[order[i]], p[2]
			print "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
		}
	}')
printf '%s\n' "$wanted" | grep -q '^Types: deb-src' ||
	die "no Debian deb sources in /etc/apt/sources.list{,.d/} to mirror as deb-src"

known() { # SOURCE-PACKAGE
	apt-cache showsrc "$1" 2>/dev/null | grep -q "^Package: $1\$"
}

# Refresh only our own file's indices, and only when needed.
update=
if [ ! -f "$LIST" ] || [ "$(cat "$LIST")" != "$wanted" ]; then
	echo "fetch-sources: writing $LIST"
	printf '%s\n' "$wanted" | $sudo tee "$LIST" >/dev/null ||
		die "cannot write $LIST"
	update=1
fi
for spec in $missing; do
	known "${spec%%:*}" || update=1
done
if [ -n "$update" ]; then
	echo "fetch-sources: apt-get update (the deb-src indices of $LIST)"
	$sudo apt-get update -qq -o Dir::Etc::sourcelist="$LIST" \
		-o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 ||
		die "apt-get update failed for $LIST"
fi

# The stand-in: BINPKG's usr/include, unpacked in $tmp as $name.
fetch_headers() { # SOURCE-PACKAGE FILE BINPKG
	ver=$(apt-cache showsrc "$1" | sed -n 's/^Version: //p' | head -n 1)
	echo "fetch-sources: this mirror has no source tarball of $1 $ver;" \
		"using the headers of $3 $ver"
	(cd "$tmp" && apt-get download -qq "$3=$ver" >>log 2>&1) || {
		sed 's/^/    | /' "$tmp/log" >&2
		die "apt-get download $3=$ver failed"
	}
	mkdir -p "$tmp/deb"
	dpkg-deb -x "$tmp/$3_"*.deb "$tmp/deb" || die "dpkg-deb -x of $3 failed"
	name=$1-${ver%-*}-headers
	mkdir -p "$tmp/$name"
	mv "$tmp/deb/usr/include" "$tmp/$name/include"
	cp "$tmp/deb/usr/share/doc/$3/copyright" "$tmp/$name/" 2>/dev/null || true
	[ -f "$tmp/$name/$2" ] || die "$3 $ver has no $2"
	dir=$tmp/$name
}

mkdir -p "$SRC"
for spec in $missing; do
	pkg=${spec%%:*}
	rest=${spec#*:}
	link=${rest%%:*}
	rest=${rest#*:}
	file=${rest%%:*}
	alt=
	case $rest in *:*) alt=${rest#*:} ;; esac
	known "$pkg" || die "apt knows no source package $pkg (not in this Debian release?)"
	echo "fetch-sources: apt-get source $pkg"
	# Unpack in a scratch directory, then move the tree into place, so
	# that an interrupted run leaves nothing that looks complete.
	tmp=$SRC/.tmp-$pkg
	rm -rf "$tmp"
	mkdir -p "$tmp"
	if (cd "$tmp" && apt-get source -qq "$pkg" >log 2>&1); then
		dir=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*" | head -n 1)
		if [ -z "$dir" ] || [ ! -f "$dir/$file" ]; then
			die "apt-get source $pkg: no unpacked tree with $file"
		fi
		for f in "$tmp"/*.dsc "$tmp"/*.tar.*; do
			[ -f "$f" ] && mv "$f" "$SRC/"
		done
	elif [ -n "$alt" ] && grep -q ' 404 ' "$tmp/log"; then
		fetch_headers "$pkg" "$file" "$alt"
	else
		sed 's/^/    | /' "$tmp/log" >&2
		die "apt-get source $pkg failed"
	fi
	name=${dir##*/}
	rm -rf "${SRC:?}/$name"
	mv "$dir" "$SRC/$name"
	rm -rf "$tmp"
	ln -sfn "$name" "$SRC/$link"
done
