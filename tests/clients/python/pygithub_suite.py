"""Drives ghes-mock with PyGithub the way runner tooling does.

Organization and Repository objects are fetched the normal way
(get_organization, get_repo: not lazy), their self-hosted runner methods are
called, a PaginatedList is walked across pages with totalCount, PyGithub's
exceptions for 401, 404 and 422 are checked, and what PyGithub has no method
for (tokens of repositories, every enterprise route) goes through its
requester. Then, against a server presenting GHES 3.22, the runner fields,
name filter, JIT runners, labels and groups of 3.22; and against one hosting
a GitHub App, the App signing in and its installations walking runners
(pygithub_apps.py).

Input (environment):
  GHES_API_URL      http://127.0.0.1:PORT/api/v3 of a server in strict mode
  GHES_MOCK_URL     http://127.0.0.1:PORT, for the control API
  GHES_TOKEN        a token with admin:enterprise, admin:org and repo
  GHES_TLS_API_URL  https://127.0.0.1:PORT/api/v3 of a second server, whose
                    certificate REQUESTS_CA_BUNDLE names
  GHES_322_API_URL, GHES_322_MOCK_URL
                    a third server, presenting GHES 3.22, seeded with
                    octo-enterprise, octo-org, octo-org/octo-repo and a group
  GHES_APPS_*, GHES_APP_*
                    a fourth server and the App it hosts: see pygithub_apps.py
  GHES_HOOKS_API_URL, GHES_HOOKS_MOCK_URL, GHES_NO_HOOK_TOKEN
                    a fifth server, for the webhook and job checks: see
                    pygithub_hooks.py
Output: one line per check, then "N passed, M failed"; exit 1 on a failure.
"""

import base64
import datetime
import importlib.metadata
import json
import os
import re
import sys
import traceback
import urllib.error
import urllib.request

from github import Auth, BadCredentialsException, Github, GithubException, UnknownObjectException
from github.PaginatedList import PaginatedList
from github.SelfHostedActionsRunner import SelfHostedActionsRunner
from github.SelfHostedActionsRunnerJitConfig import SelfHostedActionsRunnerJitConfig

import pygithub_apps
import pygithub_hooks

API = os.environ["GHES_API_URL"]
MOCK = os.environ["GHES_MOCK_URL"]
TOKEN = os.environ["GHES_TOKEN"]
TLS_API = os.environ["GHES_TLS_API_URL"]
API_322 = os.environ["GHES_322_API_URL"]
MOCK_322 = os.environ["GHES_322_MOCK_URL"]
DOCS = "https://docs.github.com/enterprise-server@3.1/rest"
DOCS_322 = "https://docs.github.com/enterprise-server@3.22/rest"

passed = 0
failed = 0


def check(name):
    """Runs the decorated function as one named check, right away."""

    def run(body):
        global passed, failed
        try:
            body()
        except Exception:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"FAIL {name}")
            print("     " + traceback.format_exc().replace("\n", "\n     "))
        else:
            passed += 1
            print(f"ok   {name}")

    return run


def expect_error(exception_type, call):
    """The exception a call raises; fails when it raises nothing."""
    try:
        call()
    except exception_type as error:
        return error
    raise AssertionError(f"no {exception_type.__name__} raised")


def control(method, path, body, mock=MOCK):
    """A request to the control API, with plain urllib as a test fixture would."""
    status, data = control_answer(method, path, body, mock)
    assert 200 <= status < 300, (method, path, status, data)
    return data


def control_answer(method, path, body, mock=MOCK):
    """The status and decoded body of a control request, errors included."""
    request = urllib.request.Request(
        f"{mock}/_mock{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or "null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or "null")


def register_runner(token, name, mock=MOCK, **extra):
    """A runner registers with a registration token, as ./config.sh would."""
    return control("POST", "/runners", {"token": token, "name": name, **extra}, mock)


def assert_token(token, expires_at):
    assert re.fullmatch(r"[A-Z0-9]{29}", token), token
    if isinstance(expires_at, str):
        expires_at = datetime.datetime.fromisoformat(expires_at)
    remaining = expires_at - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(minutes=58) < remaining <= datetime.timedelta(hours=1), expires_at


# As the README builds it (with three items a page, so that lists page).
g = Github(
    base_url=API,
    auth=Auth.Token(TOKEN),
    seconds_between_requests=None,
    seconds_between_writes=None,
    per_page=3,
)
requester = g.requester

state = {}


@check("organization: get_organization fetches it")
def _():
    org = g.get_organization("octo-org")
    assert org.login == "octo-org", org.login
    assert org.url == f"{API}/orgs/octo-org", org.url
    state["org"] = org


@check("repository: get_repo fetches it")
def _():
    repo = g.get_repo("octo-org/octo-repo")
    assert repo.full_name == "octo-org/octo-repo", repo.full_name
    assert repo.url == f"{API}/repos/octo-org/octo-repo", repo.url
    state["repo"] = repo


# Should a fetch above have failed, the checks below still run (and report).
org = state.get("org") or g.get_organization("octo-org")
repo = state.get("repo") or g.get_repo("octo-org/octo-repo", lazy=True)
ENTERPRISE = "/enterprises/octo-enterprise/actions/runners"


# --- Organization: PyGithub's own methods for every operation ---------------


@check("organization: create_self_hosted_runner_registration_token")
def _():
    token = org.create_self_hosted_runner_registration_token()
    assert_token(token.token, token.expires_at)
    state["org-runner"] = register_runner(token.token, "org-runner", labels=["gpu"])


@check("organization: get_self_hosted_runners lists the registered runner")
def _():
    runners = org.get_self_hosted_runners()
    assert runners.totalCount == 1, runners.totalCount
    assert [r.name for r in runners] == ["org-runner"]


@check("organization: get_self_hosted_runner")
def _():
    runner = org.get_self_hosted_runner(state["org-runner"]["id"])
    assert (runner.id, runner.name, runner.os, runner.status, runner.busy) == (
        state["org-runner"]["id"],
        "org-runner",
        "linux",
        "online",
        False,
    )
    assert [(label["name"], label["type"]) for label in runner.labels] == [
        ("self-hosted", "read-only"),
        ("X64", "read-only"),
        ("Linux", "read-only"),
        ("gpu", "custom"),
    ]


@check("organization: get_self_hosted_runner_applications")
def _():
    builds = sorted(f"{a.os}-{a.architecture}" for a in org.get_self_hosted_runner_applications())
    assert builds == ["linux-arm", "linux-arm64", "linux-x64", "osx-arm64", "osx-x64", "win-arm64", "win-x64"], builds


@check("organization: create_self_hosted_runner_remove_token")
def _():
    token = org.create_self_hosted_runner_remove_token()
    assert_token(token.token, token.expires_at)


@check("organization: delete_self_hosted_runner")
def _():
    org.delete_self_hosted_runner(state["org-runner"]["id"])
    assert org.get_self_hosted_runners().totalCount == 0


@check("organization: the deleted runner raises UnknownObjectException (404)")
def _():
    error = expect_error(UnknownObjectException, lambda: org.get_self_hosted_runner(state["org-runner"]["id"]))
    assert error.status == 404
    assert error.data == {
        "message": "Not Found",
        "documentation_url": f"{DOCS}/reference/actions#get-a-self-hosted-runner-for-an-organization",
    }, error.data


@check("organization: deleting a busy runner raises GithubException 422 and keeps it")
def _():
    token = org.create_self_hosted_runner_registration_token().token
    busy = register_runner(token, "busy-runner", busy=True)
    error = expect_error(GithubException, lambda: org.delete_self_hosted_runner(busy["id"]))
    assert error.status == 422, error
    assert error.data["message"] == 'Bad request - Runner "busy-runner" is still running a job', error.data
    assert org.get_self_hosted_runner(busy["id"]).busy is True
    control("PATCH", f"/runners/{busy['id']}", {"busy": False})
    org.delete_self_hosted_runner(busy["id"])


@check("organization: a PaginatedList walks three pages, with totalCount")
def _():
    token = org.create_self_hosted_runner_registration_token().token
    names = [register_runner(token, f"page-{i}")["name"] for i in range(7)]
    runners = org.get_self_hosted_runners()
    # totalCount is read from the Link header's rel="last" of a one-item page.
    assert runners.totalCount == 7, runners.totalCount
    pages = [[r.name for r in runners.get_page(i)] for i in range(3)]
    assert pages == [names[0:3], names[3:6], names[6:7]], pages
    assert [r.name for r in runners] == names
    assert [r.name for r in runners.reversed] == names[::-1]


# --- Repository: PyGithub's methods, and the requester for the tokens --------


@check("repository: a registration token through the requester")
def _():
    headers, data = requester.requestJsonAndCheck("POST", f"{repo.url}/actions/runners/registration-token")
    assert_token(data["token"], data["expires_at"])
    assert headers["x-github-enterprise-version"] == "3.1.0", headers
    state["repo-runner"] = register_runner(data["token"], "repo-runner", os="macos", architecture="arm64")


@check("repository: get_self_hosted_runners lists the registered runner")
def _():
    runners = repo.get_self_hosted_runners()
    assert runners.totalCount == 1, runners.totalCount
    assert [(r.name, r.os) for r in runners] == [("repo-runner", "macos")]


@check("repository: get_self_hosted_runner")
def _():
    runner = repo.get_self_hosted_runner(state["repo-runner"]["id"])
    assert runner.name == "repo-runner"
    assert [label["name"] for label in runner.labels] == ["self-hosted", "ARM64", "macOS"]


@check("repository: runner applications through the requester")
def _():
    _, data = requester.requestJsonAndCheck("GET", f"{repo.url}/actions/runners/downloads")
    assert len(data) == 7 and all(d["download_url"].startswith("https://") for d in data), data


@check("repository: a remove token through the requester")
def _():
    _, data = requester.requestJsonAndCheck("POST", f"{repo.url}/actions/runners/remove-token")
    assert_token(data["token"], data["expires_at"])


@check("repository: remove_self_hosted_runner")
def _():
    runner = repo.get_self_hosted_runner(state["repo-runner"]["id"])
    assert repo.remove_self_hosted_runner(runner) is True


@check("repository: the removed runner raises UnknownObjectException (404)")
def _():
    error = expect_error(UnknownObjectException, lambda: repo.get_self_hosted_runner(state["repo-runner"]["id"]))
    assert error.status == 404
    assert error.data["message"] == "Not Found"


@check("repository: removing it again answers False (404)")
def _():
    assert repo.remove_self_hosted_runner(state["repo-runner"]["id"]) is False


# --- Enterprise: PyGithub has no methods, so everything goes through the requester


@check("enterprise: a registration token through the requester")
def _():
    _, data = requester.requestJsonAndCheck("POST", f"{ENTERPRISE}/registration-token")
    assert_token(data["token"], data["expires_at"])
    state["enterprise-runner"] = register_runner(data["token"], "enterprise-runner")


@check("enterprise: the runners as a PaginatedList of SelfHostedActionsRunner")
def _():
    runners = PaginatedList(SelfHostedActionsRunner, requester, f"{API}{ENTERPRISE}", None, list_item="runners")
    assert runners.totalCount == 1, runners.totalCount
    assert [r.name for r in runners] == ["enterprise-runner"]


@check("enterprise: get the runner through the requester")
def _():
    _, data = requester.requestJsonAndCheck("GET", f"{ENTERPRISE}/{state['enterprise-runner']['id']}")
    # PyGithub adds the URL it called to every answer it decodes.
    assert data.pop("url") == f"{ENTERPRISE}/{state['enterprise-runner']['id']}", data
    assert data == state["enterprise-runner"], data


@check("enterprise: runner applications through the requester")
def _():
    _, data = requester.requestJsonAndCheck("GET", f"{ENTERPRISE}/downloads")
    assert len(data) == 7, data


@check("enterprise: a remove token through the requester")
def _():
    _, data = requester.requestJsonAndCheck("POST", f"{ENTERPRISE}/remove-token")
    assert_token(data["token"], data["expires_at"])


@check("enterprise: delete the runner through the requester")
def _():
    status, _, body = requester.requestJson("DELETE", f"{ENTERPRISE}/{state['enterprise-runner']['id']}")
    assert status == 204 and body == "", (status, body)


@check("enterprise: the deleted runner raises UnknownObjectException (404)")
def _():
    error = expect_error(
        UnknownObjectException,
        lambda: requester.requestJsonAndCheck("GET", f"{ENTERPRISE}/{state['enterprise-runner']['id']}"),
    )
    assert error.data == {
        "message": "Not Found",
        "documentation_url": f"{DOCS}/reference/enterprise-admin#get-a-self-hosted-runner-for-an-enterprise",
    }, error.data


# --- Errors and the rest ----------------------------------------------------


@check("errors: a wrong token raises BadCredentialsException (401)")
def _():
    stranger = Github(base_url=API, auth=Auth.Token("not-a-known-token"), seconds_between_requests=None)
    error = expect_error(BadCredentialsException, lambda: stranger.get_organization("octo-org"))
    assert error.status == 401
    assert error.data == {"message": "Bad credentials", "documentation_url": DOCS}, error.data


@check("errors: another organization's runner raises UnknownObjectException (404)")
def _():
    token = org.create_self_hosted_runner_registration_token().token
    runner = register_runner(token, "isolated")
    other = g.get_organization("other-org")
    expect_error(UnknownObjectException, lambda: other.get_self_hosted_runner(runner["id"]))


@check("rate limit: get_rate_limit reads the core budget")
def _():
    core = g.get_rate_limit().resources.core
    assert core.limit == 5000 and 0 < core.remaining < 5000, (core.limit, core.remaining)


# The README's example over HTTPS, with the certificate in REQUESTS_CA_BUNDLE.
@check("readme: PyGithub over https with REQUESTS_CA_BUNDLE")
def _():
    g = Github(
        base_url=TLS_API,
        auth=Auth.Token(TOKEN),
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    org = g.get_organization("octo-org")
    runners = [(runner.id, runner.name, runner.status) for runner in org.get_self_hosted_runners()]
    assert runners == [], runners
    token = org.create_self_hosted_runner_registration_token()
    assert_token(token.token, token.expires_at)


# --- GHES 3.22: runner fields, the name filter, JIT runners, labels, groups --

g322 = Github(
    base_url=API_322,
    auth=Auth.Token(TOKEN),
    seconds_between_requests=None,
    seconds_between_writes=None,
    per_page=2,
)
requester322 = g322.requester
GROUPS_322 = "/orgs/octo-org/actions/runner-groups"
RUNNER_DOCS_322 = f"{DOCS_322}/actions/self-hosted-runners"
GROUP_DOCS_322 = f"{DOCS_322}/actions/self-hosted-runner-groups"
READ_ONLY = [("Linux", "read-only"), ("X64", "read-only"), ("self-hosted", "read-only")]


@check("3.22: get_organization and get_repo fetch octo-org and octo-repo, with their ids")
def _():
    org = g322.get_organization("octo-org")
    repo = g322.get_repo("octo-org/octo-repo")
    assert org.url == f"{API_322}/orgs/octo-org", org.url
    assert (repo.full_name, repo.owner.login) == ("octo-org/octo-repo", "octo-org")
    assert org.id > 0 and repo.id > 0 and org.id != repo.id, (org.id, repo.id)
    state["org-322"] = org
    state["repo-322"] = repo


org322 = state.get("org-322") or g322.get_organization("octo-org")
repo322 = state.get("repo-322") or g322.get_repo("octo-org/octo-repo")


def org_token_322():
    return org322.create_self_hosted_runner_registration_token().token


@check("3.22 runner groups (requester): octo-org's are Default (id 1) and the seeded one serving octo-repo")
def _():
    _, data = requester322.requestJsonAndCheck("GET", GROUPS_322)
    groups = data["runner_groups"]
    assert [(g["name"], g["default"], g["visibility"], g["inherited"]) for g in groups] == [
        ("Default", True, "all", False),
        ("seeded", False, "selected", False),
    ], groups
    assert groups[0]["id"] == 1 and groups[1]["id"] > 1, groups
    _, access = requester322.requestJsonAndCheck("GET", f"{GROUPS_322}/{groups[1]['id']}/repositories")
    assert [(r["id"], r["full_name"]) for r in access["repositories"]] == [(repo322.id, "octo-org/octo-repo")], access
    state["seeded"] = groups[1]


@check("3.22 runner fields: get_self_hosted_runner reads runner_group_id and ephemeral; raw_data keeps version")
def _():
    seeded = state["seeded"]
    token = org_token_322()
    once = register_runner(token, "py-once", MOCK_322, ephemeral=True, runner_group="seeded")
    lasting = register_runner(token, "py-lasting", MOCK_322)
    runner = org322.get_self_hosted_runner(once["id"])
    assert (runner.name, runner.runner_group_id, runner.ephemeral) == ("py-once", seeded["id"], True)
    # PyGithub 2.10 has no property for 3.17's version.
    assert re.fullmatch(r"\d+\.\d+\.\d+", runner.raw_data["version"]), runner.raw_data
    runner = org322.get_self_hosted_runner(lasting["id"])
    assert (runner.name, runner.runner_group_id, runner.ephemeral) == ("py-lasting", 1, False)
    state["lasting"] = lasting


@check("3.22 name filter: get_self_hosted_runners(name=...) lists only the runner called so")
def _():
    runners = org322.get_self_hosted_runners(name="py-lasting")
    assert runners.totalCount == 1, runners.totalCount
    assert [(r.id, r.name) for r in runners] == [(state["lasting"]["id"], "py-lasting")]
    nobody = org322.get_self_hosted_runners(name="nobody-is-called-so")
    assert (nobody.totalCount, list(nobody)) == (0, [])


# Labels: PyGithub has no methods for them.


def labels_url(runner_id):
    return f"{org322.url}/actions/runners/{runner_id}/labels"


def label_pairs(data):
    """The labels of a label answer {total_count, labels}, as sorted pairs."""
    assert data["total_count"] == len(data["labels"]), data
    return sorted((label["name"], label["type"]) for label in data["labels"])


@check("3.22 labels (requester): GET lists a runner's read-only and custom labels")
def _():
    runner = register_runner(org_token_322(), "py-labelled", MOCK_322, labels=["gpu"])
    _, data = requester322.requestJsonAndCheck("GET", labels_url(runner["id"]))
    assert label_pairs(data) == sorted(READ_ONLY + [("gpu", "custom")]), data
    state["labelled"] = runner


@check("3.22 labels (requester): POST adds, PUT sets, DELETE …/labels/{name} removes one, case-insensitively")
def _():
    url = labels_url(state["labelled"]["id"])
    _, data = requester322.requestJsonAndCheck("POST", url, input={"labels": ["fast"]})
    assert label_pairs(data) == sorted(READ_ONLY + [("fast", "custom"), ("gpu", "custom")]), data
    _, data = requester322.requestJsonAndCheck("PUT", url, input={"labels": ["Arm-Cross", "ssd"]})
    assert label_pairs(data) == sorted(READ_ONLY + [("Arm-Cross", "custom"), ("ssd", "custom")]), data
    _, data = requester322.requestJsonAndCheck("DELETE", f"{url}/arm-cross")
    assert label_pairs(data) == sorted(READ_ONLY + [("ssd", "custom")]), data
    runner = org322.get_self_hosted_runner(state["labelled"]["id"])
    assert sorted((label["name"], label["type"]) for label in runner.labels) == label_pairs(data)


@check("3.22 labels (requester): removing a read-only label raises GithubException 422 with GitHub's simple errors")
def _():
    url = labels_url(state["labelled"]["id"])
    error = expect_error(GithubException, lambda: requester322.requestJsonAndCheck("DELETE", f"{url}/Linux"))
    assert error.status == 422, error
    assert error.data == {
        "message": "Validation Failed",
        "errors": ['"Linux" is a read-only label and cannot be removed'],
        "documentation_url": f"{RUNNER_DOCS_322}#remove-a-custom-label-from-a-self-hosted-runner-for-an-organization",
    }, error.data


# Runner groups: PyGithub has no methods for them either.


@check("3.22 runner groups (requester): create one (201); its runners page as a PaginatedList")
def _():
    status, _, body = requester322.requestJson(
        "POST",
        GROUPS_322,
        input={"name": "py-group", "visibility": "selected", "selected_repository_ids": [repo322.id]},
    )
    assert status == 201, (status, body)
    group = json.loads(body)
    assert (group["name"], group["visibility"], group["default"], group["inherited"]) == (
        "py-group",
        "selected",
        False,
        False,
    ), group
    token = org_token_322()
    names = [register_runner(token, f"py-grouped-{i}", MOCK_322, runner_group="py-group")["name"] for i in range(3)]
    runners = PaginatedList(
        SelfHostedActionsRunner,
        requester322,
        f"{API_322}{GROUPS_322}/{group['id']}/runners",
        None,
        list_item="runners",
    )
    # Two a page: totalCount reads rel="last" of a one-item page.
    assert runners.totalCount == 3, runners.totalCount
    assert [[r.name for r in runners.get_page(i)] for i in range(2)] == [names[0:2], names[2:3]]
    assert [(r.name, r.runner_group_id) for r in runners] == [(name, group["id"]) for name in names]
    state["py-group"] = group


@check("3.22 runner groups (requester): visible_to_repository=octo-repo lists only the groups serving it")
def _():
    _, hidden = requester322.requestJsonAndCheck("POST", GROUPS_322, input={"name": "py-hidden", "visibility": "selected"})
    try:
        _, every = requester322.requestJsonAndCheck("GET", GROUPS_322)
        assert [g["name"] for g in every["runner_groups"]] == ["Default", "seeded", "py-group", "py-hidden"], every
        _, visible = requester322.requestJsonAndCheck("GET", GROUPS_322, parameters={"visible_to_repository": "octo-repo"})
        assert [g["name"] for g in visible["runner_groups"]] == ["Default", "seeded", "py-group"], visible
    finally:
        requester322.requestJsonAndCheck("DELETE", f"{GROUPS_322}/{hidden['id']}")


@check("3.22 runner groups (requester): a taken name raises GithubException 422 Validation Failed")
def _():
    error = expect_error(
        GithubException, lambda: requester322.requestJsonAndCheck("POST", GROUPS_322, input={"name": "py-group"})
    )
    assert error.status == 422, error
    assert error.data == {
        "message": "Validation Failed",
        "errors": [
            {
                "resource": "RunnerGroup",
                "field": "name",
                "code": "already_exists",
                "message": 'A runner group named "py-group" already exists',
            }
        ],
        "documentation_url": f"{GROUP_DOCS_322}#create-a-self-hosted-runner-group-for-an-organization",
    }, error.data


@check("3.22 runner groups (requester): an enterprise group serving octo-org is listed there as inherited")
def _():
    enterprise_groups = "/enterprises/octo-enterprise/actions/runner-groups"
    _, group = requester322.requestJsonAndCheck(
        "POST",
        enterprise_groups,
        input={"name": "py-enterprise-group", "visibility": "selected", "selected_organization_ids": [org322.id]},
    )
    try:
        _, data = requester322.requestJsonAndCheck("GET", GROUPS_322)
        inherited = [(g["id"], g["name"]) for g in data["runner_groups"] if g["inherited"]]
        assert inherited == [(group["id"], "py-enterprise-group")], data
    finally:
        requester322.requestJsonAndCheck("DELETE", f"{enterprise_groups}/{group['id']}")
    _, data = requester322.requestJsonAndCheck("GET", GROUPS_322)
    assert [g["name"] for g in data["runner_groups"] if g["inherited"]] == [], data


@check("3.22 runner groups (requester): deleting the group (204) sends its runners to Default")
def _():
    group = state["py-group"]
    status, _, body = requester322.requestJson("DELETE", f"{GROUPS_322}/{group['id']}")
    assert (status, body) == (204, ""), (status, body)
    error = expect_error(
        UnknownObjectException, lambda: requester322.requestJsonAndCheck("GET", f"{GROUPS_322}/{group['id']}")
    )
    assert error.data["message"] == "Not Found", error.data
    runner = list(org322.get_self_hosted_runners(name="py-grouped-0"))
    assert [(r.name, r.runner_group_id) for r in runner] == [("py-grouped-0", 1)]


# Just-in-time runners: PyGithub's own method, for organizations.

JIT_DOCS = f"{RUNNER_DOCS_322}#create-configuration-for-a-just-in-time-runner-for-an-organization"


def jit_files(encoded):
    """encoded_jit_config as run.sh --jitconfig reads it: base64 of a JSON
    object mapping file names to base64 contents; the files, decoded."""
    files = json.loads(base64.b64decode(encoded, validate=True))
    return {name: base64.b64decode(content, validate=True).decode() for name, content in files.items()}


def rsa_numbers(params):
    """The integers of .credentials_rsaparams (base64, big-endian)."""
    return {name: int.from_bytes(base64.b64decode(value, validate=True), "big") for name, value in params.items()}


@check("3.22 jit: create_self_hosted_runner_jitconfig: the runner offline, ephemeral, os unknown, in the group")
def _():
    seeded = state["seeded"]
    config = org322.create_self_hosted_runner_jitconfig(
        "py-jit", seeded["id"], ["self-hosted", "jit", "Jit-Only"], work_folder="_py_work"
    )
    assert isinstance(config, SelfHostedActionsRunnerJitConfig), config
    runner = config.runner
    assert isinstance(runner, SelfHostedActionsRunner), runner
    assert (runner.name, runner.status, runner.busy, runner.os, runner.ephemeral, runner.runner_group_id) == (
        "py-jit",
        "offline",
        False,
        "unknown",
        True,
        seeded["id"],
    )
    assert sorted((label["name"], label["type"]) for label in runner.labels) == [
        ("Jit-Only", "custom"),
        ("jit", "custom"),
        ("self-hosted", "read-only"),
    ], runner.labels
    state["jit"] = config


@check("3.22 jit: encoded_jit_config decodes to .runner, .credentials and .credentials_rsaparams")
def _():
    config = state["jit"]
    files = jit_files(config.encoded_jit_config)
    assert sorted(files) == [".credentials", ".credentials_rsaparams", ".runner"], sorted(files)
    settings = json.loads(files[".runner"])
    assert (
        str(settings["AgentId"]),
        settings["AgentName"],
        str(settings["PoolId"]),
        settings["PoolName"],
        settings["WorkFolder"],
        str(settings["Ephemeral"]).lower(),
    ) == (str(config.runner.id), "py-jit", str(state["seeded"]["id"]), "seeded", "_py_work", "true"), settings
    assert json.loads(files[".credentials"])["Scheme"] == "OAuth", files[".credentials"]
    # The RSA key's parts agree, and it encrypts and decrypts.
    k = rsa_numbers(json.loads(files[".credentials_rsaparams"]))
    n, e, d, p, q = k["modulus"], k["exponent"], k["d"], k["p"], k["q"]
    assert n == p * q and n.bit_length() >= 2048, n.bit_length()
    assert (k["dp"], k["dq"], k["inverseQ"] * q % p) == (d % (p - 1), d % (q - 1), 1)
    assert pow(pow(0x6768_6573, e, n), d, n) == 0x6768_6573


@check("3.22 jit: POST /_mock/runners/jit starts it; get_self_hosted_runner reads it online")
def _():
    config = state["jit"]
    assert org322.get_self_hosted_runner(config.runner.id).status == "offline"
    started = control("POST", "/runners/jit", {"encoded_jit_config": config.encoded_jit_config}, MOCK_322)
    assert (started["id"], started["status"]) == (config.runner.id, "online"), started
    runner = org322.get_self_hosted_runner(config.runner.id)
    assert (runner.status, runner.os, runner.busy, runner.ephemeral) == ("online", "linux", False, True)


@check("3.22 jit: a config starts its runner once: the second start is 409")
def _():
    config = state["jit"]
    status, body = control_answer("POST", "/runners/jit", {"encoded_jit_config": config.encoded_jit_config}, MOCK_322)
    assert status == 409, (status, body)
    assert body["message"] == f"The JIT configuration of runner {config.runner.id} has already started it", body


@check("3.22 jit: a taken name raises GithubException 409 with GitHub's message")
def _():
    error = expect_error(GithubException, lambda: org322.create_self_hosted_runner_jitconfig("py-jit", 1, ["jit"]))
    assert error.status == 409, error
    assert error.data == {
        "message": "Already exists - A runner with the name py-jit already exists.",
        "documentation_url": JIT_DOCS,
    }, error.data


@check("3.22 jit: an unknown runner group raises UnknownObjectException (404)")
def _():
    error = expect_error(
        UnknownObjectException, lambda: org322.create_self_hosted_runner_jitconfig("py-jit-nogroup", 999999, ["jit"])
    )
    assert error.data == {"message": "Not Found", "documentation_url": JIT_DOCS}, error.data


@check("3.22 jit: no labels raises GithubException 422 with GitHub's simple errors; no runner is made")
def _():
    error = expect_error(GithubException, lambda: org322.create_self_hosted_runner_jitconfig("py-jit-nolabels", 1, []))
    assert error.status == 422, error
    assert error.data == {
        "message": "Validation Failed",
        "errors": ["labels must name 1 to 100 labels, not 0"],
        "documentation_url": JIT_DOCS,
    }, error.data
    assert org322.get_self_hosted_runners(name="py-jit-nolabels").totalCount == 0


# --- GitHub Apps: Auth.AppAuth, GithubIntegration and installation tokens ----

pygithub_apps.run(check, expect_error, control, register_runner)


# --- Webhooks and workflow jobs: signed deliveries, hooks, runs and jobs -----

pygithub_hooks.run(check, expect_error, control, register_runner)


print(f"PyGithub {importlib.metadata.version('PyGithub')}")
print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 else 1)
