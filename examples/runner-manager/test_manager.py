"""Self-test of the example runner manager against a fake GHES.

    python3 -m unittest discover -s examples/runner-manager

Standard library only. The fake answers the few calls the manager makes and
records them; deliveries are signed here as GitHub signs them.
"""

import base64
import hashlib
import hmac
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import unittest
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import manager  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = "It's a Secret to Everybody"
TOKEN = "ghp_notarealtoken0000000000000000000000"
WAIT = 10  # seconds; every wait in these tests is bounded
POLL = 0.02  # how soon a test server notices it must stop

# The manager logs one line per action; set TEST_LOG=1 to see them.
if not os.environ.get("TEST_LOG"):
    manager.log.addHandler(logging.NullHandler())
    manager.log.propagate = False


class FakeGhes:
    """Answers what the manager calls, GitHub-shaped, and records each call
    as `(method, path, json body, Authorization)`."""

    def __init__(self):
        self.calls = []
        # job id -> the job as `GET /repos/{o}/{r}/actions/jobs/{id}` shows
        # it; absent ids answer 404.
        self.jobs = {}
        # (method, path) -> statuses to answer first, one per call.
        self.failures = {}
        self.lock = threading.Lock()
        self.next_id = 1
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.serve(self)

            def do_POST(self):
                fake.serve(self)

            def do_DELETE(self):
                fake.serve(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(POLL,), daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def paths(self, method=None):
        with self.lock:
            return [path for (m, path, _, _) in self.calls if method in (None, m)]

    def serve(self, request):
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        path = urllib.parse.urlsplit(request.path).path
        with self.lock:
            self.calls.append((request.command, path, body, request.headers.get("Authorization")))
            queued = self.failures.get((request.command, path))
            failure = queued.pop(0) if queued else None
        if failure:
            return self.answer(request, failure, {"message": "Server Error"})
        status, document = self.route(request.command, path, body)
        self.answer(request, status, document)

    def route(self, method, path, body):
        parts = path.strip("/").split("/")
        if method == "GET" and path.startswith("/api/v3/repos/") and "/actions/jobs/" in path:
            job = self.jobs.get(int(parts[-1]))
            return (200, job) if job else (404, {"message": "Not Found"})
        if method == "POST" and path.endswith("/actions/runners/generate-jitconfig"):
            runner = self.runner(body["name"], body["labels"])
            config = base64.b64encode(json.dumps({"runner": runner["id"]}).encode()).decode()
            return 201, {"runner": runner, "encoded_jit_config": config}
        if method == "POST" and path.endswith("/actions/runners/registration-token"):
            return 201, {"token": "A" * 29, "expires_at": "2030-01-01T00:00:00.000+00:00"}
        if method == "GET" and "/actions/runner-groups/" in path:
            return 200, {"id": int(parts[-1]), "name": "big-machines"}
        if method == "DELETE" and "/actions/runners/" in path:
            return 204, None
        if method == "POST" and path == "/_mock/runners/jit":
            runner_id = json.loads(base64.b64decode(body["encoded_jit_config"]))["runner"]
            return 200, {"id": runner_id, "status": "online"}
        if method == "POST" and path == "/_mock/runners":
            return 201, self.runner(body["name"], body["labels"])
        return 404, {"message": "Not Found"}

    def runner(self, name, labels):
        with self.lock:
            runner_id, self.next_id = self.next_id, self.next_id + 1
        return {"id": runner_id, "name": name, "status": "offline", "labels": labels}

    @staticmethod
    def answer(request, status, document):
        data = b"" if document is None else json.dumps(document).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)


def sign(body, secret=SECRET):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def workflow_job(action, job_id=42, labels=("self-hosted", "linux"), owner="octo-org", **job):
    return {
        "action": action,
        "workflow_job": dict(
            {
                "id": job_id,
                "run_id": 7,
                "labels": list(labels),
                "status": action,
                "conclusion": None,
                "runner_id": None,
                "runner_name": None,
            },
            **job,
        ),
        "repository": {"full_name": f"{owner}/hello", "name": "hello", "owner": {"login": owner}},
        "organization": {"login": owner},
        "sender": {"login": "octocat"},
    }


class ManagerTestCase(unittest.TestCase):
    mode = "jit"
    extra_args = ()

    def setUp(self):
        self.ghes = FakeGhes()
        self.addCleanup(self.ghes.close)
        args = manager.parse_args(
            [
                "--api-url", self.ghes.url + "/api/v3/",
                "--mock-url", self.ghes.url,
                "--token", TOKEN,
                "--org", "Octo-Org",
                "--secret", SECRET,
                "--mode", self.mode,
                "--workers", "2",
                *self.extra_args,
            ]
        )
        settings = manager.Settings(args)
        self.manager = manager.Manager(settings, api=manager.Api(settings, sleep=lambda _: None))
        self.manager.start()
        self.addCleanup(self.manager.stop)
        self.server = manager.Server(("127.0.0.1", 0), self.manager)
        threading.Thread(target=self.server.serve_forever, args=(POLL,), daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def deliver(self, event, payload, signature=True, form=False):
        """POSTs a delivery as GitHub does; returns (status, JSON answer)."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            "X-GitHub-Hook-ID": "1",
            "Content-Type": "application/json",
        }
        if form:
            body = urllib.parse.urlencode({"payload": body.decode()}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if signature is True:
            headers["X-Hub-Signature-256"] = sign(body)
        elif signature:
            headers["X-Hub-Signature-256"] = signature
        request = urllib.request.Request(self.server.url + "hook", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=WAIT) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def status(self):
        with urllib.request.urlopen(self.server.url + "status", timeout=WAIT) as answer:
            return json.loads(answer.read())

    def settle(self):
        self.assertTrue(self.manager.wait_idle(WAIT), "the manager did not finish its jobs")


class Signatures(ManagerTestCase):
    def test_a_bad_signature_is_401_and_nothing_is_called(self):
        status, _ = self.deliver("workflow_job", workflow_job("queued"), signature=sign(b"other body"))
        self.assertEqual(status, 401)
        self.assertEqual(self.ghes.calls, [])

    def test_a_signature_with_another_secret_is_401(self):
        body = json.dumps(workflow_job("queued")).encode()
        status, _ = self.deliver("workflow_job", workflow_job("queued"), signature=sign(body, "nope"))
        self.assertEqual(status, 401)

    def test_a_missing_signature_is_401(self):
        status, _ = self.deliver("workflow_job", workflow_job("queued"), signature=None)
        self.assertEqual(status, 401)
        self.assertEqual(self.status()["bad_signatures"], 1)
        self.assertEqual(self.status()["queued_seen"], 0)

    def test_a_signature_that_is_not_hex_is_401(self):
        status, _ = self.deliver("ping", {"zen": "z"}, signature="sha256=é")
        self.assertEqual(status, 401)

    def test_a_signed_ping_is_200(self):
        status, answer = self.deliver("ping", {"zen": "Favor focus over features.", "hook_id": 1})
        self.assertEqual((status, answer["message"]), (200, "pong"))

    def test_another_event_is_200_and_ignored(self):
        status, _ = self.deliver("push", {"ref": "refs/heads/main"})
        self.assertEqual(status, 200)
        self.assertEqual(self.ghes.calls, [])

    def test_github_test_vector(self):
        expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        self.assertTrue(manager.signature_ok(SECRET.encode(), b"Hello, World!", expected))


class QueuedJobsJit(ManagerTestCase):
    def test_a_matching_job_is_202_and_gets_one_jit_runner(self):
        status, _ = self.deliver("workflow_job", workflow_job("queued", job_id=42))
        self.assertEqual(status, 202)
        self.settle()

        self.assertEqual(
            self.ghes.paths(),
            [
                "/api/v3/repos/octo-org/hello/actions/jobs/42",
                "/api/v3/orgs/Octo-Org/actions/runners/generate-jitconfig",
                "/_mock/runners/jit",
            ],
        )
        _, _, jit, auth = self.ghes.calls[1]
        self.assertEqual(
            jit,
            {"name": "mgr-42", "runner_group_id": 1, "labels": ["self-hosted", "linux"], "work_folder": "_work"},
        )
        self.assertEqual(auth, "Bearer " + TOKEN)
        _, _, start, control_auth = self.ghes.calls[2]
        self.assertEqual(set(start), {"encoded_jit_config"})
        self.assertIsNone(control_auth, "the token is for the GitHub API only")
        counters = self.status()
        self.assertEqual((counters["queued_seen"], counters["runners_made"], counters["errors"]), (1, 1, 0))

    def test_labels_match_case_insensitively(self):
        status, _ = self.deliver("workflow_job", workflow_job("queued", labels=["Self-Hosted", "LINUX"]))
        self.assertEqual(status, 202)
        self.settle()
        self.assertEqual(self.status()["runners_made"], 1)

    def test_a_job_asking_for_a_label_not_served_is_left_alone(self):
        status, _ = self.deliver("workflow_job", workflow_job("queued", labels=["self-hosted", "linux", "gpu"]))
        self.assertEqual(status, 200)
        self.settle()
        self.assertEqual(self.ghes.calls, [])
        self.assertEqual(self.status()["skipped_labels"], 1)

    def test_a_job_without_labels_is_left_alone(self):
        status, _ = self.deliver("workflow_job", workflow_job("queued", labels=[]))
        self.assertEqual(status, 200)
        self.assertEqual(self.ghes.calls, [])

    def test_a_job_of_another_organization_is_left_alone(self):
        status, _ = self.deliver("workflow_job", workflow_job("queued", owner="someone-else"))
        self.assertEqual(status, 200)
        self.assertEqual(self.ghes.calls, [])
        self.assertEqual(self.status()["skipped_other_owner"], 1)

    def test_a_job_no_longer_queued_gets_no_runner(self):
        self.ghes.jobs[42] = {"id": 42, "status": "in_progress", "runner_name": "static-1"}
        status, _ = self.deliver("workflow_job", workflow_job("queued", job_id=42))
        self.assertEqual(status, 202)
        self.settle()
        self.assertEqual(self.ghes.paths(), ["/api/v3/repos/octo-org/hello/actions/jobs/42"])
        counters = self.status()
        self.assertEqual((counters["skipped_not_queued"], counters["runners_made"]), (1, 0))

    def test_a_job_cancelled_while_queued_gets_no_runner(self):
        self.ghes.jobs[42] = {"id": 42, "status": "completed", "conclusion": "cancelled", "runner_name": None}
        self.deliver("workflow_job", workflow_job("queued", job_id=42))
        self.settle()
        self.assertEqual(self.status()["skipped_not_queued"], 1)

    def test_a_job_still_queued_gets_its_runner(self):
        self.ghes.jobs[42] = {"id": 42, "status": "queued", "runner_name": None}
        self.deliver("workflow_job", workflow_job("queued", job_id=42))
        self.settle()
        self.assertEqual(self.status()["runners_made"], 1)

    def test_a_job_taken_by_a_runner_made_for_another_job_still_gets_one(self):
        # mgr-41 was made for job 41 but took 42 first: 41 now needs mgr-42.
        self.ghes.jobs[42] = {"id": 42, "status": "in_progress", "runner_name": "mgr-41"}
        self.deliver("workflow_job", workflow_job("queued", job_id=42))
        self.settle()
        self.assertIn("/_mock/runners/jit", self.ghes.paths())
        self.assertEqual(self.status()["runners_made"], 1)

    def test_the_same_job_delivered_twice_gets_one_runner(self):
        first, _ = self.deliver("workflow_job", workflow_job("queued", job_id=42))
        second, _ = self.deliver("workflow_job", workflow_job("queued", job_id=42))
        self.assertEqual((first, second), (202, 202))
        self.settle()
        self.assertEqual(self.ghes.paths("POST").count("/_mock/runners/jit"), 1)
        self.assertEqual(self.status()["duplicates"], 1)

    def test_server_errors_are_retried(self):
        path = "/api/v3/orgs/Octo-Org/actions/runners/generate-jitconfig"
        self.ghes.failures[("POST", path)] = [502, 503]
        self.deliver("workflow_job", workflow_job("queued"))
        self.settle()
        self.assertEqual(self.ghes.paths("POST").count(path), 3)
        counters = self.status()
        self.assertEqual((counters["runners_made"], counters["errors"]), (1, 0))

    def test_a_call_failing_past_its_retries_is_an_error(self):
        path = "/api/v3/orgs/Octo-Org/actions/runners/generate-jitconfig"
        self.ghes.failures[("POST", path)] = [500] * 10
        self.deliver("workflow_job", workflow_job("queued"))
        self.settle()
        self.assertEqual(self.ghes.paths("POST").count(path), 5, "one call and four retries")
        counters = self.status()
        self.assertEqual((counters["runners_made"], counters["errors"]), (0, 1))

    def test_a_client_error_is_not_retried(self):
        path = "/api/v3/orgs/Octo-Org/actions/runners/generate-jitconfig"
        self.ghes.failures[("POST", path)] = [422]
        self.deliver("workflow_job", workflow_job("queued"))
        self.settle()
        self.assertEqual(self.ghes.paths("POST").count(path), 1)
        self.assertEqual(self.status()["errors"], 1)

    def test_a_runner_that_cannot_start_is_deleted(self):
        self.ghes.failures[("POST", "/_mock/runners/jit")] = [409]
        self.deliver("workflow_job", workflow_job("queued"))
        self.settle()
        self.assertEqual(self.ghes.paths("DELETE"), ["/api/v3/orgs/Octo-Org/actions/runners/1"])
        self.assertEqual(self.status()["errors"], 1)

    def test_a_form_delivery_is_read_from_its_payload_field(self):
        status, _ = self.deliver("workflow_job", workflow_job("queued"), form=True)
        self.assertEqual(status, 202)
        self.settle()
        self.assertEqual(self.status()["runners_made"], 1)

    def test_in_progress_and_completed_are_counted_and_call_nothing(self):
        self.deliver("workflow_job", workflow_job("in_progress", runner_id=3, runner_name="mgr-42"))
        self.deliver(
            "workflow_job",
            workflow_job("completed", runner_id=3, runner_name="mgr-42", conclusion="success"),
        )
        self.assertEqual(self.ghes.calls, [])
        counters = self.status()
        self.assertEqual((counters["in_progress_seen"], counters["completed_seen"]), (1, 1))

    def test_status_has_the_counters_a_test_reads(self):
        counters = self.status()
        for name in ("queued_seen", "runners_made", "completed_seen", "errors"):
            self.assertEqual(counters[name], 0, name)

    def test_many_jobs_at_once_each_get_a_runner(self):
        for job_id in range(1, 31):
            self.deliver("workflow_job", workflow_job("queued", job_id=job_id))
        self.settle()
        started = self.ghes.paths("POST").count("/_mock/runners/jit")
        self.assertEqual((started, self.status()["runners_made"]), (30, 30))


class QueuedJobsRegistration(ManagerTestCase):
    mode = "registration"

    def test_a_matching_job_gets_an_ephemeral_registered_runner(self):
        status, _ = self.deliver("workflow_job", workflow_job("queued", job_id=7))
        self.assertEqual(status, 202)
        self.settle()
        self.assertEqual(
            self.ghes.paths(),
            [
                "/api/v3/repos/octo-org/hello/actions/jobs/7",
                "/api/v3/orgs/Octo-Org/actions/runners/registration-token",
                "/_mock/runners",
            ],
        )
        _, _, registration, _ = self.ghes.calls[2]
        self.assertEqual(
            registration,
            {"token": "A" * 29, "name": "mgr-7", "labels": ["self-hosted", "linux"], "ephemeral": True},
        )
        self.assertEqual(self.status()["runners_made"], 1)


class QueuedJobsRegistrationInAGroup(ManagerTestCase):
    mode = "registration"
    extra_args = ("--runner-group-id", "4")

    def test_the_runner_joins_the_group_by_its_name(self):
        self.deliver("workflow_job", workflow_job("queued", job_id=7))
        self.settle()
        self.assertIn("/api/v3/orgs/Octo-Org/actions/runner-groups/4", self.ghes.paths("GET"))
        _, _, registration, _ = self.ghes.calls[-1]
        self.assertEqual(registration["runner_group"], "big-machines")


class CommandLine(unittest.TestCase):
    def run_manager(self, *args):
        process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "manager.py"), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(lambda: process.poll() is None and process.kill())
        return process

    def test_it_prints_its_url_first_and_stops_cleanly_on_sigterm(self):
        ghes = FakeGhes()
        self.addCleanup(ghes.close)
        process = self.run_manager(
            "--api-url", ghes.url + "/api/v3",
            "--mock-url", ghes.url,
            "--token", TOKEN,
            "--org", "octo-org",
            "--secret", SECRET,
        )
        line = process.stdout.readline().strip()
        self.assertRegex(line, r"^listening on http://127\.0\.0\.1:\d+/$")
        url = line.split(" ")[-1]
        with urllib.request.urlopen(url + "status", timeout=WAIT) as answer:
            self.assertEqual(json.loads(answer.read())["runners_made"], 0)

        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=WAIT)
        self.assertEqual(process.returncode, 0, stderr)
        self.assertIn("stopping", stderr)
        self.assertNotIn(TOKEN, stderr)
        self.assertNotIn(SECRET, stderr)

    def test_it_refuses_to_start_without_a_secret(self):
        env = {k: v for k, v in os.environ.items() if k != "WEBHOOK_SECRET"}
        process = subprocess.run(
            [
                sys.executable, os.path.join(HERE, "manager.py"),
                "--api-url", "http://127.0.0.1:1/api/v3",
                "--mock-url", "http://127.0.0.1:1",
                "--token", TOKEN,
                "--org", "o",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=WAIT,
        )
        self.assertEqual(process.returncode, 2)
        self.assertIn("--secret", process.stderr)
        self.assertEqual(process.stdout, "")


if __name__ == "__main__":
    unittest.main()
