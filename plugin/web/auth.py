"""Signing in to the web pages: the form, OpenID Connect, sign-out, and who is acting on each request.

Everything about *whether* someone may sign in is decided in plugin/services/accounts.py; this module
only carries it over HTTP. A browser holds a signed session cookie (HttpOnly, SameSite=Lax, Secure
behind https) naming the account, which ends after SESSION_IDLE_MINUTES without a request. A script
sends `Authorization: Bearer <token>` instead, and is exempt from CSRF (a browser never adds that
header by itself); every form in a browser carries a CSRF token (Flask-WTF).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from joserfc.errors import JoseError
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from ..clock import utcnow
from ..config import Settings, settings_of
from ..policy.vocabulary import Role
from ..secretbox import _key_from_settings
from ..services import Actor, Context, ServiceError, accounts

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()

SESSION_ACCOUNT = "account_id"
SESSION_SEEN = "seen"
SESSION_EXPIRED = "expired_idle"
BEARER = "bearer "


class SignInForm(FlaskForm):
    """E-mail, password and (for accounts enrolled in TOTP) the authenticator code."""

    email = StringField(
        "E-mail address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your e-mail address"), Length(max=320)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=1024)],
    )
    totp_code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        description="Only if you set up an authenticator app for contactguard",
        validators=[Optional(), Length(max=12)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


# -- set-up -----------------------------------------------------------------------------------------------


def init_app(app) -> None:
    """Session cookies, CSRF on every form (not on webhooks or Bearer requests) and OpenID Connect."""
    settings = settings_of(app)
    idle = dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    app.secret_key = session_key(settings)
    app.session_interface = CookieSessions()
    app.config.update(
        SESSION_COOKIE_NAME="contactguard_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=(settings.PUBLIC_URL or "").lower().startswith("https://"),
        # The server ends an idle session (_session_actor); the cookie outlives that by a day so the sign-in
        # page can say why the officer was signed out, instead of the browser silently dropping it.
        PERMANENT_SESSION_LIFETIME=idle + dt.timedelta(days=1),
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=int(idle.total_seconds()),
    )
    csrf.init_app(app)
    from webhooks import receiver

    csrf.exempt(receiver.bp)
    app.before_request(_protect_forms)
    init_oidc(app)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, not opened for a helpdesk's webhook: a machine's request, which nothing
    asks who is signed in (checking a cookie's signature on every delivery cost about a tenth of its CPU)."""

    WITHOUT_SESSION = "/webhooks/"

    def open_session(self, app, request):
        if request.path.startswith(self.WITHOUT_SESSION):
            return self.null_session_class()
        return super().open_session(app, request)


def session_key(settings: Settings) -> bytes:
    """The key signing session cookies and CSRF tokens: derived from the instance key, so it survives restarts.

    HKDF with its own label, so the cookie key tells nothing about the key that encrypts connection secrets.
    """
    material = _key_from_settings(settings)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"contactguard web session v1").derive(material)


def _protect_forms() -> None:
    """CSRF for every state-changing browser request; a Bearer request is a script and carries no cookie identity."""
    if not has_bearer():
        csrf.protect(apply_exemptions=True)


# -- who is acting ----------------------------------------------------------------------------------------


def current_actor() -> Actor | None:
    """The officer making this request: from a Bearer token if one is sent, else from the session cookie."""
    if "contactguard_actor" not in g:
        g.contactguard_actor = _bearer_actor() if has_bearer() else _session_actor()
    return g.contactguard_actor


def signed_in_actor() -> Actor:
    """The signed-in officer, for views behind `login_required` (401 if somehow there is none)."""
    actor = current_actor()
    if actor is None:
        abort(401)
    return actor


def has_bearer() -> bool:
    """The request carries `Authorization: Bearer ...` (a script, not a browser form)."""
    return request.headers.get("Authorization", "").lower().startswith(BEARER)


def _bearer_actor() -> Actor | None:
    raw = request.headers.get("Authorization", "")[len(BEARER) :].strip()
    with current_app.extensions["contactguard.sessions"]() as db, db.begin():
        return accounts.actor_for_token(db, raw)  # commits the token's last use


def _session_actor() -> Actor | None:
    account_id = session.get(SESSION_ACCOUNT)
    if account_id is None:
        return None
    now = utcnow().timestamp()
    idle_limit = settings_of(current_app).SESSION_IDLE_MINUTES * 60
    if now - float(session.get(SESSION_SEEN, 0)) > idle_limit:
        session.clear()
        session[SESSION_EXPIRED] = True  # the sign-in page says why
        return None
    with current_app.extensions["contactguard.sessions"]() as db:
        actor = accounts.actor_for_account(db, account_id)
    if actor is None:  # the account or the officer was removed or deactivated since
        session.clear()
        return None
    session[SESSION_SEEN] = now
    return actor


def start_session(actor: Actor, account_id: int) -> None:
    """A fresh session for the signed-in officer (nothing from before sign-in carries over)."""
    session.clear()
    session.permanent = True
    session[SESSION_ACCOUNT] = account_id
    session[SESSION_SEEN] = utcnow().timestamp()
    g.contactguard_actor = actor


def login_required(*roles: Role):
    """Pages for signed-in officers: sign-in first when not signed in; 403 when the role is not among `roles`.

    With no roles, any signed-in officer may open the page.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            if actor is None:
                return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
            if roles and actor.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def unit_of_work(actor: Actor | None = None):
    """A Context for a page: one transaction as the signed-in officer (committed by the caller's `with`)."""
    actor = actor or current_actor()
    if actor is None:
        abort(401)
    db = current_app.extensions["contactguard.sessions"]()
    return _Unit(db, Context(db, actor, settings_of(current_app)))


class _Unit:
    """Commit on success, roll back on error, always close."""

    def __init__(self, db, ctx: Context):
        self.db, self.ctx = db, ctx

    def __enter__(self) -> Context:
        self.db.begin()
        return self.ctx

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None and self.db.in_transaction():
            self.db.commit()
        elif self.db.in_transaction():
            self.db.rollback()
        self.db.close()  # and the error, if any, goes on up


# -- pages ------------------------------------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """The sign-in form; on success, back to the page asked for (or the dashboard)."""
    if request.method == "GET" and current_actor() is not None:
        return redirect(_next_page())
    form = SignInForm()
    if form.validate_on_submit():
        try:
            with unit_of_work(Actor(label="web:sign-in")) as ctx:
                actor = accounts.authenticate(ctx, form.email.data, form.password.data, form.totp_code.data or None)
                account_id = accounts.account_id_of(ctx, actor)
        except ServiceError as exc:
            _show_refusal(form, exc)
            return _sign_in_page(form, exc.status)
        start_session(actor, account_id)
        log.info("signed in account=%s officer=%s method=password", account_id, actor.officer_id)
        return redirect(_next_page())
    return _sign_in_page(form, 400 if form.errors else 200)


def _show_refusal(form: SignInForm, exc: ServiceError) -> None:
    """Put the service's refusal on the field it concerns, for the error summary and the field itself."""
    field = form.totp_code if exc.code == "totp_required" else form.password
    field.errors = [*field.errors, exc.message[:1].upper() + exc.message[1:]]
    form.password.data = None


def _sign_in_page(form: SignInForm, status: int = 200):
    expired = session.pop(SESSION_EXPIRED, False)
    return render_template(
        "sign_in.html", form=form, oidc_enabled=oidc_enabled(current_app), next_page=_next_page(), expired=expired
    ), status


def _next_page() -> str:
    """Where to go after signing in: a path on this site only (never another site's address)."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc or "\\" in target:
        return url_for("pages.dashboard")
    return target


@bp.post("/sign-out")
def sign_out():
    """End the session (the form carries a CSRF token, so another site cannot sign you out)."""
    actor = current_actor()
    session.clear()
    if actor is not None:
        log.info("signed out officer=%s", actor.officer_id)
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.get("/sign-in/oidc")
def oidc_start():
    """Send the browser to the council's identity provider."""
    if not oidc_enabled(current_app):
        abort(404)
    session["oidc_next"] = _next_page()
    return _oidc_client().authorize_redirect(_oidc_callback_url())


@bp.get("/sign-in/oidc/callback")
def oidc_callback():
    """Back from the identity provider: its verified e-mail must be an active officer with an account."""
    if not oidc_enabled(current_app):
        abort(404)
    form = SignInForm(formdata=None)
    next_page = session.pop("oidc_next", None) or url_for("pages.dashboard")
    try:
        email = _oidc_verified_email()
        with unit_of_work(Actor(label="web:sign-in")) as ctx:
            actor = accounts.sign_in_officer(ctx, email, "oidc")
            account_id = accounts.account_id_of(ctx, actor)
    except ServiceError as exc:
        form.email.errors = [exc.message[:1].upper() + exc.message[1:]]
        return _sign_in_page(form, exc.status)
    start_session(actor, account_id)
    log.info("signed in account=%s officer=%s method=oidc", account_id, actor.officer_id)
    return redirect(next_page)


# -- OpenID Connect ---------------------------------------------------------------------------------------

# What a failed exchange raises: OAuth errors (state, code), ID-token errors (signature, claims), network errors.
OIDC_FAILURES = (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError)


class OidcRefused(ServiceError):
    """The identity provider did not vouch for a verified e-mail address."""

    status = 401
    code = "oidc_refused"


def oidc_enabled(app) -> bool:
    """True when OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are all set."""
    return settings_of(app).oidc_configured


def init_oidc(app) -> None:
    """Register the identity provider from its discovery document (fetched when first used, then cached)."""
    settings = settings_of(app)
    if not settings.oidc_configured or settings.OIDC_ISSUER is None:
        return
    oauth = OAuth(app)
    oauth.register(
        "council",
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=settings.OIDC_CLIENT_SECRET,
        server_metadata_url=settings.OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile"},
    )
    app.extensions["contactguard.oidc"] = oauth.council


def _oidc_client():
    return current_app.extensions["contactguard.oidc"]


def _oidc_callback_url() -> str:
    """The callback on PUBLIC_URL when set (behind a proxy the request's own host may be an internal one)."""
    public = settings_of(current_app).PUBLIC_URL
    if public:
        return public.rstrip("/") + url_for("auth.oidc_callback")
    return url_for("auth.oidc_callback", _external=True)


def _oidc_verified_email() -> str:
    """Exchange the code, check the signed ID token (issuer, audience, nonce, expiry) and return its e-mail."""
    try:
        token = _oidc_client().authorize_access_token()
    except OIDC_FAILURES as exc:
        log.warning("OIDC sign-in failed: %s", type(exc).__name__)
        raise OidcRefused("the sign-in service did not confirm who you are: try signing in again") from None
    claims = token.get("userinfo") or {}
    if not claims.get("email") or claims.get("email_verified") is not True:
        raise OidcRefused(
            "your sign-in service did not give a verified e-mail address, so contactguard cannot "
            "tell which officer you are: sign in with your password, or ask an admin"
        )
    return claims["email"]
