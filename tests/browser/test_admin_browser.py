"""An admin runs contactguard from the browser alone (issue 22 item 1), in a real headless Chromium: officers (add,
change the role and helpdesk user ids, deactivate), accounts (create, reset the password and the authenticator app,
unlock, disable, enable), services, absences and deputies, helpdesk connections (test separately from saving, save
without testing, change and rotate a secret, the sidebar key), dead-lettered helpdesk actions, API tokens (each
person's own; an admin revokes anyone's) and the subject access export. Every change is in the audit trail.

Only the pages are used for each task; what a task starts from (a locked account, a dead-lettered action) is set
up through the service layer. axe-core checks every page on the way (tests/browser/conftest.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import responses
from sqlalchemy import select

from plugin.models import Account, ApiToken, AuditEntry, Connection, Officer, OutboxAction
from plugin.services import accounts
from plugin.services import connections as conns
from plugin.services import sidebar as sb
from tests.browser.navigation import go, nav
from tests.browser.test_sign_in_browser import _sign_in
from tests.web.test_auth_support import PASSWORD, give_account

ARTIFACTS = Path(__file__).resolve().parents[2] / ".cache" / "artifacts" / "browser"
HELPDESK_API = "https://helpdesk.council.example/helpdesk/api/"
NEW_PASSWORD = "a much longer new password"


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"admin-{name}.png"), full_page=True)


def _banner(page) -> str:
    return page.locator(".govuk-notification-banner").inner_text()


def _errors(page) -> str:
    return page.locator(".govuk-error-summary").inner_text()


def _heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def _audited(cast) -> list[str]:
    with cast.sessions() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_an_admin_adds_an_officer_gives_them_an_account_and_manages_it(cast, live_server, browser_page):
    page = browser_page
    give_account(cast, "admin")
    _sign_in(page, live_server, "admin")
    nav(page, "Officers")
    assert _heading(page) == "Officers"
    go(page, "Add an officer")

    # A refused form first: nothing filled in.
    go(page, "Add the officer")
    assert "Enter the officer's full name" in _errors(page) and "Choose the officer's role" in _errors(page)
    page.get_by_label("Full name").fill("Nia Newcomer")
    page.get_by_label("E-mail address").fill("nia@council.example")
    page.get_by_role("radio", name=re.compile("^Officer:")).check()
    page.get_by_label("Service (optional)").select_option("housing")
    page.get_by_label("Deputy (optional)").select_option("deputy@council.example")
    page.get_by_label("User id in every helpdesk (optional)").fill("4242")
    go(page, "Add the officer")
    assert _heading(page).startswith("Nia Newcomer")
    details = page.locator("#details").inner_text()
    assert "Officer: records incidents" in details and "Dee Deputy" in details and "Every helpdesk: 4242" in details
    _shot(page, "officer")

    # Change the role to senior officer and drop the deputy.
    go(page, "Change the details")
    page.get_by_role("radio", name=re.compile("^Senior officer:")).check()
    page.get_by_label("Deputy (optional)").select_option("")
    go(page, "Save")
    assert "Officer's details saved." in _banner(page)
    details = page.locator("#details").inner_text()
    assert "Senior officer: activates" in details and "Deputy\tNone" in details

    # An account, then a password reset and a new authenticator app.
    assert "No account: they cannot sign in." in page.locator("main").inner_text()
    go(page, "Give them an account")
    page.get_by_label("New password").fill("too short")
    page.get_by_label("The password again").fill("too short")
    go(page, "Give them an account")
    assert "The password must be at least 12 characters long" in _errors(page)
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The password again").fill(PASSWORD)
    go(page, "Give them an account")
    assert "Nia Newcomer can now sign in." in _banner(page)
    assert "Can sign in" in page.locator("#account-state").inner_text()

    go(page, "Reset the password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("The password again").fill(NEW_PASSWORD)
    go(page, "Save the password")
    assert "Password reset: their sessions have ended." in _banner(page)

    go(page, "Reset the authenticator app")
    assert _heading(page) == "Reset their authenticator app?"
    go(page, "Reset the authenticator app")
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert "otpauth://totp/" in page.locator("#totp-uri").inner_text()
    _shot(page, "totp")
    go(page, "Back to Nia Newcomer")
    assert "Set up" in page.locator("#account-state").inner_text()

    # Locked after five wrong passwords (elsewhere), then unlocked here.
    with cast.sessions() as s:
        nia = s.scalar(select(Officer).where(Officer.email == "nia@council.example"))
        nia_id = nia.id
    for _ in range(accounts.MAX_FAILED_ATTEMPTS):
        with cast.act() as ctx, pytest.raises(accounts.InvalidCredentials):
            accounts.authenticate(ctx, "nia@council.example", "not the password")
    page.reload()
    assert "Locked until" in page.locator("#account-state").inner_text()
    go(page, "Unlock the account")
    assert "Nia Newcomer's account is unlocked" in _banner(page)
    assert "Can sign in" in page.locator("#account-state").inner_text()

    # Disable, enable, then deactivate the officer.
    go(page, "Disable the account")
    go(page, "Disable the account")
    assert "Account disabled" in _banner(page) and "Disabled" in page.locator("#account-state").inner_text()
    go(page, "Enable the account")
    assert "Account enabled" in _banner(page)
    go(page, "Deactivate")
    assert _heading(page) == "Deactivate this officer?"
    go(page, "Deactivate")
    assert "Officer deactivated" in _banner(page) and "Deactivated" in _heading(page)

    with cast.sessions() as s:
        account = s.scalar(select(Account).where(Account.officer_id == nia_id))
        assert account.totp_secret_encrypted is not None and account.disabled_at is None
        assert not s.get(Officer, nia_id).active and s.get(Officer, nia_id).role == "senior"
    trail = _audited(cast)
    for action in (
        "officer.added",
        "officer.changed",
        "account.created",
        "account.password_set",
        "account.totp_enrolled",
        "account.unlocked",
        "account.disabled",
        "account.enabled",
    ):
        assert action in trail, action


def test_an_admin_adds_a_service_and_records_and_removes_an_absence(cast, live_server, browser_page):
    page = browser_page
    give_account(cast, "admin")
    _sign_in(page, live_server, "admin")
    nav(page, "Administration")
    go(page, "Services")
    go(page, "Add a service")
    page.get_by_label("Name", exact=True).fill("Leisure")
    page.get_by_label("Short name").fill("Leisure Centres")
    go(page, "Add the service")
    assert "does not match expected pattern" in _errors(page)
    page.get_by_label("Short name").fill("leisure")
    page.get_by_label("This is an organisation").check()
    go(page, "Add the service")
    assert "Service added." in _banner(page)
    assert "Leisure\tleisure\t-\tYes" in page.locator("#services").inner_text()

    nav(page, "Administration")
    go(page, "Absences")
    go(page, "Record an absence")
    page.get_by_label("Who is away").select_option("officer@council.example")
    first = page.get_by_role("group", name="First day away")
    last = page.get_by_role("group", name="Last day away")
    for group, (day, month, year) in ((first, ("10", "3", "2031")), (last, ("2", "3", "2031"))):
        group.get_by_label("Day").fill(day)
        group.get_by_label("Month").fill(month)
        group.get_by_label("Year").fill(year)
    go(page, "Record the absence")
    assert "the last day is before the first" in _errors(page).lower()
    last.get_by_label("Day").fill("14")
    go(page, "Record the absence")
    assert "Absence recorded" in _banner(page)
    row = page.locator("#absences").inner_text()
    assert "Olly Officer" in row and "10 March 2031 to 14 March 2031" in row and "Dee Deputy" in row
    _shot(page, "absences")
    # The link's name, with its visually hidden words saying which absence it removes.
    go(page, "Remove the absence of Olly Officer (officer@council.example) from 10 March 2031")
    assert _heading(page) == "Remove this absence?"
    go(page, "Remove the absence")
    assert "Absence removed." in _banner(page)
    assert "No one is recorded as away now or later." in page.locator("main").inner_text()
    trail = _audited(cast)
    assert {"service.added", "officer.absence_added", "officer.absence_removed"} <= set(trail)


@responses.activate(assert_all_requests_are_fired=False)
def test_an_admin_connects_helpdesks_tests_them_apart_from_saving_and_manages_their_secrets(
    cast, settings, live_server, browser_page
):
    responses.add(responses.GET, HELPDESK_API + "tickets/", json={"results": []})
    page = browser_page
    give_account(cast, "admin")
    _sign_in(page, live_server, "admin")
    nav(page, "Connections")
    assert page.get_by_role("link", name="Add an Intercom connection").is_visible()

    # A helpdesk that answers: tested alone (nothing saved), then tested and saved.
    go(page, "Add a django-helpdesk connection")
    assert _heading(page) == "Add a django-helpdesk connection"

    def fill_django() -> None:
        page.get_by_label("Name", exact=True).fill("Housing helpdesk")
        page.get_by_label("Base url").fill(HELPDESK_API)
        page.get_by_label("Username").fill("cgadmin")
        page.get_by_label("Password", exact=True).fill("helpdesk-password")
        page.get_by_label("Shared secret (optional)", exact=True).fill("shared-secret-0123456789abcdef")

    go(page, "Test and save")
    assert "Enter the base url" in _errors(page) and "Enter the password" in _errors(page)
    fill_django()
    go(page, "Test the connection")
    assert "Connection test passed" in _banner(page) and "Nothing is saved yet" in _banner(page)
    assert len(responses.calls) == 1
    fill_django()
    go(page, "Test and save")
    assert "Connection saved: the helpdesk answered with these credentials." in _banner(page)
    assert len(responses.calls) == 2
    go(page, "Test the connection")
    assert "Connection test passed: the helpdesk answered" in _banner(page)

    # A helpdesk with nothing to call: "Test and save" refuses to claim an answer; "Save without testing" says so.
    nav(page, "Connections")
    go(page, "Add a Generic JSON webhook connection")
    page.get_by_label("Name", exact=True).fill("Parking forms")
    page.get_by_label("Mapping").fill('{"ticket_id": "/id", "requester_email": "/email"}')
    page.get_by_label("Signing secret", exact=True).fill("s" * 32)
    go(page, "Test and save")
    assert "Nothing was tested" in _errors(page)
    page.get_by_label("Signing secret", exact=True).fill("s" * 32)
    go(page, "Save without testing")
    assert "Connection saved without testing: contactguard has not called the helpdesk" in _banner(page)
    assert "answered" not in _banner(page)
    go(page, "Test the connection")
    assert "The connection test failed" in _errors(page) and "Nothing was tested" in _errors(page)
    with cast.sessions() as s:
        generic = s.scalar(select(Connection).where(Connection.name == "Parking forms"))

    # Rotate its signing secret, keeping the old one working, then stop accepting the old one.
    go(page, "Change or rotate a secret")
    page.get_by_label("Signing secret (optional)").fill("t" * 32)
    page.get_by_label("Keep accepting the old signing secret until I remove it").check()
    go(page, "Save without testing")
    assert "Saved without testing: signing secret." in _banner(page)
    secrets = page.locator("#secrets").inner_text()
    assert "signing_secret_previous" in secrets and "s" * 32 not in page.content() and "t" * 32 not in page.content()
    with cast.act() as ctx:
        stored = conns.secrets_of(ctx, conns.get(ctx, generic.id))
    assert stored == {"signing_secret": "t" * 32, "signing_secret_previous": "s" * 32}
    go(page, "Stop accepting the old signing secret")
    go(page, "Stop accepting the old signing secret")
    assert "The old signing secret is no longer accepted." in _banner(page)
    with cast.act() as ctx:
        assert conns.secrets_of(ctx, conns.get(ctx, generic.id)) == {"signing_secret": "t" * 32}

    # The sidebar key, shown only once asked for.
    go(page, "The panel's link and sidebar key")
    assert f"/sidebar/{generic.id}/panel?email={{EMAIL}}" in page.locator("#link-template").inner_text()
    assert not page.locator("#sidebar-key").count()
    go(page, "Show the sidebar key")
    with cast.sessions() as s:
        expected = sb.sidebar_key(settings, s.get(Connection, generic.id)).hex()
    assert page.locator("#sidebar-key").inner_text() == expected
    _shot(page, "sidebar-key")

    trail = _audited(cast)
    for action in ("connection.added", "connection.secrets_changed", "connection.sidebar_key_shown"):
        assert action in trail, action


def test_an_admin_retries_and_discards_dead_lettered_helpdesk_actions(cast, live_server, browser_page):
    page = browser_page
    with cast.act() as ctx:
        connection = conns.add(
            ctx, "generic", "Parking forms", {"mapping": {"ticket_id": "/id"}}, {"signing_secret": "s" * 32}, test=False
        )
        for n in (1, 2, 3):
            ctx.session.add(
                OutboxAction(
                    connection_id=connection.id,
                    ticket_id=f"T{n}",
                    kind="set_flag",
                    idempotency_key=f"k{n}",
                    state="dead",
                    attempts=8,
                    last_error="HTTP 422: field missing",
                )
            )
    give_account(cast, "admin")
    _sign_in(page, live_server, "admin")
    nav(page, "Outbox")
    assert "Dead-lettered: 3" in page.locator("#dead").inner_text()
    with cast.sessions() as s:
        first, second, _third = s.scalars(select(OutboxAction.id).order_by(OutboxAction.id)).all()
    go(page, f"Retry action {first}")
    assert f"Action {first} queued again" in _banner(page)
    page.get_by_label(f"Why discard action {second}").fill("The ticket was closed by hand.")
    go(page, f"Discard action {second}")
    assert f"Action {second} discarded." in _banner(page)
    go(page, "Retry all 1")
    assert "1 action queued again" in _banner(page)
    assert "Dead-lettered: 0" in page.locator("#dead").inner_text()
    with cast.sessions() as s:
        assert sorted(s.scalars(select(OutboxAction.state))) == ["discarded", "pending", "pending"]
    assert {"outbox.discarded", "outbox.retried"} <= set(_audited(cast))


def test_each_person_issues_and_revokes_their_own_api_tokens_and_an_admin_revokes_anyones(
    cast, live_server, browser_page
):
    page = browser_page
    give_account(cast, "officer")
    give_account(cast, "admin")
    _sign_in(page, live_server, "officer")
    nav(page, "API tokens")
    page.get_by_label("What is it for?").fill("Monthly report script")
    page.get_by_role("radio", name="30 days").check()
    go(page, "Issue the token")
    raw = page.locator("#new-token").input_value()
    assert raw.startswith("cg_")
    _shot(page, "token")
    answer = page.request.get(f"{live_server}/api/v1/customers?q=Jane", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status == 200
    page.reload()  # shown once: not on the page again
    assert raw not in page.content() and "Monthly report script" in page.locator("#tokens").inner_text()
    go(page, "Revoke the token for Monthly report script")
    assert "API token revoked" in _banner(page) and "Revoked" in page.locator("#tokens").inner_text()
    answer = page.request.get(f"{live_server}/api/v1/customers?q=Jane", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status == 401

    # A second token; the admin revokes it from the officer's page.
    page.get_by_label("What is it for?").fill("Spreadsheet")
    go(page, "Issue the token")
    go(page, "Sign out")
    _sign_in(page, live_server, "admin")
    nav(page, "Officers")
    go(page, "Olly Officer")
    go(page, "Revoke the token for Spreadsheet")
    assert "API token revoked" in _banner(page)
    with cast.sessions() as s:
        assert all(t.revoked_at is not None for t in s.scalars(select(ApiToken)))
    assert _audited(cast).count("api_token.revoked") == 2


def test_a_senior_officer_downloads_a_subject_access_export_as_json_and_pdf(cast, live_server, browser_page):
    page = browser_page
    give_account(cast, "senior")
    _sign_in(page, live_server, "senior")
    nav(page, "Subject access")
    page.get_by_label("Customer reference").fill("C404")
    go(page, "Download the export")
    assert "No customer with reference C404" in _errors(page)
    page.get_by_label("Customer reference").fill("C1")
    page.get_by_role("radio", name=re.compile("^JSON")).check()
    with page.expect_download() as got:
        page.get_by_role("button", name="Download the export").click()
    download = got.value
    assert download.suggested_filename == "subject-access-C1.json"
    data = json.loads(Path(download.path()).read_text())
    assert data["schema"] == "contactguard.subject-access/1" and data["customer"]["reference"] == "C1"
    page.get_by_role("radio", name=re.compile("^PDF")).check()
    with page.expect_download() as got:
        page.get_by_role("button", name="Download the export").click()
    assert got.value.suggested_filename == "subject-access-C1.pdf"
    assert Path(got.value.path()).read_bytes().startswith(b"%PDF")
    assert _audited(cast).count("customer.exported") == 2
