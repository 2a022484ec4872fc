"""manifest.json's "sidebars" are checked against the routes the app really serves."""

import json
from pathlib import Path

from adapters import REGISTRY

ROOT = Path(__file__).resolve().parent.parent.parent


def sidebars() -> list[dict]:
    return json.loads((ROOT / "manifest.json").read_text())["sidebars"]


def test_every_sidebar_route_exists_with_its_method(app):
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules() for method in rule.methods}
    for sidebar in sidebars():
        flask_path = sidebar["path"].replace("{connection_id}", "<connection_id>")
        assert (flask_path, sidebar["method"]) in routes, sidebar["key"]


def test_every_sidebar_names_only_registered_helpdesks():
    for sidebar in sidebars():
        assert set(sidebar["helpdesks"]) <= set(REGISTRY), sidebar["key"]
