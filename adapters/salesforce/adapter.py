"""Salesforce Service Cloud: Outbound Messaging on Case and EmailMessage (SOAP 1.1 `notifications()`).

Why Outbound Messaging, not a Flow HTTP callout: it is Salesforce's declarative push with a fixed, documented
envelope (the WSDL in "Understanding the Outbound Messaging WSDL"), and it is retried ("messages stay in the
queue until sent successfully, or until they're 24 hours old"), so contactguard being down loses nothing. A
callout's body is whatever an admin maps, from an asynchronous path with no such queue.

Salesforce signs nothing. What authenticates a message ("Considerations for Security"): the unguessable
webhook URL, over HTTPS, which only an admin sees in Setup (rotate it with `contactguard connections
rotate-url`); the OrganizationId every message carries, checked here against the connection's
organization_id ("In your client application, validate that messages contain your organization Id"), so a
message another org points at the URL is refused; and, where the council's TLS server can do it, Salesforce's
client certificate required in the TLS handshake (docs/adapters/salesforce.md): the handshake ends at that
server, never in this process, so it is set up there.

The body is parsed with defusedxml: no DTD (a SOAP message must not have one), so no entity of any kind.
Each accepted delivery is answered with the documented acknowledgement (`acknowledgement`), including
redeliveries and notifications of objects contactguard does not read: an unanswered message is resent for
a day.
"""

from __future__ import annotations

import datetime as dt
import logging
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..base import NOTE_MARKER, Adapter, InboundEvent, matches, strip_html
from ..errors import PayloadError, SignatureError
from . import schemas
from .client import SalesforceClient

log = logging.getLogger(__name__)

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND = "http://soap.sforce.com/2005/09/outbound"
SOBJECT = "urn:sobject.enterprise.soap.sforce.com"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MAX_NOTIFICATIONS = 100  # "A single SOAP message can include up to 100 notifications."

# The `notificationsResponse` element of the outbound messaging WSDL, in a SOAP 1.1 envelope.
ACK = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    b"<soapenv:Body>"
    b'<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>'
    b"</soapenv:Body>"
    b"</soapenv:Envelope>\n"
)

# Case.Origin's standard values (Email, Phone, Web) and common additions, as the policy's channels.
ORIGINS = {
    "email": "email",
    "phone": "telephone",
    "web": "web_form",
    "chat": "chat",
    "messaging": "chat",
    "sms": "sms",
    "letter": "letter",
    "post": "letter",
    "in person": "in_person",
    "walk-in": "in_person",
    "facebook": "social_media",
    "twitter": "social_media",
    "social": "social_media",
}


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def notifications(raw: bytes) -> ET.Element:
    """The `notifications` element of an outbound message; PayloadError for anything else."""
    try:
        root = fromstring(raw, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise PayloadError(f"refused XML: {type(exc).__name__} (a SOAP message has no DTD or entities)") from None
    except ET.ParseError as exc:
        raise PayloadError(f"not XML: Salesforce sends a SOAP envelope ({exc})") from None
    if root.tag != _q(SOAP, "Envelope"):
        raise PayloadError("not a SOAP 1.1 envelope: Salesforce outbound messages are SOAP")
    found = root.find(f"{_q(SOAP, 'Body')}/{_q(OUTBOUND, 'notifications')}")
    if found is None:
        raise PayloadError("the SOAP body has no notifications element (http://soap.sforce.com/2005/09/outbound)")
    return found


def _text(parent: ET.Element, tag: str) -> str | None:
    node = parent.find(tag)
    if node is None or node.get(_q(XSI, "nil")) == "true":
        return None
    return (node.text or "").strip() or None


def _fields(sobject: ET.Element) -> dict[str, str | None]:
    """The sObject's fields by API name: the ones ticked in the outbound message, nil ones as None."""
    values: dict[str, str | None] = {}
    for child in sobject:
        namespace, _, name = child.tag.rpartition("}")
        if namespace.lstrip("{") != SOBJECT or len(child):  # a related record's nested fields: not read
            continue
        values[name] = None if child.get(_q(XSI, "nil")) == "true" else (child.text or "").strip() or None
    return values


def _record_id(value: str | None, what: str) -> str:
    if not value or not schemas.RECORD_ID.match(value):
        raise PayloadError(f"{what} is missing or not a Salesforce id")
    return value


def _when(value: str | None) -> dt.datetime | None:
    """An xsd:dateTime (2026-11-24T11:58:00.000Z) as an aware time; None when absent or unreadable."""
    try:
        parsed = dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _unique(*values: str | None) -> tuple[str, ...]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return tuple(seen)


def _owner(owner_id: str | None) -> tuple[str | None, str | None]:
    """(agent, queue): a Case's OwnerId is a User (005...) or a queue, a Group (00G...)."""
    if owner_id and owner_id.startswith("005"):
        return owner_id, None
    if owner_id and owner_id.startswith("00G"):
        return None, owner_id
    return None, None


def _case(key: str, values: dict) -> InboundEvent:
    """A Case created: the customer as its contact or as supplied (web-to-case, email-to-case)."""
    agent, queue = _owner(values.get("OwnerId"))
    contact = values.get("ContactId")
    return InboundEvent(
        delivery_key=key,
        event_type="ticket.created",
        ticket_id=_record_id(values.get("Id"), "the Case Id"),
        emails=_unique(values.get("ContactEmail"), values.get("SuppliedEmail")),
        phones=_unique(values.get("ContactPhone"), values.get("ContactMobile"), values.get("SuppliedPhone")),
        helpdesk_user_id=contact if contact and contact.startswith("003") else None,
        assigned_agent_id=agent,
        queue=queue,
        channel=ORIGINS.get((values.get("Origin") or "").lower()),
        subject=values.get("Subject") or "",
        text=values.get("Description") or "",
        at=_when(values.get("CreatedDate")),
    )


def _email(key: str, values: dict) -> InboundEvent | None:
    """An e-mail on a case (ParentId); None for one on another record. Sent ones are recorded, not judged."""
    if not values.get("ParentId"):
        return None
    text = values.get("TextBody") or strip_html(values.get("HtmlBody"))
    sender_id = values.get("FromId")
    ignore = None
    if values.get("Incoming") != "true":
        ignore = "an e-mail the council sent (Incoming is false), not a customer's contact"
    elif NOTE_MARKER in text:
        ignore = "our own note"
    to = (values.get("ToAddress") or "").replace(",", ";").split(";")[0].strip()
    return InboundEvent(
        delivery_key=key,
        event_type="ticket.customer_reply",
        ticket_id=_record_id(values.get("ParentId"), "the e-mail's ParentId"),
        emails=_unique(values.get("FromAddress")),
        helpdesk_user_id=sender_id if sender_id and sender_id.startswith("003") else None,
        addressed_inbox=to.lower() or None,
        channel="email",
        subject=values.get("Subject") or "",
        text=text,
        at=_when(values.get("MessageDate") or values.get("CreatedDate")),
        ignore_reason=ignore,
    )


READERS = {"Case": _case, "EmailMessage": _email}


def _event(notification: ET.Element) -> InboundEvent | None:
    """One Notification as an event; None for an object contactguard does not read."""
    notification_id = _record_id(_text(notification, _q(OUTBOUND, "Id")), "a notification's Id")
    sobject = notification.find(_q(OUTBOUND, "sObject"))
    if sobject is None:
        raise PayloadError("a notification has no sObject")
    kind = (sobject.get(_q(XSI, "type")) or "").rpartition(":")[2]
    reader = READERS.get(kind)
    # "check the notification IDs in the notifications delivered to your listener client before processing"
    return reader(f"notification:{notification_id}", _fields(sobject)) if reader else None


class SalesforceAdapter(Adapter):
    """Salesforce Service Cloud (Outbound Messaging in, REST API out)."""

    key = "salesforce"
    title = "Salesforce Service Cloud"
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets
    acknowledgement = (ACK, "text/xml")

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        """The message's OrganizationId is this connection's org (15-character ids compare on their own)."""
        given = _text(notifications(raw), _q(OUTBOUND, "OrganizationId")) or ""
        expected = settings.get("organization_id") or ""
        if not expected or not matches(given[:15], expected[:15]):
            raise SignatureError("the message's OrganizationId is not this connection's organization_id")

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        listed = notifications(raw).findall(_q(OUTBOUND, "Notification"))
        if len(listed) > MAX_NOTIFICATIONS:
            raise PayloadError(f"more than {MAX_NOTIFICATIONS} notifications in one message")
        events = [event for event in map(_event, listed) if event is not None]
        if len(events) < len(listed):
            log.info(
                "salesforce: %d of %d notifications are of objects not read", len(listed) - len(events), len(listed)
            )
        return events

    def client(self, settings: dict, secrets: dict) -> SalesforceClient:
        return SalesforceClient(settings, secrets)
