"""The recording helpdesk: the generic adapter's callback target, keeping tickets as an agent would see them.

Each signed callback (`{"ticket_id": ..., "action": {...}}` with an Idempotency-Key header) is applied to an
in-memory ticket the way adapters/base.py's ACTION_KINDS describe each kind: the flag field, the tags, the
assignee (an assignment with `only_from` moves only a ticket still open with that agent), internal notes
(a note whose marker is already on the ticket is not posted again), the queue, the status and the priority;
`create_task` opens an internal ticket. Every call is recorded with its key, so the simulation's invariants
read what was applied, how often and in which order. A few calls are answered 503 without being applied
(`failure_rate`), the same keys on every run, so the outbox's retries and its per-ticket order are exercised.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = "/actions"


@dataclass
class Ticket:
    """One helpdesk ticket: what the agent sees on it."""

    id: str
    customer: int | None  # the simulation's index of the requester on the register; None when not on it
    channel: str
    open: bool = True
    flag: str = ""
    tags: set[str] = field(default_factory=set)
    assignee: str | None = None
    queue: str | int | None = None
    status: str = "open"
    priority: str = "normal"
    notes: list[str] = field(default_factory=list)
    task: bool = False
    title: str = ""


@dataclass(frozen=True)
class Call:
    """One callback as received: the ticket, the action's kind, its idempotency key and what was answered."""

    seq: int
    ticket_id: str | None
    kind: str
    key: str
    status: int


class RecordingHelpdesk:
    """Tickets and the call log behind one lock, served on a loopback port from a thread."""

    def __init__(self, secret: str, failure_rate: float = 0.0):
        self.secret = secret
        self.failure_rate = failure_rate
        self.lock = threading.Lock()
        self.tickets: dict[str, Ticket] = {}
        self.calls: list[Call] = []
        self.applied = Counter[str]()  # idempotency key -> times applied
        self.applied_order: dict[str, list[str]] = {}  # ticket -> keys applied, in arrival order
        self.attempts = Counter[str]()
        self.failures_injected = 0
        self.next_task = 1
        self.server = _Server(self)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{PATH}"
        self.thread: threading.Thread | None = None

    def start(self) -> RecordingHelpdesk:
        self.thread = threading.Thread(target=self.server.serve_forever, name="recording-helpdesk", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # What the helpdesk itself does (the simulation plays its users) -----------------------------------

    def open_ticket(self, ticket_id: str, customer: int | None, channel: str, assignee: str | None) -> None:
        """A new ticket, created by the helpdesk when the contact arrives (before its webhook is sent)."""
        with self.lock:
            self.tickets[ticket_id] = Ticket(ticket_id, customer, channel, assignee=assignee)

    def close_ticket(self, ticket_id: str) -> None:
        """An agent closed the ticket (contactguard is not told)."""
        with self.lock:
            ticket = self.tickets[ticket_id]
            ticket.open, ticket.status = False, "closed"

    def assignee_of(self, ticket_id: str) -> str | None:
        with self.lock:
            return self.tickets[ticket_id].assignee

    def tamper_clear_flag(self, ticket_id: str) -> None:
        """Someone empties the flag field by hand, behind contactguard's back (the invariants must notice)."""
        with self.lock:
            self.tickets[ticket_id].flag = ""

    def open_tickets(self) -> list[Ticket]:
        """Copies of the open tickets that are not internal tasks."""
        with self.lock:
            return [_copy(t) for t in self.tickets.values() if t.open and not t.task]

    def tasks(self) -> list[Ticket]:
        with self.lock:
            return [_copy(t) for t in self.tickets.values() if t.task]

    # The callbacks ------------------------------------------------------------------------------------

    def receive(self, raw: bytes, signature: str, key: str) -> int:
        """Verify, then apply one callback; the HTTP status to answer."""
        expected = hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature.removeprefix("sha256="), expected):
            return 401
        body = json.loads(raw)
        if body.get("ping"):
            return 200
        ticket_id, action = body.get("ticket_id"), body["action"]
        ticket_id = None if ticket_id is None else str(ticket_id)
        with self.lock:
            self.attempts[key] += 1
            if self._fails(key):
                self.failures_injected += 1
                return self._log(ticket_id, action["kind"], key, 503)
            status = self._apply(ticket_id, action)
            if status == 200:
                self.applied[key] += 1
                self.applied_order.setdefault(ticket_id or f"task:{key}", []).append(key)
            return self._log(ticket_id, action["kind"], key, status)

    def _fails(self, key: str) -> bool:
        """A 503 for about `failure_rate` of first attempts, chosen by the key so every run fails the same ones."""
        if self.failure_rate <= 0 or self.attempts[key] > 1:
            return False
        digest = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
        return digest / 0xFFFFFFFF < self.failure_rate

    def _log(self, ticket_id: str | None, kind: str, key: str, status: int) -> int:
        self.calls.append(Call(len(self.calls), ticket_id, kind, key, status))
        return status

    def _apply(self, ticket_id: str | None, action: dict) -> int:
        kind = action["kind"]
        if kind == "create_task":
            task_id = f"task-{self.next_task}"
            self.next_task += 1
            self.tickets[task_id] = Ticket(
                task_id,
                None,
                "internal",
                assignee=action.get("agent_id"),
                queue=action.get("queue"),
                task=True,
                title=action.get("title", ""),
                notes=[action.get("text", "")],
            )
            return 200
        ticket = self.tickets.get(ticket_id or "")
        if ticket is None:
            return 404
        handler = _HANDLERS.get(kind)
        if handler is None:
            return 422  # a kind this helpdesk does not know: contactguard dead-letters it, the invariants say so
        handler(ticket, action)
        return 200


def _set_flag(ticket: Ticket, action: dict) -> None:
    ticket.flag = action["value"]


def _clear_flag(ticket: Ticket, action: dict) -> None:
    ticket.flag = ""


def _add_tags(ticket: Ticket, action: dict) -> None:
    ticket.tags |= set(action["tags"])


def _remove_tags(ticket: Ticket, action: dict) -> None:
    ticket.tags -= set(action["tags"])


def _add_note(ticket: Ticket, action: dict) -> None:
    marker = action.get("marker")
    if marker and any(marker in note for note in ticket.notes):
        return  # posted already: the marker says so
    ticket.notes.append(action["text"])


def _assign(ticket: Ticket, action: dict) -> None:
    only_from = action.get("only_from")
    if only_from is not None and not (ticket.open and ticket.assignee == str(only_from)):
        return  # someone else took the ticket, or it was closed
    ticket.assignee = str(action["agent_id"])


def _move_queue(ticket: Ticket, action: dict) -> None:
    ticket.queue = action["queue"]


def _set_status(ticket: Ticket, action: dict) -> None:
    ticket.status = action["status"]


def _set_priority(ticket: Ticket, action: dict) -> None:
    ticket.priority = action.get("priority") or "urgent"


_HANDLERS = {
    "set_flag": _set_flag,
    "clear_flag": _clear_flag,
    "add_tags": _add_tags,
    "remove_tags": _remove_tags,
    "add_note": _add_note,
    "assign": _assign,
    "move_queue": _move_queue,
    "set_status": _set_status,
    "set_priority": _set_priority,
}


def _copy(ticket: Ticket) -> Ticket:
    return Ticket(
        ticket.id,
        ticket.customer,
        ticket.channel,
        ticket.open,
        ticket.flag,
        set(ticket.tags),
        ticket.assignee,
        ticket.queue,
        ticket.status,
        ticket.priority,
        list(ticket.notes),
        ticket.task,
        ticket.title,
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, helpdesk: RecordingHelpdesk):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.helpdesk = helpdesk

    def handle_error(self, request, client_address):  # a worker's kept-alive connection dropped: nothing to say
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as helpdesk APIs answer
    disable_nagle_algorithm = True  # headers and body go as written: no 40 ms wait for a delayed ACK
    server: _Server

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status = self.server.helpdesk.receive(
            raw, self.headers.get("X-Signature-SHA256", ""), self.headers.get("Idempotency-Key", "")
        )
        body = b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass
