"""In a real headless Chromium: the panel for a restricted customer as an agent sees it in Intercom, HubSpot and Freshdesk.

Intercom and HubSpot draw the panel themselves from the JSON contactguard answers, so a browser cannot show their own
rendering: each gets contactguard's preview, a small page turning the Canvas Kit components
(https://developers.intercom.com/docs/canvas-kit) or the CRM card's properties
(https://developers.hubspot.com/docs/api/crm/extensions/custom-cards) into what the agent reads. The JSON comes from
the live app over HTTP, signed as each helpdesk signs it. Freshdesk shows the app's own page: the packed app's
index.html, served from the zip `freshdesk_zip` builds, with a stand-in for Freshworks' client script (the Data API
answers a ticket and its requester; invokeTemplate sends the request template to the live app, adding the secure
iparam header as Freshworks' servers do). Screenshots go to .cache/artifacts/browser/ (docs/images/panel-*.png are
copies).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import time
import zipfile
from urllib.parse import urlencode

import pytest
from jinja2 import Environment
from markupsafe import Markup, escape

from plugin.services.sidebar_packages import freshdesk_secret, freshdesk_zip
from tests.browser.conftest import ARTIFACTS
from tests.sidebar.json_apps_support import PUBLIC, add_connection, app_at_public_url
from tests.sidebar.sidebar_support import SECRET_WORDS, record_decision, restrict

INTERCOM_SECRET = "intercom-client-secret-browser"
HUBSPOT_SECRET = "hubspot-client-secret-browser"
SIDEBAR_WIDTH = 340

PREVIEW_STYLE = """
body{margin:0;padding:12px;background:#f4f4f5;font-family:"Helvetica Neue",Arial,"Liberation Sans",sans-serif;
font-size:13px;color:#1a1a1a}
.card{background:#fff;border:1px solid #e4e4e7;border-radius:8px;padding:14px}
.caption{margin-top:10px;font-size:11px;color:#71717a}
"""
INTERCOM_PREVIEW = Environment(autoescape=True).from_string(
    """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Intercom app preview</title><style>
{{ style | safe }}
.header{font-weight:700;font-size:14px;margin:0 0 8px}.paragraph{margin:0 0 10px;line-height:1.45}
.muted{color:#71717a;margin:0 0 10px}.error{color:#c2410c;margin:0 0 10px}
table{width:100%;border-collapse:collapse;margin:0 0 10px}td{padding:4px 0;vertical-align:top}
td.field{color:#71717a;width:42%;padding-right:8px}hr{border:0;border-top:1px solid #e4e4e7;margin:12px 0}
ul{list-style:none;margin:0 0 10px;padding:0}li{padding:6px 0;border-bottom:1px solid #f4f4f5}
.button{display:block;text-align:center;border-radius:6px;padding:8px;margin:0 0 8px;font-weight:600}
.primary{background:#334bfa;color:#fff}.secondary{border:1px solid #d4d4d8;color:#1a1a1a}.link{color:#334bfa}
</style></head><body><div class="card">
{% for c in components %}
{% if c.type == "text" %}<p class="{{ c.style or 'paragraph' }}">{{ c.text | markdown }}</p>
{% elif c.type == "data-table" %}<table>{% for i in c["items"] %}<tr><td class="field">{{ i.field }}</td>
<td>{{ i.value }}</td></tr>{% endfor %}</table>
{% elif c.type == "list" %}<ul>{% for i in c["items"] %}<li>{{ i.title }}</li>{% endfor %}</ul>
{% elif c.type == "divider" %}<hr>
{% elif c.type == "button" %}<span class="button {{ c.style or 'primary' }}" role="button">{{ c.label }}</span>
{% endif %}{% endfor %}
</div><p class="caption">contactguard's preview of the Canvas Kit components it answers Intercom.</p></body></html>"""
)
HUBSPOT_PREVIEW = Environment(autoescape=True).from_string(
    """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>HubSpot card preview</title><style>
{{ style | safe }}
.card-title{font-weight:700;font-size:14px;margin:0 0 10px;color:#33475b}
.title{color:#0091ae;font-weight:600;margin:0 0 8px;display:block;text-decoration:none}
dl{margin:0}dt{color:#516f90;font-size:12px;margin-top:8px}dd{margin:2px 0 0;color:#33475b}
.dot{display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:6px}
.DANGER{background:#f2545b}.SUCCESS{background:#00bda5}.DEFAULT{background:#cbd6e2}
</style></head><body><div class="card"><p class="card-title">contactguard</p>
{% for r in results %}<a class="title" href="{{ r.link or '#' }}">{{ r.title }}</a><dl>
{% for p in r.properties %}<dt>{{ p.label }}</dt><dd>{% if p.dataType == "STATUS" %}<span class="dot {{ p.optionType }}">
</span>{% endif %}{{ p.value }}</dd>{% endfor %}</dl>{% endfor %}
</div><p class="caption">contactguard's preview of the CRM card properties it answers HubSpot.</p></body></html>"""
)


def _markdown(text: str) -> Markup:
    """Canvas Kit text renders **bold** as Markdown; everything else stays text."""
    return Markup(re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", str(escape(text))))


INTERCOM_PREVIEW.environment.filters["markdown"] = _markdown


@pytest.fixture
def app(settings):
    """The app at its public address, so panels link officers into contactguard (live_server serves this one)."""
    yield from app_at_public_url(settings)


# What the agent reads about this ticket: what contactguard did, then what to do, naming the sole point of contact.
DISREGARDED = (
    "Disregarded: this contact is outside the arrangement. Do not reply to it. It has gone to the sole point of "
    "contact, Olly Officer, who reads it for new information and safeguarding concerns."
)


def _restricted_with_a_decision(cast, connection, ticket: str) -> None:
    restrict(cast)
    record_decision(cast.sessions, connection, ticket, "disregard", routed=True)


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_intercom_canvas_preview(cast, live_server, browser_page):
    page = browser_page
    intercom = add_connection(
        cast, "intercom", {"admin_id": "814860"}, {"access_token": "tok", "client_secret": INTERCOM_SECRET}
    )
    _restricted_with_a_decision(cast, intercom, "5001")
    raw = json.dumps(
        {
            "workspace_id": "ecahpwf5",
            "admin": {"type": "admin", "id": "814860"},
            "context": {"location": "conversation"},
            "conversation": {"id": "5001"},
            "contact": {"type": "contact", "id": "6643703f", "email": "jane.customer@example.com"},
        }
    ).encode()
    signature = hmac.new(INTERCOM_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    answer = page.request.post(
        f"{live_server}/sidebar/{intercom.id}/intercom",
        data=raw,
        headers={"X-Body-Signature": signature, "Content-Type": "application/json"},
    )
    assert answer.status == 200
    assert not any(word in answer.text() for word in SECRET_WORDS)
    components = answer.json()["canvas"]["content"]["components"]

    page.set_viewport_size({"width": SIDEBAR_WIDTH, "height": 600})
    page.set_content(INTERCOM_PREVIEW.render(components=components, style=PREVIEW_STYLE))
    shown = page.locator(".card").inner_text()
    assert "Restricted" in shown and "Olly Officer <officer@council.example>" in shown
    assert "Dee Deputy" in shown and "Civic Centre" in shown
    assert DISREGARDED in " ".join(shown.split())
    assert page.locator("p.error strong").inner_text() == "Restricted"
    assert page.get_by_role("button", name="Officers: open in contactguard").is_visible()
    _shot(page, "panel-intercom.png")


def test_hubspot_card_preview(cast, live_server, browser_page):
    page = browser_page
    hubspot = add_connection(cast, "hubspot", {}, {"access_token": "pat-eu1-0000", "client_secret": HUBSPOT_SECRET})
    _restricted_with_a_decision(cast, hubspot, "9001")
    query = urlencode(
        {
            "userId": "123",
            "userEmail": "agent@council.example",
            "associatedObjectId": "9001",
            "associatedObjectType": "TICKET",
            "portalId": "62515",
            "email": "jane.customer@example.com",
        }
    )
    url = f"{live_server}/sidebar/{hubspot.id}/hubspot?{query}"
    stamp = str(int(time.time() * 1000))
    digest = hmac.new(HUBSPOT_SECRET.encode(), f"GET{url.replace('%40', '@')}{stamp}".encode(), hashlib.sha256)
    signature = base64.b64encode(digest.digest()).decode()
    answer = page.request.get(url, headers={"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": stamp})
    assert answer.status == 200, answer.text()
    assert not any(word in answer.text() for word in SECRET_WORDS)

    page.set_viewport_size({"width": SIDEBAR_WIDTH, "height": 600})
    page.set_content(HUBSPOT_PREVIEW.render(results=answer.json()["results"], style=PREVIEW_STYLE))
    shown = page.locator(".card").inner_text()
    assert "Contact arrangement: Restricted" in shown and "Olly Officer <officer@council.example>" in shown
    assert "Premises excluded" in shown and "Review date" in shown
    assert page.locator(".dot.DANGER").count() == 1
    assert page.get_by_role("link", name="Contact arrangement: Restricted").get_attribute("href") == (
        f"{PUBLIC}/customers/C1"
    )
    _shot(page, "panel-hubspot.png")


FRESHWORKS_CLIENT = """
(function () {
  var template = %(template)s;
  var client = {
    data: {
      get: function (what) {
        return Promise.resolve(what === "ticket"
          ? {ticket: {id: 321, subject: "Housing repair"}}
          : {requester: {id: 77, name: "Jane Customer", email: "jane.customer@example.com", phone: null, mobile: null}});
      }
    },
    events: {on: function (name, callback) { if (name === "app.activated") { setTimeout(callback, 0); } }},
    request: {
      invokeTemplate: function (name, options) {
        var schema = template[name].schema;
        return fetch(schema.path, {method: schema.method, headers: schema.headers, body: options.body})
          .then(function (r) {
            return r.text().then(function (text) {
              if (!r.ok) { throw {status: r.status, response: text}; }
              return {status: r.status, response: text};
            });
          });
      }
    }
  };
  window.app = {initialized: function () { return Promise.resolve(client); }};
})();
"""


def test_freshdesk_app_in_the_ticket_sidebar(cast, app, live_server, browser_page):
    page = browser_page
    freshdesk = add_connection(cast, "freshdesk", {"domain": "council"}, {"api_key": "fd-key"})
    _restricted_with_a_decision(cast, freshdesk, "321")
    settings = app.config["CONTACTGUARD"]
    package = zipfile.ZipFile(io.BytesIO(freshdesk_zip(settings, freshdesk)))
    templates = package.read("config/requests.json").decode()
    # What Freshworks' servers do with the secure iparam the admin typed in when installing.
    templates = templates.replace("<%= iparam.sidebar_secret %>", freshdesk_secret(settings, freshdesk))

    def serve(route):
        name = route.request.url.split("/freshdesk-app/", 1)[1]
        if name == "%7B%7B%7Bappclient%7D%7D%7D":  # index.html's <script src="{{{appclient}}}">
            return route.fulfill(body=FRESHWORKS_CLIENT % {"template": templates}, content_type="text/javascript")
        types = {"html": "text/html", "js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}
        route.fulfill(body=package.read(f"app/{name}"), content_type=types[name.rsplit(".", 1)[1]])

    page.route(f"{live_server}/freshdesk-app/**", serve)
    page.set_viewport_size({"width": SIDEBAR_WIDTH, "height": 600})
    page.goto(f"{live_server}/freshdesk-app/index.html")
    page.get_by_role("heading", name="This ticket").wait_for()  # the panel came (its heading shows while loading)
    shown = page.locator("#panel").inner_text()
    assert "RESTRICTED" in shown.upper() and "Olly Officer <officer@council.example>" in shown
    assert DISREGARDED in " ".join(shown.split())
    assert not any(word in page.content() for word in SECRET_WORDS)
    _shot(page, "panel-freshdesk.png")
