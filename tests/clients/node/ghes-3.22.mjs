// GHES 3.22 through @octokit/rest: runner groups of organizations and
// enterprises, runner labels and just-in-time (JIT) runners in every scope,
// the name filter on runner lists and the runner fields 3.22 adds.
//
// The server presents GHES 3.22 and is seeded with the enterprise
// octo-enterprise, its member organization octo-org, the repository
// octo-org/octo-repo, and octo-org's runner group "seeded" serving octo-repo.
//
// @octokit/rest 22 has octokit's own methods for labels and JIT
// configurations of organizations and repositories, and of the runner group
// operations only addRepoAccessToSelfHostedRunnerGroupInOrg; every other
// group operation, and every enterprise one, goes through octokit.request
// with the route as GitHub's docs write it. Both reject with the same
// RequestError, and octokit.paginate walks either.

import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { Octokit } from "@octokit/rest";

import { assertRequestError, check, control, earlier, requestError } from "./harness.mjs";

const DOCS = "https://docs.github.com/enterprise-server@3.22/rest";
const GROUP_DOCS = `${DOCS}/actions/self-hosted-runner-groups`;
const RUNNER_DOCS = `${DOCS}/actions/self-hosted-runners`;

const org = "octo-org";
const owner = "octo-org";
const repo = "octo-repo";
const enterprise = "octo-enterprise";
const ORG_GROUPS = "/orgs/{org}/actions/runner-groups";
const ENTERPRISE_GROUPS = "/enterprises/{enterprise}/actions/runner-groups";
const READ_ONLY = [
  ["self-hosted", "read-only"],
  ["X64", "read-only"],
  ["Linux", "read-only"],
];

/** Labels as sorted `[name, type]` pairs, for comparing label sets. */
function pairs(labels) {
  return labels.map((l) => [l.name, l.type]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function sorted(values) {
  return [...values].sort();
}

/** The message octokit gives a 422 whose `errors` are GitHub's objects. */
function validationFailed(error, docs) {
  return `Validation Failed: ${JSON.stringify(error)} - ${docs}`;
}

/**
 * encoded_jit_config as `run.sh --jitconfig` reads it: base64 of a JSON
 * object mapping file names to base64 file contents; answers the decoded
 * files as text.
 */
function jitFiles(encoded) {
  const strictBase64 = (text) => {
    const bytes = Buffer.from(text, "base64");
    assert.equal(bytes.toString("base64"), text, `not base64: ${text.slice(0, 40)}…`);
    return bytes.toString("utf8");
  };
  const files = JSON.parse(strictBase64(encoded));
  return Object.fromEntries(Object.entries(files).map(([name, content]) => [name, strictBase64(content)]));
}

/**
 * The private key of .credentials_rsaparams (the runner's
 * RSAParametersSerializable: base64 big-endian integers), as a Node key.
 */
function rsaKey(params) {
  const field = (name) => {
    const value = Object.entries(params).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
    assert.ok(typeof value === "string" && value !== "", `${name} is missing: ${JSON.stringify(params)}`);
    return Buffer.from(value, "base64").toString("base64url");
  };
  return createPrivateKey({
    format: "jwk",
    key: {
      kty: "RSA",
      n: field("modulus"),
      e: field("exponent"),
      d: field("d"),
      p: field("p"),
      q: field("q"),
      dp: field("dp"),
      dq: field("dq"),
      qi: field("inverseQ"),
    },
  });
}

export async function ghes322({ api, mock, token }) {
  const octokit = new Octokit({ baseUrl: api, auth: token });
  const register = (registrationToken, name, extra = {}) =>
    control(mock, "POST", "/runners", { token: registrationToken, name, ...extra }, 201);

  await check("3.22: octokit.request reads installed_version 3.22.0 and the version header", async () => {
    const response = await octokit.request("GET /meta");
    assert.equal(response.data.installed_version, "3.22.0");
    assert.equal(response.headers["x-github-enterprise-version"], "3.22.0");
  });

  let repoId;
  let orgId;
  await check("3.22: repos.get and orgs.get show the numeric ids that runner groups name", async () => {
    const { data: r } = await octokit.rest.repos.get({ owner, repo });
    assert.equal(r.full_name, `${owner}/${repo}`);
    assert.ok(Number.isInteger(r.id) && r.id > 0, `repository id ${r.id}`);
    const { data: o } = await octokit.rest.orgs.get({ org });
    assert.equal(o.login, org);
    assert.ok(Number.isInteger(o.id) && o.id > 0 && o.id !== r.id, `organization id ${o.id}`);
    repoId = r.id;
    orgId = o.id;
  });

  const ctx = { api, octokit, register, ids: () => ({ repoId, orgId }) };
  const seeded = await organizationGroups(ctx);
  await enterpriseGroups(ctx);
  for (const scope of scopes(octokit)) await labels(ctx, scope);
  for (const scope of scopes(octokit)) await jit(ctx, scope, mock, scope.name === "organization" ? seeded : undefined);
  for (const scope of scopes(octokit)) await nameFilterAndFields(ctx, scope);
}

// --- Organization runner groups -------------------------------------------------

/** Runs the organization group checks; answers the seeded group. */
async function organizationGroups({ api, octokit, register, ids }) {
  const n = "3.22 organization runner groups";
  const groupsOfOrg = (params = {}) => octokit.paginate(`GET ${ORG_GROUPS}`, { org, ...params });
  const getRunner = async (runner_id) =>
    (await octokit.rest.actions.getSelfHostedRunnerForOrg({ org, runner_id })).data;
  const runnersOf = async (runner_group_id) =>
    sorted(
      (await octokit.paginate(`GET ${ORG_GROUPS}/{runner_group_id}/runners`, { org, runner_group_id })).map(
        (r) => r.name,
      ),
    );
  const repositoriesOf = async (runner_group_id) => {
    const { data } = await octokit.request(`GET ${ORG_GROUPS}/{runner_group_id}/repositories`, {
      org,
      runner_group_id,
    });
    assert.equal(data.total_count, data.repositories.length);
    return data.repositories.map((r) => r.id);
  };

  let seeded;
  await check(`${n}: octokit.paginate lists Default (id 1) and the seeded group`, async () => {
    const groups = await groupsOfOrg();
    assert.deepEqual(
      groups.map((g) => [g.name, g.default, g.visibility, g.inherited]),
      [
        ["Default", true, "all", false],
        ["seeded", false, "selected", false],
      ],
    );
    assert.equal(groups[0].id, 1);
    assert.ok(groups[1].id > 1, `seeded id ${groups[1].id}`);
    assert.equal(groups[1].runners_url, `${api}/orgs/${org}/actions/runner-groups/${groups[1].id}/runners`);
    seeded = groups[1];
  });

  await check(`${n}: the seeded group serves octo-repo, named by its id`, async () => {
    earlier(seeded, ids().repoId);
    const { data } = await octokit.request(`GET ${ORG_GROUPS}/{runner_group_id}/repositories`, {
      org,
      runner_group_id: seeded.id,
    });
    assert.equal(data.total_count, 1);
    assert.deepEqual(
      data.repositories.map((r) => [r.id, r.full_name]),
      [[ids().repoId, `${owner}/${repo}`]],
    );
  });

  let group;
  await check(`${n}: create one with visibility selected serving octo-repo (201)`, async () => {
    earlier(ids().repoId);
    const response = await octokit.request(`POST ${ORG_GROUPS}`, {
      org,
      name: "octokit-group",
      visibility: "selected",
      selected_repository_ids: [ids().repoId],
    });
    assert.equal(response.status, 201);
    const g = response.data;
    assert.deepEqual([g.name, g.visibility, g.default, g.inherited], ["octokit-group", "selected", false, false]);
    assert.ok(g.id > seeded.id, `id ${g.id}`);
    assert.match(g.runners_url, new RegExp(`/orgs/${org}/actions/runner-groups/${g.id}/runners$`));
    assert.match(g.selected_repositories_url, new RegExp(`/orgs/${org}/actions/runner-groups/${g.id}/repositories$`));
    assert.deepEqual(await repositoriesOf(g.id), [ids().repoId]);
    group = g;
  });

  await check(`${n}: get it, then rename it (PATCH 200)`, async () => {
    earlier(group);
    const got = await octokit.request(`GET ${ORG_GROUPS}/{runner_group_id}`, { org, runner_group_id: group.id });
    assert.deepEqual(got.data, group);
    const updated = await octokit.request(`PATCH ${ORG_GROUPS}/{runner_group_id}`, {
      org,
      runner_group_id: group.id,
      name: "octokit-group-renamed",
    });
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.data, { ...group, name: "octokit-group-renamed" });
    const reread = await octokit.request(`GET ${ORG_GROUPS}/{runner_group_id}`, { org, runner_group_id: group.id });
    assert.deepEqual(reread.data, updated.data);
    group = updated.data;
  });

  await check(`${n}: a taken name is a RequestError 422 Validation Failed`, async () => {
    const error = await requestError(octokit.request(`POST ${ORG_GROUPS}`, { org, name: "SEEDED" }));
    const expected = {
      resource: "RunnerGroup",
      field: "name",
      code: "already_exists",
      message: 'A runner group named "SEEDED" already exists',
    };
    assertRequestError(
      error,
      422,
      validationFailed(expected, `${GROUP_DOCS}#create-a-self-hosted-runner-group-for-an-organization`),
    );
    assert.deepEqual(error.response.data.errors, [expected]);
  });

  await check(`${n}: an unknown group is a RequestError 404 Not Found`, async () => {
    const error = await requestError(
      octokit.request(`GET ${ORG_GROUPS}/{runner_group_id}`, { org, runner_group_id: 999999 }),
    );
    assertRequestError(error, 404, `Not Found - ${GROUP_DOCS}#get-a-self-hosted-runner-group-for-an-organization`);
  });

  await check(`${n}: repository access set to none (PUT 204), then addRepoAccessToSelfHostedRunnerGroupInOrg (204)`, async () => {
    earlier(group);
    const set = await octokit.request(`PUT ${ORG_GROUPS}/{runner_group_id}/repositories`, {
      org,
      runner_group_id: group.id,
      selected_repository_ids: [],
    });
    assert.equal(set.status, 204);
    assert.deepEqual(await repositoriesOf(group.id), []);
    const added = await octokit.rest.actions.addRepoAccessToSelfHostedRunnerGroupInOrg({
      org,
      runner_group_id: group.id,
      repository_id: ids().repoId,
    });
    assert.equal(added.status, 204);
    assert.deepEqual(await repositoriesOf(group.id), [ids().repoId]);
  });

  await check(`${n}: remove octo-repo's access (DELETE 204)`, async () => {
    earlier(group);
    const removed = await octokit.request(`DELETE ${ORG_GROUPS}/{runner_group_id}/repositories/{repository_id}`, {
      org,
      runner_group_id: group.id,
      repository_id: ids().repoId,
    });
    assert.equal(removed.status, 204);
    assert.deepEqual(await repositoriesOf(group.id), []);
  });

  await check(`${n}: a repository of another organization is a RequestError 422`, async () => {
    earlier(group);
    const error = await requestError(
      octokit.request(`PUT ${ORG_GROUPS}/{runner_group_id}/repositories`, {
        org,
        runner_group_id: group.id,
        selected_repository_ids: [999999],
      }),
    );
    const expected = {
      resource: "RunnerGroup",
      field: "selected_repository_ids",
      code: "invalid",
      message: "999999 is not a repository of this organization",
    };
    assertRequestError(
      error,
      422,
      validationFailed(expected, `${GROUP_DOCS}#set-repository-access-for-a-self-hosted-runner-group-in-an-organization`),
    );
  });

  await check(`${n}: visible_to_repository=octo-repo lists only the groups serving it`, async () => {
    earlier(group, seeded);
    const hidden = await octokit.request(`POST ${ORG_GROUPS}`, { org, name: "octokit-hidden", visibility: "selected" });
    try {
      await octokit.request(`PUT ${ORG_GROUPS}/{runner_group_id}/repositories`, {
        org,
        runner_group_id: group.id,
        selected_repository_ids: [ids().repoId],
      });
      assert.deepEqual(
        (await groupsOfOrg()).map((g) => g.name),
        ["Default", "seeded", "octokit-group-renamed", "octokit-hidden"],
      );
      assert.deepEqual(
        (await groupsOfOrg({ visible_to_repository: repo })).map((g) => g.name),
        ["Default", "seeded", "octokit-group-renamed"],
      );
    } finally {
      await octokit.request(`DELETE ${ORG_GROUPS}/{runner_group_id}`, { org, runner_group_id: hidden.data.id });
    }
  });

  let r1;
  let r2;
  let r3;
  await check(`${n}: a runner registered into the group (runner_group) has its runner_group_id`, async () => {
    earlier(group);
    const { data } = await octokit.rest.actions.createRegistrationTokenForOrg({ org });
    r1 = await register(data.token, "octokit-grouped-1", { runner_group: "octokit-group-renamed" });
    r2 = await register(data.token, "octokit-grouped-2");
    r3 = await register(data.token, "octokit-grouped-3");
    assert.deepEqual([r1.runner_group_id, r2.runner_group_id, r3.runner_group_id], [group.id, 1, 1]);
    assert.deepEqual(await runnersOf(group.id), ["octokit-grouped-1"]);
  });

  await check(`${n}: set the group's runners (PUT 204); the one left out returns to Default`, async () => {
    earlier(group, r1, r2, r3);
    const response = await octokit.request(`PUT ${ORG_GROUPS}/{runner_group_id}/runners`, {
      org,
      runner_group_id: group.id,
      runners: [r2.id, r3.id],
    });
    assert.equal(response.status, 204);
    assert.deepEqual(await runnersOf(group.id), ["octokit-grouped-2", "octokit-grouped-3"]);
    assert.equal((await getRunner(r1.id)).runner_group_id, 1);
  });

  await check(`${n}: add a runner (PUT …/runners/{runner_id} 204)`, async () => {
    earlier(group, r1);
    const response = await octokit.request(`PUT ${ORG_GROUPS}/{runner_group_id}/runners/{runner_id}`, {
      org,
      runner_group_id: group.id,
      runner_id: r1.id,
    });
    assert.equal(response.status, 204);
    assert.equal((await getRunner(r1.id)).runner_group_id, group.id);
  });

  await check(`${n}: octokit.paginate walks the group's runners a page at a time`, async () => {
    earlier(group);
    const seen = [];
    const hook = (options) => seen.push(options.url);
    octokit.hook.before("request", hook);
    let runners;
    try {
      runners = await octokit.paginate(`GET ${ORG_GROUPS}/{runner_group_id}/runners`, {
        org,
        runner_group_id: group.id,
        per_page: 1,
      });
    } finally {
      octokit.hook.remove("request", hook);
    }
    assert.deepEqual(sorted(runners.map((r) => r.name)), ["octokit-grouped-1", "octokit-grouped-2", "octokit-grouped-3"]);
    assert.equal(seen.length, 3, seen.join("\n"));
    assert.match(seen[2], /[?&]page=3\b/);
  });

  await check(`${n}: remove a runner (DELETE 204) sends it back to Default`, async () => {
    earlier(group, r2);
    const response = await octokit.request(`DELETE ${ORG_GROUPS}/{runner_group_id}/runners/{runner_id}`, {
      org,
      runner_group_id: group.id,
      runner_id: r2.id,
    });
    assert.equal(response.status, 204);
    assert.equal((await getRunner(r2.id)).runner_group_id, 1);
    assert.deepEqual(await runnersOf(group.id), ["octokit-grouped-1", "octokit-grouped-3"]);
  });

  await check(`${n}: a repository's runner cannot join: RequestError 422`, async () => {
    earlier(group);
    const { data } = await octokit.rest.actions.createRegistrationTokenForRepo({ owner, repo });
    const stranger = await register(data.token, "octokit-repo-runner");
    const error = await requestError(
      octokit.request(`PUT ${ORG_GROUPS}/{runner_group_id}/runners`, {
        org,
        runner_group_id: group.id,
        runners: [stranger.id],
      }),
    );
    const expected = {
      resource: "RunnerGroup",
      field: "runners",
      code: "invalid",
      message: `Runner ${stranger.id} belongs to another enterprise, organization or repository`,
    };
    assertRequestError(
      error,
      422,
      validationFailed(expected, `${GROUP_DOCS}#set-self-hosted-runners-in-a-group-for-an-organization`),
    );
    assert.deepEqual(await runnersOf(group.id), ["octokit-grouped-1", "octokit-grouped-3"]);
  });

  await check(`${n}: delete the group (204): its runners return to Default, it is a RequestError 404`, async () => {
    earlier(group, r1, r3);
    const response = await octokit.request(`DELETE ${ORG_GROUPS}/{runner_group_id}`, { org, runner_group_id: group.id });
    assert.equal(response.status, 204);
    const error = await requestError(
      octokit.request(`GET ${ORG_GROUPS}/{runner_group_id}`, { org, runner_group_id: group.id }),
    );
    assert.equal(error.status, 404);
    assert.deepEqual([(await getRunner(r1.id)).runner_group_id, (await getRunner(r3.id)).runner_group_id], [1, 1]);
    const inDefault = await runnersOf(1);
    for (const name of ["octokit-grouped-1", "octokit-grouped-2", "octokit-grouped-3"]) {
      assert.ok(inDefault.includes(name), `${name} is not in Default: ${inDefault}`);
    }
  });

  await check(`${n}: the Default group cannot be deleted: RequestError 422`, async () => {
    const error = await requestError(octokit.request(`DELETE ${ORG_GROUPS}/{runner_group_id}`, { org, runner_group_id: 1 }));
    const expected = {
      resource: "RunnerGroup",
      field: "runner_group",
      code: "custom",
      message: "The default runner group cannot be deleted",
    };
    assertRequestError(
      error,
      422,
      validationFailed(expected, `${GROUP_DOCS}#delete-a-self-hosted-runner-group-from-an-organization`),
    );
    const { data } = await octokit.request(`GET ${ORG_GROUPS}/{runner_group_id}`, { org, runner_group_id: 1 });
    assert.equal(data.name, "Default");
  });

  return seeded;
}

// --- Enterprise runner groups ---------------------------------------------------

async function enterpriseGroups({ octokit, register, ids }) {
  const n = "3.22 enterprise runner groups";
  const groupsOf = (params = {}) => octokit.paginate(`GET ${ENTERPRISE_GROUPS}`, { enterprise, ...params });
  const orgSees = async () =>
    (await octokit.paginate(`GET ${ORG_GROUPS}`, { org })).find((g) => g.name === "octokit-enterprise-group");
  const runnersOf = async (runner_group_id) =>
    sorted(
      (
        await octokit.paginate(`GET ${ENTERPRISE_GROUPS}/{runner_group_id}/runners`, { enterprise, runner_group_id })
      ).map((r) => r.name),
    );
  const groupOf = async (runner_id) =>
    (await octokit.request("GET /enterprises/{enterprise}/actions/runners/{runner_id}", { enterprise, runner_id }))
      .data.runner_group_id;
  const organizationsOf = async (runner_group_id) => {
    const { data } = await octokit.request(`GET ${ENTERPRISE_GROUPS}/{runner_group_id}/organizations`, {
      enterprise,
      runner_group_id,
    });
    assert.equal(data.total_count, data.organizations.length);
    return data.organizations.map((o) => [o.id, o.login]);
  };

  await check(`${n}: octokit.paginate lists Default (id 1, default, visibility all)`, async () => {
    const groups = await groupsOf();
    assert.deepEqual(
      groups.map((g) => [g.id, g.name, g.default, g.visibility]),
      [[1, "Default", true, "all"]],
    );
    assert.equal("inherited" in groups[0], false, "an enterprise's own group has no inherited");
  });

  let group;
  await check(`${n}: create one serving octo-org (201), get it back`, async () => {
    earlier(ids().orgId);
    const response = await octokit.request(`POST ${ENTERPRISE_GROUPS}`, {
      enterprise,
      name: "octokit-enterprise-group",
      visibility: "selected",
      selected_organization_ids: [ids().orgId],
    });
    assert.equal(response.status, 201);
    const g = response.data;
    assert.deepEqual([g.name, g.visibility, g.default], ["octokit-enterprise-group", "selected", false]);
    assert.ok(g.id > 1, `id ${g.id}`);
    assert.match(
      g.selected_organizations_url,
      new RegExp(`/enterprises/${enterprise}/actions/runner-groups/${g.id}/organizations$`),
    );
    const got = await octokit.request(`GET ${ENTERPRISE_GROUPS}/{runner_group_id}`, { enterprise, runner_group_id: g.id });
    assert.deepEqual(got.data, g);
    assert.deepEqual(await organizationsOf(g.id), [[ids().orgId, org]]);
    group = g;
  });

  await check(`${n}: octo-org sees it as inherited, in its list and by id`, async () => {
    earlier(group);
    const shared = await orgSees();
    assert.ok(shared, "octo-org does not list the enterprise's group");
    assert.deepEqual([shared.id, shared.inherited, shared.visibility], [group.id, true, "selected"]);
    const { data } = await octokit.request(`GET ${ORG_GROUPS}/{runner_group_id}`, { org, runner_group_id: group.id });
    assert.deepEqual([data.name, data.inherited], ["octokit-enterprise-group", true]);
  });

  await check(`${n}: visible_to_organization=octo-org lists only the groups serving it`, async () => {
    earlier(group);
    const elsewhere = await octokit.request(`POST ${ENTERPRISE_GROUPS}`, {
      enterprise,
      name: "octokit-enterprise-elsewhere",
      visibility: "selected",
    });
    try {
      assert.deepEqual(
        (await groupsOf()).map((g) => g.name),
        ["Default", "octokit-enterprise-group", "octokit-enterprise-elsewhere"],
      );
      assert.deepEqual(
        (await groupsOf({ visible_to_organization: org })).map((g) => g.name),
        ["Default", "octokit-enterprise-group"],
      );
    } finally {
      await octokit.request(`DELETE ${ENTERPRISE_GROUPS}/{runner_group_id}`, {
        enterprise,
        runner_group_id: elsewhere.data.id,
      });
    }
  });

  await check(`${n}: organization access set to none (PUT 204) hides it from octo-org`, async () => {
    earlier(group);
    const response = await octokit.request(`PUT ${ENTERPRISE_GROUPS}/{runner_group_id}/organizations`, {
      enterprise,
      runner_group_id: group.id,
      selected_organization_ids: [],
    });
    assert.equal(response.status, 204);
    assert.deepEqual(await organizationsOf(group.id), []);
    assert.equal(await orgSees(), undefined);
  });

  await check(`${n}: add octo-org's access (PUT …/organizations/{org_id} 204): inherited again`, async () => {
    earlier(group, ids().orgId);
    const response = await octokit.request(`PUT ${ENTERPRISE_GROUPS}/{runner_group_id}/organizations/{org_id}`, {
      enterprise,
      runner_group_id: group.id,
      org_id: ids().orgId,
    });
    assert.equal(response.status, 204);
    assert.deepEqual(await organizationsOf(group.id), [[ids().orgId, org]]);
    assert.equal((await orgSees())?.inherited, true);
  });

  let e1;
  let e2;
  await check(`${n}: an enterprise runner registers into it; set its runners (PUT 204)`, async () => {
    earlier(group);
    const { data } = await octokit.request("POST /enterprises/{enterprise}/actions/runners/registration-token", {
      enterprise,
    });
    e1 = await register(data.token, "octokit-enterprise-1", { runner_group: "octokit-enterprise-group" });
    e2 = await register(data.token, "octokit-enterprise-2");
    assert.deepEqual([e1.runner_group_id, e2.runner_group_id], [group.id, 1]);
    const response = await octokit.request(`PUT ${ENTERPRISE_GROUPS}/{runner_group_id}/runners`, {
      enterprise,
      runner_group_id: group.id,
      runners: [e2.id],
    });
    assert.equal(response.status, 204);
    assert.deepEqual(await runnersOf(group.id), ["octokit-enterprise-2"]);
    assert.equal(await groupOf(e1.id), 1);
  });

  await check(`${n}: add a runner (PUT 204) and remove one (DELETE 204)`, async () => {
    earlier(group, e1, e2);
    const added = await octokit.request(`PUT ${ENTERPRISE_GROUPS}/{runner_group_id}/runners/{runner_id}`, {
      enterprise,
      runner_group_id: group.id,
      runner_id: e1.id,
    });
    assert.equal(added.status, 204);
    const removed = await octokit.request(`DELETE ${ENTERPRISE_GROUPS}/{runner_group_id}/runners/{runner_id}`, {
      enterprise,
      runner_group_id: group.id,
      runner_id: e2.id,
    });
    assert.equal(removed.status, 204);
    assert.deepEqual(await runnersOf(group.id), ["octokit-enterprise-1"]);
    assert.deepEqual([await groupOf(e1.id), await groupOf(e2.id)], [group.id, 1]);
  });

  await check(`${n}: octo-org cannot change the inherited group's runners: RequestError 422`, async () => {
    earlier(group);
    const { data } = await octokit.rest.actions.createRegistrationTokenForOrg({ org });
    const runner = await register(data.token, "octokit-org-runner");
    const error = await requestError(
      octokit.request(`PUT ${ORG_GROUPS}/{runner_group_id}/runners/{runner_id}`, {
        org,
        runner_group_id: group.id,
        runner_id: runner.id,
      }),
    );
    const expected = {
      resource: "RunnerGroup",
      field: "runner_group",
      code: "custom",
      message: 'Runner group "octokit-enterprise-group" is shared by the enterprise and can only be changed there',
    };
    assertRequestError(
      error,
      422,
      validationFailed(expected, `${GROUP_DOCS}#add-a-self-hosted-runner-to-a-group-for-an-organization`),
    );
  });

  await check(`${n}: rename it (PATCH 200); octo-org sees the new name`, async () => {
    earlier(group);
    const response = await octokit.request(`PATCH ${ENTERPRISE_GROUPS}/{runner_group_id}`, {
      enterprise,
      runner_group_id: group.id,
      name: "octokit-enterprise-renamed",
    });
    assert.equal(response.status, 200);
    assert.deepEqual(response.data, { ...group, name: "octokit-enterprise-renamed" });
    const names = (await octokit.paginate(`GET ${ORG_GROUPS}`, { org })).map((g) => [g.name, g.inherited]);
    assert.deepEqual(names.at(-1), ["octokit-enterprise-renamed", true]);
  });

  await check(`${n}: delete it (204): its runner returns to Default; octo-org no longer sees it`, async () => {
    earlier(group, e1);
    const response = await octokit.request(`DELETE ${ENTERPRISE_GROUPS}/{runner_group_id}`, {
      enterprise,
      runner_group_id: group.id,
    });
    assert.equal(response.status, 204);
    const error = await requestError(
      octokit.request(`GET ${ENTERPRISE_GROUPS}/{runner_group_id}`, { enterprise, runner_group_id: group.id }),
    );
    assertRequestError(error, 404, `Not Found - ${GROUP_DOCS}#get-a-self-hosted-runner-group-for-an-enterprise`);
    assert.equal(await groupOf(e1.id), 1);
    const orgGroups = (await octokit.paginate(`GET ${ORG_GROUPS}`, { org })).map((g) => g.name);
    assert.deepEqual(orgGroups, ["Default", "seeded"]);
  });
}

// --- The three scopes, for labels, JIT runners and the name filter -------------

/**
 * Each scope as a tool calls it: octokit's own methods for organizations and
 * repositories, octokit.request for the enterprise.
 */
function scopes(octokit) {
  const e = { enterprise };
  const runners = "/enterprises/{enterprise}/actions/runners";
  const a = octokit.rest.actions;
  return [
    {
      name: "enterprise",
      target: "an-enterprise",
      registrationToken: () => octokit.request(`POST ${runners}/registration-token`, e),
      list: (p) => octokit.request(`GET ${runners}`, { ...e, ...p }),
      get: (runner_id) => octokit.request(`GET ${runners}/{runner_id}`, { ...e, runner_id }),
      labels: {
        list: (runner_id) => octokit.request(`GET ${runners}/{runner_id}/labels`, { ...e, runner_id }),
        add: (runner_id, labels) => octokit.request(`POST ${runners}/{runner_id}/labels`, { ...e, runner_id, labels }),
        set: (runner_id, labels) => octokit.request(`PUT ${runners}/{runner_id}/labels`, { ...e, runner_id, labels }),
        removeAll: (runner_id) => octokit.request(`DELETE ${runners}/{runner_id}/labels`, { ...e, runner_id }),
        remove: (runner_id, name) =>
          octokit.request(`DELETE ${runners}/{runner_id}/labels/{name}`, { ...e, runner_id, name }),
      },
      jit: (body) => octokit.request(`POST ${runners}/generate-jitconfig`, { ...e, ...body }),
    },
    {
      name: "organization",
      target: "an-organization",
      registrationToken: () => a.createRegistrationTokenForOrg({ org }),
      list: (p) => a.listSelfHostedRunnersForOrg({ org, ...p }),
      get: (runner_id) => a.getSelfHostedRunnerForOrg({ org, runner_id }),
      labels: {
        list: (runner_id) => a.listLabelsForSelfHostedRunnerForOrg({ org, runner_id }),
        add: (runner_id, labels) => a.addCustomLabelsToSelfHostedRunnerForOrg({ org, runner_id, labels }),
        set: (runner_id, labels) => a.setCustomLabelsForSelfHostedRunnerForOrg({ org, runner_id, labels }),
        removeAll: (runner_id) => a.removeAllCustomLabelsFromSelfHostedRunnerForOrg({ org, runner_id }),
        remove: (runner_id, name) => a.removeCustomLabelFromSelfHostedRunnerForOrg({ org, runner_id, name }),
      },
      jit: (body) => a.generateRunnerJitconfigForOrg({ org, ...body }),
    },
    {
      name: "repository",
      target: "a-repository",
      registrationToken: () => a.createRegistrationTokenForRepo({ owner, repo }),
      list: (p) => a.listSelfHostedRunnersForRepo({ owner, repo, ...p }),
      get: (runner_id) => a.getSelfHostedRunnerForRepo({ owner, repo, runner_id }),
      labels: {
        list: (runner_id) => a.listLabelsForSelfHostedRunnerForRepo({ owner, repo, runner_id }),
        add: (runner_id, labels) => a.addCustomLabelsToSelfHostedRunnerForRepo({ owner, repo, runner_id, labels }),
        set: (runner_id, labels) => a.setCustomLabelsForSelfHostedRunnerForRepo({ owner, repo, runner_id, labels }),
        removeAll: (runner_id) => a.removeAllCustomLabelsFromSelfHostedRunnerForRepo({ owner, repo, runner_id }),
        remove: (runner_id, name) =>
          a.removeCustomLabelFromSelfHostedRunnerForRepo({ owner, repo, runner_id, name }),
      },
      jit: (body) => a.generateRunnerJitconfigForRepo({ owner, repo, ...body }),
    },
  ];
}

// --- Labels -----------------------------------------------------------------------

async function labels({ register }, scope) {
  const n = `3.22 ${scope.name} labels`;
  const via = scope.name === "enterprise" ? "octokit.request" : "octokit's method";
  let runner;
  /** A label answer: 200 {total_count, labels}; answers the labels as pairs. */
  const answer = (response) => {
    assert.equal(response.status, 200);
    assert.equal(response.data.total_count, response.data.labels.length);
    for (const label of response.data.labels) assert.ok(Number.isInteger(label.id) && label.id > 0, JSON.stringify(label));
    return pairs(response.data.labels);
  };

  await check(`${n}: list a runner's labels (${via}): read-only and custom, ids as on the runner`, async () => {
    const { data } = await scope.registrationToken();
    runner = await register(data.token, `octokit-${scope.name}-labelled`, { labels: ["gpu"] });
    const response = await scope.labels.list(runner.id);
    assert.deepEqual(answer(response), pairs([...READ_ONLY, ["gpu", "custom"]].map(([name, type]) => ({ name, type }))));
    assert.deepEqual(
      [...response.data.labels].sort((x, y) => x.id - y.id),
      [...runner.labels].sort((x, y) => x.id - y.id),
    );
  });

  const expect = (...custom) =>
    pairs([...READ_ONLY, ...custom.map((name) => [name, "custom"])].map(([name, type]) => ({ name, type })));

  await check(`${n}: add custom labels (POST 200) answers every label`, async () => {
    earlier(runner);
    assert.deepEqual(answer(await scope.labels.add(runner.id, ["fast", "ssd"])), expect("fast", "gpu", "ssd"));
  });

  await check(`${n}: set custom labels (PUT 200): the read-only ones stay, the case given is kept`, async () => {
    earlier(runner);
    assert.deepEqual(answer(await scope.labels.set(runner.id, ["Arm-Cross", "nvme"])), expect("Arm-Cross", "nvme"));
    assert.deepEqual(pairs((await scope.get(runner.id)).data.labels), expect("Arm-Cross", "nvme"));
  });

  await check(`${n}: remove one custom label, named in another case (DELETE …/labels/{name} 200)`, async () => {
    earlier(runner);
    assert.deepEqual(answer(await scope.labels.remove(runner.id, "arm-cross")), expect("nvme"));
  });

  await check(`${n}: removing a read-only label is a RequestError 422 with GitHub's simple errors`, async () => {
    earlier(runner);
    const error = await requestError(scope.labels.remove(runner.id, "Linux"));
    const message = '"Linux" is a read-only label and cannot be removed';
    assertRequestError(
      error,
      422,
      `Validation Failed: ${JSON.stringify(message)} - ${RUNNER_DOCS}#remove-a-custom-label-from-a-self-hosted-runner-for-${scope.target}`,
    );
    assert.deepEqual(error.response.data.errors, [message]);
  });

  await check(`${n}: a label the runner lacks is a RequestError 404 Not Found`, async () => {
    earlier(runner);
    const error = await requestError(scope.labels.remove(runner.id, "not-there"));
    assertRequestError(
      error,
      404,
      `Not Found - ${RUNNER_DOCS}#remove-a-custom-label-from-a-self-hosted-runner-for-${scope.target}`,
    );
  });

  await check(`${n}: remove all custom labels (DELETE …/labels 200): the read-only ones stay`, async () => {
    earlier(runner);
    assert.deepEqual(answer(await scope.labels.removeAll(runner.id)), expect());
    assert.deepEqual(pairs((await scope.get(runner.id)).data.labels), expect());
  });

  await check(`${n}: an unknown runner's labels are a RequestError 404 Not Found`, async () => {
    const error = await requestError(scope.labels.list(999999));
    assertRequestError(error, 404, `Not Found - ${RUNNER_DOCS}#list-labels-for-a-self-hosted-runner-for-${scope.target}`);
  });
}

// --- Just-in-time runners ---------------------------------------------------------

async function jit({ register }, scope, mock, group) {
  const n = `3.22 ${scope.name} jit`;
  const name = `octokit-${scope.name}-jit`;
  const groupId = group?.id ?? 1;
  const docs = `${RUNNER_DOCS}#create-configuration-for-a-just-in-time-runner-for-${scope.target}`;
  let config;
  let files;

  await check(`${n}: generate-jitconfig (201) into ${group ? `group ${group.name}` : "Default"}: offline, ephemeral, os unknown`, async () => {
    const response = await scope.jit({
      name,
      runner_group_id: groupId,
      labels: ["self-hosted", "X64", "jit", "Jit-Only"],
      work_folder: "_jit_work",
    });
    assert.equal(response.status, 201);
    const r = response.data.runner;
    assert.deepEqual(
      [r.name, r.status, r.busy, r.os, r.ephemeral, r.runner_group_id, r.version],
      [name, "offline", false, "unknown", true, groupId, null],
    );
    assert.deepEqual(pairs(r.labels), [
      ["Jit-Only", "custom"],
      ["X64", "read-only"],
      ["jit", "custom"],
      ["self-hosted", "read-only"],
    ]);
    assert.equal(typeof response.data.encoded_jit_config, "string");
    config = response.data;
  });

  await check(`${n}: encoded_jit_config decodes to the runner's .runner, .credentials and .credentials_rsaparams`, async () => {
    earlier(config);
    files = jitFiles(config.encoded_jit_config);
    assert.deepEqual(Object.keys(files).sort(), [".credentials", ".credentials_rsaparams", ".runner"]);
    const settings = JSON.parse(files[".runner"]);
    assert.equal(String(settings.AgentId), String(config.runner.id), files[".runner"]);
    assert.deepEqual(
      [settings.AgentName, String(settings.PoolId), settings.PoolName, settings.WorkFolder, String(settings.Ephemeral).toLowerCase()],
      [name, String(groupId), group?.name ?? "Default", "_jit_work", "true"],
    );
    assert.match(settings.ServerUrl, /^http:\/\/127\.0\.0\.1:\d+\//);
    const credentials = JSON.parse(files[".credentials"]);
    assert.equal(credentials.Scheme, "OAuth");
    assert.match(credentials.Data.AuthorizationUrl, /^http:\/\/127\.0\.0\.1:\d+\//);
  });

  await check(`${n}: .credentials_rsaparams is an RSA key that signs and verifies`, async () => {
    earlier(files);
    const key = rsaKey(JSON.parse(files[".credentials_rsaparams"]));
    assert.equal(key.asymmetricKeyType, "rsa");
    assert.ok(key.asymmetricKeyDetails.modulusLength >= 2048, `${key.asymmetricKeyDetails.modulusLength} bits`);
    const signature = sign("sha256", Buffer.from("ghes-mock"), key);
    assert.ok(verify("sha256", Buffer.from("ghes-mock"), createPublicKey(key), signature));
  });

  await check(`${n}: POST /_mock/runners/jit starts it: online, with its OS and version`, async () => {
    earlier(config);
    const started = await control(mock, "POST", "/runners/jit", { encoded_jit_config: config.encoded_jit_config }, 200);
    assert.deepEqual([started.id, started.status, started.os], [config.runner.id, "online", "linux"]);
    const { data } = await scope.get(config.runner.id);
    assert.deepEqual([data.status, data.busy, data.ephemeral, data.runner_group_id], ["online", false, true, groupId]);
    assert.match(data.version, /^\d+\.\d+\.\d+$/);
  });

  await check(`${n}: a config starts its runner once: the second start is 409`, async () => {
    earlier(config);
    const body = await control(mock, "POST", "/runners/jit", { encoded_jit_config: config.encoded_jit_config }, 409);
    assert.equal(body.message, `The JIT configuration of runner ${config.runner.id} has already started it`);
  });

  await check(`${n}: a taken name is a RequestError 409 Already exists`, async () => {
    const error = await requestError(scope.jit({ name, runner_group_id: 1, labels: ["jit"] }));
    assertRequestError(error, 409, `Already exists - A runner with the name ${name} already exists. - ${docs}`);
  });

  await check(`${n}: an unknown runner group is a RequestError 404 Not Found`, async () => {
    const error = await requestError(scope.jit({ name: `${name}-nogroup`, runner_group_id: 999999, labels: ["jit"] }));
    assertRequestError(error, 404, `Not Found - ${docs}`);
  });

  await check(`${n}: no labels is a RequestError 422 with GitHub's simple errors; no runner is made`, async () => {
    const error = await requestError(scope.jit({ name: `${name}-nolabels`, runner_group_id: 1, labels: [] }));
    const message = "labels must name 1 to 100 labels, not 0";
    assertRequestError(error, 422, `Validation Failed: ${JSON.stringify(message)} - ${docs}`);
    assert.deepEqual(error.response.data.errors, [message]);
    assert.equal((await scope.list({ name: `${name}-nolabels` })).data.total_count, 0);
  });
}

// --- The name filter and the runner fields of 3.22 --------------------------------

async function nameFilterAndFields({ register }, scope) {
  const n = `3.22 ${scope.name} runners`;
  let ephemeral;
  let lasting;

  await check(`${n}: runner_group_id, ephemeral and version of registered runners`, async () => {
    const { data } = await scope.registrationToken();
    ephemeral = await register(data.token, `octokit-${scope.name}-once`, { ephemeral: true });
    lasting = await register(data.token, `octokit-${scope.name}-lasting`);
    const fields = async (id) => {
      const { data: r } = await scope.get(id);
      return [r.runner_group_id, r.ephemeral, r.version];
    };
    const [group, once, version] = await fields(ephemeral.id);
    assert.deepEqual([group, once], [1, true]);
    assert.match(version, /^\d+\.\d+\.\d+$/);
    assert.deepEqual(await fields(lasting.id), [1, false, version]);
  });

  await check(`${n}: ?name= lists only the runner called so; an unknown name lists none`, async () => {
    earlier(ephemeral, lasting);
    const { data } = await scope.list({ name: lasting.name });
    assert.equal(data.total_count, 1);
    assert.deepEqual(
      data.runners.map((r) => [r.id, r.name]),
      [[lasting.id, lasting.name]],
    );
    const none = await scope.list({ name: "nobody-is-called-so" });
    assert.deepEqual([none.data.total_count, none.data.runners], [0, []]);
  });
}
