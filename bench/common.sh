# What bench/run.sh and bench/soak.sh share: tools, the release build, the
# fixture, starting and stopping the pinned server, and reading wrk's report.
# Sourced, not run; the caller sets PORT and is at the repository's root.

CONNECTIONS=${CONNECTIONS:-32}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need taskset util-linux
need curl curl
# SERVER_BIN runs another build instead (a before-and-after comparison).
if [[ -n ${SERVER_BIN:-} ]]; then
  BIN=$SERVER_BIN
else
  cargo build --release --locked --quiet
  BIN=${CARGO_TARGET_DIR:-target}/release/ghes-mock
fi
API="http://127.0.0.1:$PORT/api/v3"
MOCK="http://127.0.0.1:$PORT/_mock"

# A fixture of N runners in one organization, every other one labelled gpu
# and in the runner group gpu, beside the default group and eight more.
seed() {
  python3 - "$1" >"$2" <<'PY'
import json, sys
n = int(sys.argv[1])
groups = [{"scope": "orgs/octo-org", "name": name}
          for name in ["gpu"] + [f"group-{i}" for i in range(8)]]
runners = [{"scope": "orgs/octo-org", "name": f"runner-{i}", "labels": ["gpu"] if i % 2 else []}
           for i in range(n)]
for runner in runners[1::2]:
    runner["runner_group"] = "gpu"
json.dump({"orgs": ["octo-org"], "runner_groups": groups, "runners": runners}, sys.stdout)
PY
}

now_ms() { date +%s%3N; }

# Starts the server on $PORT pinned to SERVER_CPU, with the given arguments;
# sets SERVER to its pid and STARTED_MS to the time from exec to the first
# answered request (polled with curl, bounded).
start() {
  local t0 t1 i
  t0=$(now_ms)
  taskset -c "$SERVER_CPU" "$BIN" serve --bind "127.0.0.1:$PORT" "$@" >"$WORK/ready" 2>"$WORK/log" &
  SERVER=$!
  for i in $(seq 1 5000); do
    kill -0 "$SERVER" 2>/dev/null || { echo "the server stopped:" >&2; cat "$WORK/log" >&2; exit 1; }
    if curl -s -o /dev/null "$MOCK/health"; then break; fi
    sleep 0.001
  done
  t1=$(now_ms)
  STARTED_MS=$((t1 - t0))
}

stop() { kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true; }

rss_kib() { awk "/$1/ {print \$2}" "/proc/$SERVER/status"; }

# wrk at CONNECTIONS connections on LOAD_CPU for the given seconds, URL and
# optional Lua script; its report goes to $WORK/wrk.
wrk_for() {
  local seconds=$1 url=$2 script=${3:-}
  local args=(-t1 -c"$CONNECTIONS" -d"${seconds}s" --latency)
  [[ -n $script ]] && args+=(-s "$script")
  taskset -c "$LOAD_CPU" wrk "${args[@]}" -H "Authorization: token bench" "$url" >"$WORK/wrk" 2>&1
}

# The last wrk report as "requests/s p50_ms p99_ms failures", failures being
# answers outside 2xx/3xx and socket errors.
wrk_figures() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /^Requests\/sec/ { rps = $2 }
    /Non-2xx or 3xx responses/ { bad += $NF }
    /Socket errors/ { bad += 1 }
    END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }' "$WORK/wrk"
}
