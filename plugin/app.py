"""The Flask application factory: no module-level app; settings validated before anything starts."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from flask import Flask, jsonify
from sqlalchemy.exc import DBAPIError, OperationalError

from . import logs
from .config import APP_CONFIG_KEY, load_settings
from .db import make_engine, make_session_factory
from .secretbox import check_key

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Build the web app from CONTACTGUARD_* settings, the instance file and `config` overrides."""
    settings = load_settings(config)
    # root_path given, so Flask never searches the import system for a module named "contactguard" (a finder
    # without find_spec, such as pygal's, makes that search warn, and warnings are errors in the tests).
    app = Flask(
        "contactguard",
        root_path=str(Path(__file__).parent),
        instance_path=settings.INSTANCE_PATH,
        instance_relative_config=True,
    )
    app.config["TESTING"] = settings.TESTING
    app.config[APP_CONFIG_KEY] = settings  # read with plugin.config.settings_of(app)
    logs.configure(settings.LOG_LEVEL)
    engine = make_engine(settings.DATABASE_URL)
    app.extensions["contactguard.engine"] = engine
    # The webhook's inserts: on PostgreSQL a pool in autocommit mode without the ping before each use
    # (webhooks/group_commit.py).
    app.extensions["contactguard.webhook_engine"] = (
        make_engine(settings.DATABASE_URL, pre_ping=False, autocommit=True)
        if engine.dialect.name == "postgresql"
        else engine
    )
    app.extensions["contactguard.sessions"] = make_session_factory(engine)
    try:
        with app.extensions["contactguard.sessions"]() as session:
            check_key(session, settings)  # a lost key would make every webhook fail: refuse to start instead
    except Exception:
        engine.dispose()
        raise

    from webhooks import receiver

    from .web import admin, api, auth, casework, documents, health, metrics, pages, request_guard, sidebar

    request_guard.init_app(app)  # body limit, ids within the database's integers, no NUL, strict JSON for the API
    auth.init_app(app)  # session cookie key and settings, CSRF on forms, OpenID Connect
    pages.init_app(app)  # GOV.UK templates, error pages, private headers
    for blueprint in (
        health.bp,
        receiver.bp,
        metrics.bp,
        auth.bp,
        pages.bp,
        casework.bp,  # customers, incidents, warnings, the restriction wizard, appeals, reviews
        documents.bp,  # letters and reports
        admin.bp,  # connections, outbox, webhook decisions, audit trail
        sidebar.bp,
    ):  # the panel beside the ticket (signed links, Help Scout's Dynamic App)
        app.register_blueprint(blueprint)
    api.init_app(app)  # the REST API under /api/v1, with its OpenAPI document
    app.register_error_handler(OperationalError, _database_unavailable)
    return app


def _database_unavailable(exc: DBAPIError):
    """The database is down or restarting: 503 with Retry-After, so the helpdesk retries and nothing is lost.

    Nothing was committed (each event is one transaction), so the retried delivery is stored exactly once."""
    log.error("database unavailable: %s", type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__)
    reply = jsonify(
        code="database_unavailable", status=503, message="the database is unavailable; retry later", errors={}
    )
    return reply, 503, {"Retry-After": "30"}


def dispose(app: Flask) -> None:
    """Close the app's database connections (both pools): tests and tools that build apps call this."""
    app.extensions["contactguard.engine"].dispose()
    app.extensions["contactguard.webhook_engine"].dispose()


def create_served_app():
    """The app as `contactguard serve` runs it, gunicorn's app factory `plugin.app:create_served_app()`: behind the
    body guard and request slots of plugin/web/serving.py (imported here, not at start-up: it needs gevent)."""
    from .web.serving import served

    app = served(create_app())
    # What the start loaded (modules, the app, compiled templates: most of a worker's objects) stays for the
    # worker's life: leave it out of the garbage collector's full collections, each of which walked all of it
    # (80 ms measured, a stall of every request the worker held).
    gc.freeze()
    return app
