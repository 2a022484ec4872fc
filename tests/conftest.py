"""Fixtures: a real database (SQLite file or PostgreSQL), contexts per role, the app, the CLI.

CONTACTGUARD_TEST_DATABASE is `sqlite` (default) or a PostgreSQL URL. Each run migrates a
fresh database once with Alembic; each test starts from empty tables.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import socket
import tempfile
import uuid
from pathlib import Path

import jinja2
import psycopg
import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from plugin import migrate
from plugin.app import create_app, dispose
from plugin.config import load_settings
from plugin.db import make_engine, make_session_factory
from plugin.models import Base
from plugin.policy.vocabulary import Role
from plugin.services import Actor, Context, accounts
from plugin.services import register as reg

TARGET = os.environ.get("CONTACTGUARD_TEST_DATABASE", "sqlite")
ON_POSTGRES = TARGET != "sqlite"
MONITORING_TOKEN = "test-monitoring-token-0123456789"
MONITORING = {"Authorization": f"Bearer {MONITORING_TOKEN}"}  # what Prometheus and the on-call check send


def _resolves_here(host) -> bool:
    """Whether a name is this machine's own (an IP literal, localhost, a name without a dot): the only names
    the suite resolves."""
    name = (host.decode() if isinstance(host, bytes) else host or "").strip("[]").rstrip(".").lower()
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
        return True
    except ValueError:
        return "." not in name or name.endswith(".localhost")


def _offline(real):
    """socket.getaddrinfo for a suite that asks no DNS server: a helpdesk's public name (council.zendesk.com) in a
    test's settings fails at once as a name that does not resolve, which the address check lets pass
    (adapters/outbound.py). Asking the machine's resolver made the suite depend on it: where it drops a query,
    each lookup waited 5 s (glibc's timeout), seen on a quarter of a run's wall time."""

    def getaddrinfo(host, *args, **kwargs):
        if _resolves_here(host):
            return real(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"{host}: the test suite resolves no public names")

    getaddrinfo.offline = True
    return getaddrinfo


if not getattr(socket.getaddrinfo, "offline", False):
    socket.getaddrinfo = _offline(socket.getaddrinfo)


class _CompiledTemplates(jinja2.BytecodeCache):
    """Each template compiled once per test process, whichever app renders it: the suite creates an app for each
    test, and compiling the pages' templates anew each time was 30% of the web tests' time. Jinja's own
    bytecode cache, kept in memory; a template whose source changed (its checksum) is compiled again."""

    def __init__(self):
        self.compiled: dict[str, tuple[str, object]] = {}

    def load_bytecode(self, bucket):
        checksum, code = self.compiled.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = (bucket.checksum, bucket.code)


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _CompiledTemplates()}
PRODUCTION_HASHER = accounts._hasher  # tests/web/test_auth.py checks its parameters
QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


# Which run a test belongs to (scripts/test.sh runs the suite on SQLite, then on PostgreSQL). A test reaches the
# run's database through these fixtures (directly or through another fixture), or by reading TARGET/ON_POSTGRES in
# its module or a fixture's; any other test gives the same result on either database, so it runs in the SQLite run
# only. Real helpdesks and the browser (ONCE) run once too, on SQLite, unless marked both_databases. A test that
# asks for a database fixture at run time after all fails (_classified_right).
DATABASE_FIXTURES = frozenset(
    {"database_template", "db_url", "settings", "engine", "sessions", "cast", "app", "client", "runner"}
)
ONCE = ("e2e", "browser")
KIND = pytest.StashKey[str]()
KINDS = pytest.StashKey[dict]()
GROUPS = "CONTACTGUARD_TEST_GROUPS"  # where xdist's workers tell the controller which tests share a helpdesk


def touches_database(item) -> bool:
    """Whether the test reaches this run's database (see DATABASE_FIXTURES)."""
    if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    spaces = [vars(item.module)] if getattr(item, "module", None) else []
    info = getattr(item, "_fixtureinfo", None)
    for definitions in info.name2fixturedefs.values() if info else ():
        spaces += [getattr(d.func, "__globals__", {}) for d in definitions]
    here = globals()  # in this file only the fixtures named above reach the database
    return any({"TARGET", "ON_POSTGRES"} & space.keys() for space in spaces if space is not here)


def _kind(item) -> str:
    """postgres_only, once (a real helpdesk or the browser), pure (no database) or both (on each database)."""
    if item.get_closest_marker("postgres_only"):
        return "postgres_only"
    if item.get_closest_marker("both_databases"):
        return "both"
    here = Path(__file__).parent
    if item.path.is_relative_to(here) and item.path.relative_to(here).parts[0] in ONCE:
        return "once"
    return "both" if touches_database(item) else "pure"


def _shared_resources(item) -> set[str]:
    """The session-scoped fixtures of tests/e2e and tests/browser the test uses: a real helpdesk, the browser."""
    here, found = Path(__file__).parent, set()
    info = getattr(item, "_fixtureinfo", None)
    for name, definitions in info.name2fixturedefs.items() if info else ():
        source = Path(definitions[-1].func.__code__.co_filename)
        if definitions[-1].scope == "session" and any(source.is_relative_to(here / f) for f in ONCE):
            found.add(name)
    return found


def _groups(items) -> dict[str, str]:
    """Tests that share a helpdesk or the browser (directly or through another test), by nodeid: one group each."""
    owner: dict[str, str] = {}  # union-find over the resources

    def root(name: str) -> str:
        while owner.setdefault(name, name) != name:
            name = owner[name]
        return name

    uses = {item.nodeid: sorted(_shared_resources(item)) for item in items if item.stash[KIND] == "once"}
    for names in uses.values():
        for name in names:
            owner[root(name)] = root(names[0])
    members: dict[str, set[str]] = {}
    for name in list(owner):
        members.setdefault(root(name), set()).add(name)
    return {nodeid: "+".join(sorted(members[root(names[0])])) for nodeid, names in uses.items() if names}


def _tell_the_controller(config, items) -> None:
    """An xdist worker writes the groups where the controller's scheduler reads them (tests/conftest.py below)."""
    folder = os.environ.get(GROUPS)
    if folder and hasattr(config, "workerinput"):
        path = Path(folder) / f"{config.workerinput['workerid']}.json"
        path.with_suffix(".tmp").write_text(json.dumps(_groups(items)))
        path.with_suffix(".tmp").replace(path)


def pytest_configure(config):
    if not hasattr(config, "workerinput") and GROUPS not in os.environ:
        os.environ[GROUPS] = tempfile.mkdtemp(prefix="contactguard-groups-")  # the workers start after this


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and os.environ.get(GROUPS, "").startswith(tempfile.gettempdir()):
        shutil.rmtree(os.environ.pop(GROUPS), ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's load scheduling, but the tests that share a real helpdesk or the browser go to one worker as one
    unit, largest first, so each of those starts once per run. (xdist's own --dist loadgroup does not group with
    pytest 9.2: pytest-xdist issue 1386.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedResourcesTogether(LoadScopeScheduling):
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:  # every worker has collected (and written its file) by now
                written = sorted(Path(os.environ[GROUPS]).glob("*.json"))
                self.groups = json.loads(written[0].read_text()) if written else {}
            return self.groups.get(nodeid, nodeid)

    return SharedResourcesTogether(config, log)


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs PostgreSQL; this run is on SQLite")
    kept, elsewhere, counts = [], [], dict.fromkeys(("pure", "once", "both", "postgres_only"), 0)
    for item in items:
        kind = item.stash[KIND] = _kind(item)
        counts[kind] += 1
        if kind == "postgres_only" and not ON_POSTGRES:
            item.add_marker(skip)
        (elsewhere if ON_POSTGRES and kind in ("pure", "once") else kept).append(item)
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = kept
    config.stash[KINDS] = counts
    _tell_the_controller(config, items)
    if hasattr(config, "workeroutput"):  # an xdist worker: the controller prints the counts
        config.workeroutput["contactguard_kinds"] = counts


def _sendable(text: str) -> str:
    """`text` with lone surrogates written as escapes: pytest-xdist sends reports as UTF-8 and stops the whole run
    on one it cannot encode, and the hostile tests' inputs (and so their failures' reports) carry them."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.sections = [(_sendable(title), _sendable(content)) for title, content in report.sections]
    if report.longrepr is not None:
        text = str(report.longrepr)
        if _sendable(text) != text:
            report.longrepr = _sendable(text)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist's controller: keep a worker's counts (every worker collects the same tests)."""
    if "contactguard_kinds" in getattr(node, "workeroutput", {}):
        node.config.stash[KINDS] = node.workeroutput["contactguard_kinds"]


def pytest_terminal_summary(terminalreporter, config):
    counts = config.stash.get(KINDS, None)
    if counts:
        where = "deselected here: they ran in the SQLite run" if ON_POSTGRES else "run here only"
        terminalreporter.write_line(
            f"contactguard: {counts['pure']} tests touch no database and {counts['once']} drive a real helpdesk or "
            f"browser ({where}); {counts['both']} run on each database, {counts['postgres_only']} on PostgreSQL only"
        )


def pytest_report_header(config):
    return f"contactguard test database: {'PostgreSQL' if ON_POSTGRES else 'SQLite'}"


@pytest.fixture(autouse=True)
def _classified_right(request):
    """A test classified at collection as touching no database fails if it asked for one at run time after all."""
    yield
    asked = DATABASE_FIXTURES & set(request.fixturenames)
    if asked and request.node.stash.get(KIND, None) == "pure":
        pytest.fail(
            f"asked for {', '.join(sorted(asked))} at run time, but was classified at collection as touching no "
            "database (so it runs on SQLite only): name the fixture in the test's arguments, or mark it both_databases"
        )


@pytest.fixture(autouse=True)
def _quick_password_hashing(monkeypatch):
    """argon2 with the lowest cost (1 pass over 1 MiB) for passwords the tests set and check: the service's own
    cost (64 MiB, 3 passes: PRODUCTION_HASHER) is for an attacker holding the hashes, not for a test."""
    monkeypatch.setattr(accounts, "_hasher", QUICK_HASHER)


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
    with psycopg.connect(_libpq(database_template)) as conn:
        conn.execute(_emptying_sql(database_template))
    return database_template


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


_EMPTYING: dict[str, str] = {}


def _emptying_sql(url: str) -> str:
    """What TRUNCATE ... RESTART IDENTITY would do to every table, with DELETE, as one statement string.

    TRUNCATE gives every table a new file: about 0.3-0.4 s per test on this machine, more than most tests take.
    Deleting the few rows a test leaves takes a few milliseconds. Referencing tables go first; the append-only
    audit table's own triggers are off for the delete (the tables are ours: this run created the database)."""
    if url not in _EMPTYING:
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        with psycopg.connect(_libpq(url)) as conn:
            guarded = [
                row[0]
                for row in conn.execute(
                    "SELECT DISTINCT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid"
                    " WHERE NOT g.tgisinternal AND c.relname = ANY(%s) ORDER BY 1",
                    (tables,),
                )
            ]
            sequences = [
                row[0]
                for row in conn.execute(
                    "SELECT d.objid FROM pg_depend d JOIN pg_class s ON s.oid = d.objid JOIN pg_class t ON t.oid = d.refobjid"
                    " WHERE s.relkind = 'S' AND d.deptype IN ('a', 'i') AND t.relname = ANY(%s)",
                    (tables,),
                )
            ]
        statements = [f'ALTER TABLE "{t}" DISABLE TRIGGER USER' for t in guarded]
        statements += [f'DELETE FROM "{t}"' for t in tables]
        statements += [f'ALTER TABLE "{t}" ENABLE TRIGGER USER' for t in guarded]
        if sequences:
            oids = ", ".join(str(oid) for oid in sequences)
            statements.append(f"SELECT setval(seqrelid, seqstart, false) FROM pg_sequence WHERE seqrelid IN ({oids})")
        _EMPTYING[url] = "; ".join(statements)
    return _EMPTYING[url]


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
    """Officers of every role, a housing service and one customer (C1) with e-mail, phone and postal address."""
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
                # letters to her may be posted (services/letters.py refuses post without an address)
                "address": {"line_1": "12 Example Street", "town": "Glenburn", "postcode": "G2 1AB"},
            },
        )
    return cast


@pytest.fixture
def app(settings):
    app = create_app(
        {
            "DATABASE_URL": settings.DATABASE_URL,
            "INSTANCE_PATH": settings.INSTANCE_PATH,
            "TESTING": True,
            "MONITORING_TOKEN": MONITORING_TOKEN,
        }
    )
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
