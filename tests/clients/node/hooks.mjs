// Webhooks and workflow jobs through octokit, as JavaScript runner managers
// meet them (terraform-aws-github-runner checks its deliveries with
// @octokit/webhooks): a Node http server on a loopback port receives real
// deliveries from the mock, through @octokit/webhooks' createNodeMiddleware
// (verifyAndReceive, then the event handlers) on one path and with
// @octokit/webhooks-methods' verify(secret, body, signature) on another;
// the hooks are made and inspected with @octokit/rest's repos.* and orgs.*
// webhook methods, and the runs and jobs read with its actions.* methods.
//
// The server presents GHES 3.22 and is seeded as ghes-3.22.mjs says; the
// token also has admin:org_hook, the second token (noHookToken) has
// admin:org and repo only. No runner of another check is on it.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { Octokit } from "@octokit/rest";
import { Webhooks, createNodeMiddleware } from "@octokit/webhooks";
import { sign, verify } from "@octokit/webhooks-methods";

import { check, control, earlier, requestError } from "./harness.mjs";

const SECRET = "It's a Secret to Everybody";
const org = "octo-org";
const owner = "octo-org";
const repo = "octo-repo";
const LABELS = ["self-hosted", "linux", "node-hooks"];
/** Every wait for a delivery is bounded by this. */
const WAIT_MS = 15_000;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The receiver: `/octokit` is @octokit/webhooks' Node middleware, whose
 * handlers record each event; `/raw/…` keeps the exact bytes and headers
 * and answers 200 when verify(SECRET, body, X-Hub-Signature-256) holds,
 * else 401, as terraform-aws-github-runner does.
 */
async function startReceiver() {
  const webhooks = new Webhooks({ secret: SECRET });
  const events = [];
  const raw = [];
  for (const name of ["ping", "workflow_job"]) {
    webhooks.on(name, ({ id, name, payload }) => {
      events.push({ id, name, payload });
    });
  }
  const middleware = createNodeMiddleware(webhooks, { path: "/octokit", log: quiet });
  const server = createServer(async (request, response) => {
    if (request.url === "/octokit") {
      await middleware(request, response);
      return;
    }
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString("utf8");
    const signature = request.headers["x-hub-signature-256"] ?? "";
    const ok = await verify(SECRET, body, signature).catch(() => false);
    raw.push({ path: request.url, headers: request.headers, body, ok });
    response.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
    response.end(JSON.stringify(ok ? { ok: true } : { message: "bad signature" }));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, events, raw, close: () => server.close() };
}

/** Waits (bounded) until `n` items of `list()` match, and returns them. */
async function waitFor(n, what, list, match) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const got = list().filter(match);
    if (got.length >= n) return got;
    if (Date.now() > deadline) throw new Error(`${what}: ${got.length} of ${n} after ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls `read` (bounded) until `done` holds of its answer. */
async function until(what, read, done) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 400)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function hooks({ api, mock, token, noHookToken }) {
  const octokit = new Octokit({ baseUrl: api, auth: token });
  const receiver = await startReceiver();
  const jobEvents = (action, jobId) => (e) =>
    e.name === "workflow_job" && e.payload.action === action && e.payload.workflow_job.id === jobId;
  const rawOf = (path) => (d) => d.path === path;
  let orgHook;
  let jsonHook;
  let formHook;
  let wrongHook;
  let run;
  let stuck;

  await check("webhooks: orgs.createWebhook (201); its ping passes createNodeMiddleware's verifyAndReceive", async () => {
    const response = await octokit.rest.orgs.createWebhook({
      org,
      name: "web",
      config: { url: `${receiver.url}/octokit`, content_type: "json", secret: SECRET, insecure_ssl: "0" },
      events: ["workflow_job"],
    });
    assert.equal(response.status, 201);
    orgHook = response.data;
    assert.equal(orgHook.type, "Organization");
    assert.deepEqual(orgHook.events, ["workflow_job"]);
    assert.equal(orgHook.config.secret, "********");
    const [ping] = await waitFor(1, "ping", () => receiver.events, (e) => e.name === "ping");
    assert.equal(ping.payload.hook_id, orgHook.id);
    assert.equal(ping.payload.organization.login, org);
    assert.match(ping.id, /^[0-9a-f-]{36}$/);
  });

  await check("webhooks: a token without admin:org_hook: orgs.listWebhooks is a RequestError 403", async () => {
    const other = new Octokit({ baseUrl: api, auth: noHookToken });
    const error = await requestError(other.rest.orgs.listWebhooks({ org }));
    assert.equal(error.status, 403);
  });

  await check("webhooks: repos.createWebhook (json); its ping passes verify(secret, body, signature), not with another secret", async () => {
    const response = await octokit.rest.repos.createWebhook({
      owner,
      repo,
      config: { url: `${receiver.url}/raw/json`, content_type: "json", secret: SECRET },
      events: ["workflow_job"],
    });
    assert.equal(response.status, 201);
    assert.equal(response.headers.location, response.data.url);
    jsonHook = response.data;
    const [ping] = await waitFor(1, "ping", () => receiver.raw, rawOf("/raw/json"));
    assert.equal(ping.ok, true);
    assert.equal(ping.headers["content-type"], "application/json");
    assert.equal(ping.headers["x-github-event"], "ping");
    assert.equal(ping.headers["x-github-hook-id"], String(jsonHook.id));
    assert.equal(ping.headers["x-github-hook-installation-target-type"], "repository");
    assert.equal(await verify(`not-${SECRET}`, ping.body, ping.headers["x-hub-signature-256"]), false);
    assert.equal(await sign(SECRET, ping.body), ping.headers["x-hub-signature-256"]);
    assert.equal(JSON.parse(ping.body).repository.full_name, `${owner}/${repo}`);
  });

  await check("webhooks: a form hook's deliveries are refused by createNodeMiddleware: 415, as GHES records it", async () => {
    const response = await octokit.rest.repos.createWebhook({
      owner,
      repo,
      config: { url: `${receiver.url}/octokit`, content_type: "form", secret: SECRET },
      events: ["workflow_job"],
    });
    formHook = response.data;
    assert.equal(formHook.config.content_type, "form");
    const deliveries = await until(
      "the ping's delivery",
      async () => (await octokit.rest.repos.listWebhookDeliveries({ owner, repo, hook_id: formHook.id })).data,
      (list) => list.length === 1,
    );
    assert.equal(deliveries[0].event, "ping");
    assert.equal(deliveries[0].status_code, 415);
    assert.equal(deliveries[0].status, "Invalid HTTP Response: 415");
  });

  await check("webhooks: a hook with another secret: verify fails and the receiver answers 401", async () => {
    const response = await octokit.rest.repos.createWebhook({
      owner,
      repo,
      config: { url: `${receiver.url}/raw/wrong`, content_type: "json", secret: `not-${SECRET}` },
      events: ["workflow_job"],
    });
    wrongHook = response.data;
    const [ping] = await waitFor(1, "ping", () => receiver.raw, rawOf("/raw/wrong"));
    assert.equal(ping.ok, false);
    assert.equal(await verify(`not-${SECRET}`, ping.body, ping.headers["x-hub-signature-256"]), true);
  });

  await check("jobs: a run of two jobs queued; webhooks.on('workflow_job') gets both queued events", async () => {
    earlier(orgHook, jsonHook);
    run = await control(
      mock,
      "POST",
      "/runs",
      {
        repo: `${owner}/${repo}`,
        workflow_name: "octokit",
        head_branch: "main",
        jobs: [
          { name: "build", labels: LABELS, duration_seconds: 0.3 },
          { name: "test", labels: LABELS, duration_seconds: 0.3 },
        ],
      },
      201,
    );
    assert.equal(run.jobs.length, 2);
    for (const job of run.jobs) {
      const [event] = await waitFor(1, "queued", () => receiver.events, jobEvents("queued", job.id));
      const { workflow_job: got, repository, organization, sender } = event.payload;
      assert.deepEqual(
        [got.status, got.name, got.run_id, got.labels, got.runner_name, got.runner_id],
        ["queued", job.name, run.id, LABELS, null, null],
      );
      assert.equal(repository.full_name, `${owner}/${repo}`);
      assert.equal(organization.login, org);
      assert.ok(sender.login);
      const [raw] = await waitFor(1, "queued", () => receiver.raw, (d) => d.path === "/raw/json" && d.headers["x-github-delivery"] === event.id);
      assert.equal(raw.ok, true);
    }
  });

  await check("jobs: actions.listWorkflowRunsForRepo({status: 'queued'}) and actions.listJobsForWorkflowRun", async () => {
    earlier(run);
    const { data: runs } = await octokit.rest.actions.listWorkflowRunsForRepo({ owner, repo, status: "queued" });
    assert.deepEqual(
      runs.workflow_runs.map((r) => [r.id, r.status, r.name, r.head_branch]),
      [[run.id, "queued", "octokit", "main"]],
    );
    const { data: jobs } = await octokit.rest.actions.listJobsForWorkflowRun({ owner, repo, run_id: run.id });
    assert.equal(jobs.total_count, 2);
    assert.deepEqual(
      jobs.jobs.map((j) => [j.id, j.status, j.labels]),
      run.jobs.map((j) => [j.id, "queued", LABELS]),
    );
  });

  const runners = [];
  await check("jobs: two JIT runners (actions.generateRunnerJitconfigForOrg) take the jobs: in_progress events name them", async () => {
    earlier(run);
    for (const name of ["node-jit-1", "node-jit-2"]) {
      const { data } = await octokit.rest.actions.generateRunnerJitconfigForOrg({
        org,
        name,
        runner_group_id: 1,
        labels: ["self-hosted", "linux", "node-hooks"],
        work_folder: "_work",
      });
      runners.push(data.runner);
      await control(mock, "POST", "/runners/jit", { encoded_jit_config: data.encoded_jit_config }, 200);
    }
    const names = [];
    for (const job of run.jobs) {
      const [event] = await waitFor(1, "in_progress", () => receiver.events, jobEvents("in_progress", job.id));
      const got = event.payload.workflow_job;
      assert.equal(got.status, "in_progress");
      assert.ok(got.started_at);
      names.push(got.runner_name);
      const { data: rest } = await octokit.rest.actions.getJobForWorkflowRun({ owner, repo, job_id: job.id });
      assert.equal(rest.runner_name, got.runner_name);
    }
    assert.deepEqual(names.sort(), ["node-jit-1", "node-jit-2"]);
  });

  await check("jobs: completed events with conclusion success; the run is completed, no runner is left", async () => {
    earlier(run, runners[1]);
    for (const job of run.jobs) {
      const [event] = await waitFor(1, "completed", () => receiver.events, jobEvents("completed", job.id));
      assert.deepEqual(
        [event.payload.workflow_job.status, event.payload.workflow_job.conclusion],
        ["completed", "success"],
      );
    }
    const { data: got } = await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: run.id });
    assert.deepEqual([got.status, got.conclusion], ["completed", "success"]);
    const left = await until(
      "runners left",
      async () => (await octokit.rest.actions.listSelfHostedRunnersForOrg({ org })).data.total_count,
      (n) => n === 0,
    );
    assert.equal(left, 0);
  });

  await check("jobs: a queued job cancelled; the status filter and octokit.paginate over runs", async () => {
    earlier(run);
    stuck = await control(mock, "POST", "/runs", { repo: `${owner}/${repo}`, jobs: [{ labels: ["self-hosted", "node-never"] }] }, 201);
    const ids = async (status) =>
      (await octokit.rest.actions.listWorkflowRunsForRepo({ owner, repo, status })).data.workflow_runs.map((r) => r.id);
    assert.deepEqual(await ids("queued"), [stuck.id]);
    assert.deepEqual(await ids("success"), [run.id]);
    await control(mock, "POST", `/jobs/${stuck.jobs[0].id}/cancel`, undefined, 200);
    const [event] = await waitFor(1, "completed", () => receiver.events, jobEvents("completed", stuck.jobs[0].id));
    assert.deepEqual([event.payload.workflow_job.conclusion, event.payload.workflow_job.runner_name], ["cancelled", null]);
    assert.deepEqual(await ids("cancelled"), [stuck.id]);
    const all = await octokit.paginate(octokit.rest.actions.listWorkflowRunsForRepo, { owner, repo, per_page: 1 });
    assert.deepEqual(all.map((r) => r.id), [stuck.id, run.id]);
    const error = await requestError(octokit.rest.actions.listWorkflowRunsForRepo({ owner, repo, status: "done" }));
    assert.equal(error.status, 422);
  });

  await check("signatures: every /raw/json delivery: verify holds, not with another secret; X-Hub-Signature is its HMAC-SHA1", async () => {
    earlier(jsonHook);
    const mine = receiver.raw.filter(rawOf("/raw/json"));
    assert.equal(mine.length, 9, "a ping and eight workflow_job deliveries");
    for (const d of mine) {
      const signature = d.headers["x-hub-signature-256"];
      assert.equal(await verify(SECRET, d.body, signature), true);
      assert.equal(await verify(`not-${SECRET}`, d.body, signature), false);
      const sha1 = `sha1=${createHmac("sha1", SECRET).update(d.body).digest("hex")}`;
      assert.equal(d.headers["x-hub-signature"], sha1);
      assert.match(d.headers["user-agent"], /^GitHub-Hookshot\//);
      assert.equal(d.headers["x-github-enterprise-version"], "3.22.0");
    }
    const middlewareIds = receiver.events.filter((e) => e.name === "workflow_job").map((e) => e.id).sort();
    const rawIds = mine.filter((d) => d.headers["x-github-event"] === "workflow_job").map((d) => d.headers["x-github-delivery"]).sort();
    assert.deepEqual(rawIds, middlewareIds, "the same GUIDs on both hooks");
  });

  let orgDeliveries;
  await check("webhooks: octokit.paginate walks orgs.listWebhookDeliveries by cursor, newest first", async () => {
    earlier(orgHook);
    const want = receiver.events.length;
    orgDeliveries = await until(
      "every delivery listed",
      () => octokit.paginate(octokit.rest.orgs.listWebhookDeliveries, { org, hook_id: orgHook.id, per_page: 2 }),
      (list) => list.length >= want,
    );
    assert.equal(orgDeliveries.length, want);
    const ids = orgDeliveries.map((d) => d.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    assert.ok(orgDeliveries.every((d) => d.status_code === 200 && d.status === "OK"));
    assert.deepEqual(
      [orgDeliveries.at(-1).event, orgDeliveries[0].event, orgDeliveries[0].action],
      ["ping", "workflow_job", "completed"],
    );
  });

  await check("webhooks: orgs.getWebhookDelivery shows the request sent and the answer", async () => {
    earlier(orgDeliveries);
    const { data } = await octokit.rest.orgs.getWebhookDelivery({ org, hook_id: orgHook.id, delivery_id: orgDeliveries[0].id });
    assert.equal(data.guid, orgDeliveries[0].guid);
    assert.equal(data.request.headers["X-GitHub-Event"], "workflow_job");
    assert.equal(data.request.headers["Content-Type"], "application/json");
    const received = receiver.events.find((e) => e.id === data.guid);
    assert.deepEqual(data.request.payload, received.payload);
    assert.equal(data.response.payload, "ok\n");
  });

  await check("webhooks: orgs.redeliverWebhookDelivery (202): verifyAndReceive gets the same delivery id again", async () => {
    earlier(orgDeliveries);
    const response = await octokit.rest.orgs.redeliverWebhookDelivery({
      org,
      hook_id: orgHook.id,
      delivery_id: orgDeliveries[0].id,
    });
    assert.equal(response.status, 202);
    const again = await waitFor(2, "redelivery", () => receiver.events, (e) => e.id === orgDeliveries[0].guid);
    assert.deepEqual(again[1].payload, again[0].payload);
    const [latest] = await until(
      "the redelivery listed",
      async () => (await octokit.rest.orgs.listWebhookDeliveries({ org, hook_id: orgHook.id, per_page: 1 })).data,
      (list) => list[0]?.redelivery === true,
    );
    assert.equal(latest.guid, orgDeliveries[0].guid);
  });

  await check("webhooks: repos.listWebhookDeliveries, getWebhookDelivery and redeliverWebhookDelivery", async () => {
    earlier(jsonHook);
    const list = await until(
      "its deliveries",
      async () => (await octokit.rest.repos.listWebhookDeliveries({ owner, repo, hook_id: jsonHook.id, per_page: 100 })).data,
      (l) => l.length >= 9,
    );
    assert.equal(list.length, 9);
    const { data: one } = await octokit.rest.repos.getWebhookDelivery({ owner, repo, hook_id: jsonHook.id, delivery_id: list[0].id });
    const raw = receiver.raw.find((d) => d.path === "/raw/json" && d.headers["x-github-delivery"] === one.guid);
    assert.deepEqual(one.request.payload, JSON.parse(raw.body));
    assert.equal(one.request.headers["X-Hub-Signature-256"], raw.headers["x-hub-signature-256"]);
    const response = await octokit.rest.repos.redeliverWebhookDelivery({ owner, repo, hook_id: jsonHook.id, delivery_id: list[0].id });
    assert.equal(response.status, 202);
    const again = await waitFor(2, "redelivery", () => receiver.raw, (d) => d.headers["x-github-delivery"] === one.guid && d.path === "/raw/json");
    assert.equal(again[1].body, again[0].body, "the same bytes");
    assert.equal(again[1].ok, true);
  });

  await check("webhooks: the other secret's hook: every delivery answered 401", async () => {
    earlier(wrongHook);
    const list = await until(
      "its deliveries",
      async () => (await octokit.rest.repos.listWebhookDeliveries({ owner, repo, hook_id: wrongHook.id })).data,
      (l) => l.length >= 9,
    );
    assert.equal(list.length, 9);
    assert.deepEqual([...new Set(list.map((d) => d.status_code))], [401]);
  });

  await check("webhooks: pings (204), testPushWebhook (204), updateWebhook with add_events, and the hook configs", async () => {
    earlier(orgHook, jsonHook);
    assert.equal((await octokit.rest.orgs.pingWebhook({ org, hook_id: orgHook.id })).status, 204);
    await waitFor(2, "second ping", () => receiver.events, (e) => e.name === "ping");
    assert.equal((await octokit.rest.repos.pingWebhook({ owner, repo, hook_id: jsonHook.id })).status, 204);
    await waitFor(2, "second ping", () => receiver.raw, (d) => d.path === "/raw/json" && d.headers["x-github-event"] === "ping");
    assert.equal((await octokit.rest.repos.testPushWebhook({ owner, repo, hook_id: jsonHook.id })).status, 204);
    const { data: updated } = await octokit.rest.repos.updateWebhook({
      owner,
      repo,
      hook_id: jsonHook.id,
      add_events: ["workflow_run"],
    });
    assert.deepEqual(updated.events, ["workflow_job", "workflow_run"]);
    const { data: config } = await octokit.rest.repos.getWebhookConfigForRepo({ owner, repo, hook_id: jsonHook.id });
    assert.deepEqual(config, { content_type: "json", insecure_ssl: "0", url: `${receiver.url}/raw/json`, secret: "********" });
    const { data: orgConfig } = await octokit.rest.orgs.updateWebhookConfigForOrg({ org, hook_id: orgHook.id, insecure_ssl: "1" });
    assert.equal(orgConfig.insecure_ssl, "1");
    const { data: hooks } = await octokit.rest.repos.listWebhooks({ owner, repo });
    assert.deepEqual(hooks.map((h) => h.id), [jsonHook.id, formHook.id, wrongHook.id]);
  });

  await check("webhooks: deleteWebhook (204), then getWebhook is a RequestError 404", async () => {
    earlier(orgHook, jsonHook, formHook, wrongHook);
    assert.equal((await octokit.rest.orgs.deleteWebhook({ org, hook_id: orgHook.id })).status, 204);
    for (const hook of [jsonHook, formHook, wrongHook]) {
      assert.equal((await octokit.rest.repos.deleteWebhook({ owner, repo, hook_id: hook.id })).status, 204);
    }
    const error = await requestError(octokit.rest.repos.getWebhook({ owner, repo, hook_id: jsonHook.id }));
    assert.equal(error.status, 404);
    const orgError = await requestError(octokit.rest.orgs.getWebhook({ org, hook_id: orgHook.id }));
    assert.equal(orgError.status, 404);
    assert.equal(orgError.response.data.message, "Not Found");
    assert.deepEqual((await octokit.rest.orgs.listWebhooks({ org })).data, []);
  });

  receiver.close();
}
