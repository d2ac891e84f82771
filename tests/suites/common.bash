# What the host suites (tests/suites/*.sh) share; sourced after setting
# SUITE to the suite's name (and by engines.bash, for bench/ too). Not a
# suite itself (tests/run.sh runs *.sh).

ok() { echo "PASS: $SUITE: $1"; }
bad() { echo "FAIL: $SUITE: $1: $2"; }
skip() { echo "SKIP: $SUITE: $1: $2"; }

# until_ok SECONDS COMMAND...: retries COMMAND (output discarded) every
# 0.1 s until it succeeds; 1 when SECONDS pass first. A watchdog bounding
# a wait that should end: it times nothing.
until_ok() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# expect NAME WANT-STATUS REGEX COMMAND...: status and combined output.
expect() {
	local name=$1 want=$2 re=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" != "$want" ]; then
		bad "$name" "exit status $rc, expected $want: $(tail -n 3 <<<"$out")"
	elif ! grep -Eq -- "$re" <<<"$out"; then
		bad "$name" "output lacks /$re/: $(tail -n 3 <<<"$out")"
	else
		ok "$name"
	fi
}

# A suite's nested-KVM part: GUEST_CASES names the checks its guest script
# prints as PASS:/FAIL: lines.
# skip_guest WHY: every one of GUEST_CASES skipped, saying why.
skip_guest() {
	local c
	for c in "${GUEST_CASES[@]}"; do skip "husk-vmm: $c" "$1"; done
}

# guest_results OUTPUT STATUS: what scripts/nested-kvm/run.sh printed and
# its status. The guest's result lines pass through; a count other than
# GUEST_CASES's is one more failure; status 4 (no nested KVM) skips them.
guest_results() {
	local out=$1 rc=$2 n
	if grep -Eq '^(PASS|FAIL): ' <<<"$out"; then
		grep -E '^(PASS|FAIL): ' <<<"$out"
		n=$(grep -Ec '^(PASS|FAIL): ' <<<"$out")
		[ "$n" = "${#GUEST_CASES[@]}" ] || bad "husk-vmm" "$n results for ${#GUEST_CASES[@]} cases (status $rc): $(tail -n 3 <<<"$out")"
	elif [ "$rc" = 4 ]; then
		skip_guest "nested KVM did not come up: $(grep nested-kvm: <<<"$out" | head -n 1)"
	else
		bad "husk-vmm" "the nested guest failed (status $rc): $(tail -n 3 <<<"$out")"
	fi
}
