"""Settings are validated at start-up; a wrong one stops start-up naming it."""

import pytest

from plugin.config import ConfigError, load_settings


def test_defaults_give_sqlite_in_the_instance_folder(tmp_path):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path}/contactguard.sqlite3"
    assert settings["PORT"] == 8080 and settings["JURISDICTION"] == "SCT"


def test_environment_overrides_instance_file(tmp_path):
    (tmp_path / "contactguard.toml").write_text('port = 9000\njurisdiction = "ENG"\n')
    settings = load_settings(environ={"CONTACTGUARD_INSTANCE_PATH": str(tmp_path), "CONTACTGUARD_PORT": "9100"})
    assert settings["PORT"] == 9100 and settings["JURISDICTION"] == "ENG"


def test_a_wrong_setting_is_named(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"CONTACTGUARD_INSTANCE_PATH": str(tmp_path), "CONTACTGUARD_PORT": "eighty"})
    assert "CONTACTGUARD_PORT" in str(err.value)


def test_an_unknown_setting_is_refused_by_name(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"CONTACTGUARD_INSTANCE_PATH": str(tmp_path), "CONTACTGUARD_JURISDICTON": "SCT"})
    assert "CONTACTGUARD_JURISDICTON" in str(err.value)


def test_bad_instance_file_is_named(tmp_path):
    (tmp_path / "contactguard.toml").write_text("port = = 1\n")
    with pytest.raises(ConfigError, match=r"contactguard\.toml"):
        load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={})


def test_the_cli_stops_with_the_setting_named(runner, monkeypatch):
    from plugin.cli import cli

    monkeypatch.setenv("CONTACTGUARD_REVIEW_MONTHS", "0")
    result = runner.invoke(cli, ["db", "current"])
    assert result.exit_code != 0
    assert "CONTACTGUARD_REVIEW_MONTHS" in result.output
