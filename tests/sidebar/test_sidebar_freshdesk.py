"""The Freshdesk app beside a ticket: its package (the zip `fdk pack` makes) and its back end, POST /sidebar/<token>/freshdesk.

Documented behaviour checked:
- the app manifest against a JSON Schema written from Freshworks' platform 3.0 manifest reference
  (https://developers.freshworks.com/docs/app-sdk/v3.0/support_ticket/app-manifest/ and the worked example at
  https://developers.freshworks.com/docs/tutorials/intermediate/bitly-built-with-modules/declaring-manifest/):
  `platform-version` "3.0", `modules` (`common.requests` naming each request template, and `support_ticket.location`
  with a placeholder's `url` and `icon`), `engines` with the Node.js and FDK versions; the `ticket_sidebar`
  placeholder of the support_ticket module
  (https://developers.freshworks.com/docs/app-sdk/v3.0/support_ticket/front-end-apps/placeholders);
- the request template (config/requests.json: `schema` with `protocol`, `method`, an FQDN `host` without a path, a
  `path` starting with "/", and headers that may use `<%= iparam.name %>`) and a secure installation parameter
  (config/iparams.json: `secure: true`, usable only from request templates)
  (https://developers.freshworks.com/docs/app-sdk/v3.0/support_ticket/advanced-interfaces/request-method/);
- the zip layout of the FDK's `fdk pack`: app/, config/, manifest.json and digest.md5 at the root, the digest being the
  MD5 of the app/ files in packing order followed by manifest.json.
Freshworks does not sign request-template calls, so the back end has no signature or expiry to check: the secret in the
header is the permission, and `connections rotate-url` revokes it.
"""

import hashlib
import io
import json
import zipfile

import jsonschema
import pytest
from json_apps_support import PUBLIC, add_connection, app_at_public_url, lapse
from sidebar_support import SECRET_WORDS, record_decision, restrict

from plugin.services import connections as conns
from plugin.services.errors import InvalidInput
from plugin.services.sidebar_packages import FRESHDESK_SECRET_HEADER, freshdesk_secret, freshdesk_zip

SEMVER = r"^\d+\.\d+\.\d+$"

# Freshworks platform 3.0 app manifest (front-end app), as documented: see the module docstring.
PLACEHOLDER = {
    "type": "object",
    "required": ["url", "icon"],
    "properties": {
        "url": {"type": "string", "pattern": r"^[\w./-]+\.html$"},
        "icon": {"type": "string", "pattern": r"^[\w./-]+\.svg$"},
    },
    "additionalProperties": False,
}
MODULE = {
    "type": "object",
    "properties": {
        "location": {"type": "object", "minProperties": 1, "additionalProperties": PLACEHOLDER},
        "requests": {"type": "object", "additionalProperties": {"type": "object"}},
        "functions": {"type": "object", "additionalProperties": {"type": "object"}},
        "events": {"type": "object", "additionalProperties": {"type": "object", "required": ["handler"]}},
    },
    "additionalProperties": False,
}
MANIFEST_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["platform-version", "modules", "engines"],
    "properties": {
        "platform-version": {"const": "3.0"},
        "modules": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[a-z_]+$"},
            "additionalProperties": MODULE,
            "properties": {
                "support_ticket": {
                    "allOf": [MODULE],
                    "properties": {"location": {"required": ["ticket_sidebar"]}},
                    "required": ["location"],
                }
            },
            "required": ["common", "support_ticket"],
        },
        "engines": {
            "type": "object",
            "required": ["node", "fdk"],
            "properties": {"node": {"pattern": SEMVER}, "fdk": {"pattern": SEMVER}},
            "additionalProperties": False,
        },
        "dependencies": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "additionalProperties": False,
}
REQUEST_TEMPLATE_SCHEMA = {
    "type": "object",
    "required": ["schema"],
    "properties": {
        "schema": {
            "type": "object",
            "required": ["method", "host", "path"],
            "properties": {
                "protocol": {"enum": ["https"]},
                "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
                "host": {"type": "string", "pattern": r"^[a-z0-9.-]+(:\d+)?$"},
                "path": {"type": "string", "pattern": "^/"},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "options": {"type": "object"},
    },
}


@pytest.fixture
def app(settings):
    """The app at its public https address, where Freshworks sends the app's requests."""
    yield from app_at_public_url(settings)


@pytest.fixture
def freshdesk(cast):
    return add_connection(cast, "freshdesk", {"domain": "council"}, {"api_key": "fd-key"})


@pytest.fixture
def package(app, freshdesk) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(freshdesk_zip(app.config["CONTACTGUARD"], freshdesk)))


def secret_headers(app, connection) -> dict:
    return {FRESHDESK_SECRET_HEADER: freshdesk_secret(app.config["CONTACTGUARD"], connection)}


def body(email="jane.customer@example.com", ticket=321, requester_id=77) -> dict:
    """What the app's scripts/app.js sends, from the Data API's ticket and requester."""
    return {"ticket": {"id": ticket}, "requester": {"id": requester_id, "email": email, "phone": None, "mobile": None}}


def post(client, connection, data, headers):
    return client.post(f"/sidebar/{connection.id}/freshdesk", json=data, headers=headers)


# The package


def test_zip_has_the_fdk_pack_layout(package):
    names = package.namelist()
    assert {"manifest.json", "digest.md5", "config/iparams.json", "config/requests.json"} <= set(names)
    assert {"app/index.html", "app/scripts/app.js", "app/styles/style.css", "app/styles/images/icon.svg"} <= set(names)
    assert all(n.split("/")[0] in ("app", "config", "manifest.json", "digest.md5") for n in names)
    app_files = [n for n in names if n.startswith("app/")]
    expected = hashlib.md5(b"".join(package.read(n) for n in [*app_files, "manifest.json"])).hexdigest()
    assert package.read("digest.md5").decode() == expected


def test_manifest_validates_against_the_documented_schema(package):
    manifest = json.loads(package.read("manifest.json"))
    jsonschema.validate(manifest, MANIFEST_SCHEMA)
    sidebar = manifest["modules"]["support_ticket"]["location"]["ticket_sidebar"]
    assert f"app/{sidebar['url']}" in package.namelist() and f"app/{sidebar['icon']}" in package.namelist()


def test_schema_refuses_what_the_reference_does_not_allow(package):
    """The schema is not a rubber stamp: a 2.x manifest or a placeholder without its icon fails it."""
    manifest = json.loads(package.read("manifest.json"))
    legacy = {**manifest, "platform-version": "2.3", "product": {"freshdesk": {}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(legacy, MANIFEST_SCHEMA)
    no_icon = json.loads(package.read("manifest.json"))
    del no_icon["modules"]["support_ticket"]["location"]["ticket_sidebar"]["icon"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(no_icon, MANIFEST_SCHEMA)


def test_request_template_points_at_this_connections_panel(package, freshdesk):
    manifest = json.loads(package.read("manifest.json"))
    templates = json.loads(package.read("config/requests.json"))
    assert set(manifest["modules"]["common"]["requests"]) == set(templates)
    template = templates["contactguardPanel"]
    jsonschema.validate(template, REQUEST_TEMPLATE_SCHEMA)
    schema = template["schema"]
    assert (schema["protocol"], schema["method"], schema["host"]) == ("https", "POST", "contactguard.council.example")
    assert schema["path"] == f"/sidebar/{freshdesk.id}/freshdesk"
    assert schema["headers"][FRESHDESK_SECRET_HEADER] == "<%= iparam.sidebar_secret %>"
    iparams = json.loads(package.read("config/iparams.json"))
    assert iparams["sidebar_secret"]["secure"] is True and iparams["sidebar_secret"]["type"] == "text"


def test_the_secret_is_not_in_the_zip(app, package, freshdesk):
    secret = freshdesk_secret(app.config["CONTACTGUARD"], freshdesk)
    assert all(secret.encode() not in package.read(name) for name in package.namelist())


def test_packing_is_repeatable(app, freshdesk):
    settings = app.config["CONTACTGUARD"]
    assert freshdesk_zip(settings, freshdesk) == freshdesk_zip(settings, freshdesk)


def test_packing_needs_an_https_public_url_and_a_freshdesk_connection(app, settings, freshdesk, connection):
    with pytest.raises(InvalidInput, match="PUBLIC_URL must be contactguard's public https"):
        freshdesk_zip(settings, freshdesk)
    with pytest.raises(InvalidInput, match="not Freshdesk"):
        freshdesk_zip(app.config["CONTACTGUARD"], connection)


# The back end


def test_restricted_customer_panel_as_html_in_json(app, cast, freshdesk, client, sessions):
    restrict(cast)
    record_decision(sessions, freshdesk, "321", "flag")
    response = post(client, freshdesk, body(), secret_headers(app, freshdesk))
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "Restricted" in html and "Customer C1" in html
    assert "Olly Officer &lt;officer@council.example&gt;" in html
    assert "Flagged: the customer is restricted" in html
    assert f"{PUBLIC}/customers/C1" in html
    assert "<script" not in html and "<html" not in html
    for word in SECRET_WORDS:
        assert word not in response.get_data(as_text=True)


def test_unrestricted_unknown_and_lapsed(app, cast, freshdesk, client):
    headers = secret_headers(app, freshdesk)
    assert "has no restriction in force" in post(client, freshdesk, body(), headers).get_json()["html"]
    unknown = post(client, freshdesk, body(email="somebody@example.com", requester_id=5), headers)
    assert "not on the register" in unknown.get_json()["html"]
    lapse(cast, restrict(cast))
    lapsed = post(client, freshdesk, body(), headers).get_json()["html"]
    assert "Restriction ended" in lapsed and "lapsed on " in lapsed and "Olly Officer" not in lapsed


def test_found_by_phone_when_the_requester_has_no_email(app, cast, freshdesk, client):
    restrict(cast)
    data = {"ticket": {"id": 9}, "requester": {"id": 8, "email": None, "phone": None, "mobile": "07700 900123"}}
    assert "Restricted" in post(client, freshdesk, data, secret_headers(app, freshdesk)).get_json()["html"]


def test_wrong_or_missing_secret_is_refused_without_data(cast, freshdesk, client):
    restrict(cast)
    response = post(client, freshdesk, body(), {FRESHDESK_SECRET_HEADER: "0" * 64})
    assert response.status_code == 403
    assert f"{FRESHDESK_SECRET_HEADER} is not valid" in response.get_json()["message"]
    assert "Olly Officer" not in response.get_data(as_text=True)
    assert post(client, freshdesk, body(), {}).status_code == 403


def test_rotating_the_url_revokes_the_secret(app, cast, freshdesk, client):
    """The secret is bound to the webhook token's generation: a rotation means a new secret to install."""
    old = secret_headers(app, freshdesk)
    with cast.act("admin") as ctx:
        rotated = conns.rotate_url(ctx, freshdesk.id)
        ctx.session.flush()
        ctx.session.expunge(rotated)
    assert post(client, rotated, body(), old).status_code == 403
    assert post(client, rotated, body(), secret_headers(app, rotated)).status_code == 200


def test_not_json_is_a_clear_400(app, freshdesk, client):
    response = client.post(
        f"/sidebar/{freshdesk.id}/freshdesk", data=b"ticket=1", headers=secret_headers(app, freshdesk)
    )
    assert response.status_code == 400 and "Expected the app's JSON" in response.get_json()["message"]


def test_other_helpdesks_token_and_unknown_token_are_404(app, freshdesk, connection, client):
    headers = secret_headers(app, freshdesk)
    assert post(client, connection, body(), headers).status_code == 404
    assert client.post("/sidebar/no-such-token/freshdesk", json=body(), headers=headers).status_code == 404
