# Checks of a server running in a guest, reached from the host side at
# 127.0.0.1:PORT (through QEMU's hostfwd or husk-vmm's -p). Sourced by
# tests/suites/apps.sh on the host and by the script it runs inside the
# nested-KVM guest; both source common.bash first (ok, bad, until_ok).

# nginx_checks LABEL PORT BIGSUM
nginx_checks() {
	local l=$1 p=$2 sum=$3 out got
	out=$(curl -sS --max-time 30 "http://127.0.0.1:$p/" 2>&1)
	if grep -q 'nginx on husk' <<<"$out"; then ok "$l: nginx: curl / serves the page"
	else bad "$l: nginx: curl / serves the page" "$out"; fi
	got=$(curl -sS --max-time 60 "http://127.0.0.1:$p/big.bin" | sha256sum | cut -d' ' -f1)
	if [ "$got" = "$sum" ]; then ok "$l: nginx: a 1 MiB file arrives whole (sendfile)"
	else bad "$l: nginx: a 1 MiB file arrives whole (sendfile)" "sha256 $got, want $sum"; fi
	out=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 30 "http://127.0.0.1:$p/nosuch" 2>&1)
	if [ "$out" = 404 ]; then ok "$l: nginx: a missing page is 404"
	else bad "$l: nginx: a missing page is 404" "$out"; fi
	out=$(wrk -t1 -c8 -d3s --timeout 10s "http://127.0.0.1:$p/" 2>&1)
	if grep -q 'Requests/sec' <<<"$out" && ! grep -Eq 'Non-2xx|Socket errors' <<<"$out"; then
		ok "$l: nginx: wrk -c8 -d3s without errors ($(grep -o 'Requests/sec: *[0-9.]*' <<<"$out"))"
	else
		bad "$l: nginx: wrk -c8 -d3s without errors" "$(tail -n 4 <<<"$out" | tr '\n' ' ')"
	fi
}

# redis_checks LABEL PORT
redis_checks() {
	local l=$1 p=$2 out
	out=$(redis-cli -p "$p" ping 2>&1)
	if [ "$out" = PONG ]; then ok "$l: redis: PING"
	else bad "$l: redis: PING" "$out"; fi
	out=$(redis-cli -p "$p" set husk-key 'a value' 2>&1; redis-cli -p "$p" get husk-key 2>&1)
	if [ "$out" = "$(printf 'OK\na value')" ]; then ok "$l: redis: SET then GET"
	else bad "$l: redis: SET then GET" "$out"; fi
	# -q rewrites its progress line with \r: keep the final ones.
	out=$(set -o pipefail; timeout 120 redis-benchmark -p "$p" -n 2000 -c 8 -t set,get -q 2>&1 | tr '\r' '\n')
	if [ $? = 0 ] && grep -q '^SET: [0-9.]* requests per second' <<<"$out" &&
		grep -q '^GET: [0-9.]* requests per second' <<<"$out" &&
		! grep -qi 'error' <<<"$out"; then
		ok "$l: redis: redis-benchmark -n 2000 without errors ($(grep -o '^GET: [0-9.]* requests per second' <<<"$out"))"
	else
		bad "$l: redis: redis-benchmark -n 2000 without errors" "$(tr '\r' '\n' <<<"$out" | tail -n 3 | tr '\n' ' ')"
	fi
}
