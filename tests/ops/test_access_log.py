"""Issue 21: the access log of `contactguard serve` carries no credential and no personal data, in any encoding.

The finding: the webhook credential was the connection's id, written in full with every admin page and API call,
and the sidebar panel's link logged the customer's address URL-encoded (`%40`), which the redaction missed. Here
the real server (gunicorn and its worker, as shipped) is sent a webhook delivery, an admin's visit to the
connection's page, signed and unsigned sidebar links and a search with an address in them (raw, `%40`, `+`, upper
and lower case), and a Referer carrying both; then the log file itself is read.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from urllib.parse import quote, quote_plus, urlsplit

import requests

from plugin.clock import utcnow
from plugin.logs import redact_request
from plugin.models import Connection
from plugin.services.sidebar import signed_link
from tests.helpers import webhook_path
from tests.ops.test_serve import _serving
from tests.web.test_auth_support import PASSWORD, csrf_from, email_of, give_account
from tests.webhooks.conftest import fixture_body

ADDRESS = "Quinlan.OBrien+housing@Example-Council.org"  # the customer's address, found by no other word here


def _encodings(address: str) -> list[str]:
    """How an address can appear in a URL or a log line: as typed, lower or upper case, each percent-encoded in
    part or whole, with '+' for a space or '%2B' for '+' (either hex case)."""
    forms = set()
    for case in (address, address.lower(), address.upper()):
        encoded = {case, quote(case, safe=""), quote(case, safe="@"), quote(case, safe="+"), quote_plus(case)}
        forms |= encoded | {f.replace("%2B", "%2b") for f in encoded} | {case.replace("@", "%40")}
    return sorted(forms)


def _sign_in(base: str, who: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{base}/sign-in", timeout=10).text
    answer = browser.post(
        f"{base}/sign-in",
        data={"csrf_token": csrf_from(form), "email": email_of(who), "password": PASSWORD, "totp_code": ""},
        timeout=10,
    )
    assert answer.status_code == 200 and "Sign out" in answer.text, answer.text[:500]
    return browser


def test_the_access_log_holds_no_token_and_no_address_in_any_encoding(
    tmp_path, db_url, cast, connection_id, settings, sessions
):
    give_account(cast, "admin")
    path = webhook_path(settings, connection_id)
    token = path.rsplit("/", 1)[1]
    with sessions() as s:
        connection = s.get(Connection, connection_id)
    with _serving(tmp_path, db_url) as (port, log):
        base = f"http://127.0.0.1:{port}"
        delivery = fixture_body("django-helpdesk-ticket-created", submitter_email=ADDRESS)
        assert requests.post(f"{base}{path}", json=delivery, timeout=10).status_code == 200

        admin = _sign_in(base, "admin")
        page = admin.get(f"{base}/admin/connections/{connection_id}", timeout=10)
        assert page.status_code == 200 and f"{path}" in page.text, "the admin sees the URL; the log must not"
        assert admin.get(f"{base}/customers", params={"q": ADDRESS}, timeout=10).status_code == 200

        link = signed_link(
            settings, connection, base, ticket="44", email=ADDRESS, expires=utcnow() + dt.timedelta(hours=1)
        )
        assert urlsplit(link).path == f"/sidebar/{connection_id}/panel", "the link names the public id"
        assert "%40" in link and requests.get(link, timeout=10).status_code == 200
        raw = f"{base}/sidebar/{connection_id}/panel?email={ADDRESS}&ticket=44"  # '@' and '+' as typed
        assert requests.get(raw, timeout=10).status_code == 401
        upper = f"{base}/sidebar/{connection_id}/panel?email={quote(ADDRESS.upper(), safe='')}&ticket=44"
        assert requests.get(upper, timeout=10).status_code == 401
        referer = {"Referer": f"{base}{path}?email={quote(ADDRESS, safe='')}"}
        assert requests.get(f"{base}/healthz", headers=referer, timeout=10).status_code == 200
    text = log.read_text()

    requests_logged = re.findall(r'"(?:GET|POST) (\S+) HTTP/1\.1"', text)
    assert "/webhooks/<masked>" in requests_logged, text
    assert f"/admin/connections/{connection_id}" in requests_logged, "the public id is logged: it is no secret"
    assert f"/sidebar/{connection_id}/panel?<dropped>" in requests_logged
    assert "/customers?<dropped>" in requests_logged
    assert token not in text
    for form in _encodings(ADDRESS):
        assert form not in text, form
    assert "quinlan" not in text.lower() and "example-council" not in text.lower()


def test_a_request_line_keeps_its_path_and_loses_its_token_and_query():
    """logs.redact_request, which the access log (plugin/web/gunicorn_conf.py) applies to the request line, the path
    and the Referer; the test above shows it at work in the real server."""
    line = "GET /sidebar/cg1a2b3c/panel?email=jane%40example.com&sig=ab HTTP/1.1"
    assert redact_request(line) == "GET /sidebar/cg1a2b3c/panel?<dropped> HTTP/1.1"
    assert redact_request("POST /webhooks/cgAbc-_12?x=1 HTTP/1.1") == "POST /webhooks/<masked>?<dropped> HTTP/1.1"
    assert redact_request("https://cg.example/webhooks/cgAbc") == "https://cg.example/webhooks/<masked>"
    assert "jane" not in redact_request("/customers/jane.doe%40example.com") and "<email>" in redact_request(
        "/customers/jane.doe%40example.com"
    )


def test_a_custom_format_reads_only_the_kept_headers_and_never_the_query_or_user():
    """Issue 24: the access log's atoms are redacted as the format reads them (RedactedAtoms), not all up front.
    A format that names every kind of atom still gets nothing a leaked log must not hold."""
    from plugin.web.gunicorn_conf import RedactedAtoms

    atoms = RedactedAtoms(
        {
            "r": "POST /webhooks/cgAbc-_12?email=jane%40example.com HTTP/1.1",
            "q": "email=jane%40example.com",
            "u": "jane@example.com",
            "s": "200",
            "b": 12,
            "a": 'curl "jane@example.com"',
            "{user-agent}i": 'curl "jane@example.com"',
            "{authorization}i": "Bearer secret-token",
            "{cookie}i": "session=abc",
        }
    )
    access_log_format = (  # gunicorn's access_log_format, %-formatted by logging with the atoms as here
        '%(r)s q=%(q)s u=%(u)s %(s)s %(b)s "%(a)s" ua=%({User-Agent}i)s auth=%({Authorization}i)s '
        "cookie=%({cookie}i)s missing=%(x)s"
    )
    line = access_log_format % atoms
    assert line.startswith("POST /webhooks/<masked>?<dropped> HTTP/1.1 q=- u=- 200 12 ")
    assert "jane" not in line and "secret-token" not in line and "session=abc" not in line
    assert 'ua=curl \\"<email>\\"' in line, "kept headers are redacted and their quotes escaped, as gunicorn's are"
    assert line.endswith("auth=- cookie=- missing=-")


def test_an_access_line_is_redacted_atom_by_atom_and_not_again_whole(monkeypatch):
    """The access log's record (gunicorn logs the format with the atoms as its one argument) is not redacted a
    second time as a whole line: each atom was, as the format read it. Any other record still is."""
    from plugin import logs
    from plugin.web import gunicorn_conf
    from plugin.web.gunicorn_conf import RedactedAtoms

    calls: list[str] = []
    real_redact = logs.redact
    for module in (logs, gunicorn_conf):
        monkeypatch.setattr(module, "redact", lambda text: calls.append(text) or real_redact(text))
    atoms = RedactedAtoms({"r": "POST /webhooks/cgAbc-_12 HTTP/1.1", "s": "200", "a": "jane@example.com"})
    access = logs.RedactingRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(s)s %(a)s", (atoms,), None)
    assert access.getMessage() == "POST /webhooks/<masked> HTTP/1.1 200 <email>"
    assert sorted(calls) == ["200", "POST /webhooks/cgAbc-_12 HTTP/1.1", "jane@example.com"], "each atom, no line"

    other = logs.RedactingRecord(
        "plugin", logging.INFO, __file__, 1, "%(a)s %(r)s", ({"a": "jane@example.com", "r": "/webhooks/cgAbc"},), None
    )
    assert other.getMessage() == "<email> /webhooks/<masked>"
