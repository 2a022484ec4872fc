"""The helpdesk apps an admin uploads to show the panel beside tickets, packed for one connection.

Freshdesk: a Freshworks platform 3.0 app for the `ticket_sidebar` placeholder
(https://developers.freshworks.com/docs/app-sdk/v3.0/support_ticket/front-end-apps/placeholders/), its sources in
plugin/sidebar_apps/freshdesk/. The zip has the layout `fdk pack` writes to dist/ (the FDK's pack step, which zips
app/, config/, manifest.json and a digest.md5 at the archive's root, the digest being the MD5 of the app/ files
followed by manifest.json): what a custom app upload in Freshdesk's developer portal expects
(https://developers.freshworks.com/docs/app-sdk/v3.0/support_ticket/app-submission-process/custom-apps/).
The connection's address is written into config/requests.json; its secret never goes into the zip: the admin
types it into the app's secure installation parameter when installing.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from ..config import Settings
from ..models import Connection
from .errors import InvalidInput
from .sidebar import sidebar_key

FRESHDESK_APP = Path(__file__).resolve().parent.parent / "sidebar_apps" / "freshdesk"
FRESHDESK_SECRET_HEADER = "X-Contactguard-Sidebar-Secret"
FRESHDESK_TEMPLATE = "contactguardPanel"
# A fixed time for every entry, so the same connection always packs to the same bytes.
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def freshdesk_secret(settings, connection: Connection) -> str:
    """The secret the Freshdesk app sends: from the connection's sidebar key, so `rotate-url` revokes it too."""
    return hmac.new(sidebar_key(settings, connection), b"freshdesk-app-secret-v1", hashlib.sha256).hexdigest()


def freshdesk_zip(settings, connection: Connection) -> bytes:
    """The Freshworks app for this Freshdesk connection, as the zip `fdk pack` produces."""
    if connection.adapter != "freshdesk":
        raise InvalidInput(f"Connection {connection.id} is a {connection.adapter} connection, not Freshdesk.")
    files = {path: (FRESHDESK_APP / path).read_bytes() for path in _app_files(FRESHDESK_APP)}
    files["config/requests.json"] = _requests_json(settings, connection, files["config/requests.json"])
    files["digest.md5"] = _digest(files).encode()
    return deterministic_zip(files)


def _app_files(root: Path) -> list[str]:
    """app/ (walked like the FDK: each folder's entries in name order, depth first), config/, manifest.json."""
    return [*_walk(root, "app"), *_walk(root, "config"), "manifest.json"]


def _walk(root: Path, folder: str) -> list[str]:
    found: list[str] = []
    for entry in sorted((root / folder).iterdir(), key=lambda p: p.name):
        relative = f"{folder}/{entry.name}"
        found += _walk(root, relative) if entry.is_dir() else [relative]
    return found


def _requests_json(settings: Settings, connection: Connection, template: bytes) -> bytes:
    """The request template pointed at this connection's panel URL (host and path; HTTPS only)."""
    public = urlsplit(settings.PUBLIC_URL or "")
    if public.scheme != "https" or not public.hostname:
        raise InvalidInput(
            "PUBLIC_URL must be contactguard's public https:// address: Freshworks sends the app's requests there."
        )
    requests = json.loads(template)
    schema = requests[FRESHDESK_TEMPLATE]["schema"]
    schema["host"] = public.netloc
    schema["path"] = f"{public.path.rstrip('/')}/sidebar/{connection.id}/freshdesk"
    return (json.dumps(requests, indent=2) + "\n").encode()


def _digest(files: dict[str, bytes]) -> str:
    """The FDK's digest.md5: MD5 over the app/ files in packing order, then manifest.json."""
    md5 = hashlib.md5(usedforsecurity=False)
    for path in [p for p in files if p.startswith("app/")] + ["manifest.json"]:
        md5.update(files[path])
    return md5.hexdigest()


def deterministic_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            entry = zipfile.ZipInfo(path, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return buffer.getvalue()
