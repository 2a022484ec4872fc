"""Issue 21 item 2: sign-in attempts fired in parallel at a real threaded server cannot beat the lockout or reuse a code.

An independent probe of the served app (PostgreSQL, gunicorn) found the failure counter read, then written: 16 parallel
requests had 64 wrong passwords checked before the lock held (the limit is 5); and one TOTP code signed in 8 parallel
sessions. Here the requests go over real sockets to werkzeug's threaded server, and to `contactguard serve` itself
(gunicorn's gevent worker), all released at once by a barrier, so they meet in the database exactly as a browser's
(or an attacker's) would.
"""

from __future__ import annotations

import threading
from collections import Counter

import pyotp
import pytest
import requests
from argon2 import PasswordHasher
from sqlalchemy import select
from werkzeug.serving import make_server

from plugin.models import AuditEntry
from plugin.services import accounts
from tests.ops.test_serve import _serving
from tests.web.test_auth_support import PASSWORD, csrf_from, email_of, give_account


@pytest.fixture
def cheap_hashes(monkeypatch):
    """A cheap argon2 (the parameters are in each hash): 32 full-cost hashes at once would take a shared machine's
    memory (64 MiB each) for nothing this test looks at."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def served(app):
    """The app on a threaded server at a free port; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


def _all_at_once(base: str, forms: list[dict]) -> list[requests.Response]:
    """Each form from its own browser (its own cookie and CSRF token), all posted at the same moment."""
    browsers = [requests.Session() for _ in forms]
    tokens = [csrf_from(b.get(f"{base}/sign-in", timeout=30).text) for b in browsers]
    start = threading.Barrier(len(forms))
    answers: list[requests.Response | None] = [None] * len(forms)

    def post(n: int) -> None:
        start.wait()
        answers[n] = browsers[n].post(
            f"{base}/sign-in", data={"csrf_token": tokens[n], **forms[n]}, allow_redirects=False, timeout=60
        )

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(forms))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(a is not None for a in answers), "every request was answered"
    return answers  # type: ignore[return-value]


def _failure_reasons(sessions) -> Counter:
    with sessions() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "account.sign_in_failed")).all()
    return Counter(e.details["reason"] for e in entries)


@pytest.mark.parametrize("parallel", [16, 32])
def test_parallel_wrong_passwords_get_five_checks_then_every_attempt_is_refused(
    cast, served, sessions, cheap_hashes, parallel
):
    give_account(cast, "senior")
    wrong = {"email": email_of("senior"), "password": "not the password at all", "totp_code": ""}
    answers = _all_at_once(served, [wrong] * parallel)

    reasons = _failure_reasons(sessions)
    assert reasons == {"wrong_password": accounts.MAX_FAILED_ATTEMPTS, "locked": parallel - 5}, reasons
    assert [a.status_code for a in answers] == [401] * parallel
    right = _all_at_once(served, [{**wrong, "password": PASSWORD}] * 4)
    assert [a.status_code for a in right] == [401] * 4  # locked: the right password is not even checked
    assert _failure_reasons(sessions)["locked"] == parallel - 5 + 4


def test_one_totp_code_signs_in_exactly_once_among_eight_parallel_attempts(cast, served, sessions, cheap_hashes):
    account_id = give_account(cast, "senior")
    with cast.act() as ctx:
        totp = pyotp.parse_uri(accounts.enrol_totp(ctx, account_id))
    form = {"email": email_of("senior"), "password": PASSWORD, "totp_code": totp.now()}
    answers = _all_at_once(served, [form] * 8)

    assert sorted(a.status_code for a in answers) == [302] + [401] * 7
    with sessions() as s:
        signed_in = s.scalars(select(AuditEntry).where(AuditEntry.action == "account.signed_in")).all()
    assert len(signed_in) == 1
    # The others were refused as a reused code (or, past the fifth, as locked), never signed in.
    assert set(_failure_reasons(sessions)) <= {"wrong_code", "locked"}


def test_the_served_app_checks_five_of_sixteen_parallel_wrong_passwords_and_one_totp_code_once(
    cast, db_url, tmp_path, sessions, cheap_hashes
):
    """The same through `contactguard serve` (one gunicorn worker with its event loop), as the probe found it. The
    accounts' hashes are cheap (made here with cheap parameters), so the server checks them cheaply."""
    give_account(cast, "senior")
    totp_account = give_account(cast, "officer")
    with cast.act() as ctx:
        totp = pyotp.parse_uri(accounts.enrol_totp(ctx, totp_account))
    with _serving(tmp_path, db_url) as (port, _):
        base = f"http://127.0.0.1:{port}"
        wrong = _all_at_once(base, [{"email": email_of("senior"), "password": "not it at all!", "totp_code": ""}] * 16)
        code = {"email": email_of("officer"), "password": PASSWORD, "totp_code": totp.now()}
        once = _all_at_once(base, [code] * 8)
    assert [a.status_code for a in wrong] == [401] * 16
    assert sorted(a.status_code for a in once) == [302] + [401] * 7
    assert _failure_reasons(sessions)["wrong_password"] == accounts.MAX_FAILED_ATTEMPTS
