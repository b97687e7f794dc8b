#!/usr/bin/env bash
# Drives ghes-mock over HTTPS with the gh CLI (`gh api`), as a person or a
# script would: lists with --paginate, POSTs tokens, GETs and DELETEs runners,
# and reads the errors gh prints. Then, against a second server presenting
# GHES 3.22, runner groups, runner labels and a JIT runner, all with `gh api`
# (gh has no commands for them).
#
# Input (environment), for a server started with --tls-self-signed DIR:
#   GH_HOST              127.0.0.1:PORT (gh 2.23 takes a port only here)
#   GH_ENTERPRISE_TOKEN  a token with admin:enterprise, manage_runners:enterprise,
#                        admin:org and repo
#   SSL_CERT_FILE        DIR/cert.pem
# and for a second one, started with --tls-self-signed DIR322 --ghes-version
# 3.22 and a fixture of the enterprise octo-enterprise, its member
# organization octo-org, the repository octo-org/octo-repo and octo-org's
# runner group "seeded":
#   GH_HOST_322          127.0.0.1:PORT
#   SSL_CERT_FILE_322    DIR322/cert.pem
# Output: one line per check, then "N passed, M failed"; exit 1 on a failure.
set -uo pipefail

: "${GH_HOST:?}" "${GH_ENTERPRISE_TOKEN:?}" "${SSL_CERT_FILE:?}" "${GH_HOST_322:?}" "${SSL_CERT_FILE_322:?}"
# gh must not prompt, page, colour, check for updates or read a user's config.
export GH_PROMPT_DISABLED=1 GH_NO_UPDATE_NOTIFIER=1 NO_COLOR=1 GH_PAGER=cat
GH_CONFIG_DIR=$(mktemp -d)
export GH_CONFIG_DIR
trap 'rm -rf "$GH_CONFIG_DIR"' EXIT
unset GH_TOKEN GITHUB_TOKEN GH_ENTERPRISE_TOKEN_FOR_OTHER_HOSTS GITHUB_ENTERPRISE_TOKEN

MOCK="https://$GH_HOST/_mock"
passed=0
failed=0

# check NAME EXPECTED ACTUAL: one check, compared as text.
check() {
  if [[ "$2" == "$3" ]]; then
    passed=$((passed + 1))
    echo "ok   $1"
  else
    failed=$((failed + 1))
    echo "FAIL $1"
    echo "     expected: $(printf '%q' "$2")"
    echo "     actual:   $(printf '%q' "$3")"
  fi
}

# run CMD...: runs a command, leaving its stdout, stderr and exit code in
# OUT, ERR and CODE.
run() {
  local err
  err=$(mktemp)
  OUT=$("$@" 2>"$err")
  CODE=$?
  ERR=$(<"$err")
  rm -f "$err"
}

# register TOKEN NAME: a runner registers through the control API, as
# ./config.sh --token TOKEN would; prints its id.
register() {
  gh api -X POST "$MOCK/runners" -f token="$1" -f name="$2" --jq .id
}

for scope in enterprises/octo-enterprise orgs/octo-org repos/octo-org/octo-repo; do
  kind=${scope%%/*}
  name="gh-$kind"

  run gh api -X POST "$scope/actions/runners/registration-token" --jq .token
  token=$OUT
  check "$kind: POST registration-token answers a 29-character token" "0 29" "$CODE ${#token}"

  run register "$token" "$name"
  id=$OUT
  check "$kind: a runner registers with it" "0" "$CODE"

  run gh api "$scope/actions/runners" --jq '[.total_count, .runners[].name] | join(" ")'
  check "$kind: GET the list shows it" "1 $name" "$OUT"

  run gh api "$scope/actions/runners/$id" --jq '[.id, .name, .os, .status, .busy] | join(" ")'
  check "$kind: GET the runner" "$id $name linux online false" "$OUT"

  run gh api "$scope/actions/runners/downloads" --jq 'map(.os + "-" + .architecture) | sort | join(" ")'
  check "$kind: GET the runner applications" \
    "linux-arm linux-arm64 linux-x64 osx-arm64 osx-x64 win-arm64 win-x64" "$OUT"

  run gh api -X POST "$scope/actions/runners/remove-token" --jq '.token | length'
  check "$kind: POST remove-token answers a 29-character token" "0 29" "$CODE $OUT"

  run gh api -X DELETE -i "$scope/actions/runners/$id"
  check "$kind: DELETE the runner answers 204" "0 HTTP/1.1 204 No Content" "$CODE $(head -1 <<<"$OUT")"
  check "$kind: DELETE the runner prints no body" "" "$(sed '1,/^$/d' <<<"$OUT")"

  run gh api "$scope/actions/runners/$id"
  check "$kind: GET the deleted runner fails with gh's 404 text" \
    "1 gh: Not Found (HTTP 404)" "$CODE $ERR"

  # Five runners, two a page: --paginate follows the Link header's next.
  run gh api -X POST "$scope/actions/runners/registration-token" --jq .token
  token=$OUT
  for i in 1 2 3 4 5; do register "$token" "page-$i" >/dev/null; done
  run gh api --paginate "$scope/actions/runners?per_page=2" --jq '.runners[].name'
  check "$kind: --paginate lists every page" "page-1 page-2 page-3 page-4 page-5" "$(tr '\n' ' ' <<<"$OUT" | sed 's/ $//')"
  run gh api --paginate -i "$scope/actions/runners?per_page=2"
  check "$kind: --paginate made three requests" "3" "$(grep -c '^HTTP/1.1 200' <<<"$OUT")"
done

busy=$(register "$(gh api -X POST orgs/octo-org/actions/runners/registration-token --jq .token)" busy-runner)
gh api -X PATCH "$MOCK/runners/$busy" -F busy=true --silent
run gh api -X DELETE "orgs/octo-org/actions/runners/$busy"
check "DELETE a busy runner fails with gh's 422 text" \
  '1 gh: Bad request - Runner "busy-runner" is still running a job (HTTP 422)' "$CODE $ERR"

run env GH_ENTERPRISE_TOKEN=not-a-known-token gh api orgs/octo-org/actions/runners
check "a wrong token fails with gh's 401 text" "1 gh: Bad credentials (HTTP 401)" "$CODE $ERR"
check "a wrong token prints GitHub's error body" \
  '{"message":"Bad credentials","documentation_url":"https://docs.github.com/enterprise-server@3.1/rest"}' "$OUT"

run gh api orgs/octo-org/actions/runners/abc
check "a runner id such as abc fails with gh's 404 text" "1 gh: Not Found (HTTP 404)" "$CODE $ERR"

run gh api meta --jq .installed_version
check "GET meta reads installed_version" "3.1.0" "$OUT"

# The token comes from GH_ENTERPRISE_TOKEN or GITHUB_ENTERPRISE_TOKEN, never
# from GH_TOKEN, for an Enterprise host.
run env -u GH_ENTERPRISE_TOKEN GITHUB_ENTERPRISE_TOKEN="$GH_ENTERPRISE_TOKEN" gh api orgs/octo-org/actions/runners --jq .total_count
check "GITHUB_ENTERPRISE_TOKEN works too" "0 6" "$CODE $OUT"
run env -u GH_ENTERPRISE_TOKEN GH_TOKEN="$GH_ENTERPRISE_TOKEN" gh api orgs/octo-org/actions/runners
check "GH_TOKEN is not sent to an Enterprise host" "1 gh: Requires authentication (HTTP 401)" "$CODE $ERR"

# The README's curl over HTTPS, trusting the certificate with --cacert.
run curl -sS --cacert "$SSL_CERT_FILE" "https://localhost:${GH_HOST#*:}/api/v3/meta"
check "readme: curl --cacert reaches https://localhost" \
  '0 {"verifiable_password_authentication":true,"installed_version":"3.1.0"}' "$CODE $OUT"

# The README's example, as written there: the five runners of the pages and
# the busy one.
run gh api /orgs/octo-org/actions/runners
check "readme: gh api lists an organization's runners" '0 {"total_count":6,' "$CODE ${OUT:0:17}"

# --- GHES 3.22: runner groups, labels and a JIT runner, with gh api ----------

# gh322 ARGS...: gh against the server presenting GHES 3.22.
gh322() { GH_HOST="$GH_HOST_322" SSL_CERT_FILE="$SSL_CERT_FILE_322" gh "$@"; }
MOCK_322="https://$GH_HOST_322/_mock"
groups=orgs/octo-org/actions/runner-groups
runners=orgs/octo-org/actions/runners

run gh322 api meta --jq .installed_version
check "3.22: GET meta reads installed_version" "0 3.22.0" "$CODE $OUT"

run gh322 api -i -X POST "$groups" -f name=gh-group -f visibility=selected \
  --jq '"\(.id) \(.name) \(.visibility) \(.default) \(.inherited)"'
group=$(tail -1 <<<"$OUT" | cut -d' ' -f1)
check "3.22: POST a runner group with -f answers 201" "0 HTTP/1.1 201 Created" "$CODE $(head -1 <<<"$OUT")"
check "3.22: the new group is selected, not default, not inherited" \
  "$group gh-group selected false false" "$(tail -1 <<<"$OUT")"

run gh322 api --paginate "$groups" --jq '.runner_groups[] | "\(.name):\(.visibility)"'
check "3.22: --paginate lists Default, the seeded group and the new one" \
  "Default:all seeded:selected gh-group:selected" "$(tr '\n' ' ' <<<"$OUT" | sed 's/ $//')"

# Three runners of the organization, two registered into the group by name.
token=$(gh322 api -X POST "$runners/registration-token" --jq .token)
for name in gh-grouped-1 gh-grouped-2; do
  gh322 api -X POST "$MOCK_322/runners" -f token="$token" -f name="$name" -f runner_group=gh-group --silent
done
loose=$(gh322 api -X POST "$MOCK_322/runners" -f token="$token" -f name=gh-loose --jq .id)

run gh322 api --paginate "$groups/$group/runners?per_page=1" --jq '.runners[] | "\(.name):\(.runner_group_id)"'
check "3.22: --paginate lists the group's runners a page at a time" \
  "gh-grouped-1:$group gh-grouped-2:$group" "$(tr '\n' ' ' <<<"$OUT" | sed 's/ $//')"
run gh322 api --paginate -i "$groups/$group/runners?per_page=1"
check "3.22: --paginate made two requests" "2" "$(grep -c '^HTTP/1.1 200' <<<"$OUT")"

run gh322 api -X PUT "$groups/$group/runners/$loose" --silent
check "3.22: PUT a runner into the group (exit 0)" "0 $group" \
  "$CODE $(gh322 api "$runners/$loose" --jq .runner_group_id)"

run gh322 api -X POST "$runners/$loose/labels" -f 'labels[]=gpu' -f 'labels[]=Fast' \
  --jq '[.total_count, (.labels[] | "\(.name)/\(.type)")] | join(" ")'
check "3.22: POST labels with -f 'labels[]=…' answers every label" \
  "0 5 self-hosted/read-only X64/read-only Linux/read-only gpu/custom Fast/custom" "$CODE $OUT"

run gh322 api -X DELETE "$runners/$loose/labels/fast" --jq '[.labels[].name] | join(" ")'
check "3.22: DELETE a custom label by name, in another case" "0 self-hosted X64 Linux gpu" "$CODE $OUT"

run gh322 api -X DELETE "$runners/$loose/labels/Linux"
check "3.22: DELETE a read-only label fails with gh's 422 text" "1 gh: Validation Failed (HTTP 422)" "$CODE $ERR"
check "3.22: DELETE a read-only label prints GitHub's simple errors" \
  '{"message":"Validation Failed","errors":["\"Linux\" is a read-only label and cannot be removed"],"documentation_url":"https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runners#remove-a-custom-label-from-a-self-hosted-runner-for-an-organization"}' \
  "$OUT"

jit='{"name": "gh-jit", "runner_group_id": '"$group"', "labels": ["jit"], "work_folder": "_gh_work"}'
run gh322 api -X POST "$runners/generate-jitconfig" --input - \
  --jq '"\(.runner.id) \(.runner.status) \(.runner.os) \(.runner.ephemeral) \(.runner.runner_group_id)", .encoded_jit_config' <<<"$jit"
jit_id=$(head -1 <<<"$OUT" | cut -d' ' -f1)
config=$(tail -1 <<<"$OUT")
check "3.22: POST generate-jitconfig with --input - makes an offline ephemeral runner in the group" \
  "0 $jit_id offline unknown true $group" "$CODE $(head -1 <<<"$OUT")"

# encoded_jit_config: base64 of {".runner": base64 of the runner's settings, …}.
settings=$(base64 -d <<<"$config" | sed -E 's/.*"\.runner":"([^"]*)".*/\1/' | base64 -d)
check "3.22: the config's .runner names the runner, its id and work folder" \
  "\"AgentId\":\"$jit_id\" \"AgentName\":\"gh-jit\" \"WorkFolder\":\"_gh_work\"" \
  "$(grep -oE '"(AgentId|AgentName|WorkFolder)":"[^"]*"' <<<"$settings" | tr '\n' ' ' | sed 's/ $//')"

run gh322 api -X POST "$MOCK_322/runners/jit" -f encoded_jit_config="$config" --jq '"\(.id) \(.status)"'
check "3.22: POST /_mock/runners/jit starts it: online" "0 $jit_id online" "$CODE $OUT"

run gh322 api -X POST "$runners/generate-jitconfig" --input - <<<"$jit"
check "3.22: the same name again fails with gh's 409 text" \
  "1 gh: Already exists - A runner with the name gh-jit already exists. (HTTP 409)" "$CODE $ERR"

run gh322 api -X DELETE "$groups/$group" --silent
check "3.22: DELETE the group sends its runners back to Default" "0 1 1" \
  "$CODE $(gh322 api "$runners/$loose" --jq .runner_group_id) $(gh322 api "$runners/$jit_id" --jq .runner_group_id)"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
