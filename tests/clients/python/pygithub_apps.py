"""A GitHub App through PyGithub, as Python runner managers sign in.

Auth.AppAuth signs the JWTs and GithubIntegration finds the installations
of an organization, a repository and a user; get_access_token trades the
JWT for installation tokens (PyGithub sends {"permissions": {}} with every
request, which must mean "no narrowing"); then Github with
Auth.AppInstallationAuth, or Auth.Token with a token in hand, walks the
runner lifecycle of the organization and of a repository. Then GitHub's
errors for Apps, each as the exception PyGithub raises for it.

The server presents GHES 3.22 and holds the enterprise octo-enterprise, its
member organization octo-org (repositories octo-repo and octo-tools), the
organization octo-shop (shop-repo and shop-private) and the user monalisa
(dotfiles). The App "Runner Scaler" has organization_self_hosted_runners
write, administration write and metadata read, and three installations:
  org   on octo-org, every repository, the App's permissions
  shop  on octo-shop, only shop-repo, the App's permissions
  user  on monalisa, every repository, administration read only

Input (environment): GHES_APPS_API_URL, GHES_APPS_MOCK_URL, GHES_APP_ID,
GHES_APP_SLUG, GHES_APP_CLIENT_ID, GHES_APP_PRIVATE_KEY (PEM), and
GHES_APP_ORG_INSTALLATION, GHES_APP_SHOP_INSTALLATION,
GHES_APP_USER_INSTALLATION (ids).
"""

import datetime
import os
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from github import Auth, BadCredentialsException, Github, GithubException, GithubIntegration, UnknownObjectException

DOCS = "https://docs.github.com/enterprise-server@3.22/rest"
APP_DOCS = f"{DOCS}/apps/apps"
RUNNER_DOCS = f"{DOCS}/actions/self-hosted-runners"
NOT_ACCESSIBLE = "Resource not accessible by integration"
APP_PERMISSIONS = {"administration": "write", "metadata": "read", "organization_self_hosted_runners": "write"}
EXP_PAST = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the "
    "assertion expires"
)

# As runner tooling builds them: no pacing, which is for github.com.
PACING = {"seconds_between_requests": None, "seconds_between_writes": None}


def run(check, expect_error, control, register_runner):
    """Runs the App checks with the suite's helpers (see pygithub_suite.py)."""
    api = os.environ["GHES_APPS_API_URL"]
    mock = os.environ["GHES_APPS_MOCK_URL"]
    app_id = int(os.environ["GHES_APP_ID"])
    slug = os.environ["GHES_APP_SLUG"]
    client_id = os.environ["GHES_APP_CLIENT_ID"]
    private_key = os.environ["GHES_APP_PRIVATE_KEY"]
    ids = {
        "org": int(os.environ["GHES_APP_ORG_INSTALLATION"]),
        "shop": int(os.environ["GHES_APP_SHOP_INSTALLATION"]),
        "user": int(os.environ["GHES_APP_USER_INSTALLATION"]),
    }
    app_auth = Auth.AppAuth(app_id, private_key)
    gi = GithubIntegration(auth=app_auth, base_url=api, per_page=2, **PACING)
    state = {}

    def installation_github(installation_id, **permissions):
        auth = Auth.AppInstallationAuth(app_auth, installation_id, permissions or None)
        return Github(auth=auth, base_url=api, **PACING)

    def token_github(token):
        return Github(auth=Auth.Token(token), base_url=api, **PACING)

    def register(token, name):
        return register_runner(token, name, mock)

    def assert_hour(expires_at):
        remaining = expires_at - datetime.datetime.now(datetime.timezone.utc)
        assert datetime.timedelta(minutes=59) < remaining <= datetime.timedelta(hours=1), expires_at

    # --- The App signs in and finds its installations ---------------------------

    @check("apps: GithubIntegration.get_app signs a JWT with Auth.AppAuth and reads the App")
    def _():
        app = gi.get_app()
        assert (app.id, app.slug, app.name, app.client_id, app.installations_count) == (
            app_id,
            slug,
            "Runner Scaler",
            client_id,
            3,
        ), app.raw_data
        assert app.permissions == APP_PERMISSIONS, app.permissions
        assert app.owner.login == "ghes-admin", app.raw_data["owner"]

    @check("apps: get_installations pages through the three, with their accounts")
    def _():
        installations = gi.get_installations()
        assert installations.totalCount == 3, installations.totalCount
        assert [(i.id, i.app_id, i.account.login, i.target_type, i.repository_selection) for i in installations] == [
            (ids["org"], app_id, "octo-org", "Organization", "all"),
            (ids["shop"], app_id, "octo-shop", "Organization", "selected"),
            (ids["user"], app_id, "monalisa", "User", "all"),
        ]

    @check("apps: get_org_installation finds octo-org's, as get_app_installation shows it")
    def _():
        installation = gi.get_org_installation("octo-org")
        assert (installation.id, installation.app_id, installation.app_slug, installation.account.login) == (
            ids["org"],
            app_id,
            slug,
            "octo-org",
        )
        assert installation.access_tokens_url == f"{api}/app/installations/{ids['org']}/access_tokens"
        assert installation.permissions == APP_PERMISSIONS, installation.permissions
        # PyGithub keeps the URL it fetched from in raw_data; the rest is GitHub's body.
        same = gi.get_app_installation(ids["org"])
        assert {**same.raw_data, "url": None} == {**installation.raw_data, "url": None}

    @check("apps: get_repo_installation finds octo-shop's from shop-repo, which it selects")
    def _():
        installation = gi.get_repo_installation("octo-shop", "shop-repo")
        assert (installation.id, installation.account.login, installation.repository_selection) == (
            ids["shop"],
            "octo-shop",
            "selected",
        )
        assert gi.get_repo_installation("octo-org", "octo-tools").id == ids["org"]

    @check("apps: get_repo_installation of a repository the installation leaves out raises UnknownObjectException")
    def _():
        error = expect_error(UnknownObjectException, lambda: gi.get_repo_installation("octo-shop", "shop-private"))
        assert error.status == 404
        assert error.data == {
            "message": "Not Found",
            "documentation_url": f"{APP_DOCS}#get-a-repository-installation-for-the-authenticated-app",
        }, error.data

    @check("apps: get_user_installation finds monalisa's, and octo-org's as GitHub does")
    def _():
        user = gi.get_user_installation("monalisa")
        assert (user.id, user.account.login, user.target_type, user.permissions) == (
            ids["user"],
            "monalisa",
            "User",
            {"administration": "read"},
        )
        assert gi.get_user_installation("octo-org").id == ids["org"]

    @check("apps: get_org_installation of an organization without the App raises UnknownObjectException")
    def _():
        error = expect_error(UnknownObjectException, lambda: gi.get_org_installation("octo-elsewhere"))
        assert error.status == 404, error

    # --- Installation tokens ------------------------------------------------------

    @check("apps: get_access_token sends {'permissions': {}} and gets every permission, for an hour")
    def _():
        authorization = gi.get_access_token(ids["org"])
        assert re.fullmatch(r"ghs_[A-Za-z0-9]{36}", authorization.token), authorization.token
        assert_hour(authorization.expires_at)
        assert authorization.permissions == APP_PERMISSIONS, authorization.permissions
        assert authorization.repository_selection == "all"
        state["org-token"] = authorization.token

    @check("apps: get_access_token with narrower permissions gets only those")
    def _():
        authorization = gi.get_access_token(ids["org"], {"organization_self_hosted_runners": "read"})
        assert authorization.permissions == {"organization_self_hosted_runners": "read"}, authorization.permissions
        state["read-token"] = authorization.token

    @check("apps: get_access_token asking for more than the installation has raises GithubException 422")
    def _():
        error = expect_error(GithubException, lambda: gi.get_access_token(ids["user"], {"administration": "write"}))
        assert error.status == 422, error
        assert error.data["message"] == "Validation Failed", error.data
        assert [(e["resource"], e["field"], e["code"]) for e in error.data["errors"]] == [
            ("InstallationToken", "permissions", "invalid")
        ], error.data

    @check("apps: an Installation's get_repos lists shop-repo only, with the installation's token")
    def _():
        installation = gi.get_repo_installation("octo-shop", "shop-repo")
        repos = installation.get_repos()
        assert [r.full_name for r in repos] == ["octo-shop/shop-repo"]
        assert repos.totalCount == 1, repos.totalCount

    # --- The organization's runners, with Auth.AppInstallationAuth -----------------

    org_g = installation_github(ids["org"])

    @check("apps: organization: create_self_hosted_runner_registration_token, then a runner registers")
    def _():
        org = org_g.get_organization("octo-org")
        token = org.create_self_hosted_runner_registration_token()
        assert re.fullmatch(r"[A-Z0-9]{29}", token.token), token.token
        state["org-runner"] = register(token.token, "py-app-org-runner")
        state["org"] = org

    @check("apps: organization: get_self_hosted_runners and get_self_hosted_runner")
    def _():
        org, runner = state["org"], state["org-runner"]
        runners = org.get_self_hosted_runners()
        assert runners.totalCount == 1, runners.totalCount
        assert [(r.id, r.name, r.status) for r in runners] == [(runner["id"], "py-app-org-runner", "online")]
        one = org.get_self_hosted_runner(runner["id"])
        assert (one.id, one.name, one.os, one.busy) == (runner["id"], "py-app-org-runner", "linux", False)

    @check("apps: organization: create_self_hosted_runner_remove_token, delete_self_hosted_runner, then 404")
    def _():
        org, runner = state["org"], state["org-runner"]
        assert re.fullmatch(r"[A-Z0-9]{29}", org.create_self_hosted_runner_remove_token().token)
        org.delete_self_hosted_runner(runner["id"])
        error = expect_error(UnknownObjectException, lambda: org.get_self_hosted_runner(runner["id"]))
        assert error.data == {
            "message": "Not Found",
            "documentation_url": f"{RUNNER_DOCS}#get-a-self-hosted-runner-for-an-organization",
        }, error.data

    # --- The repository's runners, with the token of its installation -------------

    @check("apps: repository: a registration token through the requester with Auth.Token, then a runner")
    def _():
        installation = gi.get_repo_installation("octo-shop", "shop-repo")
        g = token_github(gi.get_access_token(installation.id).token)
        repo = g.get_repo("octo-shop/shop-repo")
        _, data = g.requester.requestJsonAndCheck("POST", f"{repo.url}/actions/runners/registration-token")
        state["repo-runner"] = register(data["token"], "py-app-repo-runner")
        state["repo"] = repo
        state["shop-g"] = g

    @check("apps: repository: get_self_hosted_runners, get_self_hosted_runner, remove_self_hosted_runner")
    def _():
        repo, runner = state["repo"], state["repo-runner"]
        assert [(r.id, r.name) for r in repo.get_self_hosted_runners()] == [(runner["id"], "py-app-repo-runner")]
        assert repo.get_self_hosted_runner(runner["id"]).status == "online"
        assert repo.remove_self_hosted_runner(runner["id"]) is True
        assert repo.get_self_hosted_runners().totalCount == 0

    @check("apps: repository: one the installation leaves out raises UnknownObjectException")
    def _():
        repo = state["shop-g"].get_repo("octo-shop/shop-private", lazy=True)
        error = expect_error(UnknownObjectException, lambda: repo.get_self_hosted_runners().totalCount)
        assert error.data == {
            "message": "Not Found",
            "documentation_url": f"{RUNNER_DOCS}#list-self-hosted-runners-for-a-repository",
        }, error.data

    # --- What an installation may not do -----------------------------------------

    @check(f"apps: another account's organization raises GithubException 403 {NOT_ACCESSIBLE}")
    def _():
        org = state["shop-g"].get_organization("octo-org")
        error = expect_error(GithubException, lambda: org.get_self_hosted_runners().totalCount)
        assert error.status == 403, error
        assert error.data == {
            "message": NOT_ACCESSIBLE,
            "documentation_url": f"{RUNNER_DOCS}#list-self-hosted-runners-for-an-organization",
        }, error.data

    @check(f"apps: an enterprise route raises GithubException 403 {NOT_ACCESSIBLE}")
    def _():
        error = expect_error(
            GithubException,
            lambda: org_g.requester.requestJsonAndCheck(
                "POST", "/enterprises/octo-enterprise/actions/runners/registration-token"
            ),
        )
        assert (error.status, error.data["message"]) == (403, NOT_ACCESSIBLE), error

    @check("apps: administration read lists monalisa's repository runners; a registration token is 403")
    def _():
        g = installation_github(ids["user"])
        repo = g.get_repo("monalisa/dotfiles", lazy=True)
        assert repo.get_self_hosted_runners().totalCount == 0
        error = expect_error(
            GithubException,
            lambda: g.requester.requestJsonAndCheck("POST", f"{repo.url}/actions/runners/registration-token"),
        )
        assert error.status == 403, error
        assert error.data == {
            "message": NOT_ACCESSIBLE,
            "documentation_url": f"{RUNNER_DOCS}#create-a-registration-token-for-a-repository",
        }, error.data

    @check("apps: AppInstallationAuth with token_permissions read lists, and cannot make a registration token")
    def _():
        g = installation_github(ids["org"], organization_self_hosted_runners="read")
        org = g.get_organization("octo-org")
        assert org.get_self_hosted_runners().totalCount == 0
        error = expect_error(GithubException, org.create_self_hosted_runner_registration_token)
        assert error.status == 403, error
        assert error.data["message"] == NOT_ACCESSIBLE, error.data

    # --- Revoking, and GitHub's errors for App credentials -----------------------------

    @check("apps: DELETE /installation/token revokes it; then BadCredentialsException 401")
    def _():
        g = token_github(state["org-token"])
        status, _, _ = g.requester.requestJson("DELETE", "/installation/token")
        assert status == 204, status
        error = expect_error(
            BadCredentialsException, lambda: g.get_organization("octo-org").get_self_hosted_runners().totalCount
        )
        assert error.status == 401
        assert error.data == {"message": "Bad credentials", "documentation_url": DOCS}, error.data

    @check("apps: a JWT signed with another key raises GithubException 401 A JSON web token could not be decoded")
    def _():
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        stranger = GithubIntegration(auth=Auth.AppAuth(app_id, other.decode()), base_url=api, **PACING)
        error = expect_error(GithubException, stranger.get_app)
        assert error.status == 401, error
        assert error.data == {"message": "A JSON web token could not be decoded", "documentation_url": DOCS}, error.data

    @check("apps: a JWT of an unknown App id raises UnknownObjectException Integration not found")
    def _():
        unknown = GithubIntegration(auth=Auth.AppAuth(987654, private_key), base_url=api, **PACING)
        error = expect_error(UnknownObjectException, unknown.get_app)
        assert error.data == {
            "message": "Integration not found",
            "documentation_url": f"{APP_DOCS}#get-the-authenticated-app",
        }, error.data

    @check("apps: the App's JWT on a runner route raises BadCredentialsException 401")
    def _():
        g = Github(auth=Auth.AppAuthToken(app_auth.token), base_url=api, **PACING)
        error = expect_error(
            BadCredentialsException,
            lambda: g.requester.requestJsonAndCheck("GET", "/orgs/octo-org/actions/runners"),
        )
        assert error.data == {"message": "Bad credentials", "documentation_url": DOCS}, error.data

    # --- The clock: PyGithub signs on its own clock and does not re-sign ------------

    @check("apps: with the server's clock 2 h ahead, get_app raises GithubException 401 with GitHub's exp message")
    def _():
        control("PUT", "/clock", {"offset_seconds": 7200}, mock)
        try:
            error = expect_error(GithubException, GithubIntegration(auth=app_auth, base_url=api, **PACING).get_app)
            assert error.status == 401, error
            assert error.data == {"message": EXP_PAST, "documentation_url": DOCS}, error.data
            server_date = datetime.datetime.strptime(error.headers["date"], "%a, %d %b %Y %H:%M:%S GMT")
            ahead = server_date.replace(tzinfo=datetime.timezone.utc) - datetime.datetime.now(datetime.timezone.utc)
            assert abs(ahead.total_seconds() - 7200) < 5, error.headers["date"]
        finally:
            control("PUT", "/clock", {"offset_seconds": 0}, mock)

    @check("apps: with the server's clock 50 s behind, PyGithub's iat 60 s back still signs in")
    def _():
        control("PUT", "/clock", {"offset_seconds": -50}, mock)
        try:
            assert GithubIntegration(auth=app_auth, base_url=api, **PACING).get_app().id == app_id
        finally:
            control("PUT", "/clock", {"offset_seconds": 0}, mock)
