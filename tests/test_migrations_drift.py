"""Issue 13 item 7: the models and the migrations describe the same schema.

A fresh database is migrated to head (the session's template, as every test's database is), then
Alembic's autogenerate compares it with `plugin.models.Base.metadata`: a column, index, constraint or
type changed in a model without a migration (or the other way round) shows up here as a difference,
on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from plugin import migrate
from plugin.models import Base


def _differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_a_migrated_database_matches_the_models(engine):
    differences = _differences(engine)
    assert differences == [], "models and migrations differ; add a migration:\n" + "\n".join(map(str, differences))


def test_the_database_is_at_the_newest_migration(engine):
    """The comparison above is against head, not some older revision left behind."""
    url = engine.url.render_as_string(hide_password=False)
    head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()
    assert migrate.current(url) == head


def test_a_model_change_without_a_migration_is_caught(engine):
    """The check can fail: a column added to the models alone is reported."""
    from sqlalchemy import Column, MetaData, String, Table

    table = Base.metadata.tables["services"]
    drifted = MetaData()
    for other in Base.metadata.sorted_tables:
        other.to_metadata(drifted)
    Table(table.name, drifted, Column("not_migrated", String(10)), extend_existing=True)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, drifted)
    assert [(d[0], d[3].name) for d in differences if d[0] == "add_column"] == [("add_column", "not_migrated")]
