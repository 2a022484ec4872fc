"""Microsoft Dynamics 365 Customer Service (Dataverse): webhooks registered on Create of `incident` (a case) and of
the `email` and `phonecall` activities regarding a case.

Dataverse POSTs the JSON of a RemoteExecutionContext (its collections are lists of {"key", "value"} pairs, its
dates `/Date(ms)/`, its lookups EntityReference objects). It cannot sign the body: the webhook carries a static
key, as an HTTP header (HttpHeader) or as the `code` query parameter (WebhookKey), and "any request to the endpoint
configured should fail when the authentication options passed in the request do not match" (Register a WebHook).
The key is compared in constant time; the unguessable webhook URL is the first defence.

The context names the case's customer only as a reference: the worker reads the case (and an e-mail's activity
parties) through the Web API before deciding (needs_lookup), as it does for a payload over 256 KB, which Dataverse
sends without its InputParameters and images.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

from ..base import NOTE_MARKER, Adapter, InboundEvent, content_key, header, loads, matches, strip_html
from ..errors import PayloadError, SignatureError, UnhandledEvent
from . import schemas
from .client import DynamicsClient

ENTITIES = {"incident": "ticket.created", "email": "ticket.customer_reply", "phonecall": "ticket.customer_reply"}
# incident.caseorigincode (Case table reference): 1 Phone, 2 Email, 3 Web, 2483 Facebook, 3986 Twitter, 700610000 IoT
ORIGINS = {1: "telephone", 2: "email", 3: "web_form", 2483: "social_media", 3986: "social_media"}
ACTIVITY_CHANNELS = {"email": "email", "phonecall": "telephone"}
WCF_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Dynamics365Adapter(Adapter):
    """Microsoft Dynamics 365 Customer Service (Dataverse)."""

    key = "dynamics365"
    title = "Microsoft Dynamics 365 Customer Service"
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets
    # Not a signature: with WebhookKey authentication the key is the URL's `code` parameter, so verify() needs
    # the URL as Dataverse called it.
    signs_request_url = True

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        """The registered key, from the header or from ?code=, against the current and the previous key."""
        if settings.get("webhook_auth") == "webhook_key":
            query = parse_qs(urlsplit(settings.get("_request_url") or "").query)
            given, where = (query.get("code") or [""])[0], "the code parameter"
        else:
            name = settings.get("auth_header") or "Authorization"
            given, where = header(headers, name) or "", f"the {name} header"
        keys = [k for k in (secrets.get("webhook_key"), secrets.get("webhook_key_previous")) if k]
        if not any(matches(given, k) for k in keys):
            raise SignatureError(f"missing or wrong key in {where}")

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        try:
            context = loads(raw)
        except ValueError:
            raise PayloadError("not JSON: Dataverse sends a RemoteExecutionContext as JSON") from None
        if not isinstance(context, dict) or not context.get("MessageName"):
            raise PayloadError("expected a RemoteExecutionContext with MessageName and PrimaryEntityName")
        message, entity = str(context["MessageName"]), str(context.get("PrimaryEntityName") or "")
        if message != "Create" or entity not in ENTITIES:
            raise UnhandledEvent(f"{message} {entity}")
        record_id = _id(context.get("PrimaryEntityId"), "PrimaryEntityId")
        attributes = _attributes(context)
        if entity == "incident":
            return [_case_created(context, record_id, attributes)]
        return [_activity_created(context, entity, record_id, attributes)]

    def client(self, settings: dict, secrets: dict) -> DynamicsClient:
        return DynamicsClient(settings, secrets)


def _case_created(context: dict, case_id: str, attributes: dict) -> InboundEvent:
    text = strip_html(_text(attributes.get("description")))
    customer = attributes.get("customerid")
    contact = customer.get("Id") if isinstance(customer, dict) and customer.get("LogicalName") == "contact" else None
    return InboundEvent(
        delivery_key=_delivery_key(context, case_id),
        event_type="ticket.created",
        ticket_id=case_id,
        helpdesk_user_id=contact if isinstance(contact, str) else None,  # the customer (contact) record's id
        channel=_origin(attributes.get("caseorigincode")),
        subject=_text(attributes.get("title")),
        text=text,
        at=_when(context),
        ignore_reason="our own note" if NOTE_MARKER in text else None,
        needs_lookup=True,
        lookup={},
    )


def _activity_created(context: dict, entity: str, activity_id: str, attributes: dict) -> InboundEvent:
    """An e-mail or phone call logged against a case; its case is `regardingobjectid` (when the payload was cut
    over 256 KB the worker finds it from the e-mail)."""
    regarding = attributes.get("regardingobjectid")
    if isinstance(regarding, dict):
        if regarding.get("LogicalName") != "incident":
            raise UnhandledEvent(f"Create {entity} regarding a {regarding.get('LogicalName') or 'record'}, not a case")
        case_id = _id(regarding.get("Id"), "regardingobjectid")
    elif attributes or entity != "email":
        raise UnhandledEvent(f"Create {entity} regarding no case")
    else:
        case_id = activity_id  # the payload was cut: the lookup of the e-mail names its case
    text = strip_html(_text(attributes.get("description")))
    lookup: dict = {"activity": entity, "id": activity_id}
    if entity == "phonecall" and attributes.get("phonenumber"):
        lookup["phone"] = _text(attributes.get("phonenumber"))
    return InboundEvent(
        delivery_key=_delivery_key(context, activity_id),
        event_type="ticket.customer_reply",
        ticket_id=case_id,
        channel=ACTIVITY_CHANNELS[entity],
        subject=_text(attributes.get("subject")),
        text=text,
        at=_when(context),
        ignore_reason=_ignore(attributes, entity, text),
        needs_lookup=True,
        lookup=lookup,
    )


def _ignore(attributes: dict, entity: str, text: str) -> str | None:
    if NOTE_MARKER in text:
        return "our own note"
    # directioncode (email and phonecall tables): True "Outgoing", False "Incoming"
    if attributes.get("directioncode") is True:
        return f"outgoing {'e-mail' if entity == 'email' else 'phone call'}, not the customer's"
    return None


def _attributes(context: dict) -> dict:
    """The Target's attributes, over those of a post-image (the image has columns the request did not set)."""
    found: dict = {}
    for image in _pairs(context.get("PostEntityImages")).values():
        if isinstance(image, dict):
            found.update(_pairs(image.get("Attributes")))
    target = _pairs(context.get("InputParameters")).get("Target")
    if isinstance(target, dict):
        found.update(_pairs(target.get("Attributes")))
    return found


def _pairs(items) -> dict:
    """A DataContract collection, [{"key": k, "value": v}, ...], as a dict; anything else as empty."""
    if not isinstance(items, list):
        return {}
    return {i["key"]: i.get("value") for i in items if isinstance(i, dict) and isinstance(i.get("key"), str)}


def _id(value, name: str) -> str:
    if not isinstance(value, str) or not GUID.match(value):
        raise PayloadError(f"{name} is not a Dataverse id (a GUID)")
    return value.lower()


def _origin(value) -> str | None:
    """The channel of caseorigincode, an OptionSetValue ({"Value": n}) or a bare number."""
    value = value.get("Value") if isinstance(value, dict) else value
    return ORIGINS.get(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _when(context: dict) -> dt.datetime | None:
    """OperationCreatedOn, `/Date(<ms since 1970, UTC>[+-hhmm])/` (the offset is the writer's zone, not a shift)."""
    found = WCF_DATE.match(_text(context.get("OperationCreatedOn")))
    if not found:
        return None
    try:
        return dt.datetime.fromtimestamp(int(found.group(1)) / 1000, dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _delivery_key(context: dict, record_id: str) -> str:
    """The operation and the row: Dataverse's one retry (after a 502, 503 or 504) repeats both."""
    operation = context.get("OperationId")
    if isinstance(operation, str) and GUID.match(operation):
        return f"op:{operation.lower()}:{record_id}"
    return content_key(_text(context.get("CorrelationId")).encode() + record_id.encode())
