"""Normalising the ways a customer is recognised, so the same person always matches.

E-mail: the address part only, trimmed and lower-cased (providers treat the local part
case-insensitively in practice); then, by the EMAIL_MATCHING setting:

- `strict`: nothing more.
- `subaddress`: a `+tag` sub-address is dropped (jane+housing@example.com is jane@example.com):
  mail to it reaches the same mailbox at every major provider, so it is the same customer.
- `provider_rules` (the default): as `subaddress`, and for Gmail only, dots in the local part are
  ignored and googlemail.com is gmail.com (Google delivers j.a.n.e@googlemail.com to jane@gmail.com).
  Other providers' dots are significant and are kept.

The same normal form is stored and looked up, so matching stays one indexed query. Changing the
setting changes the normal form: re-normalise the stored identities (`python -m plugin.identity
renormalise`; migration 0009 did it once for the default).

Phone: E.164 through `phonenumbers`, UK by default.
"""

from __future__ import annotations

from email.utils import parseaddr

import phonenumbers

KINDS = ("email", "phone", "helpdesk_user")
DEFAULT_REGION = "GB"
EMAIL_MATCHING = ("strict", "subaddress", "provider_rules")
DEFAULT_EMAIL_MATCHING = "provider_rules"
GMAIL_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
_email_matching = DEFAULT_EMAIL_MATCHING


def set_email_matching(mode: str) -> None:
    """The process's e-mail matching mode (plugin.config.load_settings calls this with EMAIL_MATCHING)."""
    global _email_matching
    if mode not in EMAIL_MATCHING:
        raise ValueError(f"EMAIL_MATCHING must be one of {', '.join(EMAIL_MATCHING)}, not {mode!r}")
    _email_matching = mode


def email_matching() -> str:
    return _email_matching


class IdentityError(ValueError):
    """A value cannot be an identity of the given kind."""


def normalise_email(raw: str, mode: str | None = None) -> str:
    """'Jane <Jane.Doe+x@GoogleMail.COM> ' -> 'janedoe@gmail.com' (provider_rules), 'jane.doe@googlemail.com'
    (subaddress) or 'jane.doe+x@googlemail.com' (strict)."""
    mode = mode or _email_matching
    _, address = parseaddr(raw or "")
    address = address.strip().lower()
    local, _, domain = address.rpartition("@")
    if not local or not domain or "." not in domain or " " in address:
        raise IdentityError(f"not an e-mail address: {raw!r}")
    if mode == "strict":
        return address
    base = local.split("+", 1)[0]
    if not base:  # '+tag@example.com' has no mailbox before the tag: keep it as it is
        return address
    if mode == "provider_rules" and domain in GMAIL_DOMAINS:
        domain = GMAIL_DOMAINS[domain]
        base = base.replace(".", "") or base
    return f"{base}@{domain}"


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """'07700 900123' -> '+447700900123'; refuses what cannot be a number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise IdentityError(f"not a phone number: {raw!r} ({exc})") from None
    if not phonenumbers.is_possible_number(number):
        raise IdentityError(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(kind: str, raw: str, region: str = DEFAULT_REGION, email_mode: str | None = None) -> str:
    """The canonical form of an identity of `kind` (e-mail by `email_mode`, else the process's EMAIL_MATCHING)."""
    if kind == "email":
        return normalise_email(raw, email_mode)
    if kind == "phone":
        return normalise_phone(raw, region)
    if kind == "helpdesk_user":
        value = str(raw).strip()
        if not value:
            raise IdentityError("a helpdesk user id cannot be empty")
        return value
    raise IdentityError(f"unknown identity kind {kind!r}; expected one of {', '.join(KINDS)}")


def renormalise_stored(conn, mode: str | None = None, log=print) -> tuple[int, int]:
    """Bring every stored e-mail identity to the normal form of `mode` (a SQLAlchemy Connection, in a
    transaction). An identity whose new form another identity of the same connection already has is left
    as it was and reported: two register entries then share one address, which a person must resolve
    (`contactguard customers show`, then remove the wrong one). Returns (changed, left)."""
    from sqlalchemy import text

    rows = conn.execute(
        text("SELECT id, customer_id, value, connection_id FROM identities WHERE kind = 'email' ORDER BY id")
    ).all()
    taken = {(r.value, r.connection_id): r for r in rows}
    changed = left = 0
    for row in rows:
        try:
            new = normalise_email(row.value, mode)
        except IdentityError:
            continue
        if new == row.value:
            continue
        holder = taken.get((new, row.connection_id))
        if holder is not None and holder.id != row.id:
            if holder.customer_id == row.customer_id:  # the same customer twice: one identity is enough
                conn.execute(text("DELETE FROM identities WHERE id = :id"), {"id": row.id})
                taken.pop((row.value, row.connection_id), None)
                changed += 1
            else:
                log(
                    f"identity {row.id} (customer {row.customer_id}) left unchanged: its normal form belongs to "
                    f"customer {holder.customer_id}'s identity {holder.id}"
                )
                left += 1
            continue
        conn.execute(text("UPDATE identities SET value = :value WHERE id = :id"), {"value": new, "id": row.id})
        taken.pop((row.value, row.connection_id), None)
        taken[(new, row.connection_id)] = row
        changed += 1
    return changed, left


def _main(argv=None) -> int:
    """`python -m plugin.identity renormalise`: after changing CONTACTGUARD_EMAIL_MATCHING."""
    import sys

    argv = sys.argv[1:] if argv is None else argv
    if argv != ["renormalise"]:
        print(
            "usage: python -m plugin.identity renormalise   (re-normalise stored e-mail identities "
            "for CONTACTGUARD_EMAIL_MATCHING)",
            file=sys.stderr,
        )
        return 2
    from .config import load_settings
    from .db import make_engine

    settings = load_settings()
    engine = make_engine(settings.DATABASE_URL)
    try:
        with engine.begin() as conn:
            changed, left = renormalise_stored(conn, settings.EMAIL_MATCHING)
    finally:
        engine.dispose()
    print(f"EMAIL_MATCHING={settings.EMAIL_MATCHING}: {changed} identities re-normalised, {left} left (see above)")
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(_main())
