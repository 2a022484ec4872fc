"""The signed panel page any helpdesk can frame beside a ticket, and the CLI that prints its link."""

import datetime as dt
import html
import json
import re
from urllib.parse import urlsplit

from sidebar_support import SECRET_WORDS, record_decision, restrict

from plugin.cli import cli
from plugin.clock import utcnow
from plugin.models import Restriction
from plugin.services import connections as conns
from plugin.services import restrictions as rs
from plugin.services.sidebar import signed_link
from tests.helpers import webhook_path


def link(settings, connection, email="jane.customer@example.com", ticket="42", expires_in=dt.timedelta(minutes=5)):
    return signed_link(settings, connection, "", ticket=ticket, email=email, expires=utcnow() + expires_in)


def text_of(response) -> str:
    """The words on the page, as a person reads them."""
    body = re.sub(r"<(style|title)>.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def test_restricted_customer_panel(cast, connection, client, settings, sessions):
    restrict(cast)
    record_decision(sessions, connection, "42", "disregard", routed=True)
    response = client.get(link(settings, connection))
    assert response.status_code == 200
    words = text_of(response)
    assert "Restricted Customer C1" in words
    assert "Sole point of contact Olly Officer <officer@council.example>" in words
    assert "Deputy Dee Deputy <deputy@council.example>" in words
    assert "Open channels e-mail and letter" in words and "Times Mondays and Wednesdays, 10am to 12 noon" in words
    assert "Premises excluded Civic Centre" in words
    assert (
        "Disregarded: this contact is outside the arrangement. Do not reply to it. It has gone to the sole point of contact, Olly Officer, who reads it for new information and safeguarding concerns."
        in words
    )
    page = response.get_data(as_text=True)
    assert "<script" not in page and "<dl>" in page and 'class="tag tag--red"' in page
    assert "frame-ancestors" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers, "the helpdesk frames the panel beside its ticket"
    assert response.headers["Cache-Control"] == "no-store"


def test_need_to_know_on_the_page(cast, connection, client, settings, sessions):
    restrict(cast)
    record_decision(sessions, connection, "42", "escalate")
    page = client.get(link(settings, connection)).get_data(as_text=True)
    for word in SECRET_WORDS:
        assert word not in page


def test_unrestricted_and_unknown_customers(cast, connection, client, settings):
    plain = text_of(client.get(link(settings, connection)))
    assert "Not restricted Customer C1 has no restriction in force" in plain
    assert "contactguard has not decided anything on this ticket." in plain
    unknown = text_of(client.get(link(settings, connection, email="someone@example.com")))
    assert "This customer is not on the register" in unknown


def test_lapsed_restriction_panel(cast, connection, client, settings):
    rid = restrict(cast)
    with cast.act("senior") as ctx:
        rs.lapse(ctx, ctx.session.get(Restriction, rid), "end date reached")
    words = text_of(client.get(link(settings, connection)))
    assert "Restriction ended" in words and "The restriction has ended (lapsed on " in words
    assert "Olly Officer" not in words


def test_expired_link_is_refused_without_data(cast, connection, client, settings):
    restrict(cast)
    response = client.get(link(settings, connection, expires_in=dt.timedelta(seconds=-1)))
    assert response.status_code == 401
    words = text_of(response)
    assert "Panel not available This link has expired." in words and "C1" not in words


def test_tampered_link_is_refused(cast, connection, client, settings):
    restrict(cast)
    good = link(settings, connection, email="someone@example.com")
    response = client.get(good.replace("someone%40example.com", "jane.customer%40example.com"))
    assert response.status_code == 403
    assert "This link's signature is not valid." in text_of(response)
    assert "Olly Officer" not in response.get_data(as_text=True)


def test_unsigned_and_overlong_links_are_refused(cast, connection, client, settings):
    unsigned = client.get(f"/sidebar/{connection.id}/panel?email=jane.customer%40example.com&ticket=1")
    assert unsigned.status_code == 401 and "This link is not signed." in text_of(unsigned)
    overlong = client.get(link(settings, connection, expires_in=dt.timedelta(days=30)))
    assert overlong.status_code == 403 and "at most 7 days" in text_of(overlong)


def test_unknown_connection_is_404(client, cast, connection, settings):
    path = link(settings, connection).replace(connection.id, "cgnosuchconnection")
    assert client.get(path).status_code == 404


def test_the_link_carries_the_public_id_never_the_webhook_token(cast, connection, settings):
    """Issue 21: the panel link is in every agent's browser and in access logs; the webhook token is a credential."""
    token = webhook_path(settings, connection.id).rsplit("/", 1)[1]
    path = urlsplit(link(settings, connection)).path
    assert path == f"/sidebar/{connection.id}/panel" and token not in link(settings, connection)


def test_cli_prints_a_template_and_a_working_example(runner, cast, connection, client):
    restrict(cast)
    result = runner.invoke(
        cli, ["--json", "connections", "sidebar-link", connection.id, "--email", "jane.customer@example.com"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["template"].endswith(
        f"/sidebar/{connection.id}/panel?email={{EMAIL}}&exp={{UNIX_TIME}}&ticket={{TICKET_ID}}&sig={{SIG}}"
    )
    assert "sidebar_key_hex" not in data
    example = urlsplit(data["example"])
    response = client.get(f"{example.path}?{example.query}")
    assert response.status_code == 200 and "Restricted" in text_of(response)


def test_cli_unknown_connection(runner, cast):
    result = runner.invoke(cli, ["connections", "sidebar-link", "nope"])
    assert result.exit_code != 0 and "no connection nope" in result.output


def test_rotating_the_connection_url_revokes_every_link(cast, connection, client, settings):
    old = link(settings, connection)
    with cast.act("admin") as ctx:
        rotated = conns.rotate_url(ctx, connection.id)
        ctx.session.flush()
        ctx.session.expunge(rotated)
    assert urlsplit(old).path == urlsplit(link(settings, rotated)).path, "the same id: only the key changed"
    assert client.get(old).status_code == 403
    assert client.get(link(settings, rotated)).status_code == 200


def test_cli_shows_the_key_only_when_asked(runner, cast, connection):
    result = runner.invoke(cli, ["connections", "sidebar-link", connection.id, "--show-key"])
    assert result.exit_code == 0, result.output
    assert re.search(
        r"sidebar key \(secret; give it only to the helpdesk's signing code\): [0-9a-f]{64}\n", result.output
    )
