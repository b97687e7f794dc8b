"""Webhooks and workflow jobs through PyGithub, as Python runner managers
meet them.

A receiver (http.server on a loopback port) takes real deliveries from the
mock and checks X-Hub-Signature-256 as Python managers do: the HMAC-SHA256
of the exact body with the hook's secret, compared with hmac.compare_digest;
it answers 200, or 401 when the signature is wrong. The hooks are made and
read with PyGithub (create_hook, get_hooks, get_hook, Hook.edit, Hook.ping,
Hook.test, Hook.delete, get_hook_deliveries, get_hook_delivery; a
redelivery, which PyGithub has no method for, through its requester), and
the runs and jobs with get_workflow_runs(status=...), get_workflow_run,
WorkflowRun.jobs() and get_workflow_job.

Input (environment):
  GHES_HOOKS_API_URL, GHES_HOOKS_MOCK_URL
                      a server in strict mode presenting GHES 3.22, seeded
                      with octo-enterprise, octo-org and octo-org/octo-repo,
                      on which GHES_TOKEN also has admin:org_hook
  GHES_NO_HOOK_TOKEN  a token there with admin:org and repo only
"""

import hashlib
import hmac
import json
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from github import Auth, Github, GithubException, UnknownObjectException

SECRET = b"It's a Secret to Everybody"
OWNER = "octo-org"
REPO = "octo-repo"
LABELS = ["self-hosted", "linux", "py-hooks"]
WAIT = 15.0  # seconds; every wait for a delivery is bounded by it
PACING = {"seconds_between_requests": None, "seconds_between_writes": None}


def signature_ok(secret, body, header):
    """What a Python runner manager checks: `sha256=` and the hex
    HMAC-SHA256 of the exact body, compared in constant time."""
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), (header or "").encode())


class Receiver:
    """Records every POST: path, headers, the exact body, whether its
    signature held with SECRET."""

    def __init__(self):
        self.got = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok = signature_ok(SECRET, body, self.headers.get("X-Hub-Signature-256"))
                with receiver.lock:
                    # self.headers looks names up case-insensitively, as
                    # HTTP wants: the mock sends them lowercase.
                    receiver.got.append({"path": self.path, "headers": self.headers, "body": body, "ok": ok})
                answer = b'{"ok":true}' if ok else b'{"message":"bad signature"}'
                self.send_response(200 if ok else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def matching(self, match):
        with self.lock:
            return [d for d in self.got if match(d)]

    def wait(self, n, what, match):
        """The first n deliveries that match, waiting (bounded) for them."""
        deadline = time.monotonic() + WAIT
        while True:
            got = self.matching(match)
            if len(got) >= n:
                return got
            assert time.monotonic() < deadline, f"{what}: {len(got)} of {n} deliveries after {WAIT}s"
            time.sleep(0.02)


def payload_of(delivery):
    """The JSON of a delivery: the body, or a form body's `payload` field."""
    if delivery["headers"].get("Content-Type") == "application/x-www-form-urlencoded":
        return json.loads(urllib.parse.parse_qs(delivery["body"].decode())["payload"][0])
    return json.loads(delivery["body"])


def on(path, event=None, action=None, job_id=None):
    def match(d):
        if d["path"] != path or (event and d["headers"].get("X-GitHub-Event") != event):
            return False
        if action is None:
            return True
        payload = payload_of(d)
        return payload.get("action") == action and payload["workflow_job"]["id"] == job_id

    return match


def until(what, read, done):
    """Polls read() (bounded) until done holds of its answer."""
    deadline = time.monotonic() + WAIT
    while True:
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"{what}: still {value!r}"
        time.sleep(0.05)


def run(check, expect_error, control, register_runner):
    """Runs the webhook checks with the suite's helpers (see pygithub_suite.py)."""
    api = os.environ["GHES_HOOKS_API_URL"]
    mock = os.environ["GHES_HOOKS_MOCK_URL"]
    token = os.environ["GHES_TOKEN"]
    g = Github(base_url=api, auth=Auth.Token(token), per_page=3, **PACING)
    org = g.get_organization(OWNER)
    repo = g.get_repo(f"{OWNER}/{REPO}")
    receiver = Receiver()
    state = {}

    @check("hooks: org.create_hook (json, a secret); its ping's X-Hub-Signature-256 passes hmac.compare_digest")
    def _():
        hook = org.create_hook(
            "web",
            {"url": receiver.url + "/org", "content_type": "json", "secret": SECRET.decode(), "insecure_ssl": "0"},
            events=["workflow_job"],
            active=True,
        )
        assert (hook.type, hook.events, hook.config["secret"]) == ("Organization", ["workflow_job"], "********"), hook
        state["org_hook"] = hook
        [ping] = receiver.wait(1, "ping", on("/org", "ping"))
        assert ping["ok"], ping["headers"]
        assert ping["headers"]["Content-Type"] == "application/json", ping["headers"]
        assert ping["headers"]["X-GitHub-Hook-ID"] == str(hook.id), ping["headers"]
        payload = payload_of(ping)
        assert (payload["hook_id"], payload["organization"]["login"]) == (hook.id, OWNER), payload
        assert not signature_ok(b"not-" + SECRET, ping["body"], ping["headers"]["X-Hub-Signature-256"])

    @check("hooks: a token without admin:org_hook: get_hooks raises GithubException 403")
    def _():
        other = Github(base_url=api, auth=Auth.Token(os.environ["GHES_NO_HOOK_TOKEN"]), **PACING)
        error = expect_error(GithubException, lambda: list(other.get_organization(OWNER).get_hooks()))
        assert error.status == 403, error

    @check("hooks: repo.create_hook (form); the signature covers the whole payload= body")
    def _():
        hook = repo.create_hook(
            "web",
            {"url": receiver.url + "/form", "content_type": "form", "secret": SECRET.decode()},
            events=["workflow_job"],
        )
        assert (hook.type, hook.config["content_type"]) == ("Repository", "form"), hook.config
        state["form_hook"] = hook
        [ping] = receiver.wait(1, "ping", on("/form", "ping"))
        assert ping["ok"], ping["headers"]
        assert ping["headers"]["Content-Type"] == "application/x-www-form-urlencoded", ping["headers"]
        assert ping["body"].startswith(b"payload="), ping["body"][:40]
        assert payload_of(ping)["repository"]["full_name"] == f"{OWNER}/{REPO}"

    @check("hooks: a hook with another secret: compare_digest fails and the receiver answers 401")
    def _():
        hook = repo.create_hook(
            "web",
            {"url": receiver.url + "/wrong", "content_type": "json", "secret": "not-" + SECRET.decode()},
            events=["workflow_job"],
        )
        state["wrong_hook"] = hook
        [ping] = receiver.wait(1, "ping", on("/wrong", "ping"))
        assert not ping["ok"]
        assert signature_ok(b"not-" + SECRET, ping["body"], ping["headers"]["X-Hub-Signature-256"])

    @check("jobs: a run queued through POST /_mock/runs; each hook gets its signed queued delivery")
    def _():
        assert "org_hook" in state and "form_hook" in state, "an earlier check failed"
        run = control(
            "POST",
            "/runs",
            {
                "repo": f"{OWNER}/{REPO}",
                "workflow_name": "pygithub",
                "jobs": [{"name": "build", "labels": LABELS, "duration_seconds": 0.3}],
            },
            mock,
        )
        state["run"] = run
        job_id = run["jobs"][0]["id"]
        for path in ("/org", "/form"):
            [d] = receiver.wait(1, "queued", on(path, "workflow_job", "queued", job_id))
            assert d["ok"], d["headers"]
            payload = payload_of(d)
            job = payload["workflow_job"]
            assert (job["status"], job["labels"], job["runner_name"], job["run_id"]) == (
                "queued",
                LABELS,
                None,
                run["id"],
            ), job
            assert payload["repository"]["full_name"] == f"{OWNER}/{REPO}", payload["repository"]
            assert payload["organization"]["login"] == OWNER

    @check("jobs: repo.get_workflow_runs(status='queued') lists the run; run.jobs() its job")
    def _():
        run = state["run"]
        runs = repo.get_workflow_runs(status="queued")
        assert runs.totalCount == 1 and [r.id for r in runs] == [run["id"]], [r.id for r in runs]
        [job] = list(repo.get_workflow_run(run["id"]).jobs())
        assert (job.id, job.status, job.labels) == (run["jobs"][0]["id"], "queued", LABELS), job

    @check("jobs: an ephemeral runner takes the job: in_progress, as repo.get_workflow_job says")
    def _():
        run = state["run"]
        job_id = run["jobs"][0]["id"]
        token = org.create_self_hosted_runner_registration_token().token
        runner = register_runner(token, "py-hooks-runner", mock, labels=["linux", "py-hooks"], ephemeral=True)
        [d] = receiver.wait(1, "in_progress", on("/org", "workflow_job", "in_progress", job_id))
        job = payload_of(d)["workflow_job"]
        assert (job["status"], job["runner_name"], job["runner_id"]) == (
            "in_progress",
            "py-hooks-runner",
            runner["id"],
        ), job
        rest = repo.get_workflow_job(job_id)
        assert rest.runner_name == "py-hooks-runner" and rest.status in ("in_progress", "completed"), rest.raw_data

    @check("jobs: it completes with success; get_workflow_run(id) says so; the runner is gone")
    def _():
        run = state["run"]
        job_id = run["jobs"][0]["id"]
        for path in ("/org", "/form"):
            [d] = receiver.wait(1, "completed", on(path, "workflow_job", "completed", job_id))
            job = payload_of(d)["workflow_job"]
            assert (job["status"], job["conclusion"], job["runner_name"]) == (
                "completed",
                "success",
                "py-hooks-runner",
            ), job
        got = repo.get_workflow_run(run["id"])
        assert (got.status, got.conclusion, got.name) == ("completed", "success", "pygithub"), got.raw_data
        assert [r.id for r in repo.get_workflow_runs(status="success")] == [run["id"]]
        assert list(repo.get_workflow_runs(status="queued")) == []
        assert org.get_self_hosted_runners().totalCount == 0
        error = expect_error(GithubException, lambda: list(repo.get_workflow_runs(status="done")))
        assert error.status == 422, error

    @check("signatures: every delivery passes compare_digest, not with another secret; X-Hub-Signature is its HMAC-SHA1")
    def _():
        mine = receiver.matching(lambda d: d["path"] in ("/org", "/form"))
        assert len(mine) == 8, [(d["path"], d["headers"]["X-GitHub-Event"]) for d in mine]
        for d in mine:
            signature = d["headers"]["X-Hub-Signature-256"]
            assert signature_ok(SECRET, d["body"], signature)
            assert not signature_ok(b"not-" + SECRET, d["body"], signature)
            sha1 = "sha1=" + hmac.new(SECRET, d["body"], hashlib.sha1).hexdigest()
            assert hmac.compare_digest(sha1, d["headers"]["X-Hub-Signature"])
            assert d["headers"]["User-Agent"].startswith("GitHub-Hookshot/"), d["headers"]

    @check("hooks: get_hooks, get_hook, Hook.edit (a config without the secret removes it, as GitHub says), ping, test")
    def _():
        form, wrong = state["form_hook"], state["wrong_hook"]
        assert [h.id for h in repo.get_hooks()] == [form.id, wrong.id]
        assert [h.id for h in org.get_hooks()] == [state["org_hook"].id]
        got = repo.get_hook(form.id)
        assert (got.last_response.code, got.last_response.status) == (200, "active"), got.raw_data["last_response"]
        # Hook.edit always sends a config: without the secret, GitHub drops it.
        got.edit("web", {"url": receiver.url + "/form", "content_type": "form"}, add_events=["workflow_run"])
        assert got.events == ["workflow_job", "workflow_run"], got.events
        assert "secret" not in got.config, got.config
        got.ping()
        [_, unsigned] = receiver.wait(2, "second ping", on("/form", "ping"))
        assert "X-Hub-Signature-256" not in unsigned["headers"] and not unsigned["ok"], unsigned["headers"]
        got.edit("web", {"url": receiver.url + "/form", "content_type": "form", "secret": SECRET.decode()})
        assert got.config["secret"] == "********", got.config
        assert got.events == ["workflow_job", "workflow_run"], "events are kept"
        got.ping()
        [*_, signed] = receiver.wait(3, "third ping", on("/form", "ping"))
        assert signed["ok"], signed["headers"]
        got.test()
        org_hook = org.get_hook(state["org_hook"].id)
        org_hook.ping()
        receiver.wait(2, "second ping", on("/org", "ping"))

    @check("hooks: get_hook_deliveries walks the cursor pages, newest first; get_hook_delivery shows request and answer")
    def _():
        hook = state["org_hook"]
        want = len(receiver.matching(on("/org")))
        deliveries = until(
            "every delivery listed",
            lambda: list(org.get_hook_deliveries(hook.id)),
            lambda got: len(got) >= want,
        )
        assert len(deliveries) == want, (len(deliveries), want)
        ids = [d.id for d in deliveries]
        assert ids == sorted(ids, reverse=True), ids
        assert all((d.status_code, d.status) == (200, "OK") for d in deliveries)
        assert (deliveries[-1].event, deliveries[0].event) == ("ping", "ping")
        one = org.get_hook_delivery(hook.id, deliveries[1].id)
        assert one.request.headers["X-GitHub-Event"] == "workflow_job", one.request.headers
        [sent] = receiver.matching(lambda d: d["path"] == "/org" and d["headers"]["X-GitHub-Delivery"] == one.guid)
        assert one.request.payload == payload_of(sent)
        assert one.request.headers["X-Hub-Signature-256"] == sent["headers"]["X-Hub-Signature-256"]
        assert one.response.payload == '{"ok":true}', one.response.payload
        state["redeliver"] = one

    @check("hooks: a redelivery through the requester (202): the same GUID and bytes come again")
    def _():
        one = state["redeliver"]
        hook = state["org_hook"]
        headers, data = org._requester.requestJsonAndCheck(
            "POST", f"{org.url}/hooks/{hook.id}/deliveries/{one.id}/attempts"
        )
        assert data == {}, data
        again = receiver.wait(
            2, "redelivery", lambda d: d["path"] == "/org" and d["headers"].get("X-GitHub-Delivery") == one.guid
        )
        assert again[1]["body"] == again[0]["body"] and again[1]["ok"]
        latest = until(
            "the redelivery listed",
            lambda: list(org.get_hook_deliveries(hook.id))[0],
            lambda d: d.redelivery,
        )
        assert latest.guid == one.guid

    @check("hooks: the other secret's deliveries show the receiver's 401 in get_hook_deliveries")
    def _():
        wrong = state["wrong_hook"]
        listed = until("its deliveries", lambda: list(repo.get_hook_deliveries(wrong.id)), lambda got: len(got) >= 4)
        assert len(listed) == 4, [(d.event, d.action) for d in listed]
        assert {(d.status_code, d.status) for d in listed} == {(401, "Invalid HTTP Response: 401")}

    @check("hooks: Hook.delete(); get_hook then raises UnknownObjectException")
    def _():
        for hook in (state["org_hook"], state["form_hook"], state["wrong_hook"]):
            hook.delete()
        expect_error(UnknownObjectException, lambda: repo.get_hook(state["form_hook"].id))
        expect_error(UnknownObjectException, lambda: org.get_hook(state["org_hook"].id))
        assert repo.get_hooks().totalCount == 0

    receiver.close()
