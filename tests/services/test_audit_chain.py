"""The audit trail is hash-chained (issue 9 item 4): tampering with it is found by `audit verify`.

Each test really tampers, the way someone holding the application's own database role could: drop
the append-only trigger and UPDATE or DELETE, TRUNCATE (which no row trigger stops), or INSERT a
back-dated row. No time travel here: entries are dated by the real clock, in chain order.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from plugin import migrate
from plugin.cli import cli
from plugin.config import Settings
from plugin.db import make_engine, make_session_factory
from plugin.models import AuditEntry, Customer
from plugin.models.audit import GENESIS, AuditHead, entry_hash
from plugin.services import Actor, Context
from plugin.services import audit as audit_service
from plugin.services import register as reg
from tests.conftest import ON_POSTGRES, TARGET
from tests.helpers import active_restriction

DROP_TRIGGERS = {
    "postgresql": ["DROP TRIGGER audit_no_change ON audit_entries"],
    "sqlite": ["DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete"],
}
CREATE_TRIGGERS = {
    "postgresql": [
        "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit_entries "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
    ],
    "sqlite": [
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_entries "
        "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_entries "
        "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
    ],
}


def tamper(engine, *statements, params=None) -> None:
    """Drop the append-only triggers, run `statements`, put the triggers back (one transaction)."""
    dialect = engine.dialect.name
    with engine.begin() as conn:
        for sql in DROP_TRIGGERS[dialect]:
            conn.execute(text(sql))
        for sql in statements:
            conn.execute(text(sql), params or {})
        for sql in CREATE_TRIGGERS[dialect]:
            conn.execute(text(sql))


def check(engine, expect_head=None):
    with engine.connect() as conn, conn.begin():
        return audit_service.verify(conn, expect_head)


def _rechain(engine) -> None:
    """What someone who can write every row could do: recompute every hash and the head."""
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEntry.__table__).order_by(AuditEntry.id)).all()
    statements, last = [], GENESIS
    for row in rows:
        new = entry_hash(
            last,
            row.at,
            row.actor,
            row.actor_officer_id,
            row.action,
            row.entity_type,
            row.entity_id,
            row.customer_id,
            row.details,
        )
        statements.append(f"UPDATE audit_entries SET prev_hash = '{last}', hash = '{new}' WHERE id = {row.id}")
        last = new
    tamper(engine, *statements, f"UPDATE audit_head SET entries = {len(rows)}, last_hash = '{last}'")


def entry_ids(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


@pytest.fixture
def trail(cast, engine):
    """A real trail: the cast's administration, then a restriction taken all the way to active."""
    active_restriction(cast)
    result = check(engine)
    assert result.ok, result.problems
    assert result.entries >= 8
    return result


def test_an_honest_trail_verifies_and_the_head_counts_every_entry(trail, engine, sessions):
    with sessions() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        head = s.get(AuditHead, 1)
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert (head.entries, head.last_hash) == (len(rows), rows[-1].hash) == (trail.entries, trail.head_hash)
    assert trail.head == f"{len(rows)}:{rows[-1].hash}"


def test_the_hash_covers_every_field(trail, sessions):
    with sessions() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).first()
    fields = {
        "prev_hash": entry.prev_hash,
        "at": entry.at,
        "actor": entry.actor,
        "actor_officer_id": entry.actor_officer_id,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "customer_id": entry.customer_id,
        "details": entry.details,
    }
    assert entry_hash(**fields) == entry.hash
    for name, other in [
        ("prev_hash", "1" * 64),
        ("at", entry.at + dt.timedelta(microseconds=1)),
        ("actor", "x"),
        ("actor_officer_id", 99),
        ("action", "x"),
        ("entity_type", "x"),
        ("entity_id", 99),
        ("customer_id", 99),
        ("details", {"x": 1}),
    ]:
        assert entry_hash(**{**fields, name: other}) != entry.hash, name


def test_a_changed_row_is_found(trail, engine):
    victim = entry_ids(engine)[3]
    tamper(engine, f"UPDATE audit_entries SET actor = 'officer:999' WHERE id = {victim}")
    result = check(engine)
    assert not result.ok and result.first_bad_entry == victim
    assert result.problems[0].kind == "changed"
    assert f"entry {victim} does not match its hash" in result.problems[0].message


def test_changed_details_are_found(trail, engine):
    victim = entry_ids(engine)[-1]
    details = '{"fields": ["role"]}'
    tamper(engine, "UPDATE audit_entries SET details = :d WHERE id = :i", params={"d": details, "i": victim})
    result = check(engine)
    assert (result.first_bad_entry, [p.kind for p in result.problems]) == (victim, ["changed"])


def test_a_deleted_row_breaks_the_chain(trail, engine):
    ids = entry_ids(engine)
    tamper(engine, f"DELETE FROM audit_entries WHERE id = {ids[2]}")
    result = check(engine)
    assert result.first_bad_entry == ids[3]
    kinds = {p.kind for p in result.problems}
    assert "chain_broken" in kinds and "truncated" in kinds
    assert f"entry {ids[3]} does not follow entry {ids[1]}" in result.problems[0].message


def test_deleting_the_newest_rows_is_found_by_the_head(trail, engine):
    ids = entry_ids(engine)
    tamper(engine, f"DELETE FROM audit_entries WHERE id >= {ids[-2]}")
    result = check(engine)
    assert [p.kind for p in result.problems] == ["truncated"]
    assert f"the head records {len(ids)} entries but the trail has {len(ids) - 2}" in result.problems[0].message
    assert f"entries after entry {ids[-3]} were deleted" in result.problems[0].message


def test_truncating_the_table_is_found(trail, engine):
    if ON_POSTGRES:
        with engine.begin() as conn:  # no row trigger stops TRUNCATE: the reason for the chain's head
            conn.execute(text("TRUNCATE audit_entries"))
    else:
        tamper(engine, "DELETE FROM audit_entries")
    result = check(engine)
    assert result.entries == 0 and [p.kind for p in result.problems] == ["truncated"]


def test_emptying_head_and_trail_together_is_found_against_a_recorded_head(trail, engine):
    recorded = trail.head
    statements = ["DELETE FROM audit_head"] + (
        ["TRUNCATE audit_entries"] if ON_POSTGRES else ["DELETE FROM audit_entries"]
    )
    tamper(engine, *statements)
    assert check(engine).ok, "an empty trail with no head is consistent on its own"
    result = check(engine, expect_head=recorded)
    assert [p.kind for p in result.problems] == ["expected_head_missing"]


def test_a_rewritten_history_is_found_only_against_a_recorded_head(trail, engine):
    """Someone who can rewrite every row can recompute every hash; a head kept off the server still shows it."""
    recorded = trail.head
    ids = entry_ids(engine)
    tamper(engine, f"UPDATE audit_entries SET actor = 'officer:999' WHERE id = {ids[1]}")
    _rechain(engine)
    assert check(engine).ok
    result = check(engine, expect_head=recorded)
    assert [p.kind for p in result.problems] == ["expected_head_missing"]
    assert "was rewritten" in result.problems[0].message


def test_an_honest_trail_keeps_the_recorded_head_as_it_grows(trail, engine, cast):
    with cast.act() as ctx:
        reg.add_service(ctx, {"slug": "roads", "name": "Roads"})
    assert check(engine, expect_head=trail.head).ok
    assert check(engine, expect_head=trail.head_hash).ok
    wrong_position = f"{trail.entries - 1}:{trail.head_hash}"
    assert not check(engine, expect_head=wrong_position).ok


def test_a_back_dated_insert_is_found_even_with_correct_hashes(trail, engine):
    """An appended row, properly chained and counted, but dated a day before the entry it follows."""
    with engine.connect() as conn:
        last = conn.execute(select(AuditEntry.__table__).order_by(AuditEntry.id.desc()).limit(1)).one()
        head = conn.execute(select(AuditHead.__table__)).one()
    at = last.at - dt.timedelta(days=1)
    forged = entry_hash(last.hash, at, "officer:1", None, "restriction.lifted", "restrictions", 1, None, {})
    naive = at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    with engine.begin() as conn:  # plain INSERT: the triggers allow it
        conn.execute(
            text(
                "INSERT INTO audit_entries (at, actor, action, entity_type, entity_id, details, prev_hash, hash) "
                "VALUES (:at, 'officer:1', 'restriction.lifted', 'restrictions', 1, '{}', :prev, :hash)"
            ),
            {"at": naive, "prev": last.hash, "hash": forged},
        )
        conn.execute(text("UPDATE audit_head SET entries = :n, last_hash = :h"), {"n": head.entries + 1, "h": forged})
    result = check(engine)
    forged_id = entry_ids(engine)[-1]
    assert [p.kind for p in result.problems] == ["backdated"] and result.first_bad_entry == forged_id
    assert f"entry {forged_id} is dated" in result.problems[0].message


def test_an_insert_out_of_chain_is_found(trail, engine):
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_entries (at, actor, action, entity_type, details, prev_hash, hash) "
                "VALUES (:at, 'officer:1', 'customer.added', 'customers', '{}', :h, :h)"
            ),
            {"at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), "h": "f" * 64},
        )
    result = check(engine)
    forged_id = entry_ids(engine)[-1]
    assert result.first_bad_entry == forged_id
    assert {p.kind for p in result.problems} == {"chain_broken", "changed", "head_behind"}


def test_entries_added_directly_to_the_session_are_chained_too(trail, engine, sessions):
    """Services that build an AuditEntry themselves (connections) join the chain at flush."""
    with sessions() as s, s.begin():
        s.add(
            AuditEntry(
                actor="system:test",
                action="connection.added",
                entity_type="connections",
                details={"adapter": "generic"},
            )
        )
        s.add(
            AuditEntry(
                actor="system:test",
                action="connection.tested",
                entity_type="connections",
                details={"adapter": "generic", 7: "int keys become strings"},
            )
        )
    assert check(engine).ok


def test_an_entry_in_a_rolled_back_savepoint_leaves_the_chain_whole(trail, engine, sessions, settings):
    actor = Actor.system("test")
    with sessions() as s, s.begin():
        ctx = Context(s, actor, settings)
        try:
            with s.begin_nested():
                reg.add_service(ctx, {"slug": "gone", "name": "Rolled back"})
                s.flush()
                raise RuntimeError
        except RuntimeError:
            pass
        reg.add_service(ctx, {"slug": "kept", "name": "Kept"})
    result = check(engine)
    assert result.ok and result.entries == trail.entries + 1


def test_concurrent_writers_chain_in_id_order(trail, engine, settings):
    """Writers take turns (advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite): no fork in the chain."""
    errors = []

    def writer(n: int) -> None:
        local = make_engine(settings.DATABASE_URL)
        factory = make_session_factory(local)
        try:
            for i in range(6):
                with factory() as s, s.begin():
                    ctx = Context(s, Actor.system(f"w{n}"), settings)
                    customer = Customer(reference=f"W{n}-{i}", name="Concurrent")
                    s.add(customer)
                    ctx.audit("customer.added", customer)
                    ctx.audit("register.read", customer, view="test")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            local.dispose()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = check(engine)
    assert result.ok, result.problems
    assert result.entries == trail.entries + 4 * 6 * 2


def test_the_cli_prints_the_head_and_exits_non_zero_naming_the_first_bad_entry(trail, engine, runner):
    out = runner.invoke(cli, ["audit", "verify"])
    assert out.exit_code == 0, out.output
    assert f"audit trail verified: {trail.entries} entries, chain intact" in out.output
    assert f"head {trail.head}" in out.output
    assert runner.invoke(cli, ["audit", "verify", "--expect-head", trail.head]).exit_code == 0
    assert runner.invoke(cli, ["audit", "verify", "--expect-head", "nonsense"]).exit_code == 2

    victim = entry_ids(engine)[4]
    tamper(engine, f"UPDATE audit_entries SET action = 'nothing.happened' WHERE id = {victim}")
    bad = runner.invoke(cli, ["audit", "verify"])
    assert bad.exit_code == 6
    assert f"audit trail FAILED verification: first bad entry is {victim}" in bad.output
    data = runner.invoke(cli, ["--json", "audit", "verify"])
    assert data.exit_code == 6
    report = json.loads(data.output)
    assert (report["ok"], report["first_bad_entry"], report["problems"][0]["kind"]) == (False, victim, "changed")


def test_the_head_accepts_count_and_hash_or_a_bare_hash():
    digest = "ab" * 32
    assert audit_service.parse_head(f"12:{digest}") == (12, digest)
    assert audit_service.parse_head(digest.upper()) == (None, digest)
    for wrong in ("12:abc", "x:" + digest, ""):
        with pytest.raises(ValueError):
            audit_service.parse_head(wrong)


@pytest.fixture
def empty_database(tmp_path):
    """A database with no tables at all (not the run's template), dropped afterwards."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    base = make_url(TARGET)
    name = f"cg_mig_{uuid.uuid4().hex[:10]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield base.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migration_0007_chains_the_entries_already_there(empty_database):
    migrate.upgrade(empty_database, "0006")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as conn:
            for i, details in enumerate(['{"role": "senior"}', '{"b": [1, 2], "a": "x"}', "{}"]):
                conn.execute(
                    text(
                        "INSERT INTO audit_entries (at, actor, action, entity_type, entity_id, details) "
                        "VALUES (:at, 'system:cli', 'service.added', 'services', :i, :d)"
                    ),
                    {"at": dt.datetime(2026, 11, 1, 10, 0, i, 123456), "i": i, "d": details},
                )
        migrate.upgrade(empty_database, "0007")
        result = check(engine)
        assert result.ok and result.entries == 3
        with engine.begin() as conn:
            assert conn.scalar(select(func.count()).select_from(AuditHead)) == 1
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text("UPDATE audit_entries SET actor = 'x'"))
        with make_session_factory(engine)() as s, s.begin():  # new entries chain on from the backfilled ones
            reg.add_service(Context(s, Actor.system("test"), Settings()), {"slug": "roads", "name": "Roads"})
        assert check(engine).ok and check(engine).entries == 4
        migrate.command.downgrade(migrate.alembic_config(empty_database), "0006")
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_entries"))
    finally:
        engine.dispose()


DOC = Path(__file__).resolve().parents[2] / "docs" / "operations-database.md"


def _doc_sql(first_line_starts: str, names: dict) -> list[str]:
    """The statements of the ```sql block in docs/operations-database.md whose first line starts so."""
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    (block,) = [b for b in blocks if b.startswith(first_line_starts)]
    for name, unique in names.items():
        block = re.sub(rf"\b{name}\b", unique, block)
    lines = [line for line in block.splitlines() if not line.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


@pytest.mark.postgres_only
def test_the_documented_roles_let_the_app_append_to_the_audit_trail_and_nothing_more():
    """docs/operations-database.md, run as written: the app role owns nothing, may INSERT and SELECT audit
    entries, and is refused UPDATE, DELETE, TRUNCATE, DROP TRIGGER, disabling the trigger and DDL."""
    tag = uuid.uuid4().hex[:8]
    names = {
        "contactguard_owner": f"cg_owner_{tag}",
        "contactguard_app": f"cg_app_{tag}",
        "contactguard": f"cg_roles_{tag}",
    }
    owner, app, database = names["contactguard_owner"], names["contactguard_app"], names["contactguard"]
    base = make_url(TARGET).set(drivername="postgresql")
    superuser = base.render_as_string(hide_password=False)

    def dsn(user: str, driver: str = "postgresql") -> str:
        return base.set(drivername=driver, username=user, password=None, database=database).render_as_string(
            hide_password=False
        )

    try:
        with psycopg.connect(superuser, autocommit=True) as conn:
            for statement in _doc_sql("-- contactguard: roles and database", names):
                conn.execute(statement)
        with psycopg.connect(dsn(base.username), autocommit=True) as conn:
            for statement in _doc_sql("-- contactguard: the schema", names):
                conn.execute(statement)
        migrate.upgrade(dsn(owner, "postgresql+psycopg"))  # the migrations run as the owner
        with psycopg.connect(dsn(owner), autocommit=True) as conn:
            for statement in _doc_sql("-- contactguard: grants to the application role", names):
                conn.execute(statement)

        engine = make_engine(dsn(app, "postgresql+psycopg"))
        try:
            migrate.upgrade(dsn(app, "postgresql+psycopg"))  # at head already: `contactguard run` still starts
            factory = make_session_factory(engine)
            for slug in ("housing", "roads"):  # INSERT into audit_entries, then the head: allowed
                with factory() as s, s.begin():
                    reg.add_service(Context(s, Actor.system("test"), Settings()), {"slug": slug, "name": slug.title()})
            with factory() as s, s.begin():
                s.execute(text("UPDATE services SET name = 'Roads and Transport' WHERE slug = 'roads'"))
            result = check(engine)
            assert result.ok and result.entries == 2
        finally:
            engine.dispose()

        refused = {
            "UPDATE audit_entries SET actor = 'x'": "permission denied",
            "DELETE FROM audit_entries": "permission denied",
            "TRUNCATE audit_entries": "permission denied",
            "DROP TRIGGER audit_no_change ON audit_entries": "must be owner",
            "ALTER TABLE audit_entries DISABLE TRIGGER audit_no_change": "must be owner",
            "DROP TABLE audit_entries": "must be owner",
            "DELETE FROM audit_head": "permission denied",
            "TRUNCATE audit_head": "permission denied",
            "UPDATE alembic_version SET version_num = '0001'": "permission denied",
            "CREATE TABLE scratch (i int)": "permission denied",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'": "permission denied",
        }
        with psycopg.connect(dsn(app), autocommit=True) as conn:
            for statement, message in refused.items():
                with pytest.raises(psycopg.Error, match=message):
                    conn.execute(statement)
            assert conn.execute("SELECT count(*) FROM audit_entries").fetchone() == (2,)
            owned = conn.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = current_user"
            ).fetchone()
            assert owned == (0,), "the app role owns nothing"
    finally:
        with psycopg.connect(superuser, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{app}"')
            conn.execute(f'DROP ROLE IF EXISTS "{owner}"')
