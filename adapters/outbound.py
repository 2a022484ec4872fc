"""Where contactguard may send requests: never to loopback, link-local, private or other internal addresses,
unless an admin allows it (CONTACTGUARD_ALLOW_PRIVATE_HELPDESK_URLS, or a connection's allow_private_network).

An admin who can set a connection's base_url could otherwise make the worker call the cloud's metadata service
(169.254.169.254), the database, or anything else only the server can reach, with the helpdesk's credentials.
Checked twice: when the URL is set (the host's addresses as resolved then) and on every connection the adapters'
HTTP sessions open (the address actually connected to), so a name that resolves elsewhere later (DNS rebinding)
is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

_private_allowed = False


class PrivateAddressRefused(ValueError):
    """The URL's host is (or resolves to) an internal address and private addresses are not allowed."""


def set_private_allowed(allowed: bool) -> None:
    """The process-wide allowance (plugin.config.load_settings sets it from ALLOW_PRIVATE_HELPDESK_URLS)."""
    global _private_allowed
    _private_allowed = bool(allowed)


def private_allowed(settings: dict | None = None) -> bool:
    """Allowed for this process, or for this connection (its allow_private_network setting)?"""
    return _private_allowed or bool((settings or {}).get("allow_private_network"))


def internal_reason(address: str) -> str | None:
    """Why an IP address is not a public one (None when it is), e.g. 'loopback', 'link-local'."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return internal_reason(str(ip.ipv4_mapped))
        if ip.sixtofour is not None:
            return internal_reason(str(ip.sixtofour))
    for name in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    if not ip.is_global:
        return "not globally routable"
    return None


def check_host(host: str, port: int | None = None) -> None:
    """Refuse a host that is, or resolves to, an internal address; a name that does not resolve passes
    (the call itself then fails, and is checked again when it connects)."""
    if not host:
        raise PrivateAddressRefused("the URL has no host")
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        addresses = [host]
    except ValueError:
        if host.rstrip(".").lower() == "localhost" or host.rstrip(".").lower().endswith(".localhost"):
            raise PrivateAddressRefused(f"{host} is a loopback name") from None
        try:
            addresses = sorted(
                {str(info[4][0]) for info in socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)}
            )
        except (socket.gaierror, UnicodeError, OSError):
            return
    for address in addresses:
        reason = internal_reason(address)
        if reason:
            shown = host if host == address else f"{host} ({address})"
            raise PrivateAddressRefused(f"{shown} is an internal address ({reason})")


def check_url(url: str, settings: dict | None = None) -> None:
    """Refuse a URL whose host is internal, unless private addresses are allowed."""
    if private_allowed(settings):
        return
    parts = urlsplit(url)
    check_host(parts.hostname or "", parts.port)


def check_peer(sock, settings: dict | None = None) -> None:
    """After connecting: refuse if the address actually connected to is internal (the DNS-rebinding check)."""
    if private_allowed(settings):
        return
    try:
        address = sock.getpeername()[0]
    except (OSError, IndexError, TypeError):
        return  # not an IP socket (a Unix socket a test uses): nothing to judge
    reason = internal_reason(address)
    if reason:
        raise PrivateAddressRefused(f"connected to {address}, an internal address ({reason})")
