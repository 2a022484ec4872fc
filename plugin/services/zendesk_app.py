"""The Zendesk ticket sidebar app for one connection: packed for upload, then tied to its installation.

The app's sources are plugin/sidebar_apps/zendesk/: manifest.json, translations/en.json and assets/ with the logos,
the layout `zcli apps:package` zips at the archive's root and Zendesk's private-app upload takes
(https://developer.zendesk.com/documentation/apps/app-developer-guide/manifest/ for the manifest,
https://developer.zendesk.com/documentation/apps/getting-started/zendesk-app-quick-start for the files). It is a
remote app: the manifest's `ticket_sidebar` location is contactguard's URL for the connection, with `signedUrls`, so
Zendesk signs each first request (plugin/web/sidebar/zendesk.py). Zendesk makes the app's key pair when the app is
uploaded and the installation id when it is installed, so `set_app_key` stores them afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from ..config import Settings
from ..models import Connection
from . import connections as conns
from .context import Context
from .errors import InvalidInput
from .sidebar_packages import deterministic_zip  # the same fixed-time zip as the Freshdesk app's

ZENDESK_APP = Path(__file__).resolve().parent.parent / "sidebar_apps" / "zendesk"
APP_FILES = ("manifest.json", "translations/en.json", "assets/logo.png", "assets/logo-small.png")


def zendesk_zip(settings: Settings, connection: Connection) -> bytes:
    """The app, as the zip Zendesk's upload expects, pointed at this connection's signed sidebar URL."""
    if connection.adapter != "zendesk":
        raise InvalidInput(f"Connection {connection.id} is a {connection.adapter} connection, not Zendesk.")
    files = {path: (ZENDESK_APP / path).read_bytes() for path in APP_FILES}
    files["manifest.json"] = _manifest(settings, connection, json.loads(files["manifest.json"]))
    return deterministic_zip(files)


def sidebar_url(public_url: str, connection: Connection) -> str:
    return f"{public_url.rstrip('/')}/sidebar/{connection.id}/zendesk"


def _manifest(settings: Settings, connection: Connection, manifest: dict) -> bytes:
    """The author (the council, its Zendesk agent's address for support) and the location's URL (HTTPS only)."""
    public_url = settings.PUBLIC_URL or ""
    public = urlsplit(public_url)
    if public.scheme != "https" or not public.hostname:
        raise InvalidInput("PUBLIC_URL must be contactguard's public https:// address: Zendesk loads the app from it.")
    manifest["author"] = {
        "name": settings.COUNCIL_NAME or "contactguard",
        "email": connection.settings["agent_email"],
        "url": public_url,
    }
    manifest["location"]["support"]["ticket_sidebar"]["url"] = sidebar_url(public_url, connection)
    return (json.dumps(manifest, indent=2) + "\n").encode()


def set_app_key(ctx: Context, connection_id: str, public_key_pem: str, installation_id: int) -> Connection:
    """Store the installed app's public key and installation id: what verifies Zendesk's signed URLs."""
    connection = conns.get(ctx, connection_id)
    if connection.adapter != "zendesk":
        raise InvalidInput(f"Connection {connection.id} is a {connection.adapter} connection, not Zendesk.")
    changes = {"sidebar_public_key": public_key_pem.strip() + "\n", "sidebar_installation_id": installation_id}
    return conns.update_settings(ctx, connection_id, changes)
