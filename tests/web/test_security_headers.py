"""Issue 21 item 6: a strict Content-Security-Policy on every page (GOV.UK Frontend's inline script by nonce), no
inline styles anywhere a page could need them, (the API's no-store: tests/api/test_hostile_input.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import active_restriction
from tests.web.test_casework import signed_in

TEMPLATES = Path(__file__).resolve().parents[2] / "plugin" / "web" / "templates"


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize(
    "path", ["/sign-in", "/", "/customers/C1", "/restrictions/1", "/admin/connections", "/letters"]
)
def test_every_page_has_a_strict_policy_and_its_inline_scripts_carry_the_nonce(cast, client, path):
    active_restriction(cast)
    if path != "/sign-in":
        signed_in(cast, client, "admin" if path.startswith("/admin") else "senior")
    page = client.get(path)
    assert page.status_code == 200, path
    policy = _policy(page)
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert policy["style-src"] == "style-src 'self'" and policy["object-src"] == "object-src 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    markup = page.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", markup)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline), inline
    assert " style=" not in markup, "an inline style attribute would be blocked"
    assert client.get(path).headers["Content-Security-Policy"] != page.headers["Content-Security-Policy"], (
        "a fresh nonce on each request"
    )


def test_no_template_carries_an_inline_style_or_an_unnonced_inline_script():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert " style=" not in text, template
        for attrs in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", text):
            assert "nonce=" in attrs, template
