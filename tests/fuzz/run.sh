#!/bin/bash
# `make fuzz`: runs each libFuzzer harness in turn for SECONDS, under
# nice (the fuzzer is background work), starting from its seeds in
# tests/fuzz/corpus/NAME and what earlier runs kept in DIR/corpus/NAME.
# A crash, leak, hang or out-of-memory input is written to
# tests/fuzz/regress/NAME/, which `make test` replays (fix the bug first);
# the log is DIR/logs/NAME.log. Prints one line per harness (CPU seconds,
# executions, what it found) and fails if any harness found something.
#
# usage: tests/fuzz/run.sh DIR SECONDS NAME...
set -u
cd "$(dirname "$0")/../.."
dir=$1 secs=$2
shift 2
found=0

# CPU seconds (user + system) of the children between two outputs of
# `times` (its second line), which must run in this shell, not in $(...).
cpu_between() {
	awk 'FNR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
		t[++n] = u[1] * 60 + u[2] + s[1] * 60 + s[2] }
		END { printf "%.0f", t[2] - t[1] }' "$1" "$2"
}

for name in "$@"; do
	bin=$dir/fuzz_$name
	work=$dir/corpus/$name
	regress=tests/fuzz/regress/$name
	log=$dir/logs/$name.log
	if [ ! -x "$bin" ]; then
		echo "fuzz $name: $bin is missing (make fuzz-build)" >&2
		found=1
		continue
	fi
	mkdir -p "$work" "$regress" "$dir/logs"
	dict=()
	[ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	times >"$dir/logs/$name.t0"
	ls "$regress" >"$dir/logs/$name.before"
	# -close_fd_mask=3: the targets' own messages (husk-vmm's device
	# stops, parse errors) would bury libFuzzer's; reports still show.
	nice -n 19 "$bin" -max_total_time="$secs" -timeout=20 \
		-rss_limit_mb=2048 -close_fd_mask=3 -print_final_stats=1 \
		-artifact_prefix="$regress/" "${dict[@]}" \
		"$work" "tests/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	times >"$dir/logs/$name.t1"
	cpu=$(cpu_between "$dir/logs/$name.t0" "$dir/logs/$name.t1")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	new=$(ls "$regress" | comm -13 "$dir/logs/$name.before" -)
	if [ "$rc" -ne 0 ] || [ -n "$new" ]; then
		found=1
		echo "fuzz $name: FOUND after ${cpu}s CPU, ${execs:-?} execs:" \
			"${new:-exit status $rc}; see $log"
		grep -m 1 -E '^SUMMARY|ERROR: libFuzzer|promise broken' "$log" |
			sed 's/^/    /'
	else
		echo "fuzz $name: ${cpu}s CPU, ${execs:-?} execs, nothing found"
	fi
done
exit "$found"
