"""Issue 21 item 5: need to know the same in the API, the CLI and the pages. An agent's token listed the whole
register through `GET /api/v1/customers?q=e` (names, e-mails, phones, customers with nothing in force) while the
agent's pages were 403: an agent finds only customers with an arrangement in force, and sees the arrangement only."""

from __future__ import annotations

import json

from plugin.cli import cli
from plugin.services import register as reg
from tests.api.conftest import assert_envelope, ok
from tests.conftest import email_of
from tests.helpers import active_restriction
from tests.web.test_casework import signed_in


def _second_customer(cast):
    with cast.act() as ctx:
        reg.add_customer(
            ctx,
            {
                "reference": "C2",
                "name": "Eve Unrestricted",
                "identities": [{"kind": "email", "value": "eve@example.com"}],
            },
        )


def test_an_agent_finds_only_customers_with_an_arrangement_in_force(api, cast):
    active_restriction(cast)
    _second_customer(cast)
    found = ok(api.get("/customers", as_="agent", query={"q": "e"}))
    assert [c["reference"] for c in found] == ["C1"]
    assert "Eve" not in json.dumps(found)
    assert_envelope(api.get("/customers/C2", as_="agent"), 404)
    assert {c["reference"] for c in ok(api.get("/customers", as_="officer", query={"q": "e"}))} == {"C1", "C2"}
    assert ok(api.get("/customers/C2", as_="officer"))["name"] == "Eve Unrestricted"


def test_the_cli_and_the_pages_say_the_same_to_an_agent(cast, client, runner):
    active_restriction(cast)
    _second_customer(cast)
    shown = runner.invoke(cli, ["--json", "--as", email_of("agent"), "customers", "show", "C2"])
    assert shown.exit_code != 0 and "no customer with an arrangement in force" in shown.output
    found = runner.invoke(cli, ["--json", "--as", email_of("agent"), "customers", "find", "e"])
    assert [c["reference"] for c in json.loads(found.output)] == ["C1"]
    signed_in(cast, client, "agent")
    assert client.get("/customers/C2").status_code == 404
    assert client.get("/customers/C1").status_code == 200
