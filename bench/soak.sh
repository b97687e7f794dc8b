#!/usr/bin/env bash
# The ghes-mock soak: mixed reads and writes at 32 connections for 5 minutes
# (10 rounds of 30 s), reporting per round the throughput, p50/p99 latency,
# errors and the server's resident memory, so that growth or drift shows,
# and the throughput as a share of /_mock/health measured for 2 s after the
# round, which tells the server's drift from the shared machine's.
#
#   bench/soak.sh                         # 10 rounds of 30 s
#   ROUNDS=4 ROUND_SECONDS=15 bench/soak.sh
#
# The mix, as an autoscaler drives GHES: 50 % list pages (any of 334), 20 %
# get runner, 10 % registration-token POSTs, 9 % runner registrations and
# up to 11 % deletes of runners the soak registered (a get when there is
# none to delete), so the runner count stays level. Server and wrk are
# pinned to separate cores; loopback only, every round bounded. Exits 1 if
# any request fails.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-10}
ROUND_SECONDS=${ROUND_SECONDS:-30}
PORT=${PORT:-18081}
source bench/common.sh

seed 10000 "$WORK/seed.json"
start --seed "$WORK/seed.json"

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
  -- Headers given here replace those of the command line.
  return wrk.format(method, path, {["Authorization"] = "token bench", ["Content-Type"] = "application/json"}, body)
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

rss_mib() { awk -v kib="$(rss_kib "$1")" 'BEGIN { printf "%.1f", kib / 1024 }'; }

echo "machine: $(nproc) cores; $ROUNDS rounds of ${ROUND_SECONDS}s at $CONNECTIONS connections; 10,000 runners seeded"
printf '%-6s %10s %9s %9s %8s %9s %12s\n' round "req/s" "p50 ms" "p99 ms" errors "RSS MiB" "vs health"
printf '%-6s %10s %9s %9s %8s %9s %12s\n' start - - - - "$(rss_mib VmRSS)" -
failed=0
for round in $(seq 1 "$ROUNDS"); do
  wrk_for "$ROUND_SECONDS" "http://127.0.0.1:$PORT" "$WORK/mix.lua"
  read -r rps p50 p99 bad < <(wrk_figures)
  rss=$(rss_mib VmRSS)
  # A short look at the ceiling after each round tells the server's drift
  # from the shared machine's.
  wrk_for 2 "$MOCK/health"
  read -r ceiling _ < <(wrk_figures)
  ratio=$(awk -v a="$rps" -v b="$ceiling" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  printf '%-6s %10s %9s %9s %8s %9s %12s\n' "$round" "$rps" "$p50" "$p99" "$bad" "$rss" "$ratio"
  [[ $bad -eq 0 ]] || failed=1
done
runners=$(curl -s -H "Authorization: token bench" "$API/orgs/octo-org/actions/runners?per_page=1" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["total_count"])')
echo "runners at the end: $runners (10,000 seeded; registrations and deletes balance)"
echo "peak RSS: $(rss_mib VmHWM) MiB"
stop
if [[ $failed -ne 0 ]]; then
  echo "requests failed; the last round's wrk output:" >&2
  cat "$WORK/wrk" >&2
  exit 1
fi
