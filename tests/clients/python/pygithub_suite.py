"""Drives ghes-mock with PyGithub the way runner tooling does.

Organization and Repository objects are fetched the normal way
(get_organization, get_repo: not lazy), their self-hosted runner methods are
called, a PaginatedList is walked across pages with totalCount, PyGithub's
exceptions for 401, 404 and 422 are checked, and what PyGithub has no method
for (tokens of repositories, every enterprise route) goes through its
requester.

Input (environment):
  GHES_API_URL      http://127.0.0.1:PORT/api/v3 of a server in strict mode
  GHES_MOCK_URL     http://127.0.0.1:PORT, for the control API
  GHES_TOKEN        a token with admin:enterprise, admin:org and repo
  GHES_TLS_API_URL  https://127.0.0.1:PORT/api/v3 of a second server, whose
                    certificate REQUESTS_CA_BUNDLE names
Output: one line per check, then "N passed, M failed"; exit 1 on a failure.
"""

import datetime
import importlib.metadata
import json
import os
import re
import sys
import traceback
import urllib.request

from github import Auth, BadCredentialsException, Github, GithubException, UnknownObjectException
from github.PaginatedList import PaginatedList
from github.SelfHostedActionsRunner import SelfHostedActionsRunner

API = os.environ["GHES_API_URL"]
MOCK = os.environ["GHES_MOCK_URL"]
TOKEN = os.environ["GHES_TOKEN"]
TLS_API = os.environ["GHES_TLS_API_URL"]
DOCS = "https://docs.github.com/enterprise-server@3.1/rest"

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


def control(method, path, body):
    """A request to the control API, with plain urllib as a test fixture would."""
    request = urllib.request.Request(
        f"{MOCK}/_mock{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or "null")


def register_runner(token, name, **extra):
    """A runner registers with a registration token, as ./config.sh would."""
    return control("POST", "/runners", {"token": token, "name": name, **extra})


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


print(f"PyGithub {importlib.metadata.version('PyGithub')}")
print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 else 1)
