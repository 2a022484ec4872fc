"""Front's sidebar plugin: GET /sidebar/<token>/front with Front's auth_secret, and the panel its page fetches.

Documented behaviour checked (https://dev.frontapp.com/docs/security):
- token verification: Front sends the plugin's auth secret (shown in the plugin's settings, unique to the instance) as
  the `auth_secret` query parameter whenever it renders the plugin; the plugin checks it against its own copy. The
  right secret opens the page, a wrong one (403) or none (401) does not, and no data is shown either way;
- the content security policy Front documents for plugins: `frame-ancestors https://*.frontapp.com
  https://*.frontapplication.com`;
- the Plugin SDK's documented UMD build from dl.frontapp.com (https://dev.frontapp.com/docs/plugin-sdk-reference),
  the only script origin besides contactguard.
Front's scheme has no expiry; what expires is contactguard's short-lived panel token (plugin/services/
sidebar_tokens.py), checked here with the panels for restricted, unrestricted and lapsed customers.
"""

import datetime as dt
import re
from html import unescape

import pytest
from json_apps_support import PUBLIC, add_connection, app_at_public_url, lapse
from script_apps_support import AUTH_SECRET, FRONT_SDK, FRONT_SECRETS
from sidebar_support import SECRET_WORDS, record_decision, restrict

from plugin.clock import utcnow
from plugin.services import connections as conns
from plugin.services import sidebar_tokens


@pytest.fixture
def app(settings):
    yield from app_at_public_url(settings)


@pytest.fixture
def front(cast):
    return add_connection(cast, "front", {"author_id": "tea_1"}, {**FRONT_SECRETS, "plugin_auth_secret": AUTH_SECRET})


def open_plugin(client, connection, auth_secret):
    """Front rendering the plugin: its URL with the auth_secret query parameter."""
    query = "" if auth_secret is None else f"?auth_secret={auth_secret}"
    return client.get(f"/sidebar/{connection.id}/front{query}")


def page_token(response) -> str:
    return re.search(r'data-token="([^"]+)"', response.get_data(as_text=True)).group(1)


def fetch_panel(client, connection, token, email="jane.customer@example.com", conversation="cnv_55"):
    """What static/front_panel.js sends for a single conversation whose recipient is an e-mail handle."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    body = {"ticket": conversation, "user": None, "emails": [email]}
    return client.post(f"/sidebar/{connection.id}/front/panel", json=body, headers=headers)


def test_the_plugins_auth_secret_opens_the_page(client, front):
    response = open_plugin(client, front, AUTH_SECRET)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<script src="{FRONT_SDK}"></script>' in html
    assert "/sidebar/static/panel_fetch.js" in html and "/sidebar/static/front_panel.js" in html
    assert f'data-fetch-url="/sidebar/{front.id}/front/panel"' in html
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' https://dl.frontapp.com;" in policy and "connect-src 'self'" in policy
    assert policy.endswith("frame-ancestors https://*.frontapp.com https://*.frontapplication.com")


@pytest.mark.parametrize(
    ("auth_secret", "status", "message"),
    [("0" * 32, 403, "is not this plugin's"), (None, 401, "carries no auth_secret"), ("", 401, "no auth_secret")],
    ids=["wrong", "missing", "empty"],
)
def test_a_wrong_or_missing_auth_secret_gets_no_page(cast, client, front, auth_secret, status, message):
    restrict(cast)
    response = open_plugin(client, front, auth_secret)
    assert response.status_code == status
    html = unescape(response.get_data(as_text=True))
    assert message in html and "data-token" not in html and "Olly Officer" not in html


def test_a_connection_without_the_plugins_secret_says_it_is_not_set_up(cast, client):
    bare = add_connection(cast, "front", {"author_id": "tea_1"}, FRONT_SECRETS)
    response = open_plugin(client, bare, AUTH_SECRET)
    assert response.status_code == 503
    assert "set-secret ID plugin_auth_secret" in response.get_data(as_text=True)


def test_the_secret_set_later_with_set_secret_works(cast, client):
    bare = add_connection(cast, "front", {"author_id": "tea_1"}, FRONT_SECRETS)
    with cast.act("admin") as ctx:
        conns.update_secrets(ctx, bare.id, {"plugin_auth_secret": AUTH_SECRET}, test=False)
    assert open_plugin(client, bare, AUTH_SECRET).status_code == 200


def test_restricted_customer_panel(cast, client, front, sessions):
    restrict(cast)
    record_decision(sessions, front, "cnv_55", "escalate")
    response = fetch_panel(client, front, page_token(open_plugin(client, front, AUTH_SECRET)))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Restricted" in html and "Customer C1" in html
    assert "Olly Officer &lt;officer@council.example&gt;" in html and "Dee Deputy" in html
    assert "Read it now and act on any risk under the safeguarding procedure" in html and "Olly Officer" in html
    assert f"{PUBLIC}/customers/C1" in html
    assert not any(word in html for word in SECRET_WORDS)


def test_unrestricted_unknown_and_lapsed_customers(cast, client, front):
    token = page_token(open_plugin(client, front, AUTH_SECRET))
    assert "has no restriction in force" in fetch_panel(client, front, token).get_data(as_text=True)
    unknown = fetch_panel(client, front, token, email="somebody@example.com")
    assert "not on the register" in unknown.get_data(as_text=True)
    lapse(cast, restrict(cast))
    lapsed = fetch_panel(client, front, token).get_data(as_text=True)
    assert "Restriction ended" in lapsed and "lapsed on " in lapsed and "Olly Officer" not in lapsed


def test_expired_and_forged_panel_tokens_are_refused(app, cast, client, front):
    restrict(cast)
    settings = app.config["CONTACTGUARD"]
    stale = sidebar_tokens.mint(settings, front, "front", utcnow() - dt.timedelta(minutes=11))
    expired = fetch_panel(client, front, stale)
    assert expired.status_code == 401 and "has expired" in expired.get_data(as_text=True)
    for forged in (sidebar_tokens.mint(settings, front, "zendesk", utcnow()), "garbage", f"{10**10}.{'a' * 64}"):
        refused = fetch_panel(client, front, forged)
        assert refused.status_code == 403 and "Olly Officer" not in refused.get_data(as_text=True)
    assert fetch_panel(client, front, None).status_code == 401


def test_rotating_the_url_revokes_the_pages_tokens(cast, client, front):
    """The plugin's URL carries the connection's public id, so it stays; Front's auth_secret still opens the page,
    and a page opened before the rotation can no longer fetch the panel."""
    token = page_token(open_plugin(client, front, AUTH_SECRET))
    with cast.act("admin") as ctx:
        rotated = conns.rotate_url(ctx, front.id)
        ctx.session.flush()
        ctx.session.expunge(rotated)
    assert fetch_panel(client, rotated, token).status_code == 403
    reopened = open_plugin(client, front, AUTH_SECRET)
    assert fetch_panel(client, rotated, page_token(reopened)).status_code == 200
