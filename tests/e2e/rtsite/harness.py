"""A real Request Tracker 5 (Debian's request-tracker5, installed by scripts/install-request-tracker.sh) for the tests.

Each run makes its own RT in a temporary folder: a site config of its own (RT_SITE_CONFIG and RT_SITE_CONFIG_DIR,
so nothing under /etc/request-tracker5 is read), a fresh SQLite database (`rt-setup-database-5 --action init`),
contactguard's custom fields, user, rights and scrip loaded as the guide says (adapters/request_tracker/scrip/
initialdata), the council's queues and agents (testdata), and RT's own standalone server on a free port, run as
whoever runs the tests. RT's outgoing mail goes to a sendmail stand-in that keeps each message as a file.

The scrip posts to one fixed address, the council's proxy (Forwarder), which passes each delivery on to the
contactguard of the test being run (each test has its own database, connection and webhook URL).
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
SCRIP = ROOT / "adapters" / "request_tracker" / "scrip" / "initialdata"
RT_SERVER = Path("/usr/share/request-tracker5/libexec/rt-server")
SETUP = "rt-setup-database-5"
MAILGATE = "rt-mailgate-5"
SHARED_SECRET = "rt-e2e-shared-secret-0123456789"
USERS = ("contactguard", "alice", "bob", "carol")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing() -> str | None:
    """Why RT cannot run here (None when it can)."""
    if not RT_SERVER.exists() or shutil.which(SETUP) is None or shutil.which(MAILGATE) is None:
        return "Request Tracker 5 is missing: run scripts/install-request-tracker.sh as root (`make test` does)"
    return None


class Forwarder:
    """The council's proxy in front of contactguard: RT's scrip posts here; each test points it at its own
    contactguard (`target`), or at nothing (contactguard down). It keeps what it passed on."""

    def __init__(self):
        self.target: str | None = None
        self.delivered: list[dict] = []  # the scrip's bodies, with contactguard's status
        forwarder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = forwarder.forward(body, self.headers)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/contactguard"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def forward(self, body: bytes, headers) -> tuple[int, bytes]:
        if self.target is None:
            status, answer = 503, b'{"message": "contactguard is down"}'
        else:
            try:
                reply = requests.post(
                    self.target,
                    data=body,
                    timeout=10,
                    headers={k: headers[k] for k in ("Content-Type", "X-Contactguard-Secret") if headers.get(k)},
                )
                status, answer = reply.status_code, reply.content
            except requests.RequestException as exc:
                status, answer = 502, json.dumps({"message": type(exc).__name__}).encode()
        self.delivered.append({**json.loads(body), "_status": status})
        return status, answer

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()


class RequestTracker:
    """The running RT: its REST2 API as each of its users, its mail gateway and its outgoing mail."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.api = self.url + "REST/2.0/"
        self.mail_dir = folder / "mail"
        self.log = folder / "rt-server.log"
        self.forwarder = Forwarder()
        self.process: subprocess.Popen | None = None
        self.tokens: dict[str, str] = {}
        self.env = {
            **os.environ,
            "RT_SITE_CONFIG": str(folder / "RT_SiteConfig.pm"),
            "RT_SITE_CONFIG_DIR": str(folder / "RT_SiteConfig.d"),  # empty: /etc's snippets are not read
        }
        self.timings: dict[str, float] = {}

    # Making the instance.

    def setup(self) -> None:
        """A fresh database with RT's own data, then contactguard's, then the council's; auth tokens."""
        for folder in ("RT_SiteConfig.d", "var/mason_data", "var/session_data", "mail"):
            (self.folder / folder).mkdir(parents=True, exist_ok=True)
        (self.folder / "RT_SiteConfig.pm").write_text(self._site_config())
        sendmail = self.folder / "sendmail"
        sendmail.write_text(f'#!/bin/sh\ncat > "{self.mail_dir}/$(date +%s%N)-$$.eml"\n')
        sendmail.chmod(0o755)
        (self.folder / "root-password").write_text("root-password-for-tests\n")
        started = time.monotonic()
        self._setup_database("--action", "init", "--root-password-file", str(self.folder / "root-password"))
        self._setup_database("--action", "insert", "--datafile", str(SCRIP))  # the guide's command
        self._setup_database("--action", "insert", "--datafile", str(HERE / "testdata"))
        self.tokens = json.loads(self._run(["perl", str(HERE / "tokens.pl"), *USERS]))
        self.timings["setup"] = time.monotonic() - started

    def _site_config(self) -> str:
        folder = self.folder
        return f"""# The test RT (tests/e2e/rtsite/harness.py)
Set($rtname, 'rt.test.local');
Set($Organization, 'rt.test.local');
Set($CorrespondAddress, 'rt@rt.test.local');
Set($CommentAddress, 'rt-comment@rt.test.local');
Set($Timezone, 'UTC');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{folder}/rt.sqlite');
Set($WebPath, '');
Set($WebDomain, '127.0.0.1');
Set($WebPort, {self.port});
Set($WebBaseURL, 'http://127.0.0.1:{self.port}');
Set($LogToSyslog, undef);
Set($LogToFile, undef);
Set($LogToSTDERR, 'info');
Set($MailCommand, 'sendmailpipe');
Set($SendmailPath, '{folder}/sendmail');
# Auth tokens are bcrypt hashes, checked on every REST2 call: RT's default cost (12) takes about 0.2 s a call on
# a small machine, cost 4 about 1 ms. Only these throw-away tokens are hashed with it.
Set($BcryptCost, 4);
# contactguard's scrip (docs/adapters/request_tracker.md, step 4)
Set($ContactguardWebhookURL, '{self.forwarder.url}');
Set($ContactguardWebhookSecret, '{SHARED_SECRET}');
# Writable paths of this instance (Debian's are under /var and belong to www-data).
$RT::VarPath = '{folder}/var';
$RT::MasonDataDir = '{folder}/var/mason_data';
$RT::MasonSessionDir = '{folder}/var/session_data';
1;
"""

    def _run(self, command: list[str], stdin: bytes | None = None) -> str:
        done = subprocess.run(
            command, cwd=self.folder, env=self.env, input=stdin or b"", capture_output=True, timeout=180
        )
        output = (done.stdout + done.stderr).decode(errors="replace")
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:3])} failed ({done.returncode}):\n{output[-3000:]}")
        return done.stdout.decode()

    def _setup_database(self, *args: str) -> None:
        """rt-setup-database says "Done." and exits 0 even when an item failed: its log is read for [error]."""
        done = subprocess.run(
            [SETUP, *args], cwd=self.folder, env=self.env, stdin=subprocess.DEVNULL, capture_output=True, timeout=180
        )
        output = (done.stdout + done.stderr).decode(errors="replace")
        if done.returncode != 0 or "[error]" in output or "[critical]" in output:
            raise RuntimeError(f"{SETUP} {' '.join(args[:2])} failed:\n{output[-3000:]}")

    def start(self) -> None:
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(RT_SERVER), "--server", "Standalone", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=self.folder,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if requests.get(self.url, timeout=5).status_code == 200:
                    self.timings["start"] = time.monotonic() - started
                    (self.folder / "timings.json").write_text(json.dumps(self.timings))
                    return
            except requests.ConnectionError:
                time.sleep(0.1)  # waiting for a server to listen, not for an outcome
        raise RuntimeError(f"RT did not start on port {self.port}:\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
            self.process = None
        self.forwarder.close()

    # What an RT user sees and does.

    def rest(self, method: str, path: str, user: str = "alice", **kwargs):
        """One REST2 call as `user` (its auth token); the JSON answer."""
        response = requests.request(
            method, self.api + path, headers={"Authorization": f"token {self.tokens[user]}"}, timeout=30, **kwargs
        )
        response.raise_for_status()
        return response.json()

    def ticket(self, ticket_id, user: str = "alice") -> dict:
        return self.rest("GET", f"ticket/{int(ticket_id)}", user)

    def field(self, ticket: dict, name: str) -> list[str]:
        """A custom field's values as the ticket shows them (an emptied field shows none)."""
        (cf,) = [cf for cf in ticket["CustomFields"] if cf["name"] == name]
        return [v for v in cf["values"] if v]

    def queue_id(self, name: str) -> str:
        return str(self.rest("GET", f"queue/{quote(name, safe='')}")["id"])

    def history(self, ticket_id) -> list[dict]:
        """The ticket's transactions, oldest first: id, Type and the author's user name."""
        found = self.rest("GET", f"ticket/{int(ticket_id)}/history?fields=Type,Creator&per_page=100")["items"]
        return [{"id": t["id"], "Type": t["Type"], "author": t["Creator"]["id"]} for t in found]

    def text(self, transaction_id) -> str:
        """What a comment or a reply says (its text/plain parts)."""
        parts = self.rest("GET", f"transaction/{int(transaction_id)}/attachments?fields=Content,ContentType")["items"]
        return "".join(p.get("Content") or "" for p in parts if p["ContentType"] == "text/plain")

    def create_ticket(self, user: str, subject: str, text: str, requestor: str, owner: str | None = None) -> int:
        """An agent records a contact (a phone call, a visit) through REST2."""
        body = {"Queue": "Housing", "Subject": subject, "Content": text, "ContentType": "text/plain"}
        body["Requestor"] = requestor
        if owner:
            body["Owner"] = owner
        return int(self.rest("POST", "ticket", user, json=body)["id"])

    def mail_in(self, sender: str, subject: str, text: str) -> int:
        """A customer's new e-mail to the housing queue; the ticket RT made of it (the newest with that subject).

        rt-mailgate exits 0 even when RT refused the message, so a missing ticket is reported with RT's log."""
        self._mailgate(sender, subject, text)
        query = quote(f"Subject = '{subject}'")
        found = [int(t["id"]) for t in self.rest("GET", f"tickets?query={query}&per_page=100")["items"]]
        if not found:
            raise RuntimeError(f"RT made no ticket of the e-mail:\n{self.log.read_text(errors='replace')[-3000:]}")
        return max(found)

    def mail_reply(self, sender: str, ticket_id: int, text: str) -> None:
        """The customer answers RT's e-mail: the subject's [rt.test.local #N] tag files it on ticket N."""
        self._mailgate(sender, f"Re: [rt.test.local #{int(ticket_id)}] Your ticket", text)

    def _mailgate(self, sender: str, subject: str, text: str) -> None:
        """The MTA's alias for the housing queue runs rt-mailgate with the message on its input."""
        name = f"{time.monotonic_ns()}@mail.example"
        message = (
            f"From: {sender}\nTo: housing@rt.test.local\nSubject: {subject}\nMessage-ID: <{name}>\n"
            f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{text}\n"
        )
        self._run(
            [MAILGATE, "--action", "correspond", "--queue", "Housing", "--url", self.url], message.encode("utf-8")
        )

    def mails(self) -> list[email.message.EmailMessage]:
        """Every message RT has sent, oldest first."""
        found = []
        for path in sorted(self.mail_dir.glob("*.eml")):
            found.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
        return found

    def mails_to(self, address: str) -> list[email.message.EmailMessage]:
        """The messages RT sent to `address` (To, Cc or Bcc: RT's sendmail is called with -t)."""
        return [m for m in self.mails() if any(address in str(m.get(h) or "") for h in ("To", "Cc", "Bcc"))]
