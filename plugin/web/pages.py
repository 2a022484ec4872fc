"""The GOV.UK web shell: templates, error pages, the dashboard, and the GOV.UK Frontend assets.

Pages are server-rendered with the GOV.UK Design System (govuk-frontend-jinja macros, govuk-frontend-wtf
form widgets), so they work without JavaScript and from the keyboard. Every page shows the signed-in
officer only what their role needs; the data comes from the service layer (plugin/services/dashboard.py).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, current_app, g, render_template, request, send_from_directory, url_for
from flask_wtf.csrf import CSRFError
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Conflict, HTTPException

from .. import words
from ..config import settings_of
from ..policy.vocabulary import Role
from ..services import dashboard as dash
from ..services import reviews as rv
from ..services.audit import record_read
from .api.errors import http_error as api_error
from .auth import current_actor, has_bearer, login_required, unit_of_work

bp = Blueprint("pages", __name__)

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
ASSETS = HERE / "static" / "govuk"  # copied from node_modules by `make install`; git-ignored
# Every page (the sidebar panel and the framed letter set their own): GOV.UK Frontend's script and styles from
# /assets/, its one inline script by nonce, images and fonts from here, forms posted only here, never framed.
CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-src 'self'; frame-ancestors 'none'"
)
MACHINE_PATHS = ("/api/", "/webhooks/", "/healthz", "/readyz", "/metrics")
NAVIGATION = [  # (label, endpoint, roles that see it; empty: everyone signed in)
    ("Dashboard", "pages.dashboard", ()),
    ("Reviews", "pages.reviews", (Role.SENIOR,)),
]
ERROR_PAGES = {
    400: ("Your form could not be sent", "Go back, reload the page and try again."),
    403: ("You cannot open this page", "Your role does not allow it. Ask a senior officer or an admin if you need it."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Page not found", "If you typed the web address, check it is correct."),
    409: (
        "Someone saved the same thing at the same moment",
        "Nothing of yours was saved. Go back, check what is there now, and try again if it is still needed.",
    ),
    413: ("What you sent is too large", "Go back and send less (at most 1 MB)."),
}


def init_app(app) -> None:
    """Templates (ours, then the GOV.UK macros), error pages for people, and headers that keep pages private."""
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(TEMPLATES)),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.globals["govukRebrand"] = False  # GOV.UK's 2025 brand is for GOV.UK itself, not councils
    app.jinja_env.filters.update(WORD_FILTERS, uk_time=_uk_time)
    WTFormsHelpers(app)
    app.context_processor(_layout_context)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.register_error_handler(IntegrityError, _conflict)
    app.after_request(_private_headers)


WORD_FILTERS = {  # dates, times, channels and contact windows as people read them (plugin/words.py)
    "date_words": words.date_words,
    "clock_words": words.clock_words,
    "channels_words": words.channels_words,
    "windows_words": words.windows_words,
}


def _uk_time(value) -> str:
    """A stored moment (UTC) as the council's clock shows it: 7 June 2027 at 2:05pm."""
    return words.time_words(value, settings_of(current_app).zone)


def _layout_context() -> dict:
    actor = current_actor() if not has_bearer() else None
    if actor is None:
        return {"signed_in": None, "navigation": [], "cspNonce": _csp_nonce()}
    officer = _officer_summary(actor)
    items = [
        {"text": label, "href": url_for(endpoint), "active": request.endpoint == endpoint}
        for label, endpoint, roles in NAVIGATION
        if not roles or actor.role in roles
    ]
    return {"signed_in": officer, "navigation": items, "cspNonce": _csp_nonce()}


def _officer_summary(actor) -> dict:
    from ..models import Officer

    with unit_of_work(actor) as ctx:
        officer = ctx.session.get(Officer, actor.officer_id)
        return {"name": officer.name if officer else actor.label, "role": actor.role.value if actor.role else ""}


def _wants_page() -> bool:
    return not request.path.startswith(MACHINE_PATHS) and not has_bearer()


def _error_page(exc: HTTPException):
    """A GOV.UK error page for people; the API's JSON envelope under /api/ (also where no API route matched, e.g.
    a body refused before routing); helpdesks keep the plain answer."""
    if request.path.startswith("/api/"):
        return api_error(exc)
    if not _wants_page() or exc.code not in ERROR_PAGES:
        return exc
    title, advice = ERROR_PAGES[exc.code]
    return render_template("error.html", title=title, advice=advice, code=exc.code), exc.code


def _conflict(exc: IntegrityError):
    """A unique key refused a write made at the same moment as another (two people, or a double submit): 409."""
    return _error_page(Conflict())


def _csrf_refused(exc: CSRFError):
    """A form without a valid CSRF token (expired, or sent from another site): 400, nothing done."""
    if not _wants_page():
        return {"code": "csrf_failed", "status": 400, "message": exc.description, "errors": {}}, 400
    title, advice = ERROR_PAGES[400]
    return render_template(
        "error.html",
        title=title,
        code=400,
        advice=f"{advice} (The form had expired or did not come from contactguard.)",
    ), 400


def _csp_nonce() -> str:
    """A fresh nonce per request for the one inline script GOV.UK's template needs (and our module script)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def _private_headers(response):
    """Pages may hold personal data: never cached, never framed, no referrer to other sites, and a strict
    Content-Security-Policy (scripts only from here and by this request's nonce; no inline styles; no plugins)."""
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"  # replies carry personal data: no proxy or browser keeps them
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP.format(nonce=_csp_nonce()))
        response.headers.setdefault("Cache-Control", "no-store")
        if not request.path.startswith("/sidebar/"):  # the helpdesk frames the panel (its CSP frame-ancestors)
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@bp.get("/assets/contactguard.css")
def own_css():
    """contactguard's own few styles (plugin/web/static/contactguard.css)."""
    return send_from_directory(HERE / "static", "contactguard.css", max_age=3600)


@bp.get("/assets/<path:filename>")
def assets(filename: str):
    """GOV.UK Frontend's CSS, JavaScript, fonts and images (the CSS refers to them under /assets/)."""
    return send_from_directory(ASSETS, filename, max_age=3600)


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement (the footer links it on every page; open without signing in)."""
    return render_template("about/accessibility.html", title="Accessibility statement", council=_council())


@bp.get("/privacy")
def privacy():
    """The privacy notice: who holds what about whom, why, who sees it, how long it is kept (docs/data-protection.md)."""
    return render_template("about/privacy.html", title="Privacy notice", council=_council())


def _council() -> dict:
    """Who runs this copy of contactguard, and the retention periods it runs with (settings, read at start-up)."""
    settings = settings_of(current_app)
    address = [line.strip() for line in (settings.COUNCIL_ADDRESS or "").replace(";", "\n").splitlines()]
    return {
        "name": settings.COUNCIL_NAME or "The council",
        "named": bool(settings.COUNCIL_NAME),
        "address": [line for line in address if line],
        "retention_months": settings.RETENTION_AFTER_END_MONTHS,
        "allowed_days": settings.RETENTION_UNRESTRICTED_EVENTS_DAYS,
        "idle_minutes": settings.SESSION_IDLE_MINUTES,
        "absolute_hours": settings.SESSION_ABSOLUTE_HOURS,
    }


@bp.get("/")
@login_required()
def dashboard():
    """What needs attention; agents see only the arrangements in force."""
    with unit_of_work() as ctx:
        data = dash.dashboard(ctx)
    return render_template("dashboard.html", data=data)


@bp.get("/reviews")
@login_required(Role.SENIOR)
def reviews():
    """Reviews due in the next 30 days and overdue ones: a senior officer holds them (R42, R47)."""
    with unit_of_work() as ctx:
        today = ctx.today()
        due = rv.due(ctx, today, 30)
        record_read(ctx, "reviews page", "restrictions", [r.id for r in due], [r.customer_id for r in due])
        rows = [
            {
                "restriction": r.id,
                "customer": r.customer.reference,
                "customer_name": r.customer.name,
                "review_due": r.review_due.isoformat(),
                "overdue": r.review_due < today,
            }
            for r in due
        ]
    return render_template("reviews.html", rows=rows, today=today.isoformat())
