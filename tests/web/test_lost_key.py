"""Issue 9 item 7: a lost or replaced key is refused at start and shown by /readyz, never papered over."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin.app import create_app, dispose
from plugin.secretbox import KEY_FILE, KeyLost
from tests.webhooks.conftest import connection_id  # noqa: F401 - a fixture


def _app(settings, **overrides):
    return create_app(
        {
            "DATABASE_URL": settings.DATABASE_URL,
            "INSTANCE_PATH": settings.INSTANCE_PATH,
            "TESTING": True,
            **overrides,
        }
    )


def test_a_missing_key_file_is_refused_at_start_and_no_new_key_is_made(connection_id, settings):  # noqa: F811 - the fixture imported above
    key = Path(settings.INSTANCE_PATH) / KEY_FILE
    key.unlink()
    with pytest.raises(KeyLost, match="key is missing"):
        _app(settings)
    assert not key.exists(), "a new key would silently orphan every stored secret"


def test_a_different_key_is_refused_at_start(connection_id, settings):  # noqa: F811 - the fixture imported above
    with pytest.raises(KeyLost, match="cannot be decrypted"):
        _app(settings, SECRET_KEY="not the key that sealed them")


def test_readyz_is_503_when_the_key_changes_under_a_running_service(connection_id, settings):  # noqa: F811 - the fixture imported above
    app = _app(settings)
    assert app.test_client().get("/readyz").status_code == 200
    app.config["CONTACTGUARD"] = app.config["CONTACTGUARD"].replace(SECRET_KEY="rotated without re-encrypting")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["reason"].startswith("secret key:")
    dispose(app)


def test_the_worker_refuses_to_start_without_its_key(connection_id, settings, runner):  # noqa: F811 - the fixture imported above
    (Path(settings.INSTANCE_PATH) / KEY_FILE).unlink()
    from plugin.cli import cli

    result = runner.invoke(cli, ["worker", "--once"])
    assert result.exit_code == 1 and "key is missing" in result.output
