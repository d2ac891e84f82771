#!/bin/sh
# Writes the C table of Linux x86_64 system-call names (for the library
# OS's "not implemented" lines and tracing) from the kernel's own header,
# which Debian ships in linux-libc-dev.
#   usage: scripts/gen-syscall-names.sh [unistd_64.h] > names.c
set -eu
header=${1:-/usr/include/x86_64-linux-gnu/asm/unistd_64.h}
[ -r "$header" ] || { echo "gen-syscall-names: $header missing (apt-get install linux-libc-dev)" >&2; exit 1; }
echo "/* Generated from $header by scripts/gen-syscall-names.sh. */"
echo '#include "syscall.h"'
echo 'const char *const syscall_names[SYSCALL_NAMES_MAX] = {'
sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$/\t[\2] = "\1",/p' "$header"
echo '};'
