#!/usr/bin/env bash
# The jobs and webhooks benchmark, against the server presenting GHES 3.22:
#
# 1. Burst: 1,000 idle runners, one organization hook for workflow_job on a
#    local receiver (examples/bench_receiver.rs), then 1,000 jobs queued at
#    once. How long from the first job queued to the last `completed`
#    delivery received, how many deliveries (3 a job), and the p99 of a
#    list page during the burst against the same load idle: paced, as a
#    manager polls, over several bursts (the target), and saturating (what
#    the burst costs).
# 2. Matching: runs of 10 jobs needing the label `target`, queued by wrk,
#    with 10 runners carrying it beside 100 or 10,000 idle runners that do
#    not; the assignment happens in the POST, so its rate must not fall as
#    the runners that do not match grow, in one label set or in many.
#
#   bench/jobs.sh                 # 10 s per matching phase
#   DURATION=3 bench/jobs.sh      # shorter matching phases (the burst is the same)
#   PHASES=burst bench/jobs.sh    # one phase only (burst or matching)
#   BURST_RUNS=10 bench/jobs.sh   # the burst's jobs in 10 runs of 100
#   BURST_REPEATS=10 bench/jobs.sh  # bursts under the paced probe (5)
#
# Server on SERVER_CPU; wrk, the probe and the receiver on LOAD_CPU. Loopback only;
# every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}         # seconds per matching phase
BURST_WINDOW=${BURST_WINDOW:-2}  # seconds of load idle, then around the burst
BURST_JOBS=1000
BURST_RUNS=${BURST_RUNS:-1}      # POST /_mock/runs splitting the burst's jobs
JOB_SECONDS=${JOB_SECONDS:-0.5}  # each burst job's duration, on the mock clock
BURST_REPEATS=${BURST_REPEATS:-5}  # bursts under the paced probe, per server
PROBE_IDLE=${PROBE_IDLE:-1}      # seconds of the probe idle before each burst
PHASES=${PHASES:-burst matching}
PORT=${PORT:-18083}
RECEIVER_PORT=${RECEIVER_PORT:-18093}
source bench/common.sh
cargo build --release --locked --quiet --example bench_receiver --example bench_probe
RECEIVER_BIN=${CARGO_TARGET_DIR:-target}/release/examples/bench_receiver
PROBE_BIN=${CARGO_TARGET_DIR:-target}/release/examples/bench_probe
RECEIVER="http://127.0.0.1:$RECEIVER_PORT"
ALL_CPUS=0-$(($(nproc) - 1))

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "jobs and webhooks, GHES 3.22: server on CPU $SERVER_CPU, wrk and the webhook receiver on CPU $LOAD_CPU"
echo

# --- burst --------------------------------------------------------------------
if [[ " $PHASES " == *" burst "* ]]; then
python3 - "$BURST_JOBS" "$BURST_RUNS" "$JOB_SECONDS" "$WORK" <<'PY'
import json, sys
jobs, runs, seconds, work = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
# Non-ephemeral runners: each goes back to idle when its job completes.
runners = [{"scope": "orgs/octo-org", "name": f"burst-{i}", "labels": ["burst"]} for i in range(jobs)]
json.dump({"orgs": ["octo-org"], "repos": ["octo-org/hello"], "runners": runners},
          open(f"{work}/burst-seed.json", "w"))
size = -(-jobs // runs)
for n, start in enumerate(range(0, jobs, size)):
    run = {"repo": "octo-org/hello", "workflow_name": f"burst-{n}",
           "jobs": [{"labels": ["self-hosted", "burst"], "duration_seconds": seconds}
                    for _ in range(start, min(jobs, start + size))]}
    json.dump(run, open(f"{work}/burst-run-{n}.json", "w"))
PY
taskset -c "$LOAD_CPU" "$RECEIVER_BIN" "127.0.0.1:$RECEIVER_PORT" >"$WORK/receiver" &
for i in $(seq 1 500); do
  curl -s -o /dev/null "$RECEIVER/stats" && break
  sleep 0.01
done
# Starts the server on the CPUs given with the burst's fixture and an
# organization hook on the receiver; sets HOOK.
burst_server() {
  SERVER_CPU=$1 start --token-ttl 86400 --ghes-version 3.22 --seed "$WORK/burst-seed.json"
  HOOK=$(curl -s -X POST -H "Authorization: token bench" "$API/orgs/octo-org/hooks" -d "{
    \"name\": \"web\", \"events\": [\"workflow_job\"], \"active\": true,
    \"config\": {\"url\": \"$RECEIVER/hook\", \"content_type\": \"json\", \"secret\": \"bench\"}}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  # The hook's ping, before anything is counted.
  for i in $(seq 1 500); do
    curl -s "$RECEIVER/stats" | grep -q '"other": 1,' && break
    sleep 0.01
  done
}

met() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "MISSED"; fi; }

# Queues the burst's jobs and waits (at most 30 s) for the last `completed`
# delivery; prints "ms_to_last_completed deliveries_received per_second
# runs_created post_ms queued in_progress completed other queued_us
# last_us", the last two the burst's bounds (µs since the epoch).
burst() {
  local posts=() file queued_us posted_us stats
  curl -s -X DELETE "$RECEIVER/stats"
  for file in "$WORK"/burst-run-*.json; do
    posts+=(--next -s -o /dev/null -w '%{http_code}\n' -X POST -H "Content-Type: application/json"
      --data-binary "@$file" "$MOCK/runs")
  done
  queued_us=$(date +%s%6N)
  taskset -c "$LOAD_CPU" curl "${posts[@]:1}" >"$WORK/posted"
  posted_us=$(date +%s%6N)
  # One request waits for the last `completed` (30 s at most): no loop of
  # processes takes CPU from the server or the load while they are measured.
  stats=$(curl -s --max-time 35 "$RECEIVER/stats?completed=$BURST_JOBS&wait_seconds=30")
  python3 - "$stats" "$queued_us" "$posted_us" "$(grep -c '^201$' "$WORK/posted" || true)" "$BURST_JOBS" <<'PY2'
import json, sys
s, queued, posted, created, jobs = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
received = s["queued"] + s["in_progress"] + s["completed"]
if s["completed"] == jobs:
    ms = (s["last_completed_us"] - queued) / 1000
    rate = f"{received * 1000 / ms:.0f}"
    ms = f"{ms:.0f}"
else:
    ms, rate = "none", "-"
print(ms, received, rate, created, f"{(posted - queued) / 1000:.0f}",
      s["queued"], s["in_progress"], s["completed"], s["other"], queued, s["last_us"])
PY2
}

# The API during the burst: a list page loaded two ways.
# - paced (the target): bench_probe's PROBE_CONNECTIONS connections, each
#   sending its next request PROBE_DELAY_MS after the last answer, as
#   managers polling would, through BURST_REPEATS bursts with PROBE_IDLE
#   seconds idle before each. It keeps every request, so the p99 during the
#   bursts is taken over the requests sent between a burst's first job
#   queued and its last delivery, and the idle p99 over those sent before
#   the first burst and from 0.3 s after each; with the server on its one
#   CPU, and again on every CPU of the machine (as it runs when not pinned);
# - saturating: wrk at CONNECTIONS connections as fast as it can, for
#   BURST_WINDOW seconds idle and then around one burst, so the burst shares
#   the server's CPU with wrk's requests; the rate it keeps is what the
#   burst costs.
LIST="$API/orgs/octo-org/actions/runners?per_page=30&page=1"
PROBE_CONNECTIONS=${PROBE_CONNECTIONS:-4}
PROBE_DELAY_MS=${PROBE_DELAY_MS:-5}
declare -A LOAD P99_TARGET
# paced LABEL: the probe through the bursts; LOAD[LABEL-burst] is the
# slowest burst's line, LOAD[LABEL-loaded] "idle_p99 burst_p99 idle_n
# burst_n failures idle_p90 burst_p90" (ms).
paced() {
  local label=$1 probe i
  taskset -c "$LOAD_CPU" "$PROBE_BIN" "$LIST" "$PROBE_CONNECTIONS" "$PROBE_DELAY_MS" \
    $((60 + BURST_REPEATS * 40)) >"$WORK/probe-$label" &
  probe=$!
  : >"$WORK/bursts-$label"
  for i in $(seq 1 "$BURST_REPEATS"); do
    sleep "$PROBE_IDLE"
    burst >>"$WORK/bursts-$label"
  done
  sleep 0.5
  kill -TERM "$probe"
  wait "$probe"
  LOAD[$label-burst]=$(awk '$1 == "none" { print; exit } { if (!seen || $1 > ms) { ms = $1; line = $0; seen = 1 } } END { if (seen) print line }' "$WORK/bursts-$label" | tail -1)
  LOAD[$label-loaded]=$(python3 - "$WORK/probe-$label" "$WORK/bursts-$label" <<'PY'
import math, sys
samples = [tuple(map(int, line.split())) for line in open(sys.argv[1])]
bursts = [tuple(map(int, line.split()[-2:])) for line in open(sys.argv[2])]
idle, during = [], []
for sent, took, _ in samples:
    if any(first <= sent <= last for first, last in bursts):
        during.append(took)
    elif not any(first - 50_000 <= sent <= last + 300_000 for first, last in bursts):
        idle.append(took)
def p(q, values):
    values = sorted(values)
    return values[max(0, math.ceil(q * len(values)) - 1)] / 1000 if values else 0
print(f"{p(0.99, idle):.2f} {p(0.99, during):.2f} {len(idle)} {len(during)}",
      sum(status != 200 for _, _, status in samples), f"{p(0.9, idle):.2f} {p(0.9, during):.2f}")
PY
)
}
# saturating: wrk idle, then around a burst.
saturating() {
  local pid
  wrk_for "$BURST_WINDOW" "$LIST"
  LOAD[saturating-idle]=$(wrk_figures)
  wrk_for "$BURST_WINDOW" "$LIST" &
  pid=$!
  sleep 0.2
  LOAD[saturating-burst]=$(burst)
  wait "$pid"
  LOAD[saturating-loaded]=$(wrk_figures)
}
PINNED_CPU=$SERVER_CPU
burst_server "$PINNED_CPU"
read -r alone_ms alone_received alone_rate created post_ms q ip c other _ < <(burst)
paced paced
saturating
# What the server recorded of its attempts, all the first server's bursts.
recorded=$(curl -s "$MOCK/deliveries?hook_id=$HOOK&event=workflow_job" |
  python3 -c 'import json, sys; print(sum(d["status"] == "OK" for d in json.load(sys.stdin)))')
stop
burst_server "$ALL_CPUS"
paced paced-all
stop

expected=$((3 * BURST_JOBS))
within() { if [[ $1 == none ]]; then echo MISSED; else met "$1 < 5000 && $2 == $expected"; fi; }
# A column per burst: alone, then under each load.
COLUMNS_=(alone paced saturating paced-all)
LOAD[alone-burst]="$alone_ms $alone_received $alone_rate $created $post_ms $q $ip $c $other"
declare -A MS RECEIVED RATE POST SPLIT
others=0 targets=()
for col in "${COLUMNS_[@]}"; do
  read -r ms received rate _ post cq cip cc cother _ <<<"${LOAD[$col-burst]}"
  MS[$col]=$ms RECEIVED[$col]=$received RATE[$col]=$rate POST[$col]=$post SPLIT[$col]="$cq/$cip/$cc"
  others=$((others + cother))
  targets+=("$(within "$ms" "$received")")
done
row() { printf '  %-40s' "$1"; shift; printf ' %14s' "$@"; printf '\n'; }
echo "burst: $BURST_JOBS jobs of ${JOB_SECONDS}s in $BURST_RUNS POST /_mock/runs, $BURST_JOBS idle runners (not"
echo "       ephemeral), one organization hook (json, with a secret) on a local receiver"
row "" "alone" "paced API" "saturating API" "paced, all CPUs"
echo "  (paced: the slowest of $BURST_REPEATS bursts)"
row "first job queued to last completed, ms" "${MS[alone]}" "${MS[paced]}" "${MS[saturating]}" "${MS[paced-all]}"
row "  target < 5000 ms with all 3000" "${targets[@]}"
row "deliveries received (of $expected)" "${RECEIVED[alone]}" "${RECEIVED[paced]}" "${RECEIVED[saturating]}" "${RECEIVED[paced-all]}"
row "  queued / in_progress / completed" "${SPLIT[alone]}" "${SPLIT[paced]}" "${SPLIT[saturating]}" "${SPLIT[paced-all]}"
row "deliveries per second" "${RATE[alone]}" "${RATE[paced]}" "${RATE[saturating]}" "${RATE[paced-all]}"
row "POST /_mock/runs answered, ms" "${POST[alone]}" "${POST[paced]}" "${POST[saturating]}" "${POST[paced-all]}"
printf '  %-40s %s of %s (runs created: %s)\n' "recorded OK, first server's bursts" "$recorded" "$(((BURST_REPEATS + 2) * expected))" "$created"
echo "  list runners page 1, paced: requests sent idle, and during the bursts (first job queued to last delivery):"
printf '    %-38s %10s %10s %10s %10s %10s %12s\n' "" "idle p99" "burst p99" "ratio" "idle reqs" "burst reqs" "p90 i → b"
bad=0
for label in paced paced-all; do
  read -r i_p99 b_p99 i_n b_n failed i_p90 b_p90 <<<"${LOAD[$label-loaded]}"
  bad=$((bad + failed))
  case $label in
    paced) name="server on CPU $PINNED_CPU" ;;
    paced-all) name="server on CPUs $ALL_CPUS" ;;
  esac
  printf '    %-38s %10s %10s %10s %10s %10s %12s\n' "$name" "$i_p99" "$b_p99" "$(ratio "$b_p99" "$i_p99") x" "$i_n" "$b_n" "$i_p90 → $b_p90"
  P99_TARGET[$label]=$(met "$b_p99 <= 2 * $i_p99 && $failed == 0")
done
echo "    $PROBE_CONNECTIONS connections, each waiting ${PROBE_DELAY_MS} ms after an answer, through $BURST_REPEATS bursts"
echo "    target, paced p99 during the bursts <= 2 x idle: server on one CPU ${P99_TARGET[paced]}, on all ${P99_TARGET[paced-all]}"
read -r i_rps _ i_p99 i_bad <<<"${LOAD[saturating-idle]}"
read -r b_rps _ b_p99 b_bad <<<"${LOAD[saturating-loaded]}"
bad=$((bad + i_bad + b_bad))
echo "  list runners page 1, saturating (wrk, $CONNECTIONS connections, server on CPU $PINNED_CPU), ${BURST_WINDOW}s idle, then ${BURST_WINDOW}s around a burst:"
printf '    %-38s %10s %10s %10s %10s %10s\n' "" "idle p99" "burst p99" "ratio" "idle rps" "burst rps"
printf '    %-38s %10s %10s %10s %10s %10s\n' "" "$i_p99" "$b_p99" "$(ratio "$b_p99" "$i_p99") x" "$i_rps" "$b_rps"
[[ $bad -eq 0 ]] || echo "  the probe and wrk saw $bad failures"
[[ $others -eq 0 ]] || echo "  other deliveries received: $others"
echo
fi

# --- matching -----------------------------------------------------------------
if [[ " $PHASES " == *" matching "* ]]; then
# Four organizations in one server, each with 10 runners labelled `target`
# (the highest ids) after the idle runners that do not match:
#   small:  100, all labelled `other`
#   large:  10,000, all labelled `other` (one label set)
#   spread: 10,000 over 100 label sets (`other-0` … `other-99`)
#   unique: 10,000, each with a label of its own
python3 - >"$WORK/match-seed.json" <<'PY'
import json, sys
orgs = {"small": (100, 1), "large": (10000, 1), "spread": (10000, 100), "unique": (10000, 10000)}
runners = []
for org, (n, sets) in orgs.items():
    runners += [{"scope": f"orgs/{org}", "name": f"idle-{i}",
                 "labels": ["other" if sets == 1 else f"other-{i % sets}"]} for i in range(n)]
    runners += [{"scope": f"orgs/{org}", "name": f"target-{i}", "labels": ["target"]} for i in range(10)]
json.dump({"orgs": list(orgs), "repos": [f"{org}/hello" for org in orgs], "runners": runners}, sys.stdout)
PY
start --token-ttl 86400 --ghes-version 3.22 --seed "$WORK/match-seed.json"
# Each run's 10 jobs take the 10 runners, end at once (duration 0) and free
# them, all within the POST.
runs_script() {
  python3 - "$1" >"$WORK/runs-$1.lua" <<'PY'
import json, sys
body = json.dumps({"repo": f"{sys.argv[1]}/hello",
                   "jobs": [{"labels": ["self-hosted", "target"], "duration_seconds": 0}] * 10})
print('wrk.method = "POST"')
print('wrk.headers["Content-Type"] = "application/json"')
print(f"wrk.body = {json.dumps(body)}")
PY
}
declare -A MATCH
for org in small large spread unique small; do
  runs_script "$org"
  wrk_for "$DURATION" "$MOCK/runs" "$WORK/runs-$org.lua"
  read -r rps p50 p99 bad < <(wrk_figures)
  if [[ $bad -gt 0 ]]; then echo "matching, $org: $bad requests failed" >&2; cat "$WORK/wrk" >&2; exit 1; fi
  key=$org; [[ -n ${MATCH[$org]:-} ]] && key="$org-again"
  MATCH[$key]="$rps $p50 $p99"
done
# Every job must have run: none left queued once the clock has caught up
# with the last (a POST cut off by wrk's end leaves its run to the clock).
for i in $(seq 1 100); do
  left=$(curl -s "$MOCK/state" | python3 -c 'import json, sys; j = json.load(sys.stdin)["jobs"]; print(j["queued"] + j["in_progress"])')
  [[ $left == 0 ]] && break
  sleep 0.05
done
stop

read -r small1 _ <<<"${MATCH[small]}"
read -r small2 _ <<<"${MATCH[small-again]}"
base=$(awk -v a="$small1" -v b="$small2" 'BEGIN { print (a + b) / 2 }')
echo "matching: POST /_mock/runs of 10 jobs needing \`target\`, 10 runners carrying it, ${DURATION}s each at $CONNECTIONS connections"
printf '  %-44s %8s %8s %8s %8s %10s\n' "idle runners that do not match" "runs/s" "jobs/s" "p50 ms" "p99 ms" "vs 100"
for key in small large spread unique small-again; do
  read -r rps p50 p99 <<<"${MATCH[$key]}"
  case $key in
    small) name="100, one label set" ;;
    large) name="10,000, one label set" ;;
    spread) name="10,000 in 100 label sets" ;;
    unique) name="10,000, each its own label" ;;
    small-again) name="100, one label set, again" ;;
  esac
  printf '  %-44s %8s %8s %8s %8s %10s\n' "$name" "$rps" "$((rps * 10))" "$p50" "$p99" "$(ratio "$rps" "$base")"
done
read -r large _ <<<"${MATCH[large]}"
read -r spread _ <<<"${MATCH[spread]}"
echo "  target: no growth, 10,000 against 100 about 1 (one label set: $(ratio "$large" "$base"), 100 sets: $(ratio "$spread" "$base")); jobs left unfinished: $left"
fi
