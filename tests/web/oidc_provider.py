"""A real OpenID Connect provider for the sign-in tests, and a browser that signs in through it.

The provider is the npm package `oidc-provider` (package.json's devDependencies, installed by `make install`), run
by node from tests/web/oidc_provider.mjs on a free port. Its people live in a JSON file the tests write
(`Provider.person`), read again at every sign-in, so moving someone to another group between two sign-ins is one
call. The browser is `requests.Session` going through the authorization-code flow for real: contactguard's
/sign-in/oidc, the provider's own sign-in and consent pages (forms posted as a person would), the code exchanged by
contactguard over HTTP, and back to contactguard's pages.
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
CLIENT_ID = "contactguard"
CLIENT_SECRET = "client-secret-of-contactguard-for-tests"
START_TIMEOUT = 60  # seconds for node to load oidc-provider and listen (a shared machine under load)


@dataclass
class Provider:
    """The running provider: its issuer URL, and the file of the people it knows."""

    issuer: str
    people_file: Path

    def person(self, login: str, email: str, groups: list[str] | None = None, **claims: object) -> None:
        """Let `login` sign in as `email` (verified unless email_verified=False) in `groups` (no groups claim: None)."""
        people = json.loads(self.people_file.read_text())
        person: dict[str, object] = {"email": email, "email_verified": True, **claims}
        if groups is not None:
            person["groups"] = groups
        people[login] = person
        self.people_file.write_text(json.dumps(people))


@contextlib.contextmanager
def running_provider(folder: Path, redirect_uri: str) -> Iterator[Provider]:
    """oidc-provider on a free port with contactguard as its one client (`redirect_uri`), until the block ends."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the OpenID Connect tests need node and the npm package oidc-provider: run `make install`")
    people = folder / "people.json"
    people.write_text("{}")
    client = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [redirect_uri]}
    log = folder / "provider.log"
    with log.open("wb") as errors:
        process = subprocess.Popen(
            [node, str(SCRIPT), str(people), json.dumps(client)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)  # waits for its line, not a fixed time
        line = process.stdout.readline() if ready else ""
        if not line.startswith("issuer "):
            pytest.fail(f"oidc-provider did not start:\n{log.read_text()}")
        yield Provider(issuer=line.split()[1], people_file=people)
    finally:
        process.terminate()
        process.wait(20)
        if process.stdout is not None:
            process.stdout.close()


def sign_in_through(provider: Provider, browser: requests.Session, base: str, login: str) -> requests.Response:
    """Start at contactguard's "Sign in with your council account" and go through the provider's own pages as `login`:
    its sign-in form the first time, its consent form if it asks; a browser still signed in to the provider goes
    straight back. Returns contactguard's answer at the end (the page after the callback, or its refusal)."""
    reply = browser.get(f"{base}/sign-in/oidc", timeout=30)
    for _ in range(3):  # the sign-in page, then the consent page, then back to contactguard
        if not reply.url.startswith(f"{provider.issuer}/interaction/"):
            break
        reply.raise_for_status()
        prompt = re.search(r'name="prompt" value="([a-z]+)"', reply.text)
        action = re.search(r'<form[^>]*action="([^"]+)"', reply.text)
        assert prompt and action, f"the provider shows a form: {reply.text[:500]}"
        form = {"prompt": prompt.group(1)}
        if prompt.group(1) == "login":
            form.update(login=login, password="not checked by the development pages")
        reply = browser.post(urljoin(reply.url, unescape(action.group(1))), data=form, timeout=30)
    assert not reply.url.startswith(provider.issuer), f"the provider answered {reply.status_code}: {reply.text[:500]}"
    return reply
