# What the host suites (tests/suites/*.sh) share; sourced after setting
# SUITE to the suite's name. Not a suite itself (tests/run.sh runs *.sh).

ok() { echo "PASS: $SUITE: $1"; }
bad() { echo "FAIL: $SUITE: $1: $2"; }
skip() { echo "SKIP: $SUITE: $1: $2"; }

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
