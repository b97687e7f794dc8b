#!/usr/bin/env bash
# Profiles one operation under load: a release build with frame pointers,
# 10,000 runners seeded, wrk at 32 connections on one core while perf
# samples the server on the other, then the hottest functions.
#
#   bench/profile.sh                                  # list page 1
#   bench/profile.sh '/api/v3/orgs/octo-org/actions/runners/5000'
#   METHOD=POST bench/profile.sh '/api/v3/orgs/octo-org/actions/runners/registration-token'
#   SECONDS_OF_LOAD=20 bench/profile.sh
#   SERVE_ARGS="--ghes-version 3.22" SCRIPT=my.lua bench/profile.sh PATH   # wrk builds each request
#   SEED=fixture.json bench/profile.sh PATH          # another fixture instead
#
# perf (Debian's linux-perf) is installed when missing. The samples stay in
# target/profiling/perf.data for `perf report -i target/profiling/perf.data`.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=${1:-/api/v3/orgs/octo-org/actions/runners?per_page=30&page=1}
METHOD=${METHOD:-GET}
SECONDS_OF_LOAD=${SECONDS_OF_LOAD:-8}
PORT=${PORT:-18082}
export CARGO_TARGET_DIR=target/profiling
export RUSTFLAGS="-C force-frame-pointers=yes"
source bench/common.sh
need perf linux-perf

if [[ -n ${SEED:-} ]]; then
  cp "$SEED" "$WORK/seed.json"
else
  seed 10000 "$WORK/seed.json"
fi
# shellcheck disable=SC2086 # SERVE_ARGS is a list of flags.
start --token-ttl 86400 --seed "$WORK/seed.json" ${SERVE_ARGS:-}
if [[ -n ${SCRIPT:-} ]]; then
  cp "$SCRIPT" "$WORK/method.lua"
else
  printf 'wrk.method = "%s"\n' "$METHOD" >"$WORK/method.lua"
fi

perf record -F 2000 -g --call-graph fp -p "$SERVER" -o "$CARGO_TARGET_DIR/perf.data" \
  -- sleep "$SECONDS_OF_LOAD" 2>/dev/null &
RECORDER=$!
wrk_for "$SECONDS_OF_LOAD" "http://127.0.0.1:$PORT$TARGET" "$WORK/method.lua"
wait "$RECORDER" || true
stop
read -r rps p50 p99 bad < <(wrk_figures)
echo "$METHOD $TARGET: $rps requests/s, p50 $p50 ms, p99 $p99 ms, $bad failed (while sampled)"
echo
perf report -i "$CARGO_TARGET_DIR/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
  grep -E '^ +[0-9]' | cut -c1-150 | head -30
