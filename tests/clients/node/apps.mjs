// A GitHub App through @octokit/auth-app, as runner managers sign in: the
// App finds its installations on an organization, a repository and a user,
// trades its JWT for installation tokens, and walks the runner lifecycle of
// the organization and of a repository with them; then GitHub's errors for
// Apps (a missing permission, another account, an enterprise route, a bad
// signature, an unknown App, a revoked token), and auth-app's recovery from
// clock skew, which reads the `Date` header of GitHub's 401 and signs again.
//
// The server presents GHES 3.22 and holds the enterprise octo-enterprise, its
// member organization octo-org (repositories octo-repo and octo-tools), the
// organization octo-shop (shop-repo and shop-private) and the user monalisa
// (dotfiles). The App "Runner Scaler" has organization_self_hosted_runners
// write, administration write and metadata read, and three installations:
//   org   on octo-org, every repository, the App's permissions
//   shop  on octo-shop, only shop-repo, the App's permissions
//   user  on monalisa, every repository, administration read only

import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";

import { assertRequestError, check, control, earlier, requestError } from "./harness.mjs";

const DOCS = "https://docs.github.com/enterprise-server@3.22/rest";
const APP_DOCS = `${DOCS}/apps/apps`;
const RUNNER_DOCS = `${DOCS}/actions/self-hosted-runners`;
const NOT_ACCESSIBLE = "Resource not accessible by integration";
// GitHub's 401s point at the API's docs as a whole.
const UNAUTHORIZED_DOCS = DOCS;

const EXP_PAST =
  "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
const EXP_FAR = "'Expiration time' claim ('exp') is too far in the future";
const IAT_FUTURE = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";

/** A JWT signed RS256 with `key`, with the claims given, as an App signs one. */
function signJwt(claims, key) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signed = `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}`;
  return `${signed}.${sign("RSA-SHA256", Buffer.from(signed), key).toString("base64url")}`;
}

/** A log that keeps auth-app's warnings, to see what it retried. */
function quietLog() {
  const warnings = [];
  return {
    warnings,
    log: { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} },
  };
}

/** Seconds between a `Date` header and now on the mock's clock. */
function skewOf(date, offsetSeconds) {
  return Math.abs(Date.parse(date) / 1000 - (Date.now() / 1000 + offsetSeconds));
}

export async function apps({ api, mock, app, installations }) {
  const { appId, privateKey, slug, clientId } = app;
  const appOctokit = (options = {}) =>
    new Octokit({
      baseUrl: api,
      authStrategy: createAppAuth,
      auth: { appId, privateKey },
      ...options,
    });
  const installationOctokit = (installationId, extra = {}) =>
    new Octokit({
      baseUrl: api,
      authStrategy: createAppAuth,
      auth: { appId, privateKey, installationId, ...extra },
    });
  const register = (registrationToken, name) =>
    control(mock, "POST", "/runners", { token: registrationToken, name }, 201);
  const octokit = appOctokit();
  const n = "apps";

  // --- The App signs in and finds its installations ---------------------------

  await check(`${n}: apps.getAuthenticated signs a JWT and reads the App`, async () => {
    const response = await octokit.rest.apps.getAuthenticated();
    assert.equal(response.status, 200);
    const { data } = response;
    assert.deepEqual(
      [data.id, data.slug, data.name, data.client_id, data.installations_count],
      [appId, slug, "Runner Scaler", clientId, 3],
    );
    assert.deepEqual(data.permissions, {
      administration: "write",
      metadata: "read",
      organization_self_hosted_runners: "write",
    });
    assert.ok(skewOf(response.headers.date, 0) < 5, `Date ${response.headers.date}`);
  });

  await check(`${n}: apps.listInstallations lists the three, with their accounts`, async () => {
    const { data } = await octokit.rest.apps.listInstallations();
    assert.deepEqual(
      data.map((i) => [i.id, i.app_id, i.account.login, i.account.type, i.target_type, i.repository_selection]),
      [
        [installations.org, appId, "octo-org", "Organization", "Organization", "all"],
        [installations.shop, appId, "octo-shop", "Organization", "Organization", "selected"],
        [installations.user, appId, "monalisa", "User", "User", "all"],
      ],
    );
    const all = await octokit.paginate(octokit.rest.apps.listInstallations, { per_page: 1 });
    assert.deepEqual(
      all.map((i) => i.id),
      [installations.org, installations.shop, installations.user],
    );
  });

  await check(`${n}: apps.getOrgInstallation finds octo-org's as getInstallation shows it`, async () => {
    const { data } = await octokit.rest.apps.getOrgInstallation({ org: "octo-org" });
    assert.deepEqual(
      [data.id, data.app_id, data.app_slug, data.client_id, data.account.login, data.target_type],
      [installations.org, appId, slug, clientId, "octo-org", "Organization"],
    );
    assert.equal(data.access_tokens_url, `${api}/app/installations/${installations.org}/access_tokens`);
    assert.equal(data.repositories_url, `${api}/installation/repositories`);
    assert.deepEqual(data.permissions, {
      administration: "write",
      metadata: "read",
      organization_self_hosted_runners: "write",
    });
    assert.equal(data.target_id, data.account.id);
    const { data: same } = await octokit.rest.apps.getInstallation({ installation_id: installations.org });
    assert.deepEqual(same, data);
  });

  await check(`${n}: apps.getRepoInstallation finds octo-shop's from shop-repo, which it selects`, async () => {
    const { data } = await octokit.rest.apps.getRepoInstallation({ owner: "octo-shop", repo: "shop-repo" });
    assert.deepEqual(
      [data.id, data.account.login, data.repository_selection],
      [installations.shop, "octo-shop", "selected"],
    );
    const { data: org } = await octokit.rest.apps.getRepoInstallation({ owner: "octo-org", repo: "octo-tools" });
    assert.equal(org.id, installations.org);
  });

  await check(`${n}: apps.getRepoInstallation of a repository the installation leaves out is 404`, async () => {
    const error = await requestError(octokit.rest.apps.getRepoInstallation({ owner: "octo-shop", repo: "shop-private" }));
    assertRequestError(
      error,
      404,
      `Not Found - ${APP_DOCS}#get-a-repository-installation-for-the-authenticated-app`,
    );
  });

  await check(`${n}: apps.getUserInstallation finds monalisa's, and octo-org's as GitHub does`, async () => {
    const { data: user } = await octokit.rest.apps.getUserInstallation({ username: "monalisa" });
    assert.deepEqual(
      [user.id, user.account.login, user.account.type, user.permissions],
      [installations.user, "monalisa", "User", { administration: "read" }],
    );
    const { data: org } = await octokit.rest.apps.getUserInstallation({ username: "octo-org" });
    assert.deepEqual([org.id, org.account.type], [installations.org, "Organization"]);
  });

  await check(`${n}: apps.getOrgInstallation of an organization without the App is 404`, async () => {
    const error = await requestError(octokit.rest.apps.getOrgInstallation({ org: "octo-elsewhere" }));
    assertRequestError(error, 404, `Not Found - ${APP_DOCS}#get-an-organization-installation-for-the-authenticated-app`);
  });

  // --- An installation token, and the organization's runners -------------------

  let orgToken;
  await check(`${n}: auth({ type: "installation" }) gets a ghs_ token for an hour`, async () => {
    const auth = await octokit.auth({ type: "installation", installationId: installations.org });
    assert.deepEqual(
      [auth.type, auth.tokenType, auth.installationId, auth.repositorySelection],
      ["token", "installation", installations.org, "all"],
    );
    assert.match(auth.token, /^ghs_[A-Za-z0-9]{36}$/);
    const expiresIn = Date.parse(auth.expiresAt) - Date.now();
    assert.ok(expiresIn > 3590_000 && expiresIn <= 3600_000, auth.expiresAt);
    assert.deepEqual(auth.permissions, {
      administration: "write",
      metadata: "read",
      organization_self_hosted_runners: "write",
    });
    orgToken = auth.token;
  });

  const org = installationOctokit(installations.org);

  await check(`${n}: apps.listReposAccessibleToInstallation lists octo-org's repositories`, async () => {
    const { data } = await org.rest.apps.listReposAccessibleToInstallation();
    assert.deepEqual(
      [data.total_count, data.repository_selection, data.repositories.map((r) => r.full_name).sort()],
      [2, "all", ["octo-org/octo-repo", "octo-org/octo-tools"]],
    );
  });

  let orgRunner;
  await check(`${n}: organization: createRegistrationTokenForOrg, then a runner registers with it`, async () => {
    const { status, data } = await org.rest.actions.createRegistrationTokenForOrg({ org: "octo-org" });
    assert.equal(status, 201);
    assert.match(data.token, /^[A-Z0-9]{29}$/);
    orgRunner = await register(data.token, "app-org-runner");
    assert.equal(orgRunner.name, "app-org-runner");
  });

  await check(`${n}: organization: listSelfHostedRunnersForOrg and getSelfHostedRunnerForOrg`, async () => {
    earlier(orgRunner);
    const { data } = await org.rest.actions.listSelfHostedRunnersForOrg({ org: "octo-org" });
    assert.deepEqual(
      data.runners.map((r) => [r.id, r.name, r.status]),
      [[orgRunner.id, "app-org-runner", "online"]],
    );
    const { data: one } = await org.rest.actions.getSelfHostedRunnerForOrg({ org: "octo-org", runner_id: orgRunner.id });
    assert.deepEqual([one.id, one.name, one.os, one.busy], [orgRunner.id, "app-org-runner", "linux", false]);
  });

  await check(`${n}: organization: createRemoveTokenForOrg, deleteSelfHostedRunnerFromOrg, then 404`, async () => {
    earlier(orgRunner);
    const { status, data } = await org.rest.actions.createRemoveTokenForOrg({ org: "octo-org" });
    assert.equal(status, 201);
    assert.match(data.token, /^[A-Z0-9]{29}$/);
    const deleted = await org.rest.actions.deleteSelfHostedRunnerFromOrg({ org: "octo-org", runner_id: orgRunner.id });
    assert.equal(deleted.status, 204);
    const error = await requestError(
      org.rest.actions.getSelfHostedRunnerForOrg({ org: "octo-org", runner_id: orgRunner.id }),
    );
    assertRequestError(error, 404, `Not Found - ${RUNNER_DOCS}#get-a-self-hosted-runner-for-an-organization`);
  });

  await check(`${n}: organization: the token reaches octo-org's repositories with administration`, async () => {
    const { data } = await org.rest.actions.listSelfHostedRunnersForRepo({ owner: "octo-org", repo: "octo-tools" });
    assert.deepEqual([data.total_count, data.runners], [0, []]);
  });

  // --- The repository installation and its runners -----------------------------

  const shop = installationOctokit(installations.shop);
  let repoRunner;
  await check(`${n}: repository: createRegistrationTokenForRepo with the installation of shop-repo`, async () => {
    const { data: found } = await octokit.rest.apps.getRepoInstallation({ owner: "octo-shop", repo: "shop-repo" });
    const byRepo = installationOctokit(found.id);
    const { status, data } = await byRepo.rest.actions.createRegistrationTokenForRepo({
      owner: "octo-shop",
      repo: "shop-repo",
    });
    assert.equal(status, 201);
    repoRunner = await register(data.token, "app-repo-runner");
  });

  await check(`${n}: repository: listSelfHostedRunnersForRepo and getSelfHostedRunnerForRepo`, async () => {
    earlier(repoRunner);
    const { data } = await shop.rest.actions.listSelfHostedRunnersForRepo({ owner: "octo-shop", repo: "shop-repo" });
    assert.deepEqual(
      data.runners.map((r) => [r.id, r.name]),
      [[repoRunner.id, "app-repo-runner"]],
    );
    const { data: one } = await shop.rest.actions.getSelfHostedRunnerForRepo({
      owner: "octo-shop",
      repo: "shop-repo",
      runner_id: repoRunner.id,
    });
    assert.deepEqual([one.id, one.name, one.status], [repoRunner.id, "app-repo-runner", "online"]);
  });

  await check(`${n}: repository: createRemoveTokenForRepo and deleteSelfHostedRunnerFromRepo`, async () => {
    earlier(repoRunner);
    const token = await shop.rest.actions.createRemoveTokenForRepo({ owner: "octo-shop", repo: "shop-repo" });
    assert.equal(token.status, 201);
    const deleted = await shop.rest.actions.deleteSelfHostedRunnerFromRepo({
      owner: "octo-shop",
      repo: "shop-repo",
      runner_id: repoRunner.id,
    });
    assert.equal(deleted.status, 204);
    const { data } = await shop.rest.actions.listSelfHostedRunnersForRepo({ owner: "octo-shop", repo: "shop-repo" });
    assert.equal(data.total_count, 0);
  });

  await check(`${n}: repository: one the installation leaves out is 404 Not Found`, async () => {
    const error = await requestError(
      shop.rest.actions.listSelfHostedRunnersForRepo({ owner: "octo-shop", repo: "shop-private" }),
    );
    assertRequestError(error, 404, `Not Found - ${RUNNER_DOCS}#list-self-hosted-runners-for-a-repository`);
  });

  // --- What an installation may not do -----------------------------------------

  await check(`${n}: another account's organization is 403 ${NOT_ACCESSIBLE}`, async () => {
    const error = await requestError(shop.rest.actions.listSelfHostedRunnersForOrg({ org: "octo-org" }));
    assertRequestError(error, 403, `${NOT_ACCESSIBLE} - ${RUNNER_DOCS}#list-self-hosted-runners-for-an-organization`);
  });

  await check(`${n}: an enterprise route is 403 ${NOT_ACCESSIBLE}`, async () => {
    const error = await requestError(
      org.request("POST /enterprises/{enterprise}/actions/runners/registration-token", { enterprise: "octo-enterprise" }),
    );
    assert.equal(error.status, 403);
    assert.equal(error.response.data.message, NOT_ACCESSIBLE);
    assert.match(error.message, new RegExp(`^${NOT_ACCESSIBLE} - https://docs\\.github\\.com/`));
  });

  const user = installationOctokit(installations.user);
  await check(`${n}: administration read lists a user's repository runners; writing is 403`, async () => {
    const { data } = await user.rest.actions.listSelfHostedRunnersForRepo({ owner: "monalisa", repo: "dotfiles" });
    assert.equal(data.total_count, 0);
    const error = await requestError(
      user.rest.actions.createRegistrationTokenForRepo({ owner: "monalisa", repo: "dotfiles" }),
    );
    assertRequestError(
      error,
      403,
      `${NOT_ACCESSIBLE} - ${RUNNER_DOCS}#create-a-registration-token-for-a-repository`,
    );
  });

  await check(`${n}: a token narrowed to organization_self_hosted_runners read cannot write`, async () => {
    const auth = await octokit.auth({
      type: "installation",
      installationId: installations.org,
      permissions: { organization_self_hosted_runners: "read" },
    });
    assert.deepEqual(auth.permissions, { organization_self_hosted_runners: "read" });
    const narrowed = new Octokit({ baseUrl: api, auth: auth.token });
    const { data } = await narrowed.rest.actions.listSelfHostedRunnersForOrg({ org: "octo-org" });
    assert.equal(data.total_count, 0);
    const error = await requestError(narrowed.rest.actions.createRegistrationTokenForOrg({ org: "octo-org" }));
    assertRequestError(
      error,
      403,
      `${NOT_ACCESSIBLE} - ${RUNNER_DOCS}#create-a-registration-token-for-an-organization`,
    );
    const repoError = await requestError(
      narrowed.rest.actions.listSelfHostedRunnersForRepo({ owner: "octo-org", repo: "octo-repo" }),
    );
    assertRequestError(repoError, 403, `${NOT_ACCESSIBLE} - ${RUNNER_DOCS}#list-self-hosted-runners-for-a-repository`);
  });

  await check(`${n}: a token narrowed to octo-repo reaches it, and octo-tools is 404`, async () => {
    const auth = await octokit.auth({
      type: "installation",
      installationId: installations.org,
      repositoryNames: ["octo-repo"],
    });
    assert.deepEqual([auth.repositorySelection, auth.repositoryNames], ["selected", ["octo-repo"]]);
    const narrowed = new Octokit({ baseUrl: api, auth: auth.token });
    const { data } = await narrowed.rest.apps.listReposAccessibleToInstallation();
    assert.deepEqual(
      [data.total_count, data.repository_selection, data.repositories.map((r) => r.full_name)],
      [1, "selected", ["octo-org/octo-repo"]],
    );
    const ok = await narrowed.rest.actions.listSelfHostedRunnersForRepo({ owner: "octo-org", repo: "octo-repo" });
    assert.equal(ok.status, 200);
    const error = await requestError(
      narrowed.rest.actions.listSelfHostedRunnersForRepo({ owner: "octo-org", repo: "octo-tools" }),
    );
    assertRequestError(error, 404, `Not Found - ${RUNNER_DOCS}#list-self-hosted-runners-for-a-repository`);
  });

  await check(`${n}: asking for more than the installation has is 422`, async () => {
    const error = await requestError(
      octokit.rest.apps.createInstallationAccessToken({
        installation_id: installations.user,
        permissions: { administration: "write" },
      }),
    );
    assert.ok(error instanceof Error && error.status === 422, String(error));
    assert.equal(error.response.data.message, "Validation Failed");
    assert.deepEqual(
      error.response.data.errors.map((e) => [e.resource, e.field, e.code]),
      [["InstallationToken", "permissions", "invalid"]],
    );
  });

  // --- GitHub's errors for App credentials ----------------------------------------

  await check(`${n}: a JWT signed with another key is 401 A JSON web token could not be decoded`, async () => {
    const { privateKey: otherKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const stranger = appOctokit({ auth: { appId, privateKey: otherKey } });
    const error = await requestError(stranger.rest.apps.getAuthenticated());
    assertRequestError(
      error,
      401,
      `A JSON web token could not be decoded - ${UNAUTHORIZED_DOCS}`,
    );
  });

  await check(`${n}: a JWT of an unknown App id is 404 Integration not found`, async () => {
    const unknown = appOctokit({ auth: { appId: 987654, privateKey } });
    const error = await requestError(unknown.rest.apps.getAuthenticated());
    assertRequestError(error, 404, `Integration not found - ${APP_DOCS}#get-the-authenticated-app`);
  });

  await check(`${n}: the App's JWT on a runner route is 401 Bad credentials`, async () => {
    const { token: jwt } = await octokit.auth({ type: "app" });
    assert.equal(jwt.split(".").length, 3);
    const error = await requestError(
      new Octokit({ baseUrl: api, auth: jwt }).rest.actions.listSelfHostedRunnersForOrg({ org: "octo-org" }),
    );
    assertRequestError(error, 401, `Bad credentials - ${UNAUTHORIZED_DOCS}`);
  });

  await check(`${n}: apps.revokeInstallationAccessToken, then the token is 401 Bad credentials`, async () => {
    earlier(orgToken);
    const withToken = new Octokit({ baseUrl: api, auth: orgToken });
    const revoked = await withToken.rest.apps.revokeInstallationAccessToken();
    assert.equal(revoked.status, 204);
    const error = await requestError(withToken.rest.actions.listSelfHostedRunnersForOrg({ org: "octo-org" }));
    assertRequestError(error, 401, `Bad credentials - ${UNAUTHORIZED_DOCS}`);
  });

  // --- The time claims, and auth-app's recovery from clock skew ------------------

  await check(`${n}: JWTs whose times are wrong are 401 with the three messages auth-app recognises`, async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      [{ iat: now - 660, exp: now - 60 }, EXP_PAST],
      [{ iat: now - 30, exp: now + 660 }, EXP_FAR],
      [{ iat: now + 60, exp: now + 300 }, IAT_FUTURE],
    ];
    for (const [times, message] of cases) {
      const jwt = signJwt({ ...times, iss: appId }, privateKey);
      const error = await requestError(new Octokit({ baseUrl: api, auth: jwt }).rest.apps.getAuthenticated());
      assertRequestError(error, 401, `${message} - ${UNAUTHORIZED_DOCS}`);
      assert.ok(skewOf(error.response.headers.date, 0) < 5, error.response.headers.date);
    }
    // iss may be the client id, or the id as a string, as GitHub takes them.
    for (const iss of [clientId, String(appId)]) {
      const jwt = signJwt({ iat: now - 60, exp: now + 540, iss }, privateKey);
      const { data } = await new Octokit({ baseUrl: api, auth: jwt }).rest.apps.getAuthenticated();
      assert.equal(data.id, appId);
    }
  });

  let beforeTheJump;
  await check(`${n}: with the server's clock 2 h ahead, auth-app reads the Date of GitHub's 401 and signs again`, async () => {
    beforeTheJump = (await octokit.auth({ type: "installation", installationId: installations.shop })).token;
    await skewed(7200, EXP_PAST);
  });

  await check(`${n}: a token made before the clock moved 2 h ahead has expired: 401 Bad credentials`, async () => {
    earlier(beforeTheJump);
    await control(mock, "PUT", "/clock", { offset_seconds: 7200 }, 200);
    try {
      const error = await requestError(
        new Octokit({ baseUrl: api, auth: beforeTheJump }).rest.actions.listSelfHostedRunnersForRepo({
          owner: "octo-shop",
          repo: "shop-repo",
        }),
      );
      assertRequestError(error, 401, `Bad credentials - ${UNAUTHORIZED_DOCS}`);
    } finally {
      await control(mock, "PUT", "/clock", { offset_seconds: 0 }, 200);
    }
  });

  await check(`${n}: with the server's clock 2 h behind, auth-app recovers from exp too far in the future`, async () => {
    await skewed(-7200, EXP_FAR);
  });

  /**
   * Moves the server's clock by `offset` seconds; then a fresh App Octokit
   * and a fresh installation Octokit each get GitHub's 401 `message`, and
   * auth-app signs again with the skew read from the `Date` header, and
   * succeeds. The clock is put back whatever happens.
   */
  async function skewed(offset, message) {
    await control(mock, "PUT", "/clock", { offset_seconds: offset }, 200);
    try {
      const app = quietLog();
      const response = await appOctokit({ log: app.log }).rest.apps.getAuthenticated();
      assert.equal(response.data.id, appId);
      assert.ok(skewOf(response.headers.date, offset) < 5, `Date ${response.headers.date}`);
      assertRetried(app.warnings, message, offset);

      const installation = quietLog();
      const scaler = new Octokit({
        baseUrl: api,
        authStrategy: createAppAuth,
        auth: { appId, privateKey, installationId: installations.org },
        log: installation.log,
      });
      const { data } = await scaler.rest.actions.listSelfHostedRunnersForOrg({ org: "octo-org" });
      assert.equal(data.total_count, 0);
      assertRetried(installation.warnings, message, offset);
      const auth = await scaler.auth({ type: "installation" });
      const expiresAt = Date.parse(auth.expiresAt) / 1000;
      assert.ok(Math.abs(expiresAt - (Date.now() / 1000 + offset + 3600)) < 5, auth.expiresAt);
    } finally {
      await control(mock, "PUT", "/clock", { offset_seconds: 0 }, 200);
    }
  }

  /** auth-app's two warnings: GitHub's message, then the skew it measured. */
  function assertRetried(warnings, message, offset) {
    assert.equal(warnings.length, 2, JSON.stringify(warnings));
    assert.equal(warnings[0], `${message} - ${UNAUTHORIZED_DOCS}`);
    const diff = Number(/are different by (-?\d+) seconds/.exec(warnings[1])?.[1]);
    assert.ok(Math.abs(diff - offset) <= 2, warnings[1]);
  }

  // --- Uninstalling ----------------------------------------------------------------

  await check(`${n}: apps.deleteInstallation uninstalls monalisa's; then 404 and its token 401`, async () => {
    const auth = await octokit.auth({ type: "installation", installationId: installations.user, refresh: true });
    const deleted = await octokit.rest.apps.deleteInstallation({ installation_id: installations.user });
    assert.equal(deleted.status, 204);
    const gone = await requestError(octokit.rest.apps.getInstallation({ installation_id: installations.user }));
    assertRequestError(gone, 404, `Not Found - ${APP_DOCS}#get-an-installation-for-the-authenticated-app`);
    const error = await requestError(
      new Octokit({ baseUrl: api, auth: auth.token }).rest.actions.listSelfHostedRunnersForRepo({
        owner: "monalisa",
        repo: "dotfiles",
      }),
    );
    assertRequestError(error, 401, `Bad credentials - ${UNAUTHORIZED_DOCS}`);
    const { data } = await octokit.rest.apps.getAuthenticated();
    assert.equal(data.installations_count, 2);
  });
}
