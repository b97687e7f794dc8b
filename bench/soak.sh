#!/usr/bin/env bash
# The ghes-mock soak: mixed reads and writes at 32 connections for 5 minutes
# (10 rounds of 30 s), reporting per round the throughput, p50/p99 latency,
# errors and the server's resident memory, so that growth or drift shows.
#
#   bench/soak.sh                         # 10 rounds of 30 s
#   ROUNDS=4 ROUND_SECONDS=15 bench/soak.sh
#
# The mix, as an autoscaler drives GHES: 50 % list pages (any of 334), 20 %
# get runner, 10 % registration-token POSTs, 9 % runner registrations and
# up to 11 % deletes of runners the soak registered (a get when there is
# none to delete), so the runner count stays level. Server and wrk are pinned to separate cores; loopback only, every
# round bounded. Exits 1 if any request fails.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-10}
ROUND_SECONDS=${ROUND_SECONDS:-30}
CONNECTIONS=${CONNECTIONS:-32}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
PORT=${PORT:-18081}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need taskset util-linux
need curl curl
cargo build --release --locked --quiet
BIN=target/release/ghes-mock

python3 - >"$WORK/seed.json" <<'PY'
import json, sys
runners = [{"scope": "orgs/octo-org", "name": f"runner-{i}", "labels": ["gpu"] if i % 2 else []}
           for i in range(10000)]
json.dump({"orgs": ["octo-org"], "runners": runners}, sys.stdout)
PY

taskset -c "$SERVER_CPU" "$BIN" serve --bind "127.0.0.1:$PORT" --seed "$WORK/seed.json" >/dev/null 2>"$WORK/log" &
SERVER=$!
for _ in $(seq 1 500); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/_mock/health" && break
  sleep 0.01
done

cat >"$WORK/mix.lua" <<'LUA'
-- Requests are chosen by weight. The registration token comes from the
-- token POSTs (the first request of a round is one) and deletes take the ids
-- registrations answered with, both read from the answers' bodies (wrk
-- reports answers in completion order, not request order).
local token = nil
local registered = {}
local n = 0
local api = "/api/v3/orgs/octo-org/actions/runners"

local function ask(kind, method, path, body)
  return wrk.format(method, path, {["Authorization"] = "token soak", ["Content-Type"] = "application/json"}, body)
end

request = function()
  n = n + 1
  local roll = math.random(100)
  if token == nil or roll <= 10 then
    return ask("token", "POST", api .. "/registration-token")
  elseif roll <= 19 then
    return ask("register", "POST", "/_mock/runners",
      string.format('{"token": "%s", "name": "soak-%d-%d"}', token, os.time(), n))
  elseif roll <= 30 and #registered > 0 then
    return ask("delete", "DELETE", api .. "/" .. table.remove(registered, 1))
  elseif roll <= 50 then
    return ask("get", "GET", api .. "/" .. math.random(10000))
  else
    return ask("list", "GET", api .. "?per_page=30&page=" .. math.random(334))
  end
end

response = function(status, headers, body)
  if status ~= 201 then return end
  local fresh = string.match(body, '^{"token":"(%w+)","expires_at"')
  if fresh then
    token = fresh
  else
    table.insert(registered, string.match(body, '^{"id":(%d+)'))
  end
end
LUA

rss_mib() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status"; }

echo "machine: $(nproc) cores; $ROUNDS rounds of ${ROUND_SECONDS}s at $CONNECTIONS connections; 10,000 runners seeded"
printf '%-6s %10s %9s %9s %8s %9s\n' round "req/s" "p50 ms" "p99 ms" errors "RSS MiB"
printf '%-6s %10s %9s %9s %8s %9s\n' start - - - - "$(rss_mib)"
failed=0
for round in $(seq 1 "$ROUNDS"); do
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${ROUND_SECONDS}s" --latency -s "$WORK/mix.lua" \
    "http://127.0.0.1:$PORT" >"$WORK/wrk" 2>&1
  read -r rps p50 p99 bad < <(awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /^Requests\/sec/ { rps = $2 }
    /Non-2xx or 3xx responses/ { bad = $NF }
    /Socket errors/ { bad += 1 }
    END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }' "$WORK/wrk")
  printf '%-6s %10s %9s %9s %8s %9s\n' "$round" "$rps" "$p50" "$p99" "$bad" "$(rss_mib)"
  [[ $bad -eq 0 ]] || failed=1
done
runners=$(curl -s -H "Authorization: token soak" "http://127.0.0.1:$PORT/api/v3/orgs/octo-org/actions/runners?per_page=1" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["total_count"])')
echo "runners at the end: $runners (10,000 seeded; registrations and deletes balance)"
echo "peak RSS: $(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status") MiB"
kill -TERM "$SERVER"
wait "$SERVER" 2>/dev/null || true
if [[ $failed -ne 0 ]]; then
  echo "requests failed; the last round's wrk output:" >&2
  cat "$WORK/wrk" >&2
  exit 1
fi
