"""In a real headless Chromium: the Zendesk app's and the Front plugin's pages, driven through their whole flow.

Each page is the live app's, reached as its helpdesk reaches it: Zendesk POSTs a form with the signed token to the
app's URL (https://developer.zendesk.com/documentation/apps/build-an-app/building-a-server-side-app/
part-5-secure-the-app/), Front opens the plugin's URL with its auth_secret (https://dev.frontapp.com/docs/security).
The helpdesk's SDK is the only stand-in, and only here: Playwright answers the documented SDK address with a stub
that gives what the helpdesk would (ZAFClient's get/on/invoke; Front.contextUpdates with a single conversation), so
contactguard's own scripts, its panel token and its fetch run for real under the page's CSP. The panels are for a
restricted customer; screenshots go to .cache/artifacts/browser/ (docs/images/panel-zendesk.png and
panel-front.png are copies).
"""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.sidebar.json_apps_support import add_connection, app_at_public_url
from tests.sidebar.script_apps_support import (
    APP_PUBLIC_PEM,
    AUTH_SECRET,
    FRONT_SDK,
    FRONT_SECRETS,
    INSTALLATION,
    ZAF_SDK,
    signed_token,
    zendesk_settings,
)
from tests.sidebar.sidebar_support import SECRET_WORDS, record_decision, restrict

SIDEBAR_WIDTH = 340

ZAF_STUB = """
window.ZAFClient = {init: function () {
  return {
    get: function (fields) {
      var known = {"ticket.id": 321, "ticket.requester.id": 77, "ticket.requester.email": "jane.customer@example.com"};
      var answer = {};
      fields.forEach(function (f) { answer[f] = known[f]; });
      return Promise.resolve(answer);
    },
    on: function () {},
    invoke: function (name, size) { window.zafInvoked = {name: name, size: size}; return Promise.resolve({}); }
  };
}};
"""

FRONT_STUB = """
window.Front = {contextUpdates: {subscribe: function (callback) {
  setTimeout(function () {
    callback({type: "singleConversation", id: "ctx1", teammate: {id: "tea_1"},
              conversation: {id: "cnv_55", recipient: {handle: "jane.customer@example.com", type: "email"}}});
  }, 0);
}}};
"""


# What the agent reads about this ticket: what contactguard did, then what to do, naming the sole point of contact.
DISREGARDED = (
    "Disregarded: this contact is outside the arrangement. Do not reply to it. It has gone to the sole point of "
    "contact, Olly Officer, who reads it for new information and safeguarding concerns."
)
ESCALATED = (
    "Escalated: the safeguarding screen found words that may mean a risk. Read it now and act on any risk under the "
    "safeguarding procedure, and tell the sole point of contact, Olly Officer."
)


@pytest.fixture
def app(settings):
    """The app at its public address, so the panel links officers into contactguard (live_server serves this one)."""
    yield from app_at_public_url(settings)


def _stub(page, url: str, script: str) -> None:
    page.route(url, lambda route: route.fulfill(body=script, content_type="text/javascript"))


def _shows_the_restricted_panel(page, ticket_words: str) -> None:
    page.locator("#panel[data-status]").wait_for()  # the panel's script fetched it (a heading shows while loading)
    shown = page.locator("#panel").inner_text()
    assert "RESTRICTED" in shown.upper() and "Olly Officer <officer@council.example>" in shown
    assert "Dee Deputy" in shown and "Civic Centre" in shown and "Review date" in shown
    assert ticket_words in " ".join(shown.split())  # inner_text breaks lines where the layout wraps
    assert page.get_by_role("link", name="open C1 in contactguard (opens in a new tab)").is_visible()
    assert page.locator("#panel").get_attribute("data-status") == "200"
    assert not any(word in page.content() for word in SECRET_WORDS)


def test_zendesk_ticket_sidebar_app(cast, live_server, browser_page):
    page = browser_page
    zendesk = add_connection(
        cast,
        "zendesk",
        zendesk_settings(sidebar_public_key=APP_PUBLIC_PEM, sidebar_installation_id=INSTALLATION),
        {"api_token": "zd-token", "signing_secret": "zd-signing"},
    )
    restrict(cast)
    record_decision(cast.sessions, zendesk, "321", "disregard", routed=True)
    _stub(page, ZAF_SDK, ZAF_STUB)
    page.set_viewport_size({"width": SIDEBAR_WIDTH, "height": 600})
    # What Zendesk does with signedUrls: a form POST of the signed token into the app's iframe.
    action = f"{live_server}/sidebar/{zendesk.id}/zendesk?origin=https://council.zendesk.com&app_guid=g1"
    page.set_content(f'<form method="post" action="{action}"><input name="token" value="{signed_token()}"></form>')
    with page.expect_navigation():
        page.evaluate("document.forms[0].submit()")
    _shows_the_restricted_panel(page, DISREGARDED)
    invoked = page.evaluate("window.zafInvoked")
    assert invoked["name"] == "resize" and invoked["size"]["height"].endswith("px")
    page.screenshot(path=str(ARTIFACTS / "panel-zendesk.png"), full_page=True)


def test_front_sidebar_plugin(cast, live_server, browser_page):
    page = browser_page
    front = add_connection(cast, "front", {"author_id": "tea_1"}, {**FRONT_SECRETS, "plugin_auth_secret": AUTH_SECRET})
    restrict(cast)
    record_decision(cast.sessions, front, "cnv_55", "escalate")
    _stub(page, FRONT_SDK, FRONT_STUB)
    page.set_viewport_size({"width": SIDEBAR_WIDTH, "height": 600})
    page.goto(f"{live_server}/sidebar/{front.id}/front?auth_secret={AUTH_SECRET}")
    _shows_the_restricted_panel(page, ESCALATED)
    page.screenshot(path=str(ARTIFACTS / "panel-front.png"), full_page=True)


def test_front_plugin_without_its_secret_shows_no_panel(cast, live_server, browser_page):
    page = browser_page
    front = add_connection(cast, "front", {"author_id": "tea_1"}, {**FRONT_SECRETS, "plugin_auth_secret": AUTH_SECRET})
    restrict(cast)
    _stub(page, FRONT_SDK, FRONT_STUB)
    response = page.goto(f"{live_server}/sidebar/{front.id}/front?auth_secret=wrong")
    assert response.status == 403
    assert "Panel not available" in page.content() and "Olly Officer" not in page.content()
    assert json.loads(page.evaluate("JSON.stringify(typeof window.Front)")) == "undefined"
