"""Signing in to the web pages: the form, OpenID Connect, sign-out, "Your sessions", and who is acting on each request.

Everything about *whether* someone may sign in is decided in plugin/services/accounts.py; this module
only carries it over HTTP. A signed-in browser's cookie (HttpOnly, SameSite=Lax, Secure behind https)
carries a random session id and nothing else; the session lives on the server
(plugin/services/web_sessions.py), so signing out, a password or TOTP reset, disabling the account, or
its owner ending it from "Your sessions" stops every copy of the cookie at once. Before sign-in the
cookie is Flask's signed one, holding only the sign-in form's CSRF token and messages. A script sends
`Authorization: Bearer <token>` instead, and is exempt from CSRF (a browser never adds that header by
itself); every form in a browser carries a CSRF token (Flask-WTF).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Mapping
from typing import cast
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
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
from ..services import Actor, Context, NotFound, ServiceError, accounts, web_sessions

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()

SESSION_ENDED = "signed_out_because"  # before sign-in: why the session the cookie named has ended
BEARER = "bearer "


class EndSessionForm(FlaskForm):
    """A button and a CSRF token: nothing else to enter."""


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
    """Server-side sessions, CSRF on every form (not on webhooks or Bearer requests) and OpenID Connect."""
    settings = settings_of(app)
    idle = dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    app.secret_key = session_key(settings)
    app.session_interface = ServerSessions()
    app.config.update(
        SESSION_COOKIE_NAME="contactguard_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=(settings.PUBLIC_URL or "").lower().startswith("https://"),
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=int(idle.total_seconds()),
    )
    csrf.init_app(app)
    from webhooks import receiver

    csrf.exempt(receiver.bp)
    app.before_request(_protect_forms)
    init_oidc(app)


class BrowserSession(SecureCookieSession):
    """Flask's session dict, and which server-side session it is (`sid`, None before sign-in)."""

    sid: str | None = None  # the random id the cookie carries
    resumed: web_sessions.Resumed | None = None  # whose it is, when the cookie named a live session
    started: bool = False  # signed in during this request: the cookie is set


class ServerSessions(SecureCookieSessionInterface):
    """Signed in, the cookie is a random session id and the data is on the server (web_sessions); before sign-in,
    Flask's signed cookie holds what the sign-in form needs. Not opened for a helpdesk's webhook or an asset: nothing
    there asks who is signed in (checking a session on every delivery would cost a database round trip)."""

    session_class = BrowserSession
    WITHOUT_SESSION = ("/webhooks/", "/assets/")

    def open_session(self, app, request):
        if request.path.startswith(self.WITHOUT_SESSION):
            return self.null_session_class()
        raw = request.cookies.get(self.get_cookie_name(app), "")
        if not web_sessions.looks_like_id(raw):
            return super().open_session(app, request)
        with app.extensions["contactguard.sessions"]() as db, db.begin():
            found = web_sessions.resume(db, raw, settings_of(app))
        if isinstance(found, str):  # ended: start afresh (the cookie is replaced), saying why if it timed out
            fresh = self.session_class({SESSION_ENDED: found} if found in web_sessions.TIMED_OUT else {})
            fresh.modified = True
            return fresh
        opened = self.session_class(self.serializer.loads(found.data) if found.data else {})
        opened.sid, opened.resumed = raw, found
        return opened

    def save_session(self, app, session, response) -> None:
        if not isinstance(session, BrowserSession) or session.sid is None:
            return super().save_session(app, session, response)
        response.vary.add("Cookie")
        if session.modified or session.started:
            with app.extensions["contactguard.sessions"]() as db, db.begin():
                web_sessions.keep_data(db, session.sid, self.serializer.dumps(dict(session)))
        if session.started:
            # The cookie outlives the session by a day, so the sign-in page can say why it ended.
            lifetime = dt.timedelta(hours=settings_of(app).SESSION_ABSOLUTE_HOURS, days=1)
            response.set_cookie(
                self.get_cookie_name(app),
                session.sid,
                expires=utcnow() + lifetime,
                httponly=self.get_cookie_httponly(app),
                domain=self.get_cookie_domain(app),
                path=self.get_cookie_path(app),
                secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
            )
        return None


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
    """The officer whose live session the cookie names (checked when the session was opened), else None."""
    resumed = getattr(session, "resumed", None)
    return accounts.officer_actor(resumed.officer) if resumed is not None else None


def current_session_id() -> str | None:
    """The random id of this browser's live session (None before sign-in, and for a Bearer request without one)."""
    return getattr(session, "sid", None)


def start_session(actor: Actor, raw: str) -> None:
    """This browser's new session, `raw` from web_sessions.start (nothing from before sign-in carries over)."""
    this = cast(BrowserSession, session)  # what ServerSessions opened for every page
    this.clear()
    this.sid, this.started = raw, True
    g.contactguard_actor = actor


def _forget_session() -> None:
    """This browser signs out: from the next response on, its cookie names no session."""
    this = cast(BrowserSession, session)
    this.clear()
    this.sid, this.resumed, this.started = None, None, False
    g.contactguard_actor = None


def browser_of(user_agent: str | None) -> str:
    """A browser in short ("Firefox on Windows"), for "Your sessions": never the whole User-Agent string."""
    agent = user_agent or ""
    name = next((label for marker, label in _BROWSERS if marker in agent), None)
    system = next((label for marker, label in _SYSTEMS if marker in agent), None)
    if name is None:  # a script or a tool: the name it gives itself, if any
        match = re.match(r"[A-Za-z][A-Za-z0-9._-]{0,39}", agent)
        name = match.group(0) if match else "unknown browser"
    return f"{name} on {system}" if system else name


# First match wins: Edge and Opera also say "Chrome/", Chrome also says "Safari/", iPhones "Mac OS X", Android "Linux".
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


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
                account_id, raw = _new_session(ctx, actor)
        except ServiceError as exc:
            _show_refusal(form, exc)
            return _sign_in_page(form, exc.status)
        start_session(actor, raw)
        log.info("signed in account=%s officer=%s method=password", account_id, actor.officer_id)
        return redirect(_next_page())
    return _sign_in_page(form, 400 if form.errors else 200)


def _new_session(ctx: Context, actor: Actor) -> tuple[int, str]:
    """The signed-in officer's account id, and a new server-side session for this browser (ending the one it had)."""
    account_id = accounts.account_id_of(ctx, actor)
    if account_id is None:  # authenticate and sign_in_officer only ever return an officer with an account
        abort(500)
    previous = current_session_id()
    if previous is not None:
        web_sessions.end_current(ctx, previous)
    return account_id, web_sessions.start(ctx, account_id, request.remote_addr, browser_of(request.user_agent.string))


def _show_refusal(form: SignInForm, exc: ServiceError) -> None:
    """Put the service's refusal on the field it concerns, for the error summary and the field itself."""
    field = form.totp_code if exc.code == "totp_required" else form.password
    field.errors = [*field.errors, exc.message[:1].upper() + exc.message[1:]]
    form.password.data = None


def _sign_in_page(form: SignInForm, status: int = 200):
    ended = session.pop(SESSION_ENDED, None)
    return render_template(
        "sign_in.html",
        form=form,
        oidc_enabled=oidc_enabled(current_app),
        next_page=_next_page(),
        ended=ended,
        absolute_hours=settings_of(current_app).SESSION_ABSOLUTE_HOURS,
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
    """End the session, on the server (the form carries a CSRF token, so another site cannot sign you out)."""
    actor = current_actor()
    raw = current_session_id()
    if raw is not None and actor is not None:
        with unit_of_work(actor) as ctx:
            web_sessions.end_current(ctx, raw)
    _forget_session()
    if actor is not None:
        log.info("signed out officer=%s", actor.officer_id)
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.get("/account/sessions")
@login_required()
def your_sessions():
    """The signed-in officer's own sessions: when and where each began, when it was last used; each can be ended."""
    with unit_of_work() as ctx:
        rows = accounts.list_sessions(ctx, _own_account_id(ctx), current_session_id())
        zone = ctx.settings.zone
    shown = [
        {
            "id": r.id,
            "browser": r.browser,
            "address": r.address,
            "started": _local(r.created_at, zone),
            "last_used": _local(r.last_seen_at, zone),
            "current": r.current,
        }
        for r in rows
    ]
    settings = settings_of(current_app)
    return render_template(
        "sessions.html",
        title="Your sessions",
        rows=shown,
        others=sum(1 for r in rows if not r.current),
        form=EndSessionForm(),
        idle_text=_duration(settings.SESSION_IDLE_MINUTES),
        absolute_hours=settings.SESSION_ABSOLUTE_HOURS,
    )


@bp.post("/account/sessions/<int:session_id>/end")
@login_required()
def end_session(session_id: int):
    """End one of your sessions: that browser is signed out at its next request (this one at once)."""
    try:
        with unit_of_work() as ctx:
            was_this_one = accounts.end_session(ctx, _own_account_id(ctx), session_id, current_session_id())
    except NotFound:
        abort(404)
    log.info("session ended session=%s officer=%s", session_id, signed_in_actor().officer_id)
    if was_this_one:
        _forget_session()
        flash("You have signed out.")
        return redirect(url_for("auth.sign_in"))
    flash("That session has ended: the browser using it is signed out.")
    return redirect(url_for("auth.your_sessions"))


@bp.post("/account/sessions/end-others")
@login_required()
def end_other_sessions():
    """End every session of yours but this one (a browser left signed in elsewhere, a cookie someone copied)."""
    with unit_of_work() as ctx:
        count = accounts.end_sessions(ctx, _own_account_id(ctx), keep_raw=current_session_id())
    log.info("other sessions ended count=%s officer=%s", count, signed_in_actor().officer_id)
    flash(f"{count} other session{'' if count == 1 else 's'} ended.")
    return redirect(url_for("auth.your_sessions"))


def _own_account_id(ctx: Context) -> int:
    account_id = accounts.account_id_of(ctx, ctx.actor)
    if account_id is None:  # signed in means an account; a Bearer token too
        abort(404)
    return account_id


def _local(moment: dt.datetime, zone) -> str:
    return moment.astimezone(zone).strftime("%d %b %Y %H:%M %Z")


def _duration(minutes: int) -> str:
    if minutes % 60:
        return f"{minutes} minutes"
    return f"{minutes // 60} hour{'' if minutes == 60 else 's'}"


@bp.get("/sign-in/oidc")
def oidc_start():
    """Send the browser to the council's identity provider."""
    if not oidc_enabled(current_app):
        abort(404)
    session["oidc_next"] = _next_page()
    return _oidc_client().authorize_redirect(_oidc_callback_url())


@bp.get("/sign-in/oidc/callback")
def oidc_callback():
    """Back from the identity provider: its verified e-mail names the officer; with OIDC_ROLE_MAP its role claim
    decides their role (accounts.sign_in_with_provider)."""
    if not oidc_enabled(current_app):
        abort(404)
    form = SignInForm(formdata=None)
    next_page = session.pop("oidc_next", None) or url_for("pages.dashboard")
    try:
        who = _oidc_identity()
        with unit_of_work(Actor(label="web:sign-in")) as ctx:
            actor = accounts.sign_in_with_provider(ctx, who)
            account_id, raw = _new_session(ctx, actor)
    except ServiceError as exc:
        form.email.errors = [exc.message[:1].upper() + exc.message[1:]]
        return _sign_in_page(form, exc.status)
    start_session(actor, raw)
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
        # PKCE as well as the client secret (RFC 9700 2.1.1): a code caught on its way back is of no use alone.
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
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


def _oidc_identity() -> accounts.ProviderIdentity:
    """Exchange the code, check the signed ID token (issuer, audience, nonce, expiry), and say who signed in.

    The ID token's claims come first; what it lacks (a provider may keep the e-mail or the groups for its
    userinfo endpoint, as OpenID Connect Core 5.4 allows for the code flow) is read from userinfo, whose `sub`
    must be the ID token's (Core 5.3.2)."""
    settings = settings_of(current_app)
    try:
        token = _oidc_client().authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise ValueError("no ID token")
        if _lacks_claims(claims, settings) and _oidc_client().load_server_metadata().get("userinfo_endpoint"):
            extra = _oidc_client().userinfo(token=token)
            if extra.get("sub") != claims["sub"]:
                raise ValueError("userinfo for another subject")
            claims = {**extra, **claims}
    except OIDC_FAILURES as exc:
        log.warning("OIDC sign-in failed: %s", type(exc).__name__)
        raise OidcRefused("the sign-in service did not confirm who you are: try signing in again") from None
    verified = claims.get("email_verified") is True or not settings.OIDC_REQUIRE_EMAIL_VERIFIED
    if not isinstance(claims.get("email"), str) or not claims["email"] or not verified:
        raise OidcRefused(
            "your sign-in service did not give a verified e-mail address, so contactguard cannot "
            "tell which officer you are: sign in with your password, or ask an admin"
        )
    name = claims.get("name")
    return accounts.ProviderIdentity(
        email=claims["email"],
        name=name if isinstance(name, str) else None,
        claim_values=claim_values(claims, settings.OIDC_ROLE_CLAIM),
    )


def _lacks_claims(claims: dict, settings: Settings) -> bool:
    """The ID token lacks the verified e-mail, or (when the provider decides roles) the role claim."""
    if not claims.get("email") or ("email_verified" not in claims and settings.OIDC_REQUIRE_EMAIL_VERIFIED):
        return True
    return bool(settings.OIDC_ROLE_MAP) and claim_values(claims, settings.OIDC_ROLE_CLAIM) is None


def claim_values(claims: Mapping[str, object], name: str) -> tuple[str, ...] | None:
    """The values of claim `name`: by its whole name (`groups`, or a URL as some providers name claims), else as a
    dotted path into objects (`realm_access.roles`). A string is one value; a list gives its strings. None: absent."""
    value: object = claims.get(name)
    if value is None and "." in name:
        value = claims
        for part in name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(v for v in value if isinstance(v, str))
    return ()
