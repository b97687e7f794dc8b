#!/usr/bin/env bash
# The ghes-mock benchmark: throughput and latency of the main operations at 32
# connections, start-up time, seeding time and memory as runners grow.
#
#   bench/run.sh            # full run (about 2 minutes of load)
#   DURATION=3 bench/run.sh # shorter load phases
#
# Server and load generator are pinned to different cores (taskset) so that
# they do not compete; results are also given as ratios to /_mock/health,
# the in-process ceiling measured in the same run, because absolute numbers
# drift on shared machines. Only loopback is used; every phase is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}      # seconds per load phase
CONNECTIONS=${CONNECTIONS:-32}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
PORT=${PORT:-18080}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need taskset util-linux
need curl curl
cargo build --release --locked --quiet
BIN=target/release/ghes-mock

# A fixture of N runners in one organization.
seed() {
  python3 - "$1" >"$2" <<'PY'
import json, sys
n = int(sys.argv[1])
runners = [{"scope": "orgs/octo-org", "name": f"runner-{i}", "labels": ["gpu"] if i % 2 else []}
           for i in range(n)]
json.dump({"orgs": ["octo-org"], "runners": runners}, sys.stdout)
PY
}

now_ms() { date +%s%3N; }

# Starts the server on $PORT pinned to SERVER_CPU; sets SERVER to its pid and
# STARTED_MS to the time from exec to the first answered request (polled with
# curl, bounded).
start() {
  local t0 t1 i
  t0=$(now_ms)
  taskset -c "$SERVER_CPU" "$BIN" serve --bind "127.0.0.1:$PORT" --token-ttl 86400 "$@" >"$WORK/ready" 2>"$WORK/log" &
  SERVER=$!
  for i in $(seq 1 5000); do
    kill -0 "$SERVER" 2>/dev/null || { echo "the server stopped:" >&2; cat "$WORK/log" >&2; exit 1; }
    if curl -s -o /dev/null "http://127.0.0.1:$PORT/_mock/health"; then break; fi
    sleep 0.001
  done
  t1=$(now_ms)
  STARTED_MS=$((t1 - t0))
}

stop() { kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true; }

rss_peak_kib() { awk '/VmHWM/ {print $2}' "/proc/$SERVER/status"; }

# wrk at CONNECTIONS connections; prints "requests/s p50_ms p99_ms".
load() {
  local url=$1 script=${2:-}
  local args=(-t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency)
  [[ -n $script ]] && args+=(-s "$script")
  taskset -c "$LOAD_CPU" wrk "${args[@]}" -H "Authorization: token bench" "$url" >"$WORK/wrk" 2>&1
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /^Requests\/sec/ { rps = $2 }
    /Non-2xx or 3xx responses/ { bad = $NF }
    END { if (bad > 0) { print "ERRORS " bad; exit 1 } printf "%.0f %.2f %.2f\n", rps, p50, p99 }' "$WORK/wrk"
}

API="http://127.0.0.1:$PORT/api/v3"
MOCK="http://127.0.0.1:$PORT/_mock"

echo "machine: $(nproc) cores, $(awk '/model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo)"
echo "phases: ${DURATION}s each, $CONNECTIONS connections, server on CPU $SERVER_CPU, wrk on CPU $LOAD_CPU"
echo

# --- 10,000 runners in one organization --------------------------------------
seed 10000 "$WORK/seed10k.json"
start --seed "$WORK/seed10k.json"
RUNNER_ID=5000
cat >"$WORK/post.lua" <<'LUA'
wrk.method = "POST"
LUA

declare -A RESULT
RESULT[health]=$(load "$MOCK/health")
RESULT[list1]=$(load "$API/orgs/octo-org/actions/runners?per_page=30&page=1")
RESULT[list300]=$(load "$API/orgs/octo-org/actions/runners?per_page=30&page=300")
RESULT[get]=$(load "$API/orgs/octo-org/actions/runners/$RUNNER_ID")
RESULT[token]=$(load "$API/orgs/octo-org/actions/runners/registration-token" "$WORK/post.lua")
# A scope keeps its newest 10,000 tokens: take the registration token after
# the token phase.
TOKEN=$(curl -s -X POST -H "Authorization: token bench" "$API/orgs/octo-org/actions/runners/registration-token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
cat >"$WORK/register.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format('{"token": "$TOKEN", "name": "bench-%d-%d"}', os.time(), n))
end
LUA
RESULT[register]=$(load "$MOCK/runners" "$WORK/register.lua")
stop

ceiling=$(cut -d' ' -f1 <<<"${RESULT[health]}")
printf '%-34s %10s %9s %9s %9s\n' "operation" "req/s" "p50 ms" "p99 ms" "vs health"
for key in health list1 list300 get token register; do
  read -r rps p50 p99 <<<"${RESULT[$key]}"
  case $key in
    health) name="GET /_mock/health (ceiling)" ;;
    list1) name="list runners, page 1 of 334" ;;
    list300) name="list runners, page 300 of 334" ;;
    get) name="get runner" ;;
    token) name="POST registration-token" ;;
    register) name="POST /_mock/runners (register)" ;;
  esac
  printf '%-34s %10s %9s %9s %8s%%\n' "$name" "$rps" "$p50" "$p99" "$(awk -v a="$rps" -v b="$ceiling" 'BEGIN { printf "%.0f", 100 * a / b }')"
done
echo

# --- start-up, seeding and memory ---------------------------------------------
startup=()
for i in 1 2 3 4 5; do
  start
  startup+=("$STARTED_MS")
  stop
done
echo "start-up to first answer, empty in-memory database: ${startup[*]} ms"

seed 100000 "$WORK/seed100k.json"
start --seed "$WORK/seed100k.json"
seeded=$STARTED_MS
curl -s -o /dev/null -H "Authorization: token bench" "$API/orgs/octo-org/actions/runners?per_page=100&page=500"
echo "start-up seeding 100,000 runners: ${seeded} ms"
echo "peak RSS holding 100,000 runners: $(($(rss_peak_kib) / 1024)) MiB"
stop
