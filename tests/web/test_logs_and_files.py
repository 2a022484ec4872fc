"""Issue 9 item 8: no personal data in logs, CONTACTGUARD_LOG_LEVEL works, private files are 0600."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from plugin import logs
from plugin.app import create_app, dispose
from plugin.secretbox import KEY_FILE
from tests.webhooks.conftest import connection_id  # noqa: F401 - a fixture


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("duplicate jane.customer+housing@example.co.uk seen", "duplicate <email> seen"),
        ("called 07700 900123 and +44 (0)131 496 0000", "called <phone> and <phone>"),
        (
            'DETAIL:  Key (kind, value)=(email, jane@example.com) already exists.',
            "DETAIL:  Key (kind, value)=(redacted) already exists.",
        ),
        (
            "INSERT INTO identities ... [parameters: ('email', 'Jane Customer', 'ill health')]\n(Background)",
            "INSERT INTO identities ... [parameters: redacted]\n(Background)",
        ),
        ("connection=ab12cd delivery=ticket:1234 outcome=flag", "connection=ab12cd delivery=ticket:1234 outcome=flag"),
    ],
)
def test_personal_data_is_redacted_and_identifiers_kept(raw, shown):
    assert logs.redact(raw) == shown


def test_a_database_error_logged_with_its_traceback_names_no_one(cast, sessions, caplog):
    """A duplicate identity fails on the unique key; the logged error and traceback keep the address out."""
    from plugin.models import Identity

    log = logging.getLogger("plugin.test")
    logs.configure("INFO")
    with sessions() as s:
        customer_id = s.execute(text("SELECT id FROM customers")).scalar()
        s.rollback()
        try:
            with s.begin():
                s.add(
                    Identity(customer_id=customer_id, kind="email", value="jane.customer@example.com", connection_id="")
                )
        except IntegrityError as exc:
            with caplog.at_level(logging.ERROR):
                log.exception("identity insert failed: %s", exc)
    assert "identity insert failed" in caplog.text
    assert "jane.customer@example.com" not in caplog.text and "example.com" not in caplog.text


@pytest.mark.parametrize("level", ["WARNING", "DEBUG"])
def test_log_level_applies_to_every_contactguard_logger(settings, level):
    app = create_app(
        {"DATABASE_URL": settings.DATABASE_URL, "INSTANCE_PATH": settings.INSTANCE_PATH, "LOG_LEVEL": level}
    )
    for name in ("plugin.worker.outbox", "webhooks.receiver", "adapters.http"):
        assert logging.getLogger(name).getEffectiveLevel() == getattr(logging, level), name
    dispose(app)


def test_sqlite_database_wal_and_key_are_private(tmp_path, connection_id):  # noqa: F811 - the fixture imported above
    instance = tmp_path / "private"
    app = create_app({"INSTANCE_PATH": str(instance)})
    from plugin import migrate

    migrate.upgrade(app.config["CONTACTGUARD"].DATABASE_URL)
    with app.extensions["contactguard.sessions"]() as s, s.begin():
        s.execute(text("SELECT 1 FROM connections"))
        from plugin.secretbox import SecretBox

        SecretBox(app.config["CONTACTGUARD"]).seal({"x": "y"})
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in instance.iterdir()}
    dispose(app)
    assert modes["contactguard.sqlite3"] == 0o600
    assert modes.get("contactguard.sqlite3-wal", 0o600) == 0o600
    assert modes[KEY_FILE] == 0o600
    assert stat.S_IMODE(Path(instance).stat().st_mode) == 0o700
