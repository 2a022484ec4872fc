"""The OpenAPI document: valid OpenAPI 3, behind the same sign-in, with the bearer scheme and the envelope."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from openapi_spec_validator import validate

from plugin.app import create_app, dispose
from tests.api.conftest import assert_envelope, ok
from tests.api.test_access_matrix import MATRIX


def test_the_document_is_valid_openapi_3(api, cast):
    document = ok(api.get("/openapi.json", as_="agent"))
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "contactguard"


def test_the_document_needs_a_token_like_everything_else(api, cast):
    assert_envelope(api.get("/openapi.json", as_=None), 401, "unauthenticated")


def test_it_documents_the_bearer_scheme_for_every_operation(api, cast):
    document = ok(api.get("/openapi.json"))
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert document["security"] == [{"bearerAuth": []}]


def test_every_endpoint_is_documented_with_the_error_envelope(api, cast):
    document = ok(api.get("/openapi.json"))
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item if method != "parameters"
    }
    expected = {
        (method, _openapi_path(rule))
        for method, rule in MATRIX
        if not rule.endswith(("/openapi.json", "/api/v1", "/api/v1/", "<path:rest>"))
    }
    assert documented == expected
    envelope = document["components"]["schemas"]["ErrorEnvelope"]["properties"]
    assert set(envelope) == {"code", "status", "message", "errors"}
    for item in document["paths"].values():
        for method, operation in item.items():
            if method != "parameters":
                assert "default" in operation["responses"], operation.get("operationId")


def test_no_documentation_ui_is_served(api, cast):
    for path in ("/api/v1/swagger-ui", "/api/v1/docs", "/api/v1/redoc"):
        assert_envelope(api.get(path), 404)


def _openapi_path(rule: str) -> str:
    """/api/v1/customers/<reference> as OpenAPI writes it: /api/v1/customers/{reference}."""
    parts = []
    for part in rule.split("/"):
        if part.startswith("<"):
            part = "{" + part.strip("<>").split(":")[-1] + "}"
        parts.append(part)
    return "/".join(parts)


def test_the_document_written_on_first_read_is_the_same_on_every_read(api, cast, settings):
    """The document is written when first asked for (plugin/web/api ContactguardApi.document); later reads and
    parallel first reads in another app give the same one, each tag once."""
    first = ok(api.get("/openapi.json"))
    assert ok(api.get("/openapi.json")) == first
    assert len({tag["name"] for tag in first["tags"]}) == len(first["tags"])
    fresh = create_app({"DATABASE_URL": settings.DATABASE_URL, "INSTANCE_PATH": settings.INSTANCE_PATH})
    try:
        document = fresh.extensions["flask-smorest"]["apis"][""]["ext_obj"].document
        with ThreadPoolExecutor(4) as pool:
            documents = list(pool.map(lambda _: json.loads(json.dumps(document())), range(4)))
        assert all(d == first for d in documents)
    finally:
        dispose(fresh)
