"""A lightweight fake of django-helpdesk's DRF API for fault runs: it records every call and can misbehave.

It answers the calls contactguard's django-helpdesk client makes (GET/PATCH tickets/<id>/, POST
followups/), keeps each ticket's state (custom fields, assignee, queue, follow-ups), and logs every
call with its answer. A control endpoint switches how it behaves:

- ``ok``: answer normally;
- ``down``: drop every connection without an answer (the client sees a connection error);
- ``slow``: wait ``delay`` seconds, then answer normally;
- ``429``: answer 429 with ``Retry-After: retry_after``;
- ``503``: answer 503 (no Retry-After).

Separately, ``limit_per_minute`` (0: none) makes it enforce an account rate limit as Zendesk documents one
(https://developer.zendesk.com/api-reference/introduction/rate-limits): a call over the limit is answered
429 Too Many Requests with ``Retry-After`` in whole seconds (at least 1). The allowance refills evenly,
limit / 60 a second, and holds at most two seconds' worth, so a client must pace itself rather than burst.

Run in-process (``FakeHelpdesk().start()``, used by tests/faults) or as a process
(``python -m benchmarks.fake_helpdesk PORT``, used by benchmarks/faults.py).
"""

from __future__ import annotations

import json
import math
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API = "/helpdesk/api/"
TICKET = re.compile(r"^/helpdesk/api/tickets/(\d+)/$")


class State:
    """Tickets, follow-ups and the call log, behind one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tickets: dict[int, dict] = {}
        self.calls: list[dict] = []
        self.mode = {"mode": "ok", "delay": 0.0, "retry_after": 1.0, "limit_per_minute": 0}
        self.next_followup = 1
        self.allowance, self.allowance_at = 0.0, time.monotonic()

    def over_limit(self) -> int | None:
        """Count one call against the rate limit: None if allowed, else the whole seconds to wait (under lock)."""
        per_second = float(self.mode["limit_per_minute"]) / 60
        if per_second <= 0:
            return None
        now = time.monotonic()
        self.allowance = min(2 * per_second, self.allowance + (now - self.allowance_at) * per_second)
        self.allowance_at = now
        if self.allowance >= 1:
            self.allowance -= 1
            return None
        return max(1, math.ceil((1 - self.allowance) / per_second))

    def ticket(self, ticket_id: int) -> dict:
        """The helpdesk already has every ticket a webhook reported: create it on first sight."""
        if ticket_id not in self.tickets:
            self.tickets[ticket_id] = {
                "id": ticket_id,
                "queue": 1,
                "assigned_to": None,
                "followup_set": [],
                "custom_contact_restriction": "",
                "custom_contactguard_tags": "",
            }
        return self.tickets[ticket_id]

    def snapshot(self) -> dict:
        with self.lock:
            return json.loads(json.dumps({"tickets": self.tickets, "calls": self.calls, "mode": self.mode}))


def make_handler(state: State):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _body(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            return json.loads(raw) if raw else {}

        def _answer(self, status: int, payload=None, headers: dict | None = None) -> None:
            data = json.dumps(payload if payload is not None else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _log(self, body, status) -> None:
            with state.lock:
                state.calls.append(
                    {"t": time.time(), "method": self.command, "path": self.path, "body": body, "status": status}
                )

        def _control(self) -> bool:
            if self.path == "/_control" and self.command == "POST":
                body = self._body()
                with state.lock:
                    state.mode.update(body)
                self._answer(200, state.mode)
                return True
            if self.path == "/_state" and self.command == "GET":
                self._answer(200, state.snapshot())
                return True
            return False

        def _handle(self) -> None:
            if self._control():
                return
            body = self._body() if self.command in ("POST", "PATCH", "PUT") else None
            with state.lock:
                mode = dict(state.mode)
                wait = state.over_limit() if mode["mode"] == "ok" else None
            if wait is not None:
                self._log(body, 429)
                self._answer(429, {"detail": "rate limited"}, {"Retry-After": str(wait)})
                return
            if mode["mode"] == "down":
                self._log(body, "dropped")
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if mode["mode"] == "429":
                self._log(body, 429)
                self._answer(429, {"detail": "throttled"}, {"Retry-After": str(mode["retry_after"])})
                return
            if mode["mode"] == "503":
                self._log(body, 503)
                self._answer(503, {"detail": "unavailable"})
                return
            if mode["mode"] == "slow":
                time.sleep(float(mode["delay"]))
            status, payload = self._apply(body)
            self._log(body, status)
            self._answer(status, payload)

        def _apply(self, body):
            match = TICKET.match(self.path.split("?")[0])
            with state.lock:
                if match and self.command == "GET":
                    return 200, state.ticket(int(match.group(1)))
                if match and self.command == "PATCH":
                    ticket = state.ticket(int(match.group(1)))
                    ticket.update({k: v for k, v in (body or {}).items() if k not in ("id", "followup_set")})
                    return 200, ticket
                if self.path.split("?")[0] == API + "followups/" and self.command == "POST":
                    ticket = state.ticket(int(body["ticket"]))
                    followup = {
                        "id": state.next_followup,
                        "ticket": ticket["id"],
                        "user": 1,
                        "comment": body.get("comment"),
                        "public": body.get("public", False),
                    }
                    state.next_followup += 1
                    ticket["followup_set"].append(followup)
                    return 201, followup
                if self.path.split("?")[0] == API + "tickets/" and self.command == "GET":
                    return 200, {"count": len(state.tickets), "results": []}
            return 404, {"detail": "not found"}

        do_GET = do_POST = do_PATCH = do_PUT = _handle

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client killed mid-call: nothing to report
        pass


class FakeHelpdesk:
    """The fake, served from a thread on a loopback port."""

    def __init__(self, port: int = 0):
        self.state = State()
        self.server = QuietServer(("127.0.0.1", port), make_handler(self.state))
        self.port = self.server.server_address[1]
        self.api = f"http://127.0.0.1:{self.port}{API}"
        self.thread = None

    def start(self) -> FakeHelpdesk:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def set_mode(self, mode: str, **options) -> None:
        with self.state.lock:
            self.state.mode.update({"mode": mode, **options})


def notes_and_writes(snapshot: dict) -> tuple[dict[str, int], dict[tuple, int]]:
    """What the helpdesk shows and how it got there.

    notes: per note marker, how many follow-ups carry it (more than one: a note posted twice);
    writes: per successful write (method, path, body), how many times it was made.
    """
    from adapters.base import NOTE_MARKER

    notes: dict[str, int] = {}
    for ticket in snapshot["tickets"].values():
        for followup in ticket["followup_set"]:
            comment = followup.get("comment") or ""
            if NOTE_MARKER in comment:
                marker = comment[comment.rindex(NOTE_MARKER) :].strip()
                notes[marker] = notes.get(marker, 0) + 1
    writes: dict[tuple, int] = {}
    for call in snapshot["calls"]:
        if call["method"] in ("PATCH", "POST") and isinstance(call["status"], int) and call["status"] < 300:
            key = (call["method"], call["path"], json.dumps(call["body"], sort_keys=True))
            writes[key] = writes.get(key, 0) + 1
    return notes, writes


def main() -> None:
    helpdesk = FakeHelpdesk(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(helpdesk.port, flush=True)
    try:
        helpdesk.server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
