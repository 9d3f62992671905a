#!/usr/bin/env bash
# The well-behaved tenant's latency (wrk p50/p99) with and without a hostile
# tenant looping in the same server: one run, server pinned to core 0, the
# clients to core 1. Usage: benches/noisy_neighbor.sh (after `make examples`).
set -euo pipefail
cd "$(dirname "$0")/.."
FASTERAPI=target/release/fasterapi
OUT=target/bench/noisy
mkdir -p "$OUT"
CARGO_TARGET_DIR=target/guests $FASTERAPI build tests/guests/tenant -o "$OUT/tenant.wasm" 2>/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$OUT/fasterapi.toml" <<TOML
[server]
listen = "127.0.0.1:$PORT"
data_dir = "data"
[[app]]
name = "good"
tenant = "acme"
component = "$PWD/target/components/bench-rust.wasm"
route = "/acme"
[[app]]
name = "hostile"
tenant = "globex"
component = "tenant.wasm"
host = "globex.test"
[app.limits]
timeout = "1s"
max_concurrency = 4
TOML
taskset -c 0 $FASTERAPI serve "$OUT/fasterapi.toml" 2>"$OUT/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$PORT/acme/users/1"; do sleep 0.2; done

measure() {
  taskset -c 1 wrk -t1 -c8 -d10s --latency "http://127.0.0.1:$PORT/acme/users/1" > "$OUT/wrk.txt"
  local p50 p99 rps
  p50=$(awk '$1=="50%"{print $2}' "$OUT/wrk.txt")
  p99=$(awk '$1=="99%"{print $2}' "$OUT/wrk.txt")
  rps=$(awk '/Requests\/sec/{print $2}' "$OUT/wrk.txt")
  printf '%-28s p50 %-9s p99 %-9s %s req/s\n' "$1" "$p50" "$p99" "$rps"
}

measure "alone"
# The hostile tenant: 4 clients sending requests that loop until their 1 s timeout.
for _ in 1 2 3 4; do
  ( end=$((SECONDS + 12)); while [ $SECONDS -lt $end ]; do
      taskset -c 1 curl -s -o /dev/null -H 'Host: globex.test' "http://127.0.0.1:$PORT/loop"; done ) &
done
sleep 1
measure "with a looping neighbour"
wait_jobs=$(jobs -p | grep -v "^$SERVER$" || true)
[ -n "$wait_jobs" ] && wait $wait_jobs 2>/dev/null || true
echo "hostile requests answered 504: $(grep -c 'timeout' "$OUT/server.log" || true)"
