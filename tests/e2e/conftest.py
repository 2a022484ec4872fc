"""A real django-helpdesk (PyPI django-helpdesk 2.6.1) in its own virtualenv, and contactguard served over HTTP.

The helpdesk venv is built once (about a minute) under .cache/ and reused while
tests/e2e/djsite/requirements.txt is unchanged. The helpdesk reads its webhook URL from a file on
every event, so each test points it at its own connection without a restart.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from plugin.services import connections as conns
from plugin.services import register as reg

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(__file__).resolve().parent / "djsite"
REQUIREMENTS = SITE / "requirements.txt"
VENV = Path(os.environ.get("CONTACTGUARD_HELPDESK_VENV", ROOT / ".cache" / "django-helpdesk-venv"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_venv() -> Path:
    """The helpdesk's own virtualenv, built from requirements.txt when missing or out of date."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".requirements-sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(wanted)
    return python


class Helpdesk:
    """The running django-helpdesk: its API, its management commands, and a way to take it down."""

    def __init__(self, python: Path, data_dir: Path):
        self.python, self.data_dir = python, data_dir
        self.port = _free_port()
        self.api = f"http://127.0.0.1:{self.port}/helpdesk/api/"
        self.auth = ("cgadmin", "cgadmin-pass")
        self.env = {**os.environ, "HDSITE_DATA_DIR": str(data_dir), "PYTHONDONTWRITEBYTECODE": "1"}
        self.process = None
        self.ids = {}

    def manage(self, *args) -> str:
        done = subprocess.run(
            [str(self.python), "manage.py", *args],
            cwd=SITE,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.stdout

    def bootstrap(self) -> None:
        self.manage("migrate", "--verbosity", "0")
        self.ids = json.loads(self.manage("cg_bootstrap"))

    def start(self) -> None:
        with (self.data_dir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [str(self.python), "manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{self.port}"],
                cwd=SITE,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.api, auth=self.auth, timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        tail = (self.data_dir / "server.log").read_text()[-2000:]
        raise RuntimeError(f"django-helpdesk did not start on port {self.port}:\n{tail}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def point_webhooks_at(self, url: str) -> None:
        (self.data_dir / "webhook-url").write_text(url)

    def create_ticket(self, title: str, description: str, email: str, assigned_to: int | None = None) -> dict:
        body = {
            "queue": self.ids["queue:housing"],
            "title": title,
            "description": description,
            "submitter_email": email,
            "priority": 3,
        }
        if assigned_to is not None:
            body["assigned_to"] = assigned_to
        response = requests.post(self.api + "tickets/", json=body, auth=self.auth, timeout=10)
        response.raise_for_status()
        return response.json()

    def customer_reply(self, ticket_id: int, email: str, text: str) -> int:
        return json.loads(self.manage("cg_customer_reply", str(ticket_id), email, text))["followup"]

    def ticket(self, ticket_id: int) -> dict:
        response = requests.get(f"{self.api}tickets/{ticket_id}/", auth=self.auth, timeout=10)
        response.raise_for_status()
        return response.json()

    def tickets(self) -> list[dict]:
        response = requests.get(self.api + "tickets/", params={"page_size": 1000}, auth=self.auth, timeout=10)
        response.raise_for_status()
        return response.json()["results"]

    def email_in(self, sender: str, subject: str, body: str) -> dict:
        """A customer's e-mail to the housing queue, imported by django-helpdesk's own `get_email`."""
        before = {t["id"] for t in self.tickets()}
        name = f"{time.monotonic_ns()}.eml"
        (self.data_dir / "maildrop" / name).write_text(
            f"From: {sender}\nTo: housing@council.example\nSubject: {subject}\n"
            f"Message-ID: <{name}@mail.example>\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
        )
        self.manage("get_email", "--quiet")
        (created,) = [t for t in self.tickets() if t["id"] not in before]
        return created

    def submit_public_form(self, title: str, body: str, email_address: str) -> dict:
        """The public 'submit a ticket' web form, as an anonymous customer fills it in."""
        before = {t["id"] for t in self.tickets()}
        web = requests.Session()
        url = f"http://127.0.0.1:{self.port}/helpdesk/tickets/submit/"
        web.get(url, timeout=10).raise_for_status()
        answer = web.post(
            url,
            timeout=10,
            allow_redirects=False,
            data={
                "csrfmiddlewaretoken": web.cookies["csrftoken"],
                "queue": self.ids["queue:housing"],
                "title": title,
                "body": body,
                "priority": 3,
                "submitter_email": email_address,
            },
        )
        assert answer.status_code == 302, answer.text[-2000:]
        (created,) = [t for t in self.tickets() if t["id"] not in before]
        return created

    def mail_to(self, address: str) -> list:
        """Every e-mail the helpdesk has sent to `address` (the file backend writes them to DATA_DIR/mail)."""
        found = []
        for path in sorted((self.data_dir / "mail").glob("*")):
            for chunk in re.split(rb"(?m)^-{79}\n", path.read_bytes()):
                if chunk.strip():
                    message = email.message_from_bytes(chunk, policy=email.policy.default)
                    if address in (message["To"] or ""):
                        found.append(message)
        return found

    def acknowledgements(self, on: bool) -> None:
        """The guide's switch: delete the `newticket_submitter` e-mail templates (or load them back)."""
        if on:
            self.manage("loaddata", "emailtemplate", "--verbosity", "0")
        else:
            self.manage(
                "shell",
                "-c",
                "from helpdesk.models import EmailTemplate; "
                "EmailTemplate.objects.filter(template_name__iexact='newticket_submitter').delete()",
            )


@pytest.fixture(scope="session")
def helpdesk(tmp_path_factory):
    """One django-helpdesk for the whole run."""
    helpdesk = Helpdesk(ensure_venv(), tmp_path_factory.mktemp("django-helpdesk"))
    helpdesk.bootstrap()
    helpdesk.start()
    yield helpdesk
    helpdesk.stop()


@pytest.fixture
def contactguard_url(app):
    """contactguard's app (this test's database) really serving HTTP on loopback."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def wired(helpdesk, contactguard_url, cast, sessions):
    """Officers mapped to helpdesk users, a django_helpdesk connection, the helpdesk's webhooks pointed at it."""
    with cast.act() as ctx:
        reg.update_officer(
            ctx,
            "officer@council.example",
            {"helpdesk_ids": [{"connection": "", "agent_id": str(helpdesk.ids["alice"])}]},
        )
        reg.update_officer(
            ctx, "senior2@council.example", {"helpdesk_ids": [{"connection": "", "agent_id": str(helpdesk.ids["bob"])}]}
        )
        connection = conns.add(
            ctx,
            "django_helpdesk",
            "Housing helpdesk",
            {
                "base_url": helpdesk.api,
                "info_rights_queue": helpdesk.ids["queue:info-rights"],
                "allow_private_network": True,
            },  # django-helpdesk runs on 127.0.0.1
            {"username": "cgadmin", "password": "cgadmin-pass"},
        )  # tested before saving
        path = conns.webhook_path(ctx.settings, connection)
    helpdesk.point_webhooks_at(f"{contactguard_url}{path}")
    yield connection.id
    helpdesk.point_webhooks_at("")


@pytest.fixture(scope="session")
def request_tracker(tmp_path_factory):
    """One Request Tracker 5 for the whole run (tests/e2e/rtsite/harness.py), stopped at the end."""
    from tests.e2e.rtsite.harness import RequestTracker, missing

    if missing():
        pytest.fail(missing())
    rt = RequestTracker(tmp_path_factory.mktemp("request-tracker"))
    try:
        rt.setup()
        rt.start()
        yield rt
    finally:
        rt.stop()


@pytest.fixture
def rt_wired(request_tracker, contactguard_url, cast):
    """Officers mapped to RT users (Olly is alice, Pat is bob), a request_tracker connection (checked before it is
    saved), and the scrip's deliveries passed on to this test's contactguard."""
    from tests.e2e.rtsite.harness import SHARED_SECRET

    with cast.act() as ctx:
        reg.update_officer(ctx, "officer@council.example", {"helpdesk_ids": [{"connection": "", "agent_id": "alice"}]})
        reg.update_officer(ctx, "senior2@council.example", {"helpdesk_ids": [{"connection": "", "agent_id": "bob"}]})
        connection = conns.add(
            ctx,
            "request_tracker",
            "Housing RT",
            {
                "base_url": request_tracker.url,
                "info_rights_queue": "Information rights",
                "allow_private_network": True,  # RT runs on 127.0.0.1
            },
            {"api_token": request_tracker.tokens["contactguard"], "shared_secret": SHARED_SECRET},
        )
        path = conns.webhook_path(ctx.settings, connection)
    request_tracker.forwarder.target = f"{contactguard_url}{path}"
    yield connection.id
    request_tracker.forwarder.target = None
