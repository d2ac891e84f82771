#!/bin/bash
# Runs a test program on the host the way build/husk.elf runs it in the
# guest under tests/compare, so that its output can serve as the reference:
#
#   tests/compare/host-run.sh BINARY ARGV0 [ARGS...]
#
# argv[0] is ARGV0 (the program's path in the guest, /bin/NAME-LIBC), the
# environment is the launcher's default one (kernel/launcher/main.c),
# standard input is /dev/null, and the working directory is /tmp, as with
# husk.cwd=/tmp. That /tmp is a fresh tmpfs in a private mount namespace:
# the programs use fixed /tmp paths, and this way two runs (or two people's
# test suites on one machine) never see each other's files and nothing is
# left behind when the program ends.
#
# Exits with the program's status; 125 with a "host-run:" line on standard
# error when the namespace cannot be made (unshare missing or refused) or
# the program cannot be started.
set -u
[ $# -ge 2 ] || { echo "usage: host-run.sh BINARY ARGV0 [ARGS...]" >&2; exit 125; }
[ -x "$1" ] || { echo "host-run: $1: not an executable file" >&2; exit 125; }
binary=$(realpath "$1")
shift

# Root keeps its real identity (fsops chowns to arbitrary ids); anyone else
# becomes root in a new user namespace, which is what lets them mount, but
# where only their own id exists: there fsops's chown checks fail (EINVAL),
# and tests/compare reports the host reference as failing, not husk.
ns=(--mount --propagation private)
[ "$(id -u)" = 0 ] || ns+=(--map-root-user)
command -v unshare >/dev/null ||
	{ echo "host-run: unshare (util-linux) is not installed" >&2; exit 125; }
unshare "${ns[@]}" true 2>/dev/null ||
	{ echo "host-run: cannot make a private mount namespace: $(unshare "${ns[@]}" true 2>&1)" >&2; exit 125; }

# Inside, in perl (essential on Debian; env cannot set argv[0] and bash's
# exec -a adds PWD and SHLVL to the environment): open the program first,
# since the new /tmp may hide it, then mount, and exec it through its
# descriptor (which perl opens close-on-exec, so the program gets only 0-2).
# shellcheck disable=SC2016 # perl's variables
exec unshare "${ns[@]}" -- perl -MPOSIX -e '
	sub fail { print STDERR "host-run: @_\n"; exit 125; }
	my ($bin, @argv) = @ARGV;
	open(my $fh, "<", $bin) or fail("$bin: $!");
	system("mount", "-t", "tmpfs", "-o", "mode=1777", "husk-compare", "/tmp") == 0
		or fail("cannot mount a private /tmp");
	chdir "/tmp" or fail("/tmp: $!");
	# The guest program starts with 0-2 open and nothing else (fsops dups
	# to fixed numbers): close what the caller of the suite left open.
	opendir(my $d, "/proc/self/fd") or fail("/proc/self/fd: $!");
	my @fds = grep { /^\d+$/ && $_ > 2 && $_ != fileno($fh) && $_ != fileno($d) } readdir($d);
	closedir($d);
	POSIX::close($_) for @fds;
	%ENV = (PATH => "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		HOME => "/");
	exec { "/proc/self/fd/" . fileno($fh) } @argv;
	fail("$bin: $!");' "$binary" "$@" </dev/null
