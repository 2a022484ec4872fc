"""Shared steps for the sign-in tests: accounts for the cast, the CSRF token from a page, signing in."""

from __future__ import annotations

import re

from plugin.services import accounts

PASSWORD = "correct horse battery staple"


def email_of(who: str) -> str:
    return f"{who}@council.example"


def give_account(cast, who: str, password: str = PASSWORD) -> int:
    """An account for one of the cast (created as the server's shell would); returns its id."""
    with cast.act() as ctx:
        return accounts.create_account(ctx, email_of(who), password).id


def csrf_from(page: bytes | str) -> str:
    """The CSRF token in a page's form."""
    text = page.decode() if isinstance(page, bytes) else page
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', text
    )
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def sign_in(client, who: str, password: str = PASSWORD, totp_code: str = "", follow: bool = False):
    """Post the sign-in form as a browser would (token from the form page first)."""
    token = csrf_from(client.get("/sign-in").data)
    return client.post(
        "/sign-in",
        data={"csrf_token": token, "email": email_of(who), "password": password, "totp_code": totp_code},
        follow_redirects=follow,
    )


def page_text(response) -> str:
    """The visible words of a page, tags stripped and spaces collapsed."""
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())
