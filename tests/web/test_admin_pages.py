"""The admin pages (plugin/web/admin.py): helpdesk connections (added with a test first, secrets never shown), the
outbox with its Retry button, webhook decisions without content, and the audit trail with its verification."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import responses
from sqlalchemy import select

from plugin.models import AuditEntry, Connection, OutboxAction, WebhookEvent
from plugin.services import connections as conns
from plugin.web.admin import audit as admin_pages
from tests.helpers import active_restriction, webhook_path
from tests.services.test_audit_chain import tamper
from tests.web.test_auth_support import csrf_from, give_account, page_text, sign_in

HELPDESK_API = "https://helpdesk.council.example/helpdesk/api/"
PASSWORD = "hunter2-very-secret-pass"
SHARED_SECRET = "shared-secret-0123456789abcdef"


def signed_in(cast, client, who: str):
    give_account(cast, who)
    sign_in(client, who)
    return client


def seen(response) -> str:
    return html.unescape(page_text(response))


def saved_connection(cast) -> str:
    """A django-helpdesk connection with a password and a shared secret (saved without calling the helpdesk)."""
    with cast.act() as ctx:
        return conns.add(
            ctx,
            "django_helpdesk",
            "Housing helpdesk",
            {"base_url": HELPDESK_API},
            {"username": "cgadmin", "password": PASSWORD, "shared_secret": SHARED_SECRET},
            test=False,
        ).id


def connection_row(cast, connection_id: str) -> Connection:
    with cast.sessions() as s:
        return s.get(Connection, connection_id)


def assert_no_secret(response) -> None:
    body = response.get_data(as_text=True)
    assert PASSWORD not in body and SHARED_SECRET not in body


# -- who may open what ------------------------------------------------------------------------------------

ADMIN_ONLY = ["/admin/connections", "/admin/connections/new/django_helpdesk", "/admin/outbox", "/admin/decisions"]


@pytest.mark.parametrize("who", ["senior", "officer", "agent"])
def test_only_an_admin_opens_connections_outbox_and_decisions(cast, client, who):
    connection_id = saved_connection(cast)
    signed_in(cast, client, who)
    for path in ADMIN_ONLY + [f"/admin/connections/{connection_id}", f"/admin/connections/{connection_id}/deactivate"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "You cannot open this page" in page_text(response)
    assert "Connections" not in page_text(client.get("/"))


def test_an_admin_opens_every_admin_page_and_sees_them_in_the_navigation(cast, client):
    signed_in(cast, client, "admin")
    for path in ADMIN_ONLY + ["/audit"]:
        assert client.get(path).status_code == 200, path
    navigation = page_text(client.get("/"))
    assert (
        "Audit trail Officers Connections Outbox Webhook decisions Administration Subject access API tokens"
        in navigation
    )


@pytest.mark.parametrize("who,status", [("admin", 200), ("senior", 200), ("officer", 403), ("agent", 403)])
def test_the_audit_trail_is_for_admins_and_senior_officers(cast, client, who, status):
    signed_in(cast, client, who)
    assert client.get("/audit").status_code == status


def test_an_unknown_connection_or_adapter_is_not_found(cast, client):
    signed_in(cast, client, "admin")
    assert client.get("/admin/connections/nope").status_code == 404
    assert client.get("/admin/connections/new/nope").status_code == 404


# -- connections ------------------------------------------------------------------------------------------


def test_a_connection_shows_its_webhook_url_and_masks_every_secret(cast, client, settings):
    connection_id = saved_connection(cast)
    signed_in(cast, client, "admin")
    response = client.get(f"/admin/connections/{connection_id}")
    assert response.status_code == 200
    assert_no_secret(response)
    text = seen(response)
    assert "Housing helpdesk" in text
    assert "password ******** (hidden)" in text and "shared_secret ******** (hidden)" in text
    assert re.search(
        rf'<input[^>]*id="webhook-url"[^>]*readonly[^>]*value="http://[^"]*{webhook_path(settings, connection_id)}"',
        response.get_data(as_text=True),
    )
    assert "PUBLIC_URL is not set" in text
    assert "base_url " + HELPDESK_API in text
    assert_no_secret(client.get("/admin/connections"))


def _form_data(page, **values) -> dict:
    data = {
        "csrf_token": csrf_from(page.data),
        "name": "Housing helpdesk",
        "setting_base_url": HELPDESK_API,
        "secret_username": "cgadmin",
        "secret_password": PASSWORD,
        "secret_shared_secret": SHARED_SECRET,
    }
    return {**data, **values}


@responses.activate
def test_test_connection_calls_the_helpdesk_and_saves_nothing_then_save_stores_it(cast, client, settings):
    responses.add(responses.GET, HELPDESK_API + "tickets/", json={"results": []})
    signed_in(cast, client, "admin")
    page = client.get("/admin/connections/new/django_helpdesk")
    form = page.get_data(as_text=True)
    assert re.search(r'<input[^>]*type="password"[^>]*name="secret_password"', form) or re.search(
        r'name="secret_password"[^>]*type="password"', form
    )
    assert "Task priority (optional)" in page_text(page)

    tested = client.post("/admin/connections/new/django_helpdesk", data=_form_data(page, test="Test connection"))
    assert tested.status_code == 200
    assert "Connection test passed" in seen(tested) and "Nothing is saved yet" in seen(tested)
    assert_no_secret(tested)
    assert len(responses.calls) == 1
    with cast.sessions() as s:
        assert s.scalars(select(Connection)).all() == []

    saved = client.post(
        "/admin/connections/new/django_helpdesk", data=_form_data(page, save="Test and save"), follow_redirects=True
    )
    assert saved.status_code == 200
    assert "Connection saved: the helpdesk answered with these credentials." in seen(saved)
    assert_no_secret(saved)
    with cast.sessions() as s:
        (connection,) = s.scalars(select(Connection)).all()
    assert connection.name == "Housing helpdesk" and connection.settings["base_url"] == HELPDESK_API
    assert webhook_path(settings, connection.id) in saved.get_data(as_text=True)


@responses.activate
def test_a_failed_connection_test_is_shown_on_the_field_and_nothing_is_saved(cast, client):
    responses.add(responses.GET, HELPDESK_API + "tickets/", status=401)
    signed_in(cast, client, "admin")
    page = client.get("/admin/connections/new/django_helpdesk")
    response = client.post("/admin/connections/new/django_helpdesk", data=_form_data(page, save="Test and save"))
    assert response.status_code == 422
    assert (
        "There is a problem Connection test failed (invalid_auth): django-helpdesk refused these credentials"
        in seen(response)
    )
    assert 'href="#secret_username"' in response.get_data(as_text=True)
    assert_no_secret(response)
    with cast.sessions() as s:
        assert s.scalars(select(Connection)).all() == []


def test_bad_settings_are_named_and_need_no_call(cast, client):
    signed_in(cast, client, "admin")
    page = client.get("/admin/connections/new/django_helpdesk")
    response = client.post(
        "/admin/connections/new/django_helpdesk",
        data=_form_data(page, setting_base_url="not a url", setting_channel_map="{oops", test="Test connection"),
    )
    assert response.status_code == 400
    assert "Enter valid JSON" in seen(response)
    response = client.post(
        "/admin/connections/new/django_helpdesk",
        data=_form_data(page, setting_base_url="not a url", test="Test connection"),
    )
    assert response.status_code == 422
    assert "There is a problem Not a valid URL." in seen(response)
    assert 'href="#setting_base_url"' in response.get_data(as_text=True)


def test_every_connection_form_needs_its_csrf_token(cast, client):
    connection_id = saved_connection(cast)
    signed_in(cast, client, "admin")
    for path in [
        "/admin/connections/new/django_helpdesk",
        f"/admin/connections/{connection_id}/deactivate",
        f"/admin/connections/{connection_id}/rotate-url",
    ]:
        response = client.post(path, data={"name": "x", "save": "Test and save"})
        assert response.status_code == 400, path
        assert "The form had expired or did not come from contactguard" in page_text(response)
    row = connection_row(cast, connection_id)
    assert row.active and row.token_generation == 1


def test_deactivate_asks_first_then_stops_the_connection(cast, client):
    connection_id = saved_connection(cast)
    signed_in(cast, client, "admin")
    confirm = client.get(f"/admin/connections/{connection_id}/deactivate")
    assert "Deactivate this connection?" in seen(confirm)
    assert connection_row(cast, connection_id).active  # asking changes nothing
    done = client.post(
        f"/admin/connections/{connection_id}/deactivate",
        data={"csrf_token": csrf_from(confirm.data)},
        follow_redirects=True,
    )
    assert "Connection deactivated: its webhook URL now answers 404." in seen(done)
    assert "Housing helpdesk Deactivated" in seen(done)
    assert not connection_row(cast, connection_id).active


def test_rotate_url_asks_first_then_shows_the_new_url(cast, client, settings):
    connection_id = saved_connection(cast)
    signed_in(cast, client, "admin")
    confirm = client.get(f"/admin/connections/{connection_id}/rotate-url")
    assert "Give this connection a new webhook URL?" in seen(confirm)
    done = client.post(
        f"/admin/connections/{connection_id}/rotate-url",
        data={"csrf_token": csrf_from(confirm.data)},
        follow_redirects=True,
    )
    old, new = webhook_path(settings, connection_id), webhook_path(settings, connection_id, generation=2)
    assert "New webhook URL made: the old one now answers 404." in seen(done)
    body = done.get_data(as_text=True)
    assert new in body and old not in body
    client.application.extensions.pop("contactguard.connections", None)  # a running service: within 10 s
    assert client.post(old, json={}).status_code == 404
    assert client.post(new, json={}).status_code == 401, "the new URL is known: its shared secret is missing"


def test_a_connection_whose_url_was_set_before_tokens_were_hashed_says_so(cast, client):
    """Migration 0016 keeps an old webhook URL working by its hash alone (generation 0): it cannot be shown, so the
    page says why and what to do, until the URL is rotated."""
    connection_id = saved_connection(cast)
    with cast.sessions() as s, s.begin():
        s.get(Connection, connection_id).token_generation = 0
    signed_in(cast, client, "admin")
    text = seen(client.get(f"/admin/connections/{connection_id}"))
    assert "This webhook URL was set before contactguard stopped storing webhook URLs" in text
    assert "It keeps working. Rotate it to see the new URL here" in text
    assert "/webhooks/" not in text


# -- the outbox and webhook decisions ---------------------------------------------------------------------


def _helpdesk_history(cast, connection_id: str) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    with cast.sessions() as s, s.begin():
        s.add(
            OutboxAction(
                connection_id=connection_id,
                ticket_id="T1",
                kind="add_note",
                state="dead",
                attempts=8,
                idempotency_key="k1",
                last_error="HTTP 500 from the helpdesk",
            )
        )
        s.add(
            OutboxAction(
                connection_id=connection_id,
                ticket_id="T2",
                kind="add_tags",
                state="pending",
                attempts=2,
                idempotency_key="k2",
                last_error="HTTP 503, retrying",
            )
        )
        s.add(
            WebhookEvent(
                connection_id=connection_id,
                delivery_key="d1",
                event_type="ticket.created",
                ticket_id="T77",
                received_at=now,
                customer_id=1,
                outcome="escalate",
                reason="mentions a threat: QZSECRETREASON",
                screen_hits=["QZSCREENHIT"],
            )
        )


def test_the_outbox_shows_pending_and_dead_actions_and_retries_a_dead_one(cast, client):
    connection_id = saved_connection(cast)
    _helpdesk_history(cast, connection_id)
    signed_in(cast, client, "admin")
    page = client.get("/admin/outbox")
    text = seen(page)
    assert "Dead-lettered: 1" in text and "Waiting: 1" in text
    assert "1 add note Housing helpdesk, ticket T1 8 HTTP 500 from the helpdesk Retry action 1" in text
    assert "2 add tags Housing helpdesk, ticket T2 2" in text and "HTTP 503, retrying" in text

    assert client.post("/admin/outbox/1/retry").status_code == 400  # no CSRF token
    done = client.post("/admin/outbox/1/retry", data={"csrf_token": csrf_from(page.data)}, follow_redirects=True)
    assert "Action 1 queued again" in seen(done)
    assert "Dead-lettered: 0" in seen(done) and "Waiting: 2" in seen(done)
    with cast.sessions() as s:
        action = s.get(OutboxAction, 1)
        assert action.state == "pending" and action.attempts == 0

    again = client.post("/admin/outbox/1/retry", data={"csrf_token": csrf_from(page.data)})
    assert again.status_code == 409 and "Action 1 is not dead-lettered" in seen(again)


def test_an_admin_retries_every_dead_action_or_discards_one_saying_why_in_the_pages(cast, client):
    """Issue 21 item 7 and issue 22: no command on the server; each change is audited."""
    from plugin.models import AuditEntry

    connection_id = saved_connection(cast)
    _helpdesk_history(cast, connection_id)
    with cast.sessions() as s, s.begin():
        s.add(
            OutboxAction(
                connection_id=connection_id, ticket_id="T3", kind="set_flag", state="dead", idempotency_key="k3"
            )
        )
    signed_in(cast, client, "admin")
    page = client.get("/admin/outbox")
    token = csrf_from(page.data)
    short = client.post("/admin/outbox/1/discard", data={"csrf_token": token, "reason": "no"})
    assert short.status_code == 400
    gone = client.post(
        "/admin/outbox/1/discard",
        data={"csrf_token": token, "reason": "Note added by hand on ticket T1"},
        follow_redirects=True,
    )
    assert "Action 1 discarded." in seen(gone) and "Dead-lettered: 1" in seen(gone)
    retried = client.post("/admin/outbox/retry-all", data={"csrf_token": token}, follow_redirects=True)
    assert "1 action queued again" in seen(retried) and "Dead-lettered: 0" in seen(retried)
    with cast.sessions() as s:
        assert s.get(OutboxAction, 1).state == "discarded" and s.get(OutboxAction, 3).state == "pending"
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"outbox.discarded", "outbox.retried"} <= actions


def test_webhook_decisions_show_outcome_ticket_and_time_but_no_content(cast, client):
    connection_id = saved_connection(cast)
    _helpdesk_history(cast, connection_id)
    signed_in(cast, client, "admin")
    response = client.get("/admin/decisions")
    text = seen(response)
    assert "Times are UK time." in text and "UTC" not in text
    assert re.search(r"\d{1,2} \w+ \d{4} at \d{1,2}(:\d\d)?[ap]m escalate Housing helpdesk T77 ticket.created C1", text)
    body = response.get_data(as_text=True)
    assert "QZSECRETREASON" not in body and "QZSCREENHIT" not in body


# -- the audit trail --------------------------------------------------------------------------------------


def entry_ids(response) -> list[int]:
    """The audit entries' ids in the order the page lists them."""
    cell = r'<td class="govuk-table__cell">'
    return [
        int(n)
        for n in re.findall(rf"{cell}(\d+)</td>\s*{cell}\d{{1,2}} \w+ \d{{4}} at ", response.get_data(as_text=True))
    ]


def test_the_audit_trail_is_newest_first_filtered_by_customer_and_paged(cast, client, app):
    active_restriction(cast)
    signed_in(cast, client, "senior")
    with cast.sessions() as s:
        newest = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
        total_c1 = len(s.scalars(select(AuditEntry.id).where(AuditEntry.customer_id == 1)).all())
    text = seen(client.get("/audit"))
    assert re.search(rf"Entry When Who What Record Customer Details {newest} \d{{1,2}} \w+ \d{{4}} at ", text)
    assert "Restriction proposed" in text

    filtered = client.get("/audit?customer=C1")
    rows = re.findall(
        r'<tr class="govuk-table__row[^"]*">\s*<td class="govuk-table__cell">(\d+)</td>',
        filtered.get_data(as_text=True),
    )
    assert len(rows) == total_c1 and [int(r) for r in rows] == sorted((int(r) for r in rows), reverse=True)

    unknown = client.get("/audit?customer=NOBODY")
    assert unknown.status_code == 404
    assert "There is a problem No customer with reference NOBODY" in seen(unknown)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(admin_pages, "AUDIT_PAGE", 3)
        first_page = client.get("/audit")
        ids = entry_ids(first_page)
        assert ids == [newest, newest - 1, newest - 2]
        assert f'href="/audit?before={newest - 2}"' in first_page.get_data(as_text=True)
        older = client.get(f"/audit?before={newest - 2}")
        ids = entry_ids(older)
        assert ids == [newest - 3, newest - 4, newest - 5]


def test_verify_shows_intact_then_finds_a_tampered_entry(cast, client, app):
    active_restriction(cast)
    signed_in(cast, client, "admin")
    page = client.get("/audit")
    token = csrf_from(page.data)
    assert client.post("/audit/verify").status_code == 400  # no CSRF token

    intact = client.post("/audit/verify", data={"csrf_token": token})
    assert intact.status_code == 200
    assert re.search(r"Audit trail intact \d+ entries, chain intact", seen(intact))

    with cast.sessions() as s:
        target = s.scalar(select(AuditEntry.id).where(AuditEntry.action == "restriction.proposed"))
    tamper(
        app.extensions["contactguard.engine"],
        "UPDATE audit_entries SET actor = 'someone else' WHERE id = :id",
        params={"id": target},
    )
    broken = client.post("/audit/verify", data={"csrf_token": token})
    text = seen(broken)
    assert f"The audit trail failed verification: the first bad entry is {target}" in text
    assert f"Entry {target} does not match its hash" in text


# -- officers ---------------------------------------------------------------------------------------------


def _officer_form(client, path: str, **fields) -> dict:
    base = {"name": "Nia Newcomer", "role": "officer", "service": "", "deputy": "", "helpdesk_": "4242"}
    return {"csrf_token": csrf_from(client.get(path).data), **base, **fields}


def test_an_officer_keeps_their_helpdesk_user_id_when_changed_and_no_one_else_takes_it(cast, client):
    signed_in(cast, client, "admin")
    added = client.post("/admin/officers/new", data=_officer_form(client, "/admin/officers/new", email="nia@x.example"))
    assert added.status_code == 302
    page = added.headers["Location"]
    # The same user id again, with another role: saved (the row that stays is kept, not dropped and added again).
    changed = client.post(f"{page}/edit", data=_officer_form(client, f"{page}/edit", role="senior"))
    assert changed.status_code == 302, seen(changed)
    assert "Every helpdesk: 4242" in seen(client.get(page))
    # Another officer with that user id: refused, naming whose it is and the rule.
    other = client.post(
        "/admin/officers/new", data=_officer_form(client, "/admin/officers/new", name="Bo Other", email="bo@x.example")
    )
    assert other.status_code == 409
    refusal = "Helpdesk user id 4242 in every helpdesk is already Nia Newcomer's: a user id in a helpdesk belongs to"
    assert f"{refusal} one officer" in seen(other)
    # Each change audited; the refused one left nothing behind.
    assert [a for a in _audited_actions(cast) if a.startswith("officer.")][-2:] == ["officer.added", "officer.changed"]


def _audited_actions(cast) -> list[str]:
    with cast.sessions() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
