#!/usr/bin/env python3
"""An example runner manager: one ephemeral runner per queued workflow job.

It listens for `workflow_job` webhooks, as actions-runner-controller's
webhook mode, terraform-aws-github-runner and garm do. For each queued job
whose labels it serves, it makes one ephemeral runner at organization scope,
with a just-in-time configuration (`--mode jit`, the default) or a
registration token (`--mode registration`), and "starts" it through
ghes-mock's control API, which plays the runner process. The runner takes a
job, and GitHub (here ghes-mock) removes it once that job is done.

Python 3 standard library only. Run `manager.py --help` for the options; the
README next to this file shows it working against ghes-mock.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import logging
import os
import queue
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger("runner-manager")

# GitHub caps webhook payloads at 25 MB; anything larger is not a delivery.
MAX_BODY = 25 * 1024 * 1024
# Every self-hosted runner has this label, whatever else it serves.
SELF_HOSTED = "self-hosted"


class Settings:
    """What the command line says, checked."""

    def __init__(self, args):
        self.api_url = args.api_url.rstrip("/")
        self.mock_url = args.mock_url.rstrip("/")
        self.token = args.token
        self.org = args.org
        self.secret = args.secret.encode("utf-8")
        self.labels = [label.strip() for label in args.labels.split(",") if label.strip()]
        self.mode = args.mode
        self.runner_group_id = args.runner_group_id
        self.name_prefix = args.name_prefix
        self.workers = args.workers
        self.retries = args.retries
        self.timeout = args.request_timeout
        host, _, port = args.listen.rpartition(":")
        self.listen = (host.strip("[]") or "127.0.0.1", int(port or 0))

    @property
    def served(self):
        """The label names served, lowercased; `self-hosted` always."""
        return {label.lower() for label in self.labels} | {SELF_HOSTED}


class Counters:
    """What the manager has seen and done, for `GET /status`."""

    NAMES = (
        "queued_seen",
        "in_progress_seen",
        "completed_seen",
        "runners_made",
        "errors",
        "skipped_labels",
        "skipped_other_owner",
        "skipped_not_queued",
        "duplicates",
        "bad_signatures",
    )

    def __init__(self):
        self._lock = threading.Lock()
        self._values = dict.fromkeys(self.NAMES, 0)

    def add(self, name, amount=1):
        with self._lock:
            self._values[name] += amount

    def snapshot(self):
        with self._lock:
            return dict(self._values)


class ApiError(Exception):
    """A call answered with an error status, after any retries."""

    def __init__(self, method, url, status, body):
        super().__init__(f"{method} {url}: {status} {body[:200]}")
        self.status = status
        self.body = body


class Api:
    """JSON over HTTP with the manager's token, retrying server errors."""

    def __init__(self, settings, sleep=time.sleep):
        self.settings = settings
        self.sleep = sleep

    def github(self, method, path, body=None):
        """Calls the GitHub API (`--api-url` + path) with the token."""
        headers = {
            "Authorization": f"Bearer {self.settings.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        return self.call(method, self.settings.api_url + path, body, headers)

    def control(self, method, path, body=None):
        """Calls ghes-mock's control API (`--mock-url` + path): what a
        runner process would do on its own machine."""
        return self.call(method, self.settings.mock_url + path, body, {})

    def call(self, method, url, body, headers):
        """Returns `(status, parsed JSON or None)`. Retries 5xx answers and
        connection errors with a short exponential backoff (at most
        `--retries` more times); raises `ApiError` on any other error
        status, or on the last failure."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = dict(headers, **{"User-Agent": "runner-manager-example"})
        if data is not None:
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            request = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.settings.timeout) as answer:
                    return answer.status, parse_json(answer.read())
            except urllib.error.HTTPError as error:
                text = error.read().decode("utf-8", "replace")
                if error.code < 500 or attempt >= self.settings.retries:
                    raise ApiError(method, url, error.code, text) from None
                reason = f"{error.code}"
            except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
                if attempt >= self.settings.retries:
                    raise ApiError(method, url, 0, str(error)) from None
                reason = str(getattr(error, "reason", error))
            delay = min(0.1 * 2**attempt, 2.0)
            attempt += 1
            log.info("retry %s %s in %.1fs (%s)", method, url, delay, reason)
            self.sleep(delay)


def parse_json(raw):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def signature_ok(secret, body, header):
    """`X-Hub-Signature-256` is `sha256=` + the hex HMAC-SHA256 of the body."""
    if not header:
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("utf-8", "replace"))


class Manager:
    """Turns `workflow_job` events into runners, on worker threads."""

    def __init__(self, settings, api=None):
        self.settings = settings
        self.api = api or Api(settings)
        self.counters = Counters()
        self.jobs = queue.Queue()
        # Job ids already asked for, so a delivery sent twice makes one runner.
        self._claimed = set()
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        self._workers = []
        self._group_name = None

    # -- lifecycle -----------------------------------------------------------

    def start(self):
        for n in range(self.settings.workers):
            worker = threading.Thread(target=self._work, name=f"worker-{n}", daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self, timeout=10.0):
        """Lets the workers finish the runner they are making, then ends
        them; jobs still waiting in the queue are dropped."""
        dropped = 0
        while True:
            try:
                self.jobs.get_nowait()
                dropped += 1
            except queue.Empty:
                break
        if dropped:
            log.info("stopping: %d queued job(s) left without a runner", dropped)
            with self._lock:
                self._pending -= dropped
                self._idle.notify_all()
        for _ in self._workers:
            self.jobs.put(None)
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))

    def wait_idle(self, timeout):
        """True once every accepted job has been handled (for tests)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    # -- webhooks ------------------------------------------------------------

    def handle(self, event, payload):
        """Returns `(status, message)` to answer a verified delivery with."""
        if event == "ping":
            log.info("ping from hook %s", payload.get("hook_id"))
            return 200, "pong"
        if event != "workflow_job":
            return 200, f"ignored event {event}"
        action = payload.get("action")
        job = payload.get("workflow_job") or {}
        repo = (payload.get("repository") or {}).get("full_name")
        if action == "queued":
            return self._queued(job, payload)
        if action == "in_progress":
            self.counters.add("in_progress_seen")
            log.info("job %s of %s in progress on %s", job.get("id"), repo, job.get("runner_name"))
            return 200, "noted"
        if action == "completed":
            self.counters.add("completed_seen")
            log.info(
                "job %s of %s completed (%s) on %s",
                job.get("id"),
                repo,
                job.get("conclusion"),
                job.get("runner_name"),
            )
            return 200, "noted"
        return 200, f"ignored action {action}"

    def _queued(self, job, payload):
        self.counters.add("queued_seen")
        job_id = job.get("id")
        repository = payload.get("repository") or {}
        owner = (repository.get("owner") or {}).get("login") or ""
        labels = job.get("labels") or []
        if owner.lower() != self.settings.org.lower():
            self.counters.add("skipped_other_owner")
            log.info("job %s: repository of %s, not of %s", job_id, owner, self.settings.org)
            return 200, "not this organization's job"
        # As actions-runner-controller does: every label of the job must be
        # one this manager's runners carry, compared case-insensitively.
        missing = [label for label in labels if str(label).lower() not in self.settings.served]
        if not labels or missing:
            self.counters.add("skipped_labels")
            log.info("job %s: labels %s not served (missing %s)", job_id, labels, missing)
            return 200, "labels not served"
        if not isinstance(job_id, int):
            self.counters.add("errors")
            return 400, "workflow_job.id missing"
        with self._lock:
            if job_id in self._claimed:
                duplicate = True
            else:
                duplicate = False
                self._claimed.add(job_id)
                self._pending += 1
        if duplicate:
            self.counters.add("duplicates")
            log.info("job %s: already seen, no second runner", job_id)
            return 202, "already accepted"
        self.jobs.put(
            {
                "id": job_id,
                "owner": owner,
                "repo": repository.get("name") or "",
                "labels": labels,
            }
        )
        log.info("job %s of %s queued with %s: accepted", job_id, repository.get("full_name"), labels)
        return 202, "accepted"

    # -- making runners ------------------------------------------------------

    def _work(self):
        while True:
            job = self.jobs.get()
            if job is None:
                return
            try:
                self.make_runner_for(job)
            except Exception as error:  # one job's failure must not end the worker
                self.counters.add("errors")
                log.error("job %s: no runner made: %s", job["id"], error)
            finally:
                with self._lock:
                    self._pending -= 1
                    self._idle.notify_all()

    def make_runner_for(self, job):
        if not self.still_waiting(job):
            self.counters.add("skipped_not_queued")
            return
        name = f"{self.settings.name_prefix}{job['id']}"
        if self.settings.mode == "jit":
            runner = self._make_jit_runner(name)
        else:
            runner = self._register_runner(name)
        if runner is not None:
            self.counters.add("runners_made")
            log.info("job %s: runner %s (id %s) started", job["id"], name, runner.get("id"))

    def still_waiting(self, job):
        """Whether the job still wants a runner, asking the API again as
        terraform-aws-github-runner does: webhooks come late and twice.

        A job taken by one of this manager's own runners still counts as
        waiting: that runner was made for another queued job, which now
        needs this one. A 404 (a GHES without the endpoint, or a lagging
        one) counts as waiting too."""
        path = f"/repos/{quote(job['owner'])}/{quote(job['repo'])}/actions/jobs/{job['id']}"
        try:
            _, current = self.api.github("GET", path)
        except ApiError as error:
            if error.status != 404:
                log.warning("job %s: could not check it (%s); making a runner anyway", job["id"], error)
            return True
        current = current or {}
        status = current.get("status")
        if status == "queued":
            return True
        taken_by = current.get("runner_name") or ""
        if taken_by.startswith(self.settings.name_prefix):
            log.info("job %s: %s on our runner %s; its job still needs one", job["id"], status, taken_by)
            return True
        log.info("job %s: %s (runner %s), no runner made", job["id"], status, taken_by or "none")
        return False

    def _make_jit_runner(self, name):
        org = quote(self.settings.org)
        try:
            _, made = self.api.github(
                "POST",
                f"/orgs/{org}/actions/runners/generate-jitconfig",
                {
                    "name": name,
                    "runner_group_id": self.settings.runner_group_id,
                    "labels": self.settings.labels,
                    "work_folder": "_work",
                },
            )
        except ApiError as error:
            if error.status == 409:
                # A runner of that name exists: made before a restart, or by
                # another worker for a duplicate delivery.
                self.counters.add("duplicates")
                log.info("runner %s exists already", name)
                return None
            raise
        runner_id = (made.get("runner") or {}).get("id")
        log.info("runner %s (id %s): JIT configuration made", name, runner_id)
        try:
            _, runner = self.api.control(
                "POST", "/_mock/runners/jit", {"encoded_jit_config": made["encoded_jit_config"]}
            )
        except ApiError:
            # The runner never came up: do not leave it behind, offline.
            self._delete_runner(runner_id, name)
            raise
        return runner or {"id": runner_id}

    def _register_runner(self, name):
        org = quote(self.settings.org)
        _, token = self.api.github("POST", f"/orgs/{org}/actions/runners/registration-token")
        registration = {
            "token": token["token"],
            "name": name,
            "labels": self.settings.labels,
            "ephemeral": True,
        }
        group = self.group_name()
        if group is not None:
            registration["runner_group"] = group
        _, runner = self.api.control("POST", "/_mock/runners", registration)
        return runner

    def group_name(self):
        """config.sh names a runner group, the API numbers it: look the
        name up once. None for the default group."""
        if self.settings.runner_group_id == 1:
            return None
        if self._group_name is None:
            org = quote(self.settings.org)
            _, group = self.api.github(
                "GET", f"/orgs/{org}/actions/runner-groups/{self.settings.runner_group_id}"
            )
            self._group_name = group["name"]
        return self._group_name

    def _delete_runner(self, runner_id, name):
        if runner_id is None:
            return
        try:
            self.api.github("DELETE", f"/orgs/{quote(self.settings.org)}/actions/runners/{runner_id}")
            log.info("runner %s (id %s) deleted", name, runner_id)
        except ApiError as error:
            log.warning("runner %s (id %s) left behind: %s", name, runner_id, error)


def quote(part):
    return urllib.parse.quote(str(part), safe="")


class WebhookHandler(BaseHTTPRequestHandler):
    """POST (any path): a webhook delivery. GET /status: the counters."""

    server_version = "runner-manager-example"
    protocol_version = "HTTP/1.1"

    @property
    def manager(self):
        return self.server.manager

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/status":
            self._answer(200, self.manager.counters.snapshot())
        elif path == "/healthz":
            self._answer(200, {"status": "ok"})
        else:
            self._answer(404, {"message": "Not Found"})

    def do_POST(self):
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._answer(411, {"message": "Content-Length required"})
            return
        if int(length) > MAX_BODY:
            self.close_connection = True
            self._answer(413, {"message": "payload too large"})
            return
        body = self.rfile.read(int(length))
        event = self.headers.get("X-GitHub-Event", "")
        delivery = self.headers.get("X-GitHub-Delivery", "")
        signature = self.headers.get("X-Hub-Signature-256")
        if not signature_ok(self.manager.settings.secret, body, signature):
            self.manager.counters.add("bad_signatures")
            log.warning("delivery %s (%s): bad or missing signature, refused", delivery, event)
            self._answer(401, {"message": "bad signature"})
            return
        payload = self._payload(body)
        if payload is None:
            log.warning("delivery %s (%s): body is not a JSON payload", delivery, event)
            self._answer(400, {"message": "payload is not JSON"})
            return
        try:
            status, message = self.manager.handle(event, payload)
        except Exception as error:
            self.manager.counters.add("errors")
            log.exception("delivery %s (%s): %s", delivery, event, error)
            status, message = 500, "internal error"
        self._answer(status, {"message": message})

    def _payload(self, body):
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            # A `form` hook: the JSON is the `payload` field; the signature
            # covered the whole form body.
            fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            body = (fields.get("payload") or [""])[0].encode("utf-8")
        payload = parse_json(body)
        return payload if isinstance(payload, dict) else None

    def _answer(self, status, document):
        data = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        # One line per action comes from the manager; the access log stays quiet.
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Fifty queued jobs come as a burst of deliveries.
    request_queue_size = 128

    def __init__(self, address, manager):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, WebhookHandler)
        self.manager = manager

    @property
    def url(self):
        host, port = self.server_address[:2]
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}/"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Make one ephemeral runner per queued workflow_job webhook.",
    )
    option = parser.add_argument
    option("--api-url", required=True, metavar="URL",
           help="GitHub API base, e.g. http://127.0.0.1:8080/api/v3")
    option("--mock-url", required=True, metavar="URL",
           help="ghes-mock base, for its control API, e.g. http://127.0.0.1:8080")
    option("--token", metavar="T", default=os.environ.get("GITHUB_TOKEN"),
           help="personal access token, sent as 'Authorization: Bearer' (default $GITHUB_TOKEN)")
    option("--org", required=True,
           help="organization whose jobs are served and whose runners are made")
    option("--secret", metavar="S", default=os.environ.get("WEBHOOK_SECRET"),
           help="the hook's secret; deliveries not signed with it are refused (default $WEBHOOK_SECRET)")
    option("--listen", metavar="HOST:PORT", default="127.0.0.1:0",
           help="where to receive webhooks (default 127.0.0.1:0, a free port)")
    option("--labels", metavar="L1,L2", default="self-hosted,linux",
           help="labels the runners carry; jobs asking for others are left alone (default self-hosted,linux)")
    option("--mode", choices=("jit", "registration"), default="jit",
           help="make runners with a JIT configuration or a registration token (default jit)")
    option("--runner-group-id", metavar="N", type=int, default=1,
           help="runner group of the runners (default 1, the organization's default group)")
    option("--name-prefix", metavar="P", default="mgr-",
           help="runner names are this prefix and the job id (default mgr-)")
    option("--workers", metavar="N", type=int, default=4,
           help="runners made at once (default 4)")
    option("--retries", metavar="N", type=int, default=4,
           help="retries of an API call that fails with 5xx or no answer (default 4)")
    option("--request-timeout", metavar="SECONDS", type=float, default=10.0,
           help="time limit of each API call (default 10)")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token (or $GITHUB_TOKEN) is required")
    if not args.secret:
        parser.error("--secret (or $WEBHOOK_SECRET) is required: unsigned deliveries are not trusted")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if not any(label.strip() for label in args.labels.split(",")):
        parser.error("--labels must name at least one label")
    try:
        int(args.listen.rpartition(":")[2] or 0)
    except ValueError:
        parser.error(f"--listen {args.listen!r} is not host:port")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s runner-manager %(message)s",
    )
    settings = Settings(args)
    manager = Manager(settings)
    server = Server(settings.listen, manager)
    manager.start()

    stopping = threading.Event()

    def on_signal(signum, _frame):
        log.info("signal %s: stopping", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    serving = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    serving.start()
    # The socket listens since Server() returned: say so, once, first.
    print(f"listening on {server.url}", flush=True)
    log.info(
        "%s mode, org %s, labels %s, %d workers",
        settings.mode,
        settings.org,
        ",".join(settings.labels),
        settings.workers,
    )
    while not stopping.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    manager.stop()
    log.info("stopped: %s", json.dumps(manager.counters.snapshot()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
