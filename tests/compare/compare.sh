# shellcheck shell=bash
# Host-versus-guest comparison of the C test suite, sourced by tests/run.sh
# (which provides B, ok, bad, skipped, selected and NESTED_FILES).
#
# The runs: every line of tests/compare/list, plus every tests/progs/NAME.c
# that the list does not name (with no arguments and no filters), so that a
# new suite is compared as soon as it exists. Each run is made for both
# static builds, /bin/NAME-musl and /bin/NAME-glibc:
#   1. on the host, the very binary the guest runs (taken out of
#      rootfs.cpio, so that a stale archive cannot go unnoticed), through
#      tests/compare/host-run.sh (private /tmp, the guest's argv[0], cwd
#      and environment): the reference. It must itself exit 0, since a
#      suite that fails on Linux proves nothing about husk ("[host]
#      reference");
#   2. in the guest, build/husk.elf with the test rootfs, on every backend
#      run.sh uses, once as it is ("rewrite": system calls rewritten) and
#      once with the kernel option husk.no-rewrite, both with husk.cwd=/tmp.
# The guest's standard output and exit status must equal the host's, after
# the run's filters; a difference is a FAIL with a short diff (- host,
# + guest). On QEMU both streams share one serial line, so lines starting
# with "husk: " (the library OS's messages, standard error on husk-vmm) are
# removed there first: suites must print their results on standard output.
# Trailing empty lines are not compared.
#
# On the nested-KVM backend the runs join the one Linux boot that runs every
# boot case (compare_vmm_script), and come back as marked lines.

CMP_LIST=${COMPARE_LIST:-tests/compare/list} # another list: for trying one out
CMP_LIBCS="musl glibc"
CMP_MODES="rewrite no-rewrite"
CMP_MEM=64M
CMP_MARK=$'\001' # sed's delimiter: no line of a text file holds it

# One entry per run (program x libc), by index.
CMP_PROG=() CMP_LIBC=() CMP_ARGS=() CMP_FILTERS=() CMP_READY=()

cmp_name() { echo "${CMP_PROG[$1]}-${CMP_LIBC[$1]}"; }

cmp_label() {
	local args=${CMP_ARGS[$1]}
	echo "compare $(cmp_name "$1")${args:+ $args} ($2)"
}

cmp_cmdline() {
	case $1 in
	rewrite) echo "husk.cwd=/tmp" ;;
	no-rewrite) echo "husk.cwd=/tmp husk.no-rewrite" ;;
	esac
}

cmp_trim() {
	local s=$1
	s=${s#"${s%%[! ]*}"}
	echo "${s%"${s##*[! ]}"}"
}

# The sed program for a filter "VERB[@MODE] ERE", or nothing when the
# filter is for the other mode (or is not a line filter).
cmp_sed_expr() {
	local f verb re mode=$2
	f=$(cmp_trim "$1")
	verb=${f%% *}
	re=${f#"$verb"}
	re=${re# }
	case $verb in
	*@*)
		[ "${verb#*@}" = "$mode" ] || return 0
		verb=${verb%@*}
		;;
	esac
	case $verb in
	drop) echo "\\$CMP_MARK$re${CMP_MARK}d" ;;
	mask) echo "s$CMP_MARK$re$CMP_MARK<masked>${CMP_MARK}g" ;;
	esac
}

# Checks one FILTERS field; complains, naming WHERE, and fails on an error.
cmp_check_filters() {
	local where=$1 f verb arg fs
	IFS=';' read -ra fs <<<"$2"
	for f in ${fs[@]+"${fs[@]}"}; do
		f=$(cmp_trim "$f")
		[ -n "$f" ] || continue
		verb=${f%% *}
		arg=$(cmp_trim "${f#"$verb"}")
		case $verb in
		drop | mask | drop@rewrite | mask@rewrite | drop@no-rewrite | mask@no-rewrite)
			if [ -z "$arg" ]; then
				bad "compare" "$where: filter '$verb' needs a regular expression"
				return 1
			fi
			if ! sed -E -e "$(cmp_sed_expr "$f" "${verb#*@}")" </dev/null 2>/dev/null; then
				bad "compare" "$where: filter '$verb': bad regular expression /$arg/"
				return 1
			fi
			;;
		exclude)
			if [ -z "$arg" ]; then
				bad "compare" "$where: 'exclude' needs a reason"
				return 1
			fi
			;;
		*)
			bad "compare" "$where: unknown filter '$verb' (drop, mask, drop@MODE, mask@MODE with MODE rewrite or no-rewrite, exclude)"
			return 1
			;;
		esac
	done
}

# Filters standard input (one output, as lines) for MODE with FILTERS.
cmp_filter() {
	local mode=$1 f e fs exprs=()
	IFS=';' read -ra fs <<<"$2"
	for f in ${fs[@]+"${fs[@]}"}; do
		e=$(cmp_sed_expr "$f" "$mode")
		[ -z "$e" ] || exprs+=(-e "$e")
	done
	if [ ${#exprs[@]} -eq 0 ]; then
		cat
	else
		sed -E "${exprs[@]}"
	fi
}

cmp_excluded() {
	local f fs
	IFS=';' read -ra fs <<<"$1"
	for f in ${fs[@]+"${fs[@]}"}; do
		case $(cmp_trim "$f") in exclude | "exclude "*) return 0 ;; esac
	done
	return 1
}

cmp_add() {
	local libc
	for libc in $CMP_LIBCS; do
		CMP_PROG+=("$1")
		CMP_LIBC+=("$libc")
		CMP_ARGS+=("$2")
		CMP_FILTERS+=("$3")
		CMP_READY+=(0)
	done
}

# Reads the list and tests/progs into the run table; a bad line is a FAIL
# naming it, and that line is left out.
cmp_load() {
	local n=0 prog args filters where named=" " src
	CMP_PROG=() CMP_LIBC=() CMP_ARGS=() CMP_FILTERS=() CMP_READY=()
	if [ ! -r "$CMP_LIST" ]; then
		bad "compare" "$CMP_LIST: cannot read it"
		return
	fi
	while IFS='|' read -r prog args filters; do
		n=$((n + 1))
		where="$CMP_LIST:$n"
		prog=$(cmp_trim "$prog")
		case $prog in '' | '#'*) continue ;; esac
		if [[ ! $prog =~ ^[A-Za-z0-9_-]+$ ]] || [ ! -f "tests/progs/$prog.c" ]; then
			bad "compare" "$where: '$prog' is not a program of tests/progs (no tests/progs/$prog.c)"
			continue
		fi
		named="$named$prog "
		if ! (eval "a=($args)") 2>/dev/null; then
			bad "compare" "$where: arguments '$args' are not valid shell words"
			continue
		fi
		cmp_check_filters "$where" "$filters" || continue
		cmp_excluded "$filters" && continue
		cmp_add "$prog" "$(cmp_trim "$args")" "$filters"
	done <"$CMP_LIST"
	for src in tests/progs/*.c; do
		prog=${src##*/}
		prog=${prog%.c}
		case $named in *" $prog "*) continue ;; esac
		cmp_add "$prog" "" ""
	done
}

# The static programs of the guest's rootfs.cpio, into $CMP_DIR/rootfs.
cmp_unpack() {
	local libc pats=()
	rm -rf "$CMP_DIR/rootfs"
	mkdir -p "$CMP_DIR/rootfs"
	if [ ! -r "$B/tests/rootfs.cpio" ]; then
		bad "compare" "$B/tests/rootfs.cpio was not built"
		return 1
	fi
	for libc in $CMP_LIBCS; do pats+=("bin/*-$libc" "./bin/*-$libc"); done
	if ! (cd "$CMP_DIR/rootfs" && cpio -idm --quiet --no-absolute-filenames \
		"${pats[@]}") <"$B/tests/rootfs.cpio"; then
		bad "compare" "cannot unpack $B/tests/rootfs.cpio"
		return 1
	fi
}

# The host reference of run I: $CMP_DIR/I.out and I.rc; the run is ready
# for comparing when the program exited 0.
cmp_host_reference() {
	local i=$1 name bin rc args
	name=$(cmp_name "$i")
	bin=$CMP_DIR/rootfs/bin/$name
	if [ ! -x "$bin" ]; then
		bad "[host] reference $name" "/bin/$name is not in $B/tests/rootfs.cpio"
		return
	fi
	eval "args=(${CMP_ARGS[i]})"
	timeout 60 tests/compare/host-run.sh "$bin" "/bin/$name" ${args[@]+"${args[@]}"} \
		>"$CMP_DIR/$i.out" 2>"$CMP_DIR/$i.err"
	rc=$?
	echo "$rc" >"$CMP_DIR/$i.rc"
	# No private /tmp here: the run cannot happen, which is no failure of
	# husk's (but a program that cannot start on the host is a failure).
	if [ "$rc" -eq 125 ] && grep -Eq '^host-run: .*(unshare|namespace|private /tmp)' "$CMP_DIR/$i.err"; then
		skipped "[host] reference $name" "$(grep '^host-run: ' "$CMP_DIR/$i.err" | head -n 1)"
		return
	fi
	if [ "$rc" -ne 0 ]; then
		bad "[host] reference $name${CMP_ARGS[i]:+ ${CMP_ARGS[i]}}" \
			"exit status $rc on the host itself"
		cat "$CMP_DIR/$i.out" "$CMP_DIR/$i.err" | grep -v '^ok ' | tail -n 6 | sed 's/^/    | /'
		return
	fi
	CMP_READY[i]=1
	ok "[host] reference $name${CMP_ARGS[i]:+ ${CMP_ARGS[i]}}"
}

# Loads the runs and makes the host references; run.sh calls it once,
# before the backends.
compare_prepare() {
	local i src libc any=
	CMP_DIR=$B/tests/compare
	for src in tests/progs/*.c; do
		src=${src##*/}
		for libc in $CMP_LIBCS; do
			selected "compare:${src%.c}-$libc" && any=1
		done
	done
	[ -n "$any" ] || return 0
	echo "compare: host references ($CMP_LIST, tests/compare/host-run.sh)"
	cmp_load
	mkdir -p "$CMP_DIR"
	rm -f "$CMP_DIR"/*.out "$CMP_DIR"/*.err "$CMP_DIR"/*.rc
	cmp_unpack || return 0
	for i in "${!CMP_PROG[@]}"; do
		selected "compare:$(cmp_name "$i")" || continue
		cmp_host_reference "$i"
	done
}

# The runs a backend makes, as "I MODE" words in CMP_SEL; a selected run
# without a host reference is reported as skipped (unless QUIET is given:
# the nested batch script is written before its results are read).
cmp_select() {
	local i mode
	CMP_SEL=()
	for i in "${!CMP_PROG[@]}"; do
		selected "compare:$(cmp_name "$i")" || continue
		if [ "${CMP_READY[i]}" != 1 ]; then
			[ -n "${2-}" ] ||
				skipped "[$1] compare $(cmp_name "$i")" "no host reference (see [host] above)"
			continue
		fi
		for mode in $CMP_MODES; do CMP_SEL+=("$i $mode"); done
	done
}

# Compares run I in MODE on BACKEND with the host's; on a difference, the
# first lines of EXTRA (the guest's messages: ENOSYS notices, the fault
# report's headline) are shown too.
cmp_check() {
	local label i=$2 mode=$3 rc=$4 out=$5 extra=${6-} want host d
	label="[$1] $(cmp_label "$i" "$mode")"
	want=$(<"$CMP_DIR/$i.rc")
	# Filtered apart from diff, so that a failing filter cannot pass for
	# two equal (empty) outputs.
	if ! host=$(cmp_filter "$mode" "${CMP_FILTERS[i]}" <"$CMP_DIR/$i.out") ||
		! out=$(printf '%s\n' "$out" | cmp_filter "$mode" "${CMP_FILTERS[i]}"); then
		bad "$label" "the run's filters failed"
		return
	fi
	d=$(diff -U1 --label host --label guest <(printf '%s\n' "$host") \
		<(printf '%s\n' "$out"))
	if [ "$rc" = "$want" ] && [ -z "$d" ]; then
		ok "$label"
		return
	fi
	if [ "$rc" != "$want" ]; then
		bad "$label" "exit status $rc, the host's $want${d:+, and the output differs}"
	else
		bad "$label" "the output differs from the host's"
	fi
	[ -z "$d" ] || printf '%s\n' "$d" | sed 1,2d | head -n 12 | sed 's/^/    | /'
	[ -z "$extra" ] || printf '%s\n' "$extra" | head -n 5 | sed 's/^/    ! /'
}

# QEMU (run.sh's QEMU_MACHINE and QEMU_LABEL): boots one VM per run.
compare_qemu() {
	local run i mode out rc msgs args
	cmp_select "$QEMU_LABEL"
	for run in ${CMP_SEL[@]+"${CMP_SEL[@]}"}; do
		read -r i mode <<<"$run"
		eval "args=(${CMP_ARGS[i]})"
		out=$(timeout 120 scripts/qemu-run.sh --machine "$QEMU_MACHINE" \
			--mem "$CMP_MEM" --cmdline "$(cmp_cmdline "$mode")" \
			--initrd "$B/tests/rootfs.cpio" "$B/husk.elf" \
			-- "/bin/$(cmp_name "$i")" ${args[@]+"${args[@]}"} 2>"$CMP_DIR/guest.err")
		rc=$?
		msgs=$(grep -a '^husk: ' <<<"$out"; grep -v '^qemu-run: [a-z0-9]* on ' "$CMP_DIR/guest.err")
		out=$(grep -av '^husk: ' <<<"$out")
		cmp_check "$QEMU_LABEL" "$i" "$mode" "$rc" "$out" "$msgs"
	done
}

# husk-vmm on a usable /dev/kvm: standard output alone is compared.
compare_vmm_direct() {
	local run i mode out rc args
	cmp_select "husk-vmm kvm"
	for run in ${CMP_SEL[@]+"${CMP_SEL[@]}"}; do
		read -r i mode <<<"$run"
		eval "args=(${CMP_ARGS[i]})"
		out=$(timeout 60 "$B/bin/husk-vmm" --mem "$CMP_MEM" \
			--cmdline "$(cmp_cmdline "$mode")" --initrd "$B/tests/rootfs.cpio" \
			"$B/husk.elf" -- "/bin/$(cmp_name "$i")" ${args[@]+"${args[@]}"} 2>"$CMP_DIR/guest.err")
		rc=$?
		cmp_check "husk-vmm kvm" "$i" "$mode" "$rc" "$out" "$(<"$CMP_DIR/guest.err")"
	done
}

cmp_quote() {
	local a q=
	for a in "$@"; do q="$q '${a//\'/\'\\\'\'}'"; done
	echo "$q"
}

# Nested KVM: the lines that join run.sh's batch script, one husk-vmm run
# each; standard output comes back as "@@CMPOUT ID line", the status as
# "@@CMPSTATUS ID N", the first lines of standard error as "@@CMPERR ID".
compare_vmm_script() {
	local run i mode id args
	cmp_select "husk-vmm nested-kvm" quiet
	for run in ${CMP_SEL[@]+"${CMP_SEL[@]}"}; do
		read -r i mode <<<"$run"
		id=c$i-$mode
		eval "args=(${CMP_ARGS[i]})"
		echo "$PWD/$B/bin/husk-vmm --mem $CMP_MEM --cmdline '$(cmp_cmdline "$mode")' --initrd $PWD/$B/tests/rootfs.cpio $PWD/$B/husk.elf --$(cmp_quote "/bin/$(cmp_name "$i")" ${args[@]+"${args[@]}"}) >/tmp/cmp.out 2>/tmp/cmp.err"
		echo "echo \"@@CMPSTATUS $id \$?\"; awk '{print \"@@CMPOUT $id \" \$0}' /tmp/cmp.out; head -n 5 /tmp/cmp.err | awk '{print \"@@CMPERR $id \" \$0}'"
	done
	[ ${#CMP_SEL[@]} -eq 0 ] && return
	nested_file "$PWD/$B/husk.elf"
	nested_file "$PWD/$B/tests/rootfs.cpio"
}

# Nested KVM: splits run.sh's NESTED_OUT back into the runs.
compare_vmm_nested_check() {
	local run i mode id rc out
	cmp_select "husk-vmm nested-kvm"
	for run in ${CMP_SEL[@]+"${CMP_SEL[@]}"}; do
		read -r i mode <<<"$run"
		id=c$i-$mode
		rc=$(sed -n "s/^@@CMPSTATUS $id //p" <<<"$NESTED_OUT")
		out=$(sed -n "s/^@@CMPOUT $id //p" <<<"$NESTED_OUT")
		cmp_check "husk-vmm nested-kvm" "$i" "$mode" "${rc:-none}" "$out" \
			"$(sed -n "s/^@@CMPERR $id //p" <<<"$NESTED_OUT")"
	done
}
