"""Settings are validated at start-up; a wrong one stops start-up naming it. They are one typed, frozen
object (plugin.config.Settings) whose defaults are those documented in manifest.json and README.md."""

import dataclasses
import json
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plugin.config import (
    SECRET_SETTINGS,
    SETTING_NAMES,
    ConfigError,
    EmailMatching,
    Settings,
    SettingsSchema,
    gather,
    load_settings,
)

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_give_sqlite_in_the_instance_folder(tmp_path):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={})
    database_url = settings.DATABASE_URL
    assert database_url == f"sqlite:///{tmp_path}/contactguard.sqlite3"
    assert settings.PORT == 8080 and settings.JURISDICTION == "SCT"


def test_environment_overrides_instance_file(tmp_path):
    (tmp_path / "contactguard.toml").write_text('port = 9000\njurisdiction = "ENG"\n')
    settings = load_settings(environ={"CONTACTGUARD_INSTANCE_PATH": str(tmp_path), "CONTACTGUARD_PORT": "9100"})
    assert settings.PORT == 9100 and settings.JURISDICTION == "ENG"


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


# -- the typed, frozen settings object (issue 13 item 2) ---------------------------------------------------


def test_settings_are_typed_attributes_built_once_at_start_up(tmp_path):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={"CONTACTGUARD_REVIEW_REMINDER_DAYS": "14, 3"})
    assert isinstance(settings, Settings)
    assert settings.REVIEW_MONTHS == 6 and settings.OUTBOX_LEASE_SECONDS == 60.0
    assert settings.REVIEW_REMINDER_DAYS == (14, 3)
    assert settings.zone == ZoneInfo("Europe/London")
    assert settings.base_url == "http://127.0.0.1:8080", "without PUBLIC_URL: a guess from HOST and PORT"


def test_the_object_is_immutable(tmp_path):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path), "SAFEGUARDING_SCREEN": {"threat": ["torch"]}}, environ={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.REVIEW_MONTHS = 1  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        settings.REVEIW_MONTHS = 1  # type: ignore[attr-defined]  # slots: no new attributes either
    with pytest.raises(TypeError):
        settings["REVIEW_MONTHS"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        settings.SAFEGUARDING_SCREEN["threat"] = ("changed",)  # type: ignore[index]
    with pytest.raises(AttributeError):
        settings.REVIEW_REMINDER_DAYS.append(1)  # type: ignore[attr-defined]
    assert settings.SAFEGUARDING_SCREEN["threat"] == ("torch",)


def test_replace_gives_a_new_object_and_leaves_the_old_one(settings):
    changed = settings.replace(REVIEW_MONTHS=3, JURISDICTION="ENG")
    assert (changed.REVIEW_MONTHS, changed.JURISDICTION) == (3, "ENG")
    assert (settings.REVIEW_MONTHS, settings.JURISDICTION) == (6, "SCT")
    assert (
        changed.DATABASE_URL == settings.DATABASE_URL
        and changed.replace(REVIEW_MONTHS=6, JURISDICTION="SCT") == settings
    )


@pytest.mark.parametrize(
    ("changes", "named", "says"),
    [
        ({"REVIEW_MONTHS": 0}, "CONTACTGUARD_REVIEW_MONTHS", "greater than or equal to 1"),
        ({"PORT": "eighty"}, "CONTACTGUARD_PORT", "Not a valid integer"),
        ({"OUTBOX_THREADS": [8]}, "CONTACTGUARD_OUTBOX_THREADS", "Not a valid integer"),
        ({"JURISDICTION": "FRA"}, "CONTACTGUARD_JURISDICTION", "Must be one of: SCT, ENG, WLS, NIR"),
        ({"TIMEZONE": "Europe/Glenburn"}, "CONTACTGUARD_TIMEZONE", "not an IANA time zone name"),
        ({"REVIEW_REMINDER_DAYS": "often"}, "CONTACTGUARD_REVIEW_REMINDER_DAYS", "Not a valid list"),
        ({"REVIEW_MONTS": 3}, "CONTACTGUARD_REVIEW_MONTS", "Unknown field"),
    ],
)
def test_replace_validates_as_start_up_does(settings, changes, named, says):
    with pytest.raises(ConfigError) as err:
        settings.replace(**changes)
    assert named in str(err.value) and says in str(err.value)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "London", "../../etc/passwd", ""])
def test_a_time_zone_that_is_not_an_iana_name_stops_start_up(tmp_path, zone):
    with pytest.raises(ConfigError, match="CONTACTGUARD_TIMEZONE"):
        load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={"CONTACTGUARD_TIMEZONE": zone})


def test_a_wrong_type_in_the_instance_file_is_named(tmp_path):
    (tmp_path / "contactguard.toml").write_text('review_months = "half a year"\n')
    with pytest.raises(ConfigError) as err:
        load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={})
    assert "CONTACTGUARD_REVIEW_MONTHS: Not a valid integer." in str(err.value)
    assert f"(review_months in {tmp_path / 'contactguard.toml'})" in str(err.value), "the admin is told where to fix it"


# -- one settings file for every process (issue 22 item 2) --------------------------------------------------


def test_the_file_contactguard_config_names_is_read_the_same_from_any_folder(tmp_path, monkeypatch):
    """The file's folder, not the folder a command runs in, anchors what the file does not say and its relative
    paths: the data lives beside its settings."""
    etc = tmp_path / "srv" / "contactguard"
    etc.mkdir(parents=True)
    (etc / "logo.png").write_bytes(b"\x89PNG")
    (etc / "settings.toml").write_text('port = 18380\ncouncil_logo = "logo.png"\n')
    environ = {"CONTACTGUARD_CONFIG": str(etc / "settings.toml")}
    seen = []
    for folder in (tmp_path, etc, tmp_path / "srv"):
        monkeypatch.chdir(folder)
        seen.append(load_settings(environ=environ))
    assert seen[0] == seen[1] == seen[2]
    assert seen[0].PORT == 18380 and seen[0].base_url == "http://127.0.0.1:18380"
    assert str(etc.resolve()) == seen[0].INSTANCE_PATH
    assert f"sqlite:///{etc.resolve() / 'contactguard.sqlite3'}" == seen[0].DATABASE_URL
    assert str(etc / "logo.png") == seen[0].COUNCIL_LOGO
    (etc / "settings.toml").write_text('instance_path = "data"\n')
    assert str((etc / "data").resolve()) == load_settings(environ=environ).INSTANCE_PATH


def test_a_settings_file_that_contactguard_config_names_must_be_there(tmp_path):
    """A mistyped path must stop start-up, not run on the defaults (port 8080, a new empty database)."""
    with pytest.raises(ConfigError, match=r"CONTACTGUARD_CONFIG names .*missing\.toml, which does not exist"):
        load_settings(environ={"CONTACTGUARD_CONFIG": str(tmp_path / "missing.toml")})


def test_each_value_says_where_it_came_from(tmp_path):
    (tmp_path / "contactguard.toml").write_text('port = 9000\njurisdiction = "ENG"\n')
    environ = {"CONTACTGUARD_INSTANCE_PATH": str(tmp_path), "CONTACTGUARD_PORT": "9100", "CONTACTGUARD_ACTOR": "x"}
    raw, origins = gather({"TESTING": True}, environ=environ)
    assert origins.file == tmp_path / "contactguard.toml" and origins.file_read
    assert (raw["PORT"], origins.of["PORT"]) == ("9100", "environment")
    assert (raw["JURISDICTION"], origins.of["JURISDICTION"]) == ("ENG", "file")
    assert origins.of["REVIEW_MONTHS"] == "default" and origins.of["TESTING"] == "command line"
    assert origins.of["INSTANCE_PATH"] == "environment" and "ACTOR" not in origins.of
    (tmp_path / "contactguard.toml").unlink()
    _raw, absent = gather(environ=environ)
    assert not absent.file_read and absent.of["JURISDICTION"] == "default"


def test_without_instance_path_the_instance_is_the_files_folder(tmp_path):
    (tmp_path / "contactguard.toml").write_text("port = 9000\n")
    _raw, origins = gather(environ={"CONTACTGUARD_CONFIG": str(tmp_path / "contactguard.toml")})
    assert origins.of["INSTANCE_PATH"] == "file's folder"


def test_the_secret_settings_are_those_manifest_json_marks_secret():
    declared = json.loads((ROOT / "manifest.json").read_text())["settings"]
    assert {name for name, spec in declared.items() if spec["secret"]} == SECRET_SETTINGS


def test_the_schema_is_generated_from_the_dataclass_with_the_same_defaults():
    """One declaration per setting: the schema's load_default is the dataclass's default."""
    schema_fields = SettingsSchema().fields
    assert list(schema_fields) == list(SETTING_NAMES)
    for spec in dataclasses.fields(Settings):
        default = spec.default if spec.default is not dataclasses.MISSING else spec.default_factory()  # type: ignore[misc]
        assert schema_fields[spec.name].load_default == default, spec.name


def test_each_schema_field_loads_the_type_the_dataclass_declares(tmp_path):
    """The types mypy sees are the types the schema produces (no Any leaks in through a string or a list)."""
    hints = typing.get_type_hints(Settings)
    loaded = load_settings({"INSTANCE_PATH": str(tmp_path), **FULL}, environ={})
    for name in SETTING_NAMES:
        assert _is_instance(getattr(loaded, name), hints[name]), (name, getattr(loaded, name), hints[name])


def test_the_literal_choices_are_the_ones_the_code_knows():
    from plugin import identity

    assert typing.get_args(EmailMatching) == identity.EMAIL_MATCHING


# -- the documented defaults ----------------------------------------------------------------------------------

# Settings whose documentation describes the default instead of giving a value.
DESCRIBED = {
    "DATABASE_URL": "SQLite in the instance folder",
    "SECRET_KEY": "generated file",
    "PUBLIC_URL": "http://HOST:PORT",
}
UNDOCUMENTED = {"TESTING"}  # the test suite's switch, not an operator's setting


def test_defaults_equal_the_ones_in_manifest_json():
    declared = json.loads((ROOT / "manifest.json").read_text())["settings"]
    assert set(declared) == set(SETTING_NAMES)
    hints = typing.get_type_hints(Settings)
    for name, spec in declared.items():
        default = _default(name)
        if "default" in spec:
            assert _jsonable(default) == spec["default"], name
        else:
            assert default in (None, ""), f"{name}: manifest.json gives no default, the code gives {default!r}"
        if "enum" in spec:
            assert tuple(spec["enum"]) == typing.get_args(hints[name]), name


def test_defaults_equal_the_ones_in_the_readme_table():
    documented = _readme_defaults()
    assert set(documented) == set(SETTING_NAMES) - UNDOCUMENTED, "every setting has a row in README.md's table"
    for name, cell in documented.items():
        expected = DESCRIBED.get(name) or _as_documented(_default(name))
        assert cell == expected, f"README.md says {name} defaults to {cell!r}, the code to {expected!r}"


def _default(name: str):
    spec = next(f for f in dataclasses.fields(Settings) if f.name == name)
    return spec.default if spec.default is not dataclasses.MISSING else spec.default_factory()  # type: ignore[misc]


def _jsonable(value):
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def _as_documented(value) -> str:
    """A default as README.md writes it (backticks dropped): none, true/false, 60, 30, 7, Europe/London."""
    if value is None or (isinstance(value, Mapping) and not value):
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ", ".join(_as_documented(v) for v in value)
    return str(value)


def _readme_defaults() -> dict[str, str]:
    """README.md's settings table: name -> default cell; a row naming two settings gives two defaults."""
    text = (ROOT / "README.md").read_text()
    table = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    found = {}
    for line in table.splitlines():
        cells = [c.strip().replace("`", "") for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not re.fullmatch(r"[A-Z_]+(, [A-Z_]+)*", cells[0]):
            continue
        names = cells[0].split(", ")
        defaults = cells[1].split(", ") if len(names) > 1 else [cells[1]]
        defaults = defaults * len(names) if len(defaults) == 1 else defaults  # one cell for all: "none"
        assert len(defaults) == len(names), line
        found.update(zip(names, defaults, strict=True))
    return found


def _is_instance(value, hint) -> bool:
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_is_instance(value, h) for h in typing.get_args(hint))
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return isinstance(value, tuple) and all(_is_instance(v, item) for v in value)
    if origin is Mapping:
        key, item = typing.get_args(hint)
        return isinstance(value, Mapping) and all(
            _is_instance(k, key) and _is_instance(v, item) for k, v in value.items()
        )
    if hint is type(None):
        return value is None
    return isinstance(value, hint) and not (hint is int and isinstance(value, bool))


# Every setting given a value (as the environment would, as strings), so each field's loaded type is checked.
FULL = {
    "DATABASE_URL": "sqlite:///elsewhere.sqlite3",
    "SECRET_KEY": "a-secret-key-of-24-chars",
    "PUBLIC_URL": "https://contactguard.council.example",
    "OUTBOX_LEASE_SECONDS": "30",
    "REVIEW_REMINDER_DAYS": ["30", "7"],
    "SAFEGUARDING_SCREEN": '{"threat": ["torch ... house"]}',
    "OIDC_ISSUER": "https://login.council.example",
    "OIDC_CLIENT_ID": "contactguard",
    "OIDC_CLIENT_SECRET": "s3cret",
    "COUNCIL_NAME": "Glenburn City Council",
    "COUNCIL_ADDRESS": "City Chambers; Glenburn",
    "LETTER_SIGNATORY": "Morag Signatory",
    "LETTER_SIGNATORY_TITLE": "Head of Customer Care",
    "ALLOW_PRIVATE_HELPDESK_URLS": "false",
    "TESTING": "true",
}
