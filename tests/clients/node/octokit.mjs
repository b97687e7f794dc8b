// Drives ghes-mock with @octokit/rest the way runner tooling does: every
// self-hosted runner method for organizations and repositories,
// octokit.request for the enterprise routes, octokit.paginate, and the errors
// octokit raises; then, against a second server presenting GHES 3.22, runner
// groups, runner labels, just-in-time runners, the name filter and the runner
// fields of 3.22 (ghes-3.22.mjs); against a fourth, a GitHub App
// signing in through @octokit/auth-app (apps.mjs); and against a fifth,
// signed webhook deliveries received and checked with @octokit/webhooks,
// the hooks, runs and jobs (hooks.mjs).
//
// Input (environment):
//   GHES_API_URL       http://127.0.0.1:PORT/api/v3 of a server in strict mode
//   GHES_MOCK_URL      http://127.0.0.1:PORT, for the control API
//   GHES_TOKEN         a token with admin:enterprise, admin:org and repo
//   GHES_TLS_API_URL   https://127.0.0.1:PORT/api/v3 of a second server, whose
//                      certificate NODE_EXTRA_CA_CERTS names
//   GHES_322_API_URL   http://127.0.0.1:PORT/api/v3 of a third server, in
//                      strict mode, presenting GHES 3.22 and seeded as
//                      ghes-3.22.mjs says
//   GHES_322_MOCK_URL  http://127.0.0.1:PORT of that server
//   GHES_APPS_API_URL  http://127.0.0.1:PORT/api/v3 of a fourth server,
//                      presenting GHES 3.22 and hosting the App apps.mjs
//                      describes
//   GHES_APPS_MOCK_URL http://127.0.0.1:PORT of that server
//   GHES_APP_ID, GHES_APP_SLUG, GHES_APP_CLIENT_ID, GHES_APP_PRIVATE_KEY
//                      the App: its id, slug, client id and private key (PEM)
//   GHES_APP_ORG_INSTALLATION, GHES_APP_SHOP_INSTALLATION,
//   GHES_APP_USER_INSTALLATION
//                      the ids of its installations on octo-org, octo-shop
//                      and monalisa
//   GHES_HOOKS_API_URL http://127.0.0.1:PORT/api/v3 of a fifth server, for
//                      the webhook and job checks (hooks.mjs): GHES 3.22,
//                      seeded as the third, GHES_TOKEN with admin:org_hook
//   GHES_HOOKS_MOCK_URL http://127.0.0.1:PORT of that server
//   GHES_NO_HOOK_TOKEN a token there without admin:org_hook
// Output: one line per check, then "N passed, M failed"; exit 1 on a failure.

import assert from "node:assert/strict";
import { Octokit } from "@octokit/rest";

import { apps } from "./apps.mjs";
import { ghes322 } from "./ghes-3.22.mjs";
import { hooks } from "./hooks.mjs";
import { assertRequestError, check, control, counts, requestError, required } from "./harness.mjs";

const API = required("GHES_API_URL");
const MOCK = required("GHES_MOCK_URL");
const TOKEN = required("GHES_TOKEN");
const TLS_API = required("GHES_TLS_API_URL");
const API_322 = required("GHES_322_API_URL");
const MOCK_322 = required("GHES_322_MOCK_URL");
const DOCS = "https://docs.github.com/enterprise-server@3.1/rest";

/** Registers a runner through the control API, as ./config.sh would. */
async function registerRunner(token, name, extra = {}) {
  return control(MOCK, "POST", "/runners", { token, name, ...extra }, 201);
}

async function setBusy(runnerId, busy) {
  await control(MOCK, "PATCH", `/runners/${runnerId}`, { busy }, 200);
}

function assertToken(response) {
  assert.equal(response.status, 201);
  assert.match(response.data.token, /^[A-Z0-9]{29}$/);
  const expiresIn = Date.parse(response.data.expires_at) - Date.now();
  assert.ok(expiresIn > 3500_000 && expiresIn <= 3600_000, response.data.expires_at);
}

const octokit = new Octokit({ baseUrl: API, auth: TOKEN });

// The three scopes, each as a tool would call it: octokit's own methods for
// organizations and repositories, octokit.request for the enterprise (octokit
// has no methods for GHES's enterprise runner routes).
const enterprisePath = "/enterprises/{enterprise}/actions/runners";
const enterprise = { enterprise: "octo-enterprise" };
const scopes = [
  {
    name: "enterprise",
    docs: `${DOCS}/reference/enterprise-admin`,
    target: "an-enterprise",
    deleteAnchor: "delete-self-hosted-runner-from-an-enterprise",
    list: (p) => octokit.request(`GET ${enterprisePath}`, { ...enterprise, ...p }),
    downloads: () => octokit.request(`GET ${enterprisePath}/downloads`, enterprise),
    registrationToken: () => octokit.request(`POST ${enterprisePath}/registration-token`, enterprise),
    removeToken: () => octokit.request(`POST ${enterprisePath}/remove-token`, enterprise),
    get: (runner_id) => octokit.request(`GET ${enterprisePath}/{runner_id}`, { ...enterprise, runner_id }),
    delete: (runner_id) =>
      octokit.request(`DELETE ${enterprisePath}/{runner_id}`, { ...enterprise, runner_id }),
    paginate: (p) => octokit.paginate(`GET ${enterprisePath}`, { ...enterprise, ...p }),
  },
  {
    name: "organization",
    docs: `${DOCS}/reference/actions`,
    target: "an-organization",
    deleteAnchor: "delete-a-self-hosted-runner-from-an-organization",
    list: (p) => octokit.rest.actions.listSelfHostedRunnersForOrg({ org: "octo-org", ...p }),
    downloads: () => octokit.rest.actions.listRunnerApplicationsForOrg({ org: "octo-org" }),
    registrationToken: () => octokit.rest.actions.createRegistrationTokenForOrg({ org: "octo-org" }),
    removeToken: () => octokit.rest.actions.createRemoveTokenForOrg({ org: "octo-org" }),
    get: (runner_id) => octokit.rest.actions.getSelfHostedRunnerForOrg({ org: "octo-org", runner_id }),
    delete: (runner_id) =>
      octokit.rest.actions.deleteSelfHostedRunnerFromOrg({ org: "octo-org", runner_id }),
    paginate: (p) =>
      octokit.paginate(octokit.rest.actions.listSelfHostedRunnersForOrg, { org: "octo-org", ...p }),
  },
  {
    name: "repository",
    docs: `${DOCS}/reference/actions`,
    target: "a-repository",
    deleteAnchor: "delete-a-self-hosted-runner-from-a-repository",
    list: (p) =>
      octokit.rest.actions.listSelfHostedRunnersForRepo({ owner: "octo-org", repo: "octo-repo", ...p }),
    downloads: () =>
      octokit.rest.actions.listRunnerApplicationsForRepo({ owner: "octo-org", repo: "octo-repo" }),
    registrationToken: () =>
      octokit.rest.actions.createRegistrationTokenForRepo({ owner: "octo-org", repo: "octo-repo" }),
    removeToken: () =>
      octokit.rest.actions.createRemoveTokenForRepo({ owner: "octo-org", repo: "octo-repo" }),
    get: (runner_id) =>
      octokit.rest.actions.getSelfHostedRunnerForRepo({ owner: "octo-org", repo: "octo-repo", runner_id }),
    delete: (runner_id) =>
      octokit.rest.actions.deleteSelfHostedRunnerFromRepo({
        owner: "octo-org",
        repo: "octo-repo",
        runner_id,
      }),
    paginate: (p) =>
      octokit.paginate(octokit.rest.actions.listSelfHostedRunnersForRepo, {
        owner: "octo-org",
        repo: "octo-repo",
        ...p,
      }),
  },
];

for (const scope of scopes) {
  const s = scope.name;
  let registrationToken;
  let runner;

  await check(`${s}: create a registration token`, async () => {
    const response = await scope.registrationToken();
    assertToken(response);
    registrationToken = response.data.token;
  });

  await check(`${s}: a runner registers with it through the control API`, async () => {
    runner = await registerRunner(registrationToken, `${s}-runner`, { labels: ["gpu"] });
    assert.equal(runner.name, `${s}-runner`);
  });

  await check(`${s}: list the runners`, async () => {
    const response = await scope.list();
    assert.equal(response.status, 200);
    assert.equal(response.data.total_count, 1);
    assert.deepEqual(
      response.data.runners.map((r) => r.name),
      [`${s}-runner`],
    );
    assert.deepEqual(
      response.data.runners[0].labels.map((l) => [l.name, l.type]),
      [
        ["self-hosted", "read-only"],
        ["X64", "read-only"],
        ["Linux", "read-only"],
        ["gpu", "custom"],
      ],
    );
  });

  await check(`${s}: get the runner`, async () => {
    const response = await scope.get(runner.id);
    assert.equal(response.status, 200);
    assert.deepEqual(response.data, runner);
    assert.equal(response.headers["x-github-enterprise-version"], "3.1.0");
  });

  await check(`${s}: list the runner applications`, async () => {
    const response = await scope.downloads();
    assert.equal(response.status, 200);
    const builds = response.data.map((d) => `${d.os}-${d.architecture}`).sort();
    assert.deepEqual(builds, ["linux-arm", "linux-arm64", "linux-x64", "osx-arm64", "osx-x64", "win-arm64", "win-x64"]);
    for (const d of response.data) assert.match(d.download_url, /^https:\/\/.*\.(tar\.gz|zip)$/);
  });

  await check(`${s}: create a remove token`, async () => {
    assertToken(await scope.removeToken());
  });

  await check(`${s}: delete the runner (204)`, async () => {
    const response = await scope.delete(runner.id);
    assert.equal(response.status, 204);
  });

  await check(`${s}: the deleted runner is a RequestError 404`, async () => {
    const error = await requestError(scope.get(runner.id));
    assertRequestError(error, 404, `Not Found - ${scope.docs}#get-a-self-hosted-runner-for-${scope.target}`);
    assert.equal(error.response.data.message, "Not Found");
  });

  await check(`${s}: deleting a busy runner is a RequestError 422 and keeps it`, async () => {
    const token = (await scope.registrationToken()).data.token;
    const busy = await registerRunner(token, `${s}-busy`);
    await setBusy(busy.id, true);
    const error = await requestError(scope.delete(busy.id));
    assertRequestError(
      error,
      422,
      `Bad request - Runner "${s}-busy" is still running a job - ${scope.docs}#${scope.deleteAnchor}`,
    );
    assert.equal((await scope.get(busy.id)).data.busy, true);
    await setBusy(busy.id, false);
    assert.equal((await scope.delete(busy.id)).status, 204);
  });

  await check(`${s}: octokit.paginate walks three pages of the Link header`, async () => {
    const token = (await scope.registrationToken()).data.token;
    const names = [];
    for (let i = 0; i < 7; i++) {
      names.push((await registerRunner(token, `${s}-page-${i}`)).name);
    }
    const seen = [];
    const hook = (options) => seen.push(options.url);
    octokit.hook.before("request", hook);
    let runners;
    try {
      runners = await scope.paginate({ per_page: 3 });
    } finally {
      octokit.hook.remove("request", hook);
    }
    assert.deepEqual(
      runners.map((r) => r.name),
      names,
    );
    assert.equal(seen.length, 3, seen.join("\n"));
    assert.match(seen[2], /[?&]page=3\b/);
  });
}

await check("pagination: page 2 of 3 has next, last, first and prev links", async () => {
  const response = await octokit.rest.actions.listSelfHostedRunnersForOrg({
    org: "octo-org",
    per_page: 3,
    page: 2,
  });
  const url = (page) =>
    `${API}/orgs/octo-org/actions/runners?per_page=3&page=${page}`;
  assert.equal(response.data.total_count, 7);
  assert.equal(
    response.headers.link,
    `<${url(3)}>; rel="next", <${url(3)}>; rel="last", <${url(1)}>; rel="first", <${url(1)}>; rel="prev"`,
  );
});

await check("errors: a wrong token is a RequestError 401 Bad credentials", async () => {
  const stranger = new Octokit({ baseUrl: API, auth: "not-a-known-token" });
  const error = await requestError(stranger.rest.actions.listSelfHostedRunnersForOrg({ org: "octo-org" }));
  assertRequestError(error, 401, `Bad credentials - ${DOCS}`);
});

await check("errors: no token is a RequestError 401 Requires authentication", async () => {
  const anonymous = new Octokit({ baseUrl: API });
  const error = await requestError(anonymous.rest.actions.createRegistrationTokenForRepo({ owner: "octo-org", repo: "octo-repo" }));
  assertRequestError(
    error,
    401,
    `Requires authentication - ${DOCS}/reference/actions#create-a-registration-token-for-a-repository`,
  );
});

await check("errors: a runner id such as abc is a RequestError 404", async () => {
  const error = await requestError(
    octokit.rest.actions.getSelfHostedRunnerForOrg({ org: "octo-org", runner_id: "abc" }),
  );
  assert.equal(error.status, 404);
});

await check("errors: another organization's runner is a RequestError 404", async () => {
  const token = (await octokit.rest.actions.createRegistrationTokenForOrg({ org: "octo-org" })).data.token;
  const runner = await registerRunner(token, "isolated");
  const error = await requestError(
    octokit.rest.actions.getSelfHostedRunnerForOrg({ org: "other-org", runner_id: runner.id }),
  );
  assertRequestError(error, 404, `Not Found - ${DOCS}/reference/actions#get-a-self-hosted-runner-for-an-organization`);
});

await check("meta: octokit.request reads installed_version", async () => {
  const response = await octokit.request("GET /meta");
  assert.equal(response.data.installed_version, "3.1.0");
  assert.equal(response.data.verifiable_password_authentication, true);
});

// The README's example, as written there, against a server with TLS whose
// certificate Node trusts through NODE_EXTRA_CA_CERTS.
await check("readme: octokit over https with NODE_EXTRA_CA_CERTS", async () => {
  const octokit = new Octokit({
    baseUrl: TLS_API,
    auth: TOKEN,
  });
  const { data } = await octokit.rest.actions.listSelfHostedRunnersForOrg({ org: "octo-org" });
  assert.deepEqual([data.total_count, data.runners.map((runner) => runner.name)], [0, []]);

  const { data: token } = await octokit.request(
    "POST /enterprises/{enterprise}/actions/runners/registration-token",
    { enterprise: "octo-enterprise" },
  );
  assert.match(token.token, /^[A-Z0-9]{29}$/);
});

await ghes322({ api: API_322, mock: MOCK_322, token: TOKEN });

await apps({
  api: required("GHES_APPS_API_URL"),
  mock: required("GHES_APPS_MOCK_URL"),
  app: {
    appId: Number(required("GHES_APP_ID")),
    slug: required("GHES_APP_SLUG"),
    clientId: required("GHES_APP_CLIENT_ID"),
    privateKey: required("GHES_APP_PRIVATE_KEY"),
  },
  installations: {
    org: Number(required("GHES_APP_ORG_INSTALLATION")),
    shop: Number(required("GHES_APP_SHOP_INSTALLATION")),
    user: Number(required("GHES_APP_USER_INSTALLATION")),
  },
});

await hooks({
  api: required("GHES_HOOKS_API_URL"),
  mock: required("GHES_HOOKS_MOCK_URL"),
  token: TOKEN,
  noHookToken: required("GHES_NO_HOOK_TOKEN"),
});

console.log(`${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed === 0 ? 0 : 1);
