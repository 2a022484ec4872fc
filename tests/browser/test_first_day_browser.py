"""A council's first day (issue 22 "Done when"), in a real headless Chromium, from an empty database.

One command on the server makes the first admin (`contactguard users create-admin`, run as the real CLI with the
password on standard input); everything after it is done through the pages, as the README's "First day" says: the
admin signs in, connects a helpdesk (tested against a fake that answers, then saved), and adds a senior officer
without an account. The senior officer signs in through the council's identity provider (a real OpenID Connect
provider, tests/web/oidc_provider.py), whose groups claim gives the role (OIDC_ROLE_MAP); the header shows their name
and role. They add a customer with a postal address, record an incident, issue a warning, and record the warning
letter, which shows the address, as sent by first class post.

The CLI and the app read the same settings file (CONTACTGUARD_CONFIG), as on a council's server. axe-core checks
every contactguard page on the way (tests/browser/conftest.py); the identity provider's own sign-in and consent
pages are the provider's, not contactguard's, and are not checked (as a helpdesk's screens are not).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import responses
from werkzeug.serving import make_server

from plugin.app import create_app, dispose
from plugin.clock import local_today
from plugin.config import settings_of
from plugin.words import date_words
from tests.browser.accessibility import AxeChecks
from tests.browser.conftest import ARTIFACTS
from tests.browser.navigation import go, nav
from tests.letters.conftest import COUNCIL
from tests.web.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider

ROOT = Path(__file__).resolve().parents[2]
ADMIN_EMAIL = "ada.admin@council.example"
ADMIN_PASSWORD = "a long first-day password"
SENIOR_EMAIL = "sam.senior@council.example"
ROLE_MAP = {"cg-staff": "officer", "cg-seniors": "senior", "cg-admins": "admin"}
HELPDESK_API = "https://helpdesk.council.example/helpdesk/api/"


class _AppBehind:
    """The WSGI app the server passes each request to: the server must be listening (its address is the provider's
    redirect URI) before the provider starts, and the app is made once the provider's address is known."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@dataclass
class Council:
    """The council's server as the test sees it: where the pages are, its identity provider, the environment its
    commands run in (CONTACTGUARD_CONFIG naming the settings file) and its time zone."""

    base: str
    provider: Provider
    environment: dict[str, str]
    zone: ZoneInfo


def _toml(settings: dict) -> str:
    """A settings file's text: JSON strings, booleans and objects are TOML's too (objects as inline tables)."""

    def value(v) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"
        return json.dumps(v)

    return "".join(f"{key.lower()} = {value(v)}\n" for key, v in settings.items())


@pytest.fixture
def council(db_url, tmp_path, monkeypatch):
    """A council's server: its settings file, the app served on a free port, and its identity provider."""
    behind = _AppBehind()
    server = make_server("127.0.0.1", 0, behind, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    instance = tmp_path / "instance"
    instance.mkdir()
    (tmp_path / "provider").mkdir()
    try:
        with running_provider(tmp_path / "provider", f"{base}/sign-in/oidc/callback") as provider:
            config = instance / "contactguard.toml"
            config.write_text(
                _toml(
                    {
                        "DATABASE_URL": db_url,
                        "INSTANCE_PATH": str(instance),
                        "SECRET_KEY": "first-day-secret-key-0123456789abcdef",
                        "PUBLIC_URL": base,
                        "OIDC_ISSUER": provider.issuer,
                        "OIDC_CLIENT_ID": CLIENT_ID,
                        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                        "OIDC_ROLE_MAP": ROLE_MAP,
                        **COUNCIL,
                    }
                )
            )
            environment = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTGUARD_")}
            environment["CONTACTGUARD_CONFIG"] = str(config)
            for key in [k for k in os.environ if k.startswith("CONTACTGUARD_") and "_TEST_" not in k]:
                monkeypatch.delenv(key)  # only the settings file, as the CLI reads it
            monkeypatch.setenv("CONTACTGUARD_CONFIG", str(config))
            behind.app = create_app({"TESTING": True})
            try:
                yield Council(base, provider, environment, settings_of(behind.app).zone)
            finally:
                dispose(behind.app)
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture
def browser_page(chromium, council):
    """A fresh browser context and page, axe-core checking contactguard's pages but not the identity provider's."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1100, "height": 900})
    checks = ContactguardPagesOnly(context, council.base)
    page = checks.watch(context.new_page())
    yield page
    try:
        checks.finish(page)
    finally:
        context.close()


class ContactguardPagesOnly(AxeChecks):
    """axe-core's reports on contactguard's own pages (at `base`) only."""

    def __init__(self, context, base: str):
        super().__init__(context)
        self.base = base

    def _report(self, url: str, violations: list[dict]) -> None:
        if urlsplit(url).netloc == urlsplit(self.base).netloc:
            super()._report(url, violations)


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"first-day-{name}.png"), full_page=True)


def _heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def _banner(page) -> str:
    return page.locator(".govuk-notification-banner").inner_text()


def _signed_in_as(page) -> str:
    return page.locator("#signed-in-as").inner_text()


def _create_admin(environment: dict) -> subprocess.CompletedProcess:
    """`contactguard users create-admin`, as the README says, the password piped on standard input."""
    return subprocess.run(
        [sys.executable, "-m", "plugin.cli", "users", "create-admin", ADMIN_EMAIL, "--name", "Ada Admin"],
        input=ADMIN_PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
        check=False,
    )


def test_a_council_goes_from_an_empty_database_to_a_letter_posted_on_its_first_day(council, browser_page):
    base, page = council.base, browser_page

    # On the server: the first admin.
    made = _create_admin(council.environment)
    assert made.returncode == 0, made.stderr
    assert f"admin {ADMIN_EMAIL} can now sign in" in made.stdout

    # The admin signs in.
    page.goto(f"{base}/")
    assert page.url == f"{base}/sign-in?next=/"
    page.get_by_label("E-mail address").fill(ADMIN_EMAIL)
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    go(page, "Sign in")
    assert _heading(page) == "Dashboard" and _signed_in_as(page) == "Ada Admin (admin)"

    # A helpdesk connection: tested alone against a helpdesk that answers, then tested and saved.
    nav(page, "Connections")
    assert _heading(page) == "Helpdesk connections"
    go(page, "Add a django-helpdesk connection")
    assert _heading(page) == "Add a django-helpdesk connection"

    def fill_helpdesk() -> None:
        page.get_by_label("Name", exact=True).fill("Housing helpdesk")
        page.get_by_label("Base url").fill(HELPDESK_API)
        page.get_by_label("Username").fill("cgadmin")
        page.get_by_label("Password", exact=True).fill("helpdesk-password")

    with responses.RequestsMock() as helpdesk:
        helpdesk.add(responses.GET, HELPDESK_API + "tickets/", json={"results": []})
        fill_helpdesk()
        go(page, "Test the connection")
        assert "Connection test passed" in _banner(page) and "Nothing is saved yet" in _banner(page)
        fill_helpdesk()
        go(page, "Test and save")
        assert "Connection saved: the helpdesk answered with these credentials." in _banner(page)
    assert _heading(page).startswith("Housing helpdesk")
    _shot(page, "connection")

    # A senior officer, with no account: they sign in through the identity provider.
    nav(page, "Officers")
    assert _heading(page) == "Officers"
    go(page, "Add an officer")
    assert _heading(page) == "Add an officer"
    page.get_by_label("Full name").fill("Sam Senior")
    page.get_by_label("E-mail address").fill(SENIOR_EMAIL)
    page.get_by_role("radio", name=re.compile("^Senior officer:")).check()
    page.get_by_label("User id in Housing helpdesk (django-helpdesk) (optional)").fill("7")
    go(page, "Add the officer")
    assert _heading(page).startswith("Sam Senior")
    details = page.locator("#details").inner_text()
    assert "Senior officer: activates" in details and "Housing helpdesk: 7" in details
    assert "No account: they cannot sign in." in page.locator("main").inner_text()
    _shot(page, "officer")
    go(page, "Sign out")
    assert "You have signed out" in page.locator("main").inner_text()

    # The senior officer signs in with their council account; the groups claim gives their role.
    council.provider.person("sam", SENIOR_EMAIL, groups=["all-staff", "cg-seniors"], name="Sam Senior")
    page.goto(f"{base}/sign-in")
    go(page, "Sign in with your council account")
    page.locator("input[name=login]").fill("sam")
    page.locator("input[name=password]").fill("not checked by the development pages")
    with page.expect_navigation():
        page.locator("button[type=submit]").click()
    with page.expect_navigation():
        page.locator("button[type=submit]").click()  # the provider's consent page
    page.wait_for_url(f"{base}/")
    assert _heading(page) == "Dashboard" and _signed_in_as(page) == "Sam Senior (senior)"
    _shot(page, "senior-signed-in")

    # The senior officer adds a customer, with the postal address letters are posted to.
    nav(page, "Customers")
    go(page, "Add a customer")
    assert _heading(page) == "Add a customer"
    page.get_by_label("Full name").fill("Jane Customer")
    page.get_by_label("E-mail addresses").fill("jane.customer@example.com")
    page.get_by_label("Address line 1").fill("12 Example Street")
    page.get_by_label("Town or city").fill("Glenburn")
    page.get_by_label("Postcode").fill("G2 1AB")
    go(page, "Add customer")
    reference = _heading(page).removesuffix(" Jane Customer")
    assert re.fullmatch(r"C\d+", reference) and f"Customer {reference} added." in _banner(page)
    assert "12 Example Street" in page.locator("#postal-address + p").inner_text()

    # An incident, then a warning citing it: the warning letter waits to be sent.
    yesterday = local_today(council.zone) - dt.timedelta(days=1)
    go(page, "Record an incident")
    assert _heading(page) == "Record an incident"
    page.get_by_label("Who experienced it").select_option(SENIOR_EMAIL)
    happened = page.get_by_role("group", name="Date it happened")
    happened.get_by_label("Day").fill(str(yesterday.day))
    happened.get_by_label("Month").fill(str(yesterday.month))
    happened.get_by_label("Year").fill(str(yesterday.year))
    page.get_by_label("Time it happened").fill("10:15")
    page.get_by_label("Telephone", exact=True).check()
    page.get_by_label("Verbal abuse", exact=True).check()
    page.get_by_label("What happened").fill("Shouted and swore at the officer on the phone")
    page.get_by_label("Action taken at the time").fill("call ended")
    go(page, "Record incident")
    assert "Incident 1 recorded." in _banner(page)
    go(page, "Issue a warning")
    assert _heading(page) == "Issue a warning"
    page.get_by_label("Incident 1:").check()
    page.get_by_label("What the customer did").fill("You shouted and swore at an officer on the phone")
    page.get_by_label("Why it is unacceptable").fill("Staff are entitled to work without abuse")
    page.get_by_label("What change is asked for").fill("Please keep your calls civil")
    page.get_by_label("What may follow").fill("Your contact with the council may be restricted")
    go(page, "Issue warning")
    assert "Warning 1 issued" in _banner(page)

    # The warning letter, addressed to her postal address, recorded as sent by first class post.
    nav(page, "Letters")
    assert _heading(page) == "Letters"
    letter_link = page.get_by_role("link", name=re.compile(r"^Warning letter \d+$"))
    letter_name = letter_link.inner_text()
    go(page, letter_name)
    assert _heading(page) == letter_name
    addressed = page.frame_locator("iframe.cg-letter").locator(".window.addressee").inner_text()
    assert "Jane Customer" in addressed and "12 Example Street" in addressed and "GLENBURN" in addressed
    page.get_by_role("radio", name="First class post").check()
    go(page, "Record as sent")
    letter_id = letter_name.removeprefix("Warning letter ")
    assert f"Letter {letter_id} recorded as sent on {date_words(local_today(council.zone))}." in _banner(page)
    assert "(First class post)" in page.locator("#letter-facts").inner_text()
    _shot(page, "letter-posted")
