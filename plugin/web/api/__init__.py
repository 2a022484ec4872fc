"""The REST API under /api/v1: one blueprint per resource over the one service layer, documented at
/api/v1/openapi.json (OpenAPI 3; no Swagger UI, nothing fetched from a CDN).

Every request needs a signed-in officer or an `Authorization: Bearer <token>` (401 otherwise) in a role the
endpoint allows (403 otherwise). Every error, including 404, 405 and 422, is the envelope
`{"code", "status", "message", "errors"}`. `init_app(app)` is the one line `create_app` calls.
"""

from __future__ import annotations

import threading
from importlib import metadata

from flask import Blueprint, current_app, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from . import appeals, connections, customers, due, incidents, letters, officers, operations, restrictions, reviews
from .core import ALL_ROLES, RecordId, acting, guard, record_id_schema
from .schemas import ErrorEnvelope, When

PREFIX = "/api/v1"
RESOURCES = (connections, officers, customers, incidents, restrictions, appeals, reviews, letters, operations, due)
BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "A personal API token (see docs/api.md), sent as `Authorization: Bearer <token>`. "
        "A signed-in browser session works too."
    ),
}


class ContactguardApi(Api):
    """flask-smorest with the contactguard envelope, no app-wide error handlers (the receiver has its own), and
    the OpenAPI document written when it is first asked for."""

    ERROR_SCHEMA = ErrorEnvelope

    def __init__(self, app=None, **options):
        self._undocumented: list[tuple] = []  # (blueprint, name, parameters), in the order registered
        self._documenting = threading.Lock()
        super().__init__(app, **options)

    def _register_error_handlers(self):
        """Each API blueprint registers the envelope itself (core.guard)."""

    def register_blueprint(self, blp, *, parameters=None, **options):
        """The blueprint's routes now; its part of the OpenAPI document when the document is first read
        (`document`). Writing it was two thirds of create_app's time (every web process at start, every test's
        app), and only /api/v1/openapi.json reads it. The same steps as flask-smorest's, in the same order."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def document(self) -> dict:
        """The OpenAPI document, with every blueprint registered so far."""
        with self._documenting:
            while self._undocumented:
                blp, name, parameters = self._undocumented.pop(0)
                blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
                self.spec.tag({"name": name, "description": blp.description})
            return self.spec.to_dict()


def init_app(app) -> ContactguardApi:
    """Mount the API at /api/v1 with its OpenAPI document; called once from create_app."""
    app.config.update(
        {
            "API_TITLE": "contactguard",
            "API_VERSION": _version(),
            "OPENAPI_VERSION": "3.0.3",
            "OPENAPI_URL_PREFIX": None,  # served by our own guarded route below, never with a UI
            "API_SPEC_OPTIONS": {"security": [{"bearerAuth": []}], "info": {"description": __doc__}},
        }
    )
    app.url_map.converters["id"] = RecordId
    api = ContactguardApi(app)
    api.register_converter(RecordId, record_id_schema)
    api.register_field(When, "string", None)
    api.spec.components.security_scheme("bearerAuth", BEARER)
    for resource in RESOURCES:
        api.register_blueprint(resource.bp, url_prefix=PREFIX)
    app.register_blueprint(_meta_blueprint(api), url_prefix=PREFIX)
    return api


def _version() -> str:
    try:
        return metadata.version("contactguard")
    except metadata.PackageNotFoundError:
        return "0"


def _meta_blueprint(api: ContactguardApi) -> Blueprint:
    """The OpenAPI document, and an envelope for every /api/v1 path or method nothing else answers."""
    meta = Blueprint("api", __name__)
    guard(meta)

    @acting(ALL_ROLES)
    def openapi_document(_ctx):
        """The OpenAPI 3 document of this API."""
        return jsonify(api.document())

    @acting(ALL_ROLES)
    def not_routed(_ctx, rest: str = ""):
        """No endpoint here: 405 with Allow when the path exists for other methods, 404 otherwise."""
        try:
            _api_routes().bind("localhost").match(request.path, method=request.method)
        except MethodNotAllowed as exc:
            allowed = sorted(set(exc.valid_methods or ()) - {"HEAD", "OPTIONS"})
            raise MethodNotAllowed(
                exc.valid_methods,
                description=(f"{request.path} does not accept {request.method}; it accepts {', '.join(allowed)}"),
            ) from None
        except NotFound:
            pass
        raise NotFound(
            f"no endpoint {request.method} {request.path}; the endpoints are listed in {PREFIX}/openapi.json"
        )

    meta.add_url_rule("/openapi.json", "openapi", openapi_document, methods=["GET"])
    for path in ("", "/", "/<path:rest>"):
        meta.add_url_rule(path, "not_routed", not_routed, methods=_EVERY_METHOD)
    return meta


_EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def _api_routes() -> Map:
    """The API's own rules, to tell 'wrong method' (405) from 'no such path' (404)."""
    routes = current_app.extensions.get("contactguard.api_routes")
    if routes is None:
        routes = Map(
            [
                Rule(rule.rule, endpoint=rule.endpoint, methods=rule.methods)
                for rule in current_app.url_map.iter_rules()
                if rule.rule.startswith(PREFIX) and rule.endpoint != "api.not_routed"
            ],
            converters={"id": RecordId},
        )
        current_app.extensions["contactguard.api_routes"] = routes
    return routes
