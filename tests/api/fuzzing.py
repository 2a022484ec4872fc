"""Generated requests for every operation in the OpenAPI document, shared by tests/api/test_fuzz.py and
`python -m benchmarks.api_fuzz`: schemathesis builds each request from the document, the app answers in-process,
and each answer must be no 5xx, a documented status and content type, and a body matching its schema."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st
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
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failing operation is reported
                # (schemathesis's FailureGroup is a BaseExceptionGroup, not an Exception)
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


# -- hostile input the document does not describe (issue 21 item 4) -----------------------------------------------

# Path parameters: NUL (raw and escaped), ids beyond the database's integer, a lone surrogate's UTF-8, long text.
HOSTILE_PATH_VALUES = ["%00", "a%00b", "99999999999999999999", "2147483648", "-1", "%ED%A0%80", "x" * 300, "%FF"]


@st.composite
def hostile_bodies(draw) -> bytes:
    """Bodies a careful API refuses as 4xx: deep nesting, huge integers, lone surrogates and NUL (JSON-escaped),
    duplicate keys, NaN, bytes that are not UTF-8, and ordinary JSON around any of them."""
    depth = draw(st.sampled_from([40, 999, 1000, 5000, 100_000]))
    digits = draw(st.integers(21, 5000))
    inner = draw(
        st.sampled_from(
            [
                b"[" * depth + b"]" * depth,
                b'{"a":' * depth + b"1" + b"}" * depth,
                b"9" * digits,
                b'"\\ud800"',
                b'"nul \\u0000 here"',
                b"NaN",
                b"-Infinity",
                b'"\xff\xfe"',
            ]
        )
    )
    key = draw(st.sampled_from(["name", "customer", "reference", "reasons", "identities", "\\u0000", "\\udfff"]))
    duplicate = draw(st.booleans())
    body = b'{"' + key.encode() + b'": ' + inner + (b', "' + key.encode() + b'": 1' if duplicate else b"") + b"}"
    return draw(st.sampled_from([body, inner]))


def hostile(app, token: str, examples: int, seed: int | None = 0) -> Report:
    """Every operation with hostile path values and hostile JSON bodies: every answer must be below 500."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    client = app.test_client()
    document = client.get("/api/v1/openapi.json", headers=headers).get_json()
    report = Report()
    for path, item in sorted(document["paths"].items()):
        for method in sorted(m for m in item if m != "parameters"):
            report.operations += 1
            label = f"{method.upper()} {path} (hostile)"
            try:
                _hostile_operation(client, method, path, headers, examples, seed, report)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failing operation is reported
                report.failures[label] = f"{type(exc).__name__}: {exc}"[:3000]
    return report


def _hostile_operation(client, method, path, headers, examples, seed, report) -> None:
    @given(value=st.sampled_from(HOSTILE_PATH_VALUES), body=hostile_bodies())
    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck), print_blob=False
    )
    def call(value, body):
        filled = re.sub(r"\{[^}]+\}", value, path)
        url = filled if filled.startswith("/api/") else "/api/v1" + filled
        send = body if method in ("post", "put", "patch") else None
        response = client.open(url, method=method.upper(), data=send, headers=headers)
        report.cases += 1
        report.statuses[response.status_code] += 1
        assert response.status_code < 500, f"{method.upper()} {url} with {body[:80]!r}: {response.status_code}"

    (fixed_seed(seed)(call) if seed is not None else call)()
