"""One requests session factory for every adapter: timeouts always, status codes mapped to errors."""

from __future__ import annotations

import email.utils
import os
import threading
import time
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.sessions import merge_setting
from requests.utils import get_environ_proxies, select_proxy
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from . import outbound
from .errors import PermanentFailure, RetryLater, Unreachable
from .ratelimit import pace

BUSY_WAIT_SECONDS = 30.0  # a 409 or 429 without Retry-After: try again after this
DEFAULT_TIMEOUT = (3.05, 10)
USER_AGENT = "contactguard/0.1 (+https://github.com/contactguard)"


class TimeoutSession(requests.Session):
    """A session whose every request has a timeout unless one is given, and which reads the proxy settings
    from the environment once per helpdesk address rather than once per call."""

    ENVIRONMENT_KEPT_FOR = 64  # addresses whose proxy settings a session keeps (a client calls one or two)

    def __init__(self):
        super().__init__()
        self._environ_proxies: dict[tuple, dict] = {}
        self._environ_lock = threading.Lock()

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
        return super().request(method, url, **kwargs)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        """requests' own, with the environment's proxies for `url` looked up once per scheme and host.

        Why: requests scans the whole process environment twice on every call to find *_proxy and no_proxy
        (a quarter of a drain call's CPU). A session lives for one pass of the drain (or one connection test),
        so a proxy set or changed in the environment is still followed from the next pass on."""
        if self.trust_env:
            no_proxy = proxies.get("no_proxy") if proxies is not None else None
            if proxies is not None:
                for key, value in self._proxies_from_environment(url, no_proxy).items():
                    proxies.setdefault(key, value)
            if verify is True or verify is None:  # requests' and curl's CA bundle variables, as requests reads them
                verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or verify
        return {
            "proxies": merge_setting(proxies, self.proxies),
            "stream": merge_setting(stream, self.stream),
            "verify": merge_setting(verify, self.verify),
            "cert": merge_setting(cert, self.cert),
        }

    def _proxies_from_environment(self, url: str, no_proxy) -> dict:
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname, parts.port, no_proxy)
        with self._environ_lock:
            found = self._environ_proxies.get(key)
        if found is None:
            found = get_environ_proxies(url, no_proxy=no_proxy)
            with self._environ_lock:
                if len(self._environ_proxies) >= self.ENVIRONMENT_KEPT_FOR:
                    self._environ_proxies.clear()
                self._environ_proxies[key] = found
        return found


def _checked(sock):
    try:
        outbound.check_peer(sock)
    except outbound.PrivateAddressRefused:
        sock.close()
        raise
    return sock


class _PublicHTTPConnection(HTTPConnection):
    def _new_conn(self):
        return _checked(super()._new_conn())


class _PublicHTTPSConnection(HTTPSConnection):
    def _new_conn(self):
        return _checked(super()._new_conn())


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    """Refuses internal addresses (adapters/outbound.py) by the address each new connection actually reached,
    so a helpdesk name re-pointed at 127.0.0.1 or 169.254.169.254 after set-up (DNS rebinding) is refused too.
    Through a proxy the proxy connects, so the target's resolved addresses are checked instead."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}

    def send(self, request, *args, proxies=None, **kwargs):
        if select_proxy(request.url, proxies or {}):
            outbound.check_url(request.url)
        return super().send(request, *args, proxies=proxies, **kwargs)


def make_session(auth=None, headers: dict | None = None, settings: dict | None = None) -> requests.Session:
    """A session with our user agent, optional auth and headers, and default timeouts; it reaches public
    addresses only unless private ones are allowed (for the process, or by the connection's `settings`)."""
    session = TimeoutSession()
    session.headers["User-Agent"] = USER_AGENT
    session.headers.update(headers or {})
    session.auth = auth
    if not outbound.private_allowed(settings):
        session.mount("http://", PublicOnlyAdapter())
        session.mount("https://", PublicOnlyAdapter())
    return session


def retry_after_seconds(response: requests.Response) -> float | None:
    """Seconds to wait: Retry-After (seconds or an HTTP date), Help Scout's X-RateLimit-Retry-After,
    or Intercom's X-RateLimit-Reset (a Unix time)."""
    if response.headers.get("X-RateLimit-Retry-After"):
        return _seconds(response.headers["X-RateLimit-Retry-After"])
    value = response.headers.get("Retry-After")
    if not value and response.headers.get("X-RateLimit-Reset"):
        reset = _seconds(response.headers["X-RateLimit-Reset"])
        return None if reset is None else max(0.0, reset - time.time()) if reset > 1e9 else reset
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _seconds(value: str) -> float | None:
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def send(
    session: requests.Session, method: str, url: str, bucket=None, cost: float = 1.0, **kwargs
) -> requests.Response:
    """Make one call; 2xx returns, 429/5xx/network raise RetryLater, other 4xx PermanentFailure."""
    pace(bucket, cost)
    try:
        response = session.request(method, url, **kwargs)
    except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
        raise Unreachable(f"{method} {url}: {type(exc).__name__}") from None
    except outbound.PrivateAddressRefused as exc:
        raise PermanentFailure(
            f"{method} {url}: refused, {exc} (allow_private_network or "
            "CONTACTGUARD_ALLOW_PRIVATE_HELPDESK_URLS allows it)"
        ) from None
    if response.status_code < 300:
        return response
    summary = f"{method} {url}: HTTP {response.status_code}"
    status, wait = response.status_code, retry_after_seconds(response)
    if status >= 500 or status == 408:
        raise Unreachable(summary, wait)
    if status in (409, 429):  # asked to wait (rate limit) or to try again (a conflicting change): never given up on
        if status == 429 and bucket is not None and wait:
            bucket.hold_for(wait)
        raise RetryLater(summary, wait if wait is not None else BUSY_WAIT_SECONDS, counts_as_attempt=False)
    raise PermanentFailure(summary)


def next_link(url: str | None, host: str) -> str | None:
    """A pagination link the helpdesk returned, followed only over https to `host` or a subdomain of it:
    our session carries credentials, which must never go elsewhere."""
    if not url:
        return None
    parts = urlsplit(url)
    name = parts.hostname or ""
    if parts.scheme != "https" or not (name == host or name.endswith("." + host)):
        raise PermanentFailure(f"refusing to follow a pagination link to another host ({name or 'none'})")
    return url


def check_connection(call, *, label: str, where: str, credentials: str, extra: dict | None = None):
    """Test-before-save: make one call and turn its failure into a field-keyed code an admin understands.

    `where` names the setting that says where the helpdesk is, `credentials` the secret that logs in.
    Returns the response for adapter-specific checks.
    """
    from .errors import ConnectionCheckFailed

    try:
        response = call()
    except requests.RequestException as exc:
        raise ConnectionCheckFailed("cannot_connect", f"cannot reach {label}: {type(exc).__name__}", where) from None
    except outbound.PrivateAddressRefused as exc:
        raise ConnectionCheckFailed(
            "private_address", (f"refused: {exc}; an admin may allow it with allow_private_network"), where
        ) from None
    failures = {
        401: ("invalid_auth", f"{label} refused these credentials", credentials),
        403: (
            "insufficient_scope",
            f"{label} accepted the credentials but refused the call: check the scopes or permissions",
            credentials,
        ),
        404: ("not_found", f"no {label} API answered at that address", where),
        **(extra or {}),
    }
    if response.status_code in failures:
        raise ConnectionCheckFailed(*failures[response.status_code])
    if response.status_code >= 300:
        raise ConnectionCheckFailed("cannot_connect", f"{label} answered HTTP {response.status_code}", where)
    return response
