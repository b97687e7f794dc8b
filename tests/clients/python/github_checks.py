"""Schemathesis hooks for ghes-mock: GitHub's status codes beyond its
descriptions.

The descriptions document few errors (3.1 only each runner operation's
success code), yet GitHub answers every operation with its generic client
errors, and clients rely on them: 400 for a body that is not JSON, 401 for
missing or bad credentials, 404 for a runner or group that does not exist
(or is another scope's), and 422 for invalid input and for deleting a busy
runner. Later descriptions document some of them for the same operations
(GHES 3.13 adds 422 to DELETE runner; the label operations on the same
runner ids, from 3.4, declare 404). This check accepts the documented codes
and those four, each only with GitHub's own error body; anything else is a
failure, as with schemathesis's status_code_conformance.
"""

import schemathesis

DOCS = "https://docs.github.com/"

# The error messages GitHub sends with each generic status.
GITHUB_ERRORS = {
    400: {"Problems parsing JSON"},
    401: {"Requires authentication", "Bad credentials"},
    404: {"Not Found"},
    422: {"Validation Failed"},
}


def _error_body(response):
    try:
        body = response.json()
    except ValueError as error:
        raise AssertionError(f"{response.status_code} without a JSON body: {error}")
    if not isinstance(body, dict):
        raise AssertionError(f"{response.status_code} body is not an object: {body!r}")
    return body


@schemathesis.check
def github_status_code_conformance(ctx, response, case):
    """The documented status codes, plus GitHub's 401/404/422 with its error body."""
    documented = case.operation.responses.status_codes
    status = response.status_code
    if str(status) in documented or f"{str(status)[0]}XX" in documented or "default" in documented:
        return None
    if status not in GITHUB_ERRORS:
        raise AssertionError(
            f"Undocumented status code {status}: documented {', '.join(documented)}, "
            f"and GitHub's generic {', '.join(map(str, GITHUB_ERRORS))}"
        )
    body = _error_body(response)
    message = body.get("message")
    busy = status == 422 and isinstance(message, str) and message.startswith("Bad request - Runner ")
    if message not in GITHUB_ERRORS[status] and not busy:
        raise AssertionError(f"{status} with message {message!r}, not GitHub's {sorted(GITHUB_ERRORS[status])}")
    url = body.get("documentation_url")
    if not isinstance(url, str) or not url.startswith(DOCS):
        raise AssertionError(f"{status} without GitHub's documentation_url: {body!r}")
    if message == "Validation Failed":
        errors = body.get("errors")
        if not isinstance(errors, list) or not errors or not all(
            isinstance(e, dict) and isinstance(e.get("code"), str) for e in errors
        ):
            raise AssertionError(f"422 Validation Failed without GitHub's errors list: {body!r}")
    return None
