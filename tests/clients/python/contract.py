"""Fuzzes ghes-mock with schemathesis against GitHub's own description of
the runner endpoints of one GHES version, then sums up what it checked.

Every operation of the description is tested; the settings, the checks and
the seed are in schemathesis.toml beside this file.

Input (environment):
  GHES_API_URL    http://127.0.0.1:PORT/api/v3 of a server in open mode,
                  presenting the version of the description and seeded with
                  the scopes, groups and runners schemathesis.toml names
  GHES_CONTRACT   the description, a file name in tests/schema
                  (ghes-3.22-runners.json)
  GHES_OPERATIONS how many operations the description has: fewer tested is
                  a failure
Output: schemathesis's own report, then the totals and "N passed, M failed"
(check results); exit 1 on any failure.
"""

import collections
import json
import os
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
SCHEMA = HERE.parent.parent / "schema" / os.environ["GHES_CONTRACT"]
API = os.environ["GHES_API_URL"]
OPERATIONS = int(os.environ["GHES_OPERATIONS"])

with tempfile.TemporaryDirectory() as reports:
    events = pathlib.Path(reports) / "events.ndjson"
    command = [
        str(pathlib.Path(sys.executable).with_name("schemathesis")),
        "--no-color",
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        str(SCHEMA),
        "--url",
        API,
        "--header",
        "Authorization: token x",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(events),
    ]
    # The hooks module (github_checks.py) is imported from this directory;
    # schemathesis's and hypothesis's caches go to the temporary one.
    run = subprocess.run(command, cwd=reports, env={**os.environ, "PYTHONPATH": str(HERE)}, check=False)

    operations = set()
    cases = collections.Counter()
    checks = collections.defaultdict(collections.Counter)
    statuses = collections.Counter()
    for line in events.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished or finished["status"] == "skip":
            continue
        recorder = finished["recorder"]
        if " /" in recorder["label"]:  # "GET /meta", not a stateful scenario
            operations.add(recorder["label"])
        cases[finished["phase"]] += len(recorder["cases"])
        for results in recorder["checks"].values():
            for result in results:
                checks[result["name"]][result["status"]] += 1
        for interaction in recorder["interactions"].values():
            if interaction.get("response"):
                statuses[interaction["response"]["status_code"]] += 1

passed = sum(c["success"] for c in checks.values())
failed = sum(n for c in checks.values() for status, n in c.items() if status != "success")
print()
print(f"operations tested: {len(operations)}")
print(f"test cases: {sum(cases.values())} ({', '.join(f'{phase} {n}' for phase, n in sorted(cases.items()))})")
for name, results in sorted(checks.items()):
    print(f"check {name}: {results['success']} passed, {sum(results.values()) - results['success']} failed")
print(f"status codes: {', '.join(f'{code} x{n}' for code, n in sorted(statuses.items()))}")
print(f"schemathesis exit code: {run.returncode}")
if len(operations) < OPERATIONS:
    failed += 1
    print(f"only {len(operations)} of the description's {OPERATIONS} operations were tested")
print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 and run.returncode == 0 else 1)
