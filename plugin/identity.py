"""Normalising the ways a customer is recognised, so the same person always matches.

E-mail: the address part only, trimmed and lower-cased (providers treat the local part
case-insensitively in practice). Phone: E.164 through `phonenumbers`, UK by default.
"""
from __future__ import annotations

from email.utils import parseaddr

import phonenumbers

KINDS = ("email", "phone", "helpdesk_user")
DEFAULT_REGION = "GB"


class IdentityError(ValueError):
    """A value cannot be an identity of the given kind."""


def normalise_email(raw: str) -> str:
    """'Jane <Jane.Doe@Example.COM> ' -> 'jane.doe@example.com'."""
    _, address = parseaddr(raw or "")
    address = address.strip().lower()
    local, _, domain = address.rpartition("@")
    if not local or not domain or "." not in domain or " " in address:
        raise IdentityError(f"not an e-mail address: {raw!r}")
    return address


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """'07700 900123' -> '+447700900123'; refuses what cannot be a number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise IdentityError(f"not a phone number: {raw!r} ({exc})") from None
    if not phonenumbers.is_possible_number(number):
        raise IdentityError(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(kind: str, raw: str, region: str = DEFAULT_REGION) -> str:
    """The canonical form of an identity of `kind`."""
    if kind == "email":
        return normalise_email(raw)
    if kind == "phone":
        return normalise_phone(raw, region)
    if kind == "helpdesk_user":
        value = str(raw).strip()
        if not value:
            raise IdentityError("a helpdesk user id cannot be empty")
        return value
    raise IdentityError(f"unknown identity kind {kind!r}; expected one of {', '.join(KINDS)}")
