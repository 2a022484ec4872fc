"""manifest.json is data checked against the code (Home Assistant's practice)."""
import json
import tomllib
from pathlib import Path

from plugin import __version__
from plugin.config import SettingsSchema

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {"name", "version", "description", "webhook_path", "events", "adapters", "settings", "sidebar"}


def _manifest() -> dict:
    return json.loads((ROOT / "manifest.json").read_text())


def test_manifest_has_every_required_key():
    assert REQUIRED <= set(_manifest())


def test_manifest_version_equals_pyproject_and_package():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert _manifest()["version"] == pyproject["project"]["version"] == __version__


def test_manifest_settings_match_the_settings_schema_both_ways():
    declared = set(_manifest()["settings"])
    assert declared == set(SettingsSchema().fields)


def test_every_setting_says_whether_it_is_secret_and_secrets_are_the_right_ones():
    settings = _manifest()["settings"]
    assert all(isinstance(spec.get("secret"), bool) for spec in settings.values())
    assert {k for k, v in settings.items() if v["secret"]} == {"DATABASE_URL", "SECRET_KEY"}
