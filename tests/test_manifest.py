"""manifest.json is data checked against the code (Home Assistant's practice)."""

import json
import tomllib
from pathlib import Path

from plugin import __version__
from plugin.config import SettingsSchema

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {"name", "version", "description", "webhook_path", "events", "adapters", "settings", "sidebars"}


def _manifest() -> dict:
    return json.loads((ROOT / "manifest.json").read_text())


def test_manifest_has_every_required_key():
    assert set(_manifest()) >= REQUIRED


def test_manifest_version_equals_pyproject_and_package():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert _manifest()["version"] == pyproject["project"]["version"] == __version__


def test_manifest_settings_match_the_settings_schema_both_ways():
    declared = set(_manifest()["settings"])
    assert declared == set(SettingsSchema().fields)


def test_every_setting_says_whether_it_is_secret_and_secrets_are_the_right_ones():
    settings = _manifest()["settings"]
    assert all(isinstance(spec.get("secret"), bool) for spec in settings.values())
    assert {k for k, v in settings.items() if v["secret"]} == {
        "DATABASE_URL",
        "SECRET_KEY",
        "OIDC_CLIENT_SECRET",
        "MONITORING_TOKEN",
    }


def test_manifest_lists_every_registered_adapter_and_nothing_else():
    from adapters import REGISTRY

    listed = {a["key"] for a in _manifest()["adapters"]}
    assert listed == set(REGISTRY), "run `python -m plugin.manifest` after adding an adapter"


def test_manifest_adapter_schemas_match_the_code_with_secrets_marked():
    from plugin.manifest import adapters_section

    assert _manifest()["adapters"] == adapters_section()
    for adapter in _manifest()["adapters"]:
        assert adapter["secrets"], f"{adapter['key']} declares its secrets"
        assert all(spec["secret"] for spec in adapter["secrets"].values())
        assert not any(spec["secret"] for spec in adapter["settings"].values())
