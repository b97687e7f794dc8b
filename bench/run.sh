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
PORT=${PORT:-18080}
source bench/common.sh

# wrk for DURATION; prints "requests/s p50_ms p99_ms", or ERRORS and fails.
load() {
  local rps p50 p99 bad
  wrk_for "$DURATION" "$@"
  read -r rps p50 p99 bad < <(wrk_figures)
  if [[ $bad -gt 0 ]]; then echo "ERRORS $bad"; return 1; fi
  echo "$rps $p50 $p99"
}


echo "machine: $(nproc) cores, $(awk '/model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo)"
echo "phases: ${DURATION}s each, $CONNECTIONS connections, server on CPU $SERVER_CPU, wrk on CPU $LOAD_CPU"
echo

# --- 10,000 runners in one organization --------------------------------------
# GHES 3.22 presents every operation and field measured here.
seed 10000 "$WORK/seed10k.json"
start --token-ttl 86400 --ghes-version 3.22 --seed "$WORK/seed10k.json"
RUNNER_ID=5000
# The seed's gpu group, holding every other runner.
GPU_GROUP=$(curl -s -H "Authorization: token bench" "$API/orgs/octo-org/actions/runner-groups" |
  python3 -c 'import json, sys; print(next(g["id"] for g in json.load(sys.stdin)["runner_groups"] if g["name"] == "gpu"))')
cat >"$WORK/post.lua" <<'LUA'
wrk.method = "POST"
LUA

declare -A RESULT
RESULT[health]=$(load "$MOCK/health")
RESULT[list1]=$(load "$API/orgs/octo-org/actions/runners?per_page=30&page=1")
RESULT[list300]=$(load "$API/orgs/octo-org/actions/runners?per_page=30&page=300")
RESULT[get]=$(load "$API/orgs/octo-org/actions/runners/$RUNNER_ID")
RESULT[named]=$(load "$API/orgs/octo-org/actions/runners?name=runner-7777")
RESULT[groups]=$(load "$API/orgs/octo-org/actions/runner-groups")
RESULT[group1]=$(load "$API/orgs/octo-org/actions/runner-groups/$GPU_GROUP/runners?per_page=30&page=1")
RESULT[group150]=$(load "$API/orgs/octo-org/actions/runner-groups/$GPU_GROUP/runners?per_page=30&page=150")
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
cat >"$WORK/jit.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"name": "jit-%d-%d", "runner_group_id": 1, "labels": ["self-hosted", "linux", "x64"]}', os.time(), n))
end
LUA
# The server makes the RSA key of JIT runners once, on the first request.
curl -s -o /dev/null -X POST -H "Authorization: token bench" "$API/orgs/octo-org/actions/runners/generate-jitconfig" \
  -d '{"name": "jit-warm-up", "runner_group_id": 1, "labels": ["self-hosted"]}'
RESULT[jit]=$(load "$API/orgs/octo-org/actions/runners/generate-jitconfig" "$WORK/jit.lua")

# A GitHub App installed on the organization: 2,000 JWTs it signed (each
# new, with its own jti), used in turn; the server keeps no verified JWT,
# so every request pays the signature check a fresh one would.
APP=$(curl -s -X POST "$MOCK/apps" -d '{"permissions": {"organization_self_hosted_runners": "write"}}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
INSTALLATION=$(curl -s -X POST "$MOCK/apps/$APP/installations" -d '{"account": "orgs/octo-org"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
mapfile -t jwt_urls < <(yes "$MOCK/apps/$APP/jwt" | head -n 2000)
curl -s -X POST "${jwt_urls[@]}" | python3 -c '
import json, sys
text, decoder, at = sys.stdin.read(), json.JSONDecoder(), 0
while at < len(text):
    doc, at = decoder.raw_decode(text, at)
    print(doc["jwt"])' >"$WORK/jwts"
cat >"$WORK/access-tokens.lua" <<LUA
local jwts = {}
for line in io.lines("$WORK/jwts") do jwts[#jwts + 1] = line end
local i = 0
request = function()
  i = i % #jwts + 1
  return wrk.format("POST", nil, {["Authorization"] = "Bearer " .. jwts[i],
    ["Content-Type"] = "application/json"}, '{"permissions": {}}')
end
LUA
RESULT[access]=$(load "$API/app/installations/$INSTALLATION/access_tokens" "$WORK/access-tokens.lua")
INSTALLATION_TOKEN=$(curl -s -X POST -H "Authorization: Bearer $(head -n 1 "$WORK/jwts")" \
  "$API/app/installations/$INSTALLATION/access_tokens" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
cat >"$WORK/installation.lua" <<LUA
wrk.headers["Authorization"] = "token $INSTALLATION_TOKEN"
LUA
# The same list with a personal token right before, on the same state (the
# phases above registered many more runners): the fair comparison.
RESULT[list_pat]=$(load "$API/orgs/octo-org/actions/runners?per_page=30&page=1")
RESULT[list_installation]=$(load "$API/orgs/octo-org/actions/runners?per_page=30&page=1" "$WORK/installation.lua")
stop

ceiling=$(cut -d' ' -f1 <<<"${RESULT[health]}")
printf '%-34s %10s %9s %9s %9s\n' "operation" "req/s" "p50 ms" "p99 ms" "vs health"
for key in health list1 list300 get named groups group1 group150 token register jit access list_pat list_installation; do
  read -r rps p50 p99 <<<"${RESULT[$key]}"
  case $key in
    health) name="GET /_mock/health (ceiling)" ;;
    list1) name="list runners, page 1 of 334" ;;
    list300) name="list runners, page 300 of 334" ;;
    get) name="get runner" ;;
    named) name="list runners, name filter" ;;
    groups) name="list runner groups (10)" ;;
    group1) name="list a group's runners, page 1" ;;
    group150) name="list a group's runners, page 150" ;;
    jit) name="POST generate-jitconfig" ;;
    access) name="POST access_tokens (App JWT)" ;;
    list_pat) name="list runners, personal token, again" ;;
    list_installation) name="list runners, installation token" ;;
    token) name="POST registration-token" ;;
    register) name="POST /_mock/runners (register)" ;;
  esac
  printf '%-34s %10s %9s %9s %8s%%\n' "$name" "$rps" "$p50" "$p99" "$(awk -v a="$rps" -v b="$ceiling" 'BEGIN { printf "%.0f", 100 * a / b }')"
done
read -r pat _ <<<"${RESULT[list_pat]}"
read -r installation _ <<<"${RESULT[list_installation]}"
printf 'installation token against personal token, same list, same state: %s%%\n' \
  "$(awk -v a="$installation" -v b="$pat" 'BEGIN { printf "%.0f", 100 * a / b }')"
echo

# --- start-up, seeding and memory ---------------------------------------------
startup=()
for i in 1 2 3 4 5; do
  start --token-ttl 86400
  startup+=("$STARTED_MS")
  stop
done
echo "start-up to first answer, empty in-memory database: ${startup[*]} ms"

seed 100000 "$WORK/seed100k.json"
start --token-ttl 86400 --ghes-version 3.22 --seed "$WORK/seed100k.json"
seeded=$STARTED_MS
curl -s -o /dev/null -H "Authorization: token bench" "$API/orgs/octo-org/actions/runners?per_page=100&page=500"
echo "start-up seeding 100,000 runners: ${seeded} ms"
echo "peak RSS holding 100,000 runners: $(($(rss_kib VmHWM) / 1024)) MiB"
# The name filter's cost must not grow with the runners: the same lookup at
# ten times the runners, against the same ceiling.
health100k=$(load "$MOCK/health")
named100k=$(load "$API/orgs/octo-org/actions/runners?name=runner-77777")
stop
read -r rps10 _ <<<"${RESULT[named]}"
read -r rps100 _ <<<"$named100k"
read -r ceiling100 _ <<<"$health100k"
printf 'name filter at 10,000 runners: %s req/s (%s%% of health); at 100,000: %s req/s (%s%% of health)\n' \
  "$rps10" "$(awk -v a="$rps10" -v b="$ceiling" 'BEGIN { printf "%.0f", 100 * a / b }')" \
  "$rps100" "$(awk -v a="$rps100" -v b="$ceiling100" 'BEGIN { printf "%.0f", 100 * a / b }')"
