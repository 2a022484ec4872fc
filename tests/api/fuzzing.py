"""Generated requests for every operation in the OpenAPI document, shared by tests/api/test_fuzz.py and
`python -m benchmarks.api_fuzz`: schemathesis builds each request from the document, the app answers in-process,
and each answer must be no 5xx, a documented status and content type, and a body matching its schema."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fixed_seed
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MODES = {"positive": GenerationMode.POSITIVE, "negative": GenerationMode.NEGATIVE}


@dataclass
class Report:
    """How many requests went, how many operations, and each operation's (shrunk) failure."""

    cases: int = 0
    operations: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)


def fuzz(app, token: str, examples: int, modes=("positive",), seed: int | None = 0) -> Report:
    """Up to `examples` generated requests per operation and mode, as the holder of `token`.

    The same `seed` generates the same requests (None: a new draw each run)."""
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=headers)
    report = Report()
    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations += 1
        for mode in modes:
            label = f"{operation.method.upper()} {operation.path} ({mode})"
            try:
                _run(operation.as_strategy(generation_mode=MODES[mode]), headers, examples, seed, report)
            except Exception as exc:  # noqa: BLE001 - every failing operation is reported, not just the first
                report.failures[label] = f"{type(exc).__name__}: {exc}"[:3000]
    return report


def _run(strategy, headers: dict, examples: int, seed: int | None, report: Report) -> None:
    @given(case=strategy)
    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck), print_blob=False
    )
    def call(case):
        report.cases += 1
        response = case.call(headers=headers)
        report.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    (fixed_seed(seed)(call) if seed is not None else call)()
