#!/bin/sh
# Fails if the ring-0 code of a husk image contains an instruction that
# ../shared/PLATFORM.md lists as fatal in ring 0 under PVM (or any SSE/AVX
# or x87 register use). Run by the build on every image it links.
#   usage: scripts/check-ring0.sh IMAGE
set -eu
image=$1
bad='xgetbv|xsave|xrstor|fxsave|fxrstor|ldmxcsr|stmxcsr|rdtscp|cmpxchg16b|int3|vmmcall|vmcall'
dis=$( { objdump -d --no-show-raw-insn -j .r0text "$image";
         objdump -d --no-show-raw-insn -M i386 -j .boot32 "$image"; } )
hits=$(printf '%s\n' "$dis" | grep -E "^ +[0-9a-f]+:" |
	grep -Ei "[[:space:]]($bad)([[:space:]]|$)|[[:space:]]int[[:space:]]+\\$|%[xyz]mm[0-9]|%mm[0-9]|%st(\(|$)" || true)
if [ -n "$hits" ]; then
	echo "check-ring0: $image: forbidden instruction in ring-0 code:" >&2
	printf '%s\n' "$hits" >&2
	exit 1
fi
# Something must have been scanned, or the check proves nothing.
printf '%s\n' "$dis" | grep -q "<trap_common>:" || {
	echo "check-ring0: $image: no .r0text found" >&2; exit 1; }
