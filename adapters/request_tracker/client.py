"""Outbound calls to Request Tracker 5's REST2 API: custom fields for the flag and tags, private comments, owner,
queue and priority, review tickets; and reading transactions back for a rescan.

REST2 answers a ticket update (PUT /ticket/{id}) with 200 and a list of RT's messages whether or not each change
was made: an owner who may not own tickets in the queue, a queue that does not exist or a custom field it cannot
find (that one without any message) all come back as 200 (RT::REST2::Resource::Record::Writable::update_record:
"Figure out how to return success/failure?"). So each write is read back and checked, and a change RT did not
make is a permanent failure naming what to fix.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from ..base import TICKET_ACTIONS, ActionClient, ActionKind, Holder, InboundEvent, strip_html
from ..errors import ConnectionCheckFailed, PermanentFailure
from ..http import check_connection, make_session, send
from ..ratelimit import bucket_for
from . import schemas
from .events import Transaction, owner_of, parse_date, to_event

PAGE_SIZE = 100  # REST2's largest page


class RequestTrackerClient(ActionClient):
    """Applies contactguard's actions to one Request Tracker through REST2, as contactguard's RT user."""

    label = "Request Tracker"
    actions = TICKET_ACTIONS - {ActionKind.SET_STATUS}

    def __init__(self, settings: dict, secrets: dict):
        self.settings = settings
        self.api = settings["base_url"].rstrip("/") + "/REST/2.0/"
        self.session = make_session(headers={"Authorization": f"token {secrets['api_token']}"}, settings=settings)
        # RT sets no limits of its own; each call checks the token (bcrypt), so be gentle with a small server.
        self.bucket = bucket_for(
            f"request_tracker:{self.api}", rate=settings.get("rate_limit_per_minute", 600) / 60, burst=20
        )
        self._queue_ids: dict[str, str] = {}

    # Reading and writing tickets.

    def _call(self, method: str, path: str, **kwargs):
        return send(self.session, method, self.api + path, bucket=self.bucket, **kwargs)

    def _ticket(self, ticket_id: str) -> dict:
        return self._call("GET", f"ticket/{int(ticket_id)}").json()

    def _put(self, ticket_id: str, fields: dict) -> list:
        """One ticket update; RT's messages (they say what changed, and also what did not)."""
        answer = self._call("PUT", f"ticket/{int(ticket_id)}", json=fields).json()
        return answer if isinstance(answer, list) else []

    def _values(self, ticket: dict, field: str) -> list[str]:
        """A custom field's values on the ticket (RT shows a cleared one as null or ""); PermanentFailure when the
        field does not apply to the ticket's queue or contactguard's RT user may not see it."""
        for cf in ticket.get("CustomFields") or []:
            if (cf.get("name") or "").casefold() == field.casefold():
                return [str(v) for v in cf.get("values") or [] if v not in (None, "")]
        raise PermanentFailure(
            f"ticket {ticket.get('id')} has no custom field named {field!r}: apply it to the ticket's queue and "
            f"grant the RT user {self.settings.get('rt_user', 'contactguard')!r} SeeCustomField and ModifyCustomField"
        )

    def _set_values(self, ticket_id: str, field: str, values: list[str] | str | None) -> None:
        """Write a custom field (a list for the multiple-value tags field, None to empty the flag), then check."""
        self._put(ticket_id, {"CustomFields": {field: values}})
        written = self._values(self._ticket(ticket_id), field)
        wanted = [] if values is None else [values] if isinstance(values, str) else list(values)
        if sorted(written) != sorted(wanted):
            raise PermanentFailure(
                f"RT did not write the custom field {field!r} on ticket {int(ticket_id)}: may the RT user "
                f"{self.settings.get('rt_user', 'contactguard')!r} modify it (ModifyCustomField)?"
            )

    def _set_field(self, ticket_id: str, name: str, value, read) -> None:
        """Set Owner, Queue or Priority, then read the ticket back: RT answers 200 even when it refused."""
        messages = self._put(ticket_id, {name: value})
        if not read(self._ticket(ticket_id)):
            said = "; ".join(str(m) for m in messages)[:300] or "nothing"
            raise PermanentFailure(f"RT did not set {name} on ticket {int(ticket_id)}; it said: {said}")

    @property
    def _flag_field(self) -> str:
        return self.settings.get("restriction_field") or "Contact restriction"

    @property
    def _tags_field(self) -> str:
        return self.settings.get("tags_field") or "contactguard tags"

    # The actions.

    def _do_set_flag(self, ticket_id: str, action: dict) -> None:
        self._set_values(ticket_id, self._flag_field, action["value"])

    def _do_clear_flag(self, ticket_id: str, action: dict) -> None:
        """Empty the flag field; nothing to do when it is empty (REST2 then stores an empty value instead)."""
        if self._values(self._ticket(ticket_id), self._flag_field):
            self._set_values(ticket_id, self._flag_field, None)

    def _do_add_tags(self, ticket_id: str, action: dict) -> None:
        """Add ours to the multiple-value tags field; a list sets exactly those values, so read, merge, write."""
        tags = self._values(self._ticket(ticket_id), self._tags_field)
        merged = tags + [t for t in action["tags"] if t not in tags]
        if merged != tags:
            self._set_values(ticket_id, self._tags_field, merged)

    def _do_remove_tags(self, ticket_id: str, action: dict) -> None:
        """Take only these tags off; [] empties the field."""
        tags = self._values(self._ticket(ticket_id), self._tags_field)
        kept = [t for t in tags if t not in action["tags"]]
        if kept != tags:
            self._set_values(ticket_id, self._tags_field, kept)

    def _do_add_note(self, ticket_id: str, action: dict) -> None:
        """A comment (never correspondence: RT mails correspondence to the requestors), skipped if a retry already
        posted it: the ticket's attachments are searched for the note's marker."""
        marker = action["marker"]
        found = self._call(
            "POST",
            f"ticket/{int(ticket_id)}/attachments?fields=Content",
            json=[{"field": "Content", "operator": "LIKE", "value": marker}],
        ).json()
        if any(marker in (item.get("Content") or "") for item in found.get("items") or []):
            return
        self._call(
            "POST", f"ticket/{int(ticket_id)}/comment", json={"Content": action["text"], "ContentType": "text/plain"}
        )

    def holder(self, ticket_id: str) -> Holder:
        """The ticket's Owner (a user name; Nobody is nobody), open unless its status is one of inactive_statuses."""
        ticket = self._ticket(ticket_id)
        inactive = {s.casefold() for s in self.settings.get("inactive_statuses") or schemas.DEFAULT_INACTIVE_STATUSES}
        return Holder(owner_of(_id(ticket.get("Owner"))), str(ticket.get("Status") or "").casefold() not in inactive)

    def _do_assign(self, ticket_id: str, action: dict) -> None:
        """Owner by RT user name; RT needs ReassignTicket to take a ticket from someone else."""
        agent = str(action["agent_id"])
        self._set_field(ticket_id, "Owner", agent, lambda t: (_id(t.get("Owner")) or "").casefold() == agent.casefold())

    def _do_set_priority(self, ticket_id: str, action: dict) -> None:
        """Raise the priority to escalation_priority (RT 5 shows 100 as High); never lower a higher one."""
        wanted = int(self.settings.get("escalation_priority", 100))
        if _number(self._ticket(ticket_id).get("Priority")) >= wanted:
            return
        self._set_field(ticket_id, "Priority", wanted, lambda t: _number(t.get("Priority")) >= wanted)

    def _do_move_queue(self, ticket_id: str, action: dict) -> None:
        """The queue by name or id; the ticket shows its queue by id, so a name is looked up to check the move."""
        queue = str(action["queue"])
        self._set_field(ticket_id, "Queue", queue, lambda t: _id(t.get("Queue")) == self._queue_id(queue))

    def _queue_id(self, queue: str) -> str:
        if queue.isdigit():
            return queue
        if queue not in self._queue_ids:
            self._queue_ids[queue] = str(self._call("GET", f"queue/{quote(queue, safe='')}").json()["id"])
        return self._queue_ids[queue]

    def _do_create_task(self, ticket_id: str | None, action: dict) -> None:
        """A review reminder: one ticket in the review queue, made in one call (a retry after a failure makes no
        half-made ticket), with no requestor, so RT mails its text to nobody outside; the officer's RT user owns it.

        RT makes the ticket, with Nobody as owner, when the owner cannot be set: that is read back and reported."""
        body = {"Queue": str(action["queue"]), "Subject": action["title"], "Content": action["text"]}
        body["ContentType"] = "text/plain"
        agent = action.get("agent_id")
        if agent:
            body["Owner"] = str(agent)
        created = str(self._call("POST", "ticket", json=body).json()["id"])
        if agent and (_id(self._ticket(created).get("Owner")) or "").casefold() != str(agent).casefold():
            # Dead-lettered, not retried: a retry would make a second ticket.
            raise PermanentFailure(
                f"review ticket {created} was made in queue {action['queue']!r}, but RT did not make {agent!r} its "
                "owner (does that user have OwnTicket there?): assign it by hand; retrying makes another ticket"
            )

    # Reading back what the scrip would have posted (connections rescan).

    def events_since(self, since: dt.datetime) -> list[InboundEvent]:
        """Every ticket creation and correspondence since `since`, as the scrip would have posted it."""
        reader = _Reader(self)
        return [to_event(reader.transaction(item), self.settings) for item in self._transactions_since(since)]

    def _transactions_since(self, since: dt.datetime) -> list[dict]:
        """Create and Correspond transactions on tickets at or after `since` (RT keeps times in UTC), oldest first."""
        when = since.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        query = [
            {"field": "ObjectType", "value": "RT::Ticket"},
            {"field": "Type", "value": "Create"},
            {"field": "Type", "value": "Correspond", "entry_aggregator": "OR"},
            {"field": "Created", "operator": ">=", "value": when},
        ]
        found: list[dict] = []
        page = 1
        while True:
            path = f"transactions?fields=Type,Created,Creator,ObjectId&orderby=id&per_page={PAGE_SIZE}&page={page}"
            items = self._call("POST", path, json=query).json().get("items") or []
            found.extend(items)
            if len(items) < PAGE_SIZE:
                return found
            page += 1

    def test_connection(self) -> None:
        """One call with the token: it must find the two custom fields (failures as field-keyed codes)."""
        names = (self._flag_field, self._tags_field)
        response = check_connection(
            lambda: self.session.post(
                self.api + "customfields",
                json=[
                    {"field": "LookupType", "value": "RT::Queue-RT::Ticket"},
                    {"field": "Name", "value": names[0]},
                    {"field": "Name", "value": names[1], "entry_aggregator": "OR"},
                ],
            ),
            label="Request Tracker",
            where="base_url",
            credentials="api_token",
        )
        if int(response.json().get("count") or 0) < len(names):
            raise ConnectionCheckFailed(
                "missing_custom_field",
                f"RT has no ticket custom fields named {names[0]!r} and {names[1]!r} that this user can see "
                "(load adapters/request_tracker/scrip/initialdata)",
                "restriction_field",
            )


class _Reader:
    """Reads what a rescan needs about transactions, once per ticket, queue and user."""

    def __init__(self, client: RequestTrackerClient):
        self.client = client
        self.tickets: dict[int, dict] = {}
        self.queues: dict[str, str] = {}
        self.users: dict[str, dict] = {}

    def transaction(self, item: dict) -> Transaction:
        """One transaction of the search, with its ticket, author and message."""
        ticket_id = int(item["ObjectId"])
        ticket = self.ticket(ticket_id)
        actor = self.user(_id(item.get("Creator")) or "")
        attachments = self.client._call(
            "GET", f"transaction/{int(item['id'])}/attachments?fields=Content,ContentType,Headers"
        ).json()
        content, interface = _message(attachments.get("items") or [])
        return Transaction(
            id=int(item["id"]),
            type=str(item["Type"]),
            ticket_id=ticket_id,
            subject=ticket.get("Subject") or "",
            queue=self.queue(_id(ticket.get("Queue"))),
            owner=_id(ticket.get("Owner")),
            requestors=tuple(
                email
                for email in (self.user(_id(r) or "").get("EmailAddress") for r in ticket.get("Requestor") or [])
                if email
            ),
            actor_name=actor.get("Name"),
            actor_email=actor.get("EmailAddress") or None,
            actor_privileged=bool(_number(actor.get("Privileged"))),
            interface=interface,
            content=content,
            created=parse_date(item.get("Created")),
        )

    def ticket(self, ticket_id: int) -> dict:
        if ticket_id not in self.tickets:
            self.tickets[ticket_id] = self.client._ticket(str(ticket_id))
        return self.tickets[ticket_id]

    def queue(self, queue_id: str | None) -> str | None:
        if not queue_id:
            return None
        if queue_id not in self.queues:
            self.queues[queue_id] = self.client._call("GET", f"queue/{quote(queue_id, safe='')}").json().get("Name")
        return self.queues[queue_id]

    def user(self, name: str) -> dict:
        if not name:
            return {}
        if name not in self.users:
            self.users[name] = self.client._call("GET", f"user/{quote(name, safe='')}").json()
        return self.users[name]


def _id(value) -> str | None:
    """REST2 shows linked records as {"type", "id", "_url"}: the id (a user's name, a queue's number)."""
    if isinstance(value, dict):
        value = value.get("id")
    return None if value in (None, "") else str(value)


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _message(attachments: list[dict]) -> tuple[str, str | None]:
    """A transaction's text (its first text/plain part, else its HTML as text) and the interface RT recorded on
    the message it stored (X-RT-Interface, in the top part's headers)."""
    interface = None
    for item in attachments:
        for line in (item.get("Headers") or "").splitlines():
            name, _, value = line.partition(":")
            if name.strip().casefold() == "x-rt-interface" and interface is None:
                interface = value.strip()
    plain = [a.get("Content") for a in attachments if (a.get("ContentType") or "").startswith("text/plain")]
    html = [a.get("Content") for a in attachments if (a.get("ContentType") or "").startswith("text/html")]
    text = next((t for t in plain if t), None) or strip_html(next((t for t in html if t), "")) or ""
    return text, interface
