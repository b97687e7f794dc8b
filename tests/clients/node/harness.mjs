// What the octokit checks share: running one named check and counting it,
// the RequestError a call rejects with, and the mock's control API.

import assert from "node:assert/strict";
import { RequestError } from "@octokit/request-error";

/** How many checks passed and failed so far, over every file of the suite. */
export const counts = { passed: 0, failed: 0 };

/** An environment variable the suite cannot run without. */
export function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
}

/** Runs one named check; an exception or a failed assertion fails it. */
export async function check(name, body) {
  try {
    await body();
    counts.passed += 1;
    console.log(`ok   ${name}`);
  } catch (error) {
    counts.failed += 1;
    console.log(`FAIL ${name}\n     ${String(error?.stack ?? error).replaceAll("\n", "\n     ")}`);
  }
}

/** Stops a check that builds on what an earlier, failed check should have made. */
export function earlier(...made) {
  if (made.some((value) => value === undefined || value === null)) {
    throw new Error("not run: an earlier check it builds on failed");
  }
}

/** The RequestError a call rejects with. */
export async function requestError(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("the call succeeded; an error was expected");
}

/**
 * Checks octokit's RequestError: its status and its message, which octokit
 * writes as GitHub's `message`, then `: ` and each of its `errors` as JSON
 * when there are any, then ` - ` and the `documentation_url`.
 */
export function assertRequestError(error, status, message) {
  assert.ok(error instanceof RequestError, `not a RequestError: ${error?.stack ?? error}`);
  assert.equal(error.name, "HttpError");
  assert.equal(error.status, status);
  assert.equal(error.message, message);
}

/**
 * A request to the control API of the mock at `mock` (http://HOST:PORT),
 * with plain fetch as a test fixture would; checks the status and returns
 * the decoded body.
 */
export async function control(mock, method, path, body, status) {
  const response = await fetch(`${mock}/_mock${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, status, `${method} /_mock${path}: ${text}`);
  return text === "" ? null : JSON.parse(text);
}
