"""Shared steps for tests: a restriction in force, what was decided, where a helpdesk posts its webhooks, and a
local server to call."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from plugin.services import connections as conns
from plugin.services import incidents as inc
from plugin.services import restrictions as rs


def webhook_path(settings, connection_id: str, generation: int = 1) -> str:
    """Where a helpdesk posts for this connection: /webhooks/<token>, the token derived as contactguard derives it
    from the instance's key (a new connection is generation 1; each rotate-url adds one). The id is not the URL."""
    return f"/webhooks/{conns.webhook_token(settings, connection_id, generation)}"


@contextlib.contextmanager
def local_http_server():
    """A server on loopback answering every GET with 200 "ok" (HTTP/1.1, kept alive); yields (its port, the request
    line of each call it answered: a proxy sees the absolute URL)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            seen.append(self.requestline)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_port, seen
    finally:
        server.shutdown()
        server.server_close()


def email_of(who: str) -> str:
    return f"{who}@council.example"


def active_restriction(cast, customer: str = "C1", **terms):
    """Incident, warning, proposal, checks and activation: a restriction in force; returns its id."""
    with cast.act("officer") as ctx:
        incident = inc.record_incident(
            ctx,
            {
                "customer": customer,
                "experienced_by": email_of("officer"),
                "occurred_at": (ctx.now() - dt.timedelta(days=1)).isoformat(),
                "channel": "telephone",
                "category": "verbal_abuse",
                "description": "Shouted and swore at the officer",
            },
        )
        warning = inc.issue_warning(
            ctx,
            {
                "customer": customer,
                "incidents": [incident.id],
                "behaviour": "Shouting and swearing on the phone",
                "why_unacceptable": "Staff must work free of abuse",
                "change_requested": "Keep calls civil and courteous",
                "consequences": "Your contact may be restricted",
            },
        )
        data = {
            "customer": customer,
            "path": "after_warning",
            "warning": warning.id,
            "why_necessary": "Abuse continued after the formal warning",
            "spoc_officer": email_of("officer"),
            "allowed_channels": ["email", "letter", "web_form"],
            **terms,
        }
        restriction = rs.propose(ctx, data)
        rs.record_checks(
            ctx, restriction.id, {"social_work_known": "no", "adjustments_needed": False, "other_services": "none"}
        )
    with cast.act("senior") as ctx:
        rs.activate(ctx, restriction.id)
    return restriction.id


def outcomes(sessions, ticket: str | None = None) -> list[str]:
    """What contactguard decided on each recorded event, oldest first (the webhook's reply never says)."""
    from sqlalchemy import select

    from plugin.models import WebhookEvent

    query = select(WebhookEvent.outcome).order_by(WebhookEvent.id)
    if ticket is not None:
        query = query.where(WebhookEvent.ticket_id == str(ticket))
    with sessions() as s:
        return list(s.scalars(query))


def last_outcome(sessions, ticket: str | None = None) -> str | None:
    """The newest recorded decision (for this ticket), or None when nothing was recorded (ignored, duplicate)."""
    found = outcomes(sessions, ticket)
    return found[-1] if found else None


def event_count(sessions) -> int:
    """How many events were recorded: a duplicate or an ignored event adds none."""
    return len(outcomes(sessions))


def date_parts(name: str, date: dt.date | None) -> dict[str, str]:
    """A date as the GOV.UK date input posts it: three boxes, `<name>-day`, `<name>-month`, `<name>-year`."""
    if date is None:
        return {f"{name}-day": "", f"{name}-month": "", f"{name}-year": ""}
    return {f"{name}-day": str(date.day), f"{name}-month": str(date.month), f"{name}-year": str(date.year)}


def fill_date_boxes(page, question: str, date: dt.date) -> None:
    """Type a date into the GOV.UK date input whose legend is `question`, from the keyboard: Day, Tab, Month, Tab,
    Year (a Playwright page)."""
    group = page.get_by_role("group", name=question)
    group.get_by_label("Day").focus()
    page.keyboard.type(str(date.day))
    page.keyboard.press("Tab")
    page.keyboard.type(str(date.month))
    page.keyboard.press("Tab")
    page.keyboard.type(str(date.year))
