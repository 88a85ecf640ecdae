#!/usr/bin/env python3
"""Fail CI when a test was skipped for any reason but "PostgreSQL only" on SQLite (stdlib only).

    python3 .ci/check_skips.py --sqlite test-results/sqlite.xml --postgres test-results/postgres.xml

Reads the JUnit reports `make test` writes. Exits 1, listing each offending test, when:
  - a report is missing or unreadable, or holds no test (an empty run is not a green one);
  - a report records a failure or an error;
  - a test was skipped (or xfailed) on SQLite with a reason that does not say the test is for PostgreSQL
    only (see POSTGRES_ONLY), or with such a reason but it did not run and pass on PostgreSQL;
  - any test was skipped on PostgreSQL;
  - the two runs did not run the same number of tests (ids are not compared: a parameter may be
    generated at collection time, e.g. a random UUID).
Without --postgres only the SQLite report is checked (and a PostgreSQL-only reason is taken at its word).
"""

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

# The reasons the PostgreSQL-only tests give on SQLite today ("... is tested on PostgreSQL (run with
# DATABASE_URL)", "... are tested on PostgreSQL ...") and the wording of the `postgres` marker
# ("only meaningful on PostgreSQL"), should a conftest hook skip by marker one day.
POSTGRES_ONLY = re.compile(r"\btested on PostgreSQL\b|\bonly (meaningful )?on PostgreSQL\b|\bPostgreSQL[- ]only\b",
                           re.IGNORECASE)


class Report:
    def __init__(self, label: str, path: Path):
        self.label, self.path = label, path
        self.outcome: dict[str, str] = {}  # test id -> passed | skipped | failed | error
        self.reason: dict[str, str] = {}  # test id -> skip reason
        root = ET.parse(path).getroot()
        for case in root.iter("testcase"):
            test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
            outcome = "passed"
            for child in case:
                if child.tag in ("failure", "error"):
                    outcome = "failed" if child.tag == "failure" else "error"
                    break
                if child.tag == "skipped":
                    outcome = "skipped"
                    self.reason[test_id] = (child.get("message") or child.text or "").strip()
            # A test can appear twice (e.g. passed, then an error at teardown): the worst outcome counts.
            if self.outcome.get(test_id) not in ("failed", "error"):
                self.outcome[test_id] = outcome

    def with_outcome(self, outcome: str) -> list[str]:
        return sorted(t for t, o in self.outcome.items() if o == outcome)


def load(label: str, path: Path, problems: list[str]) -> Report | None:
    if not path.is_file():
        problems.append(f"{label}: no report at {path} (did `make test` run pytest with --junitxml?)")
        return None
    try:
        report = Report(label, path)
    except ET.ParseError as exc:
        problems.append(f"{label}: {path} is not a readable JUnit report: {exc}")
        return None
    if not report.outcome:
        problems.append(f"{label}: {path} records no test at all")
    for outcome in ("failed", "error"):
        for test_id in report.with_outcome(outcome):
            problems.append(f"{label}: {test_id} {outcome}")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", type=Path, required=True, help="JUnit report of the SQLite run")
    parser.add_argument("--postgres", type=Path, help="JUnit report of the PostgreSQL run (required in CI)")
    args = parser.parse_args(argv)

    problems: list[str] = []
    sqlite = load("SQLite", args.sqlite, problems)
    postgres = load("PostgreSQL", args.postgres, problems) if args.postgres else None

    postgres_only = []
    if sqlite:
        for test_id in sqlite.with_outcome("skipped"):
            reason = sqlite.reason[test_id]
            if not POSTGRES_ONLY.search(reason):
                problems.append(f"SQLite: {test_id} skipped: {reason!r} (only PostgreSQL-only tests may be skipped)")
            elif postgres and postgres.outcome.get(test_id) != "passed":
                problems.append(f"SQLite: {test_id} skipped as PostgreSQL-only, but on PostgreSQL it "
                                f"{postgres.outcome.get(test_id, 'did not run')}")
            else:
                postgres_only.append(test_id)
    if postgres:
        for test_id in postgres.with_outcome("skipped"):
            problems.append(f"PostgreSQL: {test_id} skipped: {postgres.reason[test_id]!r} (nothing may be skipped there)")
    if sqlite and postgres and len(sqlite.outcome) != len(postgres.outcome):
        problems.append(f"{len(sqlite.outcome)} tests ran on SQLite but {len(postgres.outcome)} on PostgreSQL")

    for report in (sqlite, postgres):
        if report:
            print(f"check_skips: {report.label}: {len(report.outcome)} tests, "
                  f"{len(report.with_outcome('skipped'))} skipped ({report.path})")
    if postgres_only:
        print(f"check_skips: skipped on SQLite as PostgreSQL-only ({len(postgres_only)}"
              f"{', each passed on PostgreSQL' if postgres else ''}):")
        for test_id in postgres_only:
            print(f"  {test_id}")
    if problems:
        print(f"check_skips: FAILED ({len(problems)} problem(s)):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("check_skips: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
