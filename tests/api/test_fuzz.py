"""Schemathesis against the app in-process, as a senior officer: no 5xx, and every reply matches the document.

A few hundred generated requests in all; `python -m benchmarks.api_fuzz --cases N` is the big run.
"""

from __future__ import annotations

from tests.api.fuzzing import fuzz, hostile
from tests.helpers import active_restriction

EXAMPLES_PER_OPERATION = 6


def test_generated_requests_get_documented_answers(app, cast, tokens):
    active_restriction(cast)  # something on the register for the reads to show
    report = fuzz(app, tokens("senior"), EXAMPLES_PER_OPERATION)
    assert report.operations >= 40
    assert report.cases >= 150, report
    assert report.failures == {}, "\n\n".join(f"{label}:\n{text}" for label, text in report.failures.items())


def test_hostile_paths_and_bodies_get_a_4xx_from_every_operation(app, cast, tokens):
    """Issue 21: NUL in paths, ids beyond the database, deep nesting, huge integers, lone surrogates, duplicate keys."""
    active_restriction(cast)
    report = hostile(app, tokens("senior"), 20)
    assert report.operations >= 40 and report.cases >= 160, report
    assert report.failures == {}, "\n\n".join(f"{label}:\n{text}" for label, text in report.failures.items())
