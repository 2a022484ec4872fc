"""Helpdesk connections: registered by an admin, tested before saving, secrets sealed and masked."""

from __future__ import annotations

import base64
import hashlib
import secrets as token_source
import threading
from contextlib import contextmanager

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from marshmallow import ValidationError
from sqlalchemy import select

from adapters import REGISTRY, get_adapter
from adapters.errors import ConnectionCheckFailed

from ..config import Settings
from ..models import Connection
from ..secretbox import SecretBox, _key_from_settings, mask
from .context import Context
from .errors import InvalidInput, NotFound
from .lookup import require_admin


def _validate(schema_cls, data: dict, what: str) -> dict:
    try:
        return schema_cls().load(data)
    except ValidationError as exc:
        raise InvalidInput(
            f"invalid {what}: check {', '.join(sorted(map(str, exc.messages)))}", errors={what: exc.messages}
        ) from None


class _Calls(threading.local):
    """HTTP requests this thread sent while a connection test was counting them."""

    counting = False
    made = 0


_calls = _Calls()
_send = requests.Session.send


def _counted_send(self, request, **kwargs):
    if _calls.counting:
        _calls.made += 1
    return _send(self, request, **kwargs)


# Why: a test that makes no request (the generic adapter without a callback URL has nothing to call) must not be
# reported as "the helpdesk answered". Every adapter calls out through a requests session, so counting the sends
# made by this thread during the test tells a call made from none; other threads are not counted.
requests.Session.send = _counted_send  # type: ignore[method-assign]  # counts only while a test counts (above)


@contextmanager
def _counting_calls():
    _calls.counting, _calls.made = True, 0
    try:
        yield _calls
    finally:
        _calls.counting = False


def _check(adapter, settings: dict, secrets: dict) -> bool:
    """Test the credentials with the helpdesk; True if the test called it, False if it had nothing to call."""
    try:
        with _counting_calls() as calls:
            adapter.client(settings, secrets).test_connection()
    except ConnectionCheckFailed as exc:
        raise InvalidInput(
            f"connection test failed ({exc.code}): {exc.message}", errors={exc.field: [exc.code]}, code=exc.code
        ) from None
    return calls.made > 0


class NothingCalled(InvalidInput):
    """A test was asked for, but with these settings the adapter has nothing to call: nothing was tested."""

    code = "nothing_called"


def _nothing_called(adapter_key: str) -> NothingCalled:
    return NothingCalled(
        f"nothing was tested: with these settings the {get_adapter(adapter_key).title or adapter_key} connection "
        "makes no call to the helpdesk (fill in where contactguard writes back), or save it without testing",
        errors={"settings": ["nothing to call"]},
    )


def _new_id() -> str:
    """A public identifier: short, URL-safe, never starting with '-' (a CLI would read an option). Random only so
    that ids never collide; it is not a secret (the webhook token is, see webhook_token)."""
    return "cg" + token_source.token_hex(6)


def webhook_token(settings: Settings, connection_id: str, generation: int) -> str:
    """The webhook URL's token for this connection and generation: HKDF-SHA256 of the instance's key over both
    (192 bits, URL-safe). Derived, never stored, so the URL can be shown again; a new generation is a new token."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=24,
        salt=b"contactguard-webhook-v1",
        info=f"webhook-token:{connection_id}:{generation}".encode(),
    )
    return "cg" + base64.urlsafe_b64encode(hkdf.derive(_key_from_settings(settings))).decode().rstrip("=")


def token_hash(token: str) -> str:
    """What is stored and looked up: the token's SHA-256, hex (the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _set_token(settings: Settings, connection: Connection, generation: int) -> None:
    connection.token_generation = generation
    connection.webhook_token_hash = token_hash(webhook_token(settings, connection.id, generation))


def add(ctx: Context, adapter_key: str, name: str, settings: dict, secrets: dict, test: bool = True) -> Connection:
    """Register a helpdesk; the helpdesk is called once with the credentials unless test=False. Its webhook URL is
    webhook_url(ctx, connection)."""
    require_admin(ctx, "adding a helpdesk connection")
    if adapter_key not in REGISTRY:
        raise InvalidInput(
            f"unknown adapter {adapter_key}; known: {', '.join(sorted(REGISTRY))}", errors={"adapter": ["unknown"]}
        )
    adapter = get_adapter(adapter_key)
    settings = _validate(adapter.settings_schema, settings, "settings")
    secrets = {k: v for k, v in _validate(adapter.secrets_schema, secrets, "secrets").items() if v is not None}
    if test and not _check(adapter, settings, secrets):
        raise _nothing_called(adapter_key)
    connection = Connection(
        id=_new_id(),
        adapter=adapter_key,
        name=name,
        settings=settings,
        secrets_encrypted=SecretBox(ctx.settings).seal(secrets),
    )
    _set_token(ctx.settings, connection, 1)
    ctx.session.add(connection)
    ctx.session.flush()
    ctx.session.add(_audit_entry(ctx, connection, "connection.added"))
    return connection


def _audit_entry(ctx: Context, connection: Connection, action: str, **details):
    from ..models import AuditEntry

    return AuditEntry(
        actor=ctx.actor.label,
        actor_officer_id=ctx.actor.officer_id,
        action=action,
        entity_type="connections",
        entity_id=None,
        details={"connection": connection.id, "adapter": connection.adapter, **details},  # public: not a secret
    )


def get(ctx: Context, connection_id: str) -> Connection:
    """The connection, or NotFound."""
    connection = ctx.session.get(Connection, connection_id)
    if connection is None:
        raise NotFound(f"no connection {connection_id}")
    return connection


def secrets_of(ctx: Context, connection: Connection) -> dict:
    """Decrypted secrets, for the adapter only; never print or log them."""
    return SecretBox(ctx.settings).open(connection.secrets_encrypted)


def describe(ctx: Context, connection: Connection) -> dict:
    """What an admin may see: settings, and secret names with their values masked."""
    return {
        "id": connection.id,
        "adapter": connection.adapter,
        "name": connection.name,
        "active": connection.active,
        "settings": connection.settings,
        "secrets": mask(secrets_of(ctx, connection)),
        "webhook_url": webhook_url(ctx, connection),
        "token_generation": connection.token_generation,  # 0: a URL from before tokens were derived
    }


def webhook_path(settings: Settings, connection: Connection) -> str | None:
    """'/webhooks/<token>', or None when the token cannot be derived: set before tokens were derived (generation
    0, migration 0016), or the instance's key is not the one that made it. Either way it keeps working."""
    if connection.token_generation < 1:
        return None
    token = webhook_token(settings, connection.id, connection.token_generation)
    return f"/webhooks/{token}" if token_hash(token) == connection.webhook_token_hash else None


def webhook_url(ctx: Context, connection: Connection) -> str | None:
    """The URL to paste into the helpdesk (None: it cannot be shown; rotate_url makes one that can)."""
    path = webhook_path(ctx.settings, connection)
    return f"{ctx.settings.base_url.rstrip('/')}{path}" if path else None


def update_secrets(ctx: Context, connection_id: str, changes: dict, test: bool = True) -> Connection:
    """Replace some secrets (e.g. rotation: the old one kept as *_previous until removed)."""
    require_admin(ctx, "changing a connection's secrets")
    connection = get(ctx, connection_id)
    adapter = get_adapter(connection.adapter)
    merged = {**secrets_of(ctx, connection), **changes}
    merged = {k: v for k, v in _validate(adapter.secrets_schema, merged, "secrets").items() if v is not None}
    if test and not _check(adapter, connection.settings, merged):
        raise _nothing_called(connection.adapter)
    connection.secrets_encrypted = SecretBox(ctx.settings).seal(merged)
    ctx.session.add(_audit_entry(ctx, connection, "connection.secrets_changed", names=sorted(changes)))
    return connection


def update_settings(ctx: Context, connection_id: str, changes: dict) -> Connection:
    """Change some settings (e.g. a sidebar app's key, known only once the app is installed), validated as at `add`."""
    require_admin(ctx, "changing a connection's settings")
    connection = get(ctx, connection_id)
    adapter = get_adapter(connection.adapter)
    connection.settings = _validate(adapter.settings_schema, {**connection.settings, **changes}, "settings")
    ctx.session.add(_audit_entry(ctx, connection, "connection.settings_changed", names=sorted(changes)))
    return connection


def check(ctx: Context, adapter_key: str, settings: dict, secrets: dict) -> None:
    """Test settings and secrets with the helpdesk, saving nothing (an admin); NothingCalled if no call was made."""
    require_admin(ctx, "testing a helpdesk connection")
    adapter = get_adapter(adapter_key)
    settings = _validate(adapter.settings_schema, settings, "settings")
    secrets = {k: v for k, v in _validate(adapter.secrets_schema, secrets, "secrets").items() if v is not None}
    if not _check(adapter, settings, secrets):
        raise _nothing_called(adapter_key)


def check_saved(ctx: Context, connection_id: str) -> None:
    """Test a saved connection's settings and secrets with the helpdesk (an admin); NothingCalled if no call was
    made. Changes nothing."""
    require_admin(ctx, "testing a helpdesk connection")
    connection = get(ctx, connection_id)
    if not _check(get_adapter(connection.adapter), connection.settings, secrets_of(ctx, connection)):
        raise _nothing_called(connection.adapter)


def reveal_sidebar_key(ctx: Context, connection_id: str) -> str:
    """The connection's sidebar key, hex, for the helpdesk's signing code (an admin); each showing is audited."""
    from .sidebar import sidebar_key

    require_admin(ctx, "showing a connection's sidebar key")
    connection = get(ctx, connection_id)
    ctx.session.add(_audit_entry(ctx, connection, "connection.sidebar_key_shown"))
    return sidebar_key(ctx.settings, connection).hex()


def deactivate(ctx: Context, connection_id: str) -> Connection:
    """Stop accepting the connection's webhooks (404, as for an unknown URL) and its rescans; history stays."""
    require_admin(ctx, "deactivating a helpdesk connection")
    connection = get(ctx, connection_id)
    if connection.active:
        connection.active = False
        ctx.session.add(_audit_entry(ctx, connection, "connection.deactivated"))
    return connection


def rotate_url(ctx: Context, connection_id: str) -> Connection:
    """A new unguessable webhook URL, webhook_url(ctx, connection) (the old one answers 404 from now on, and every
    sidebar link and app secret signed for the connection is revoked); events and outbox keep the id.

    For a helpdesk that cannot sign (django-helpdesk, Freshdesk without Basic auth) the URL is the credential:
    rotate it when it may have leaked, then paste the new URL into the helpdesk."""
    require_admin(ctx, "rotating a connection's webhook URL")
    connection = get(ctx, connection_id)
    _set_token(ctx.settings, connection, connection.token_generation + 1)
    ctx.session.add(_audit_entry(ctx, connection, "connection.url_rotated", generation=connection.token_generation))
    return connection


def all_connections(ctx: Context) -> list[Connection]:
    """Every connection."""
    return list(ctx.session.scalars(select(Connection).order_by(Connection.created_at)))
