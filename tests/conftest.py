"""Fixtures: a real database (SQLite file or PostgreSQL), contexts per role, the app, the CLI.

CONTACTGUARD_TEST_DATABASE is `sqlite` (default) or a PostgreSQL URL. Each run migrates a
fresh database once with Alembic; each test starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
import uuid

import psycopg
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from plugin import migrate
from plugin.app import create_app, dispose
from plugin.config import load_settings
from plugin.db import make_engine, make_session_factory
from plugin.models import Base
from plugin.policy.vocabulary import Role
from plugin.services import Actor, Context
from plugin.services import register as reg

TARGET = os.environ.get("CONTACTGUARD_TEST_DATABASE", "sqlite")
ON_POSTGRES = TARGET != "sqlite"


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs PostgreSQL; this run is on SQLite")
    for item in items:
        if not ON_POSTGRES and "postgres_only" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config):
    return f"contactguard test database: {'PostgreSQL' if ON_POSTGRES else 'SQLite'}"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with full token buckets, kept in the process."""
    from adapters import ratelimit

    ratelimit.share_through(None)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """A freshly migrated database for this run: a SQLite file, or a new PostgreSQL database."""
    if not ON_POSTGRES:
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        yield url
        return
    base = make_url(TARGET)
    name = f"cg_test_{uuid.uuid4().hex[:10]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(database_template, tmp_path):
    """A database for one test, with empty tables."""
    if not ON_POSTGRES:
        path = tmp_path / "contactguard.sqlite3"
        shutil.copy(make_url(database_template).database, path)
        return f"sqlite:///{path}"
    engine = make_engine(database_template)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return database_template


@pytest.fixture
def settings(db_url, tmp_path):
    return load_settings(
        {"DATABASE_URL": db_url, "INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True}, environ={}
    )


@pytest.fixture
def engine(settings):
    engine = make_engine(settings.DATABASE_URL)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return make_session_factory(engine)


class Cast:
    """The people in every workflow test, and a way to act as each of them in one transaction."""

    def __init__(self, sessions, settings):
        self.sessions = sessions
        self.settings = settings
        self.ids = {}

    def act(self, who: str | None = None):
        """A context manager yielding a Context in a committed transaction, acting as `who`."""
        cast = self

        class _Unit:
            def __enter__(self_inner):
                self_inner.session = cast.sessions()
                self_inner.session.begin()
                return Context(self_inner.session, cast.actor(who), cast.settings)

            def __exit__(self_inner, exc_type, exc, tb):
                if exc_type is None:
                    self_inner.session.commit()
                else:
                    self_inner.session.rollback()
                self_inner.session.close()
                return False

        return _Unit()

    def actor(self, who: str | None) -> Actor:
        if who is None:
            return Actor.system("test")
        officer_id, role = self.ids[who]
        return Actor(label=f"officer:{officer_id}", role=role, officer_id=officer_id)


PEOPLE = [
    ("senior", "Sam Senior", Role.SENIOR, None),
    ("senior2", "Pat Senior", Role.SENIOR, None),
    ("deputy", "Dee Deputy", Role.OFFICER, None),
    ("officer", "Olly Officer", Role.OFFICER, "deputy"),
    ("agent", "Ann Agent", Role.AGENT, None),
    ("admin", "Ada Admin", Role.ADMIN, None),
]


def email_of(who: str) -> str:
    return f"{who}@council.example"


@pytest.fixture
def cast(sessions, settings):
    """Officers of every role, a housing service and one customer (C1) with e-mail and phone."""
    cast = Cast(sessions, settings)
    with cast.act() as ctx:
        reg.add_service(ctx, {"slug": "housing", "name": "Housing"})
        for key, name, role, deputy in PEOPLE:
            data = {"email": email_of(key), "name": name, "role": role.value, "service": "housing"}
            if deputy:
                data["deputy"] = email_of(deputy)
            officer = reg.add_officer(ctx, data)
            cast.ids[key] = (officer.id, role)
        reg.add_customer(
            ctx,
            {
                "reference": "C1",
                "name": "Jane Customer",
                "identities": [
                    {"kind": "email", "value": "jane.customer@example.com"},
                    {"kind": "phone", "value": "07700 900123"},
                ],
            },
        )
    return cast


@pytest.fixture
def app(settings):
    app = create_app({"DATABASE_URL": settings.DATABASE_URL, "INSTANCE_PATH": settings.INSTANCE_PATH, "TESTING": True})
    yield app
    dispose(app)


class WorkerBesideClient(FlaskClient):
    """Flask's test client, with the worker's step run after each webhook delivery.

    The webhook only stores events; in production the worker, woken by the commit, decides them a few
    milliseconds later (plugin/worker/decisions.py). Here that step runs as soon as the delivery is
    answered, so a test sees what an agent sees a moment later. The helpdesk calls are not made: tests
    drain the outbox themselves, against `responses` or a real django-helpdesk."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.request.path.startswith("/webhooks/"):
            decide_all(self.application.extensions["contactguard.sessions"], self.application.config["CONTACTGUARD"])
        return response


def decide_all(sessions, settings) -> None:
    """Run the worker's decision step until no stored event is left undecided."""
    from plugin.worker.decisions import decide_pending

    while decide_pending(sessions, settings):
        pass


@pytest.fixture
def client(app):
    app.test_client_class = WorkerBesideClient
    return app.test_client()


@pytest.fixture
def runner(settings, monkeypatch):
    """A CLI runner whose commands use this test's database."""
    for key in list(os.environ):
        if key.startswith("CONTACTGUARD_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("CONTACTGUARD_DATABASE_URL", settings.DATABASE_URL)
    monkeypatch.setenv("CONTACTGUARD_INSTANCE_PATH", settings.INSTANCE_PATH)
    return CliRunner()
