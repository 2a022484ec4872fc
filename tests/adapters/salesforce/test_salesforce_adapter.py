"""Salesforce Outbound Messaging in: each test names the documented behaviour it checks.

Sources (Salesforce SOAP API Developer Guide, v67.0): "Understanding the Outbound Messaging WSDL" (the
notifications() and notificationsResponse schemas, trimmed in outbound-notification.wsdl), "Understanding
Notifications" (up to 100 a message, redelivery, notification ids), "Considerations for Security" (the
organization id), "Building a Listener" (the Ack the listener returns)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring

from adapters.errors import PayloadError, SignatureError
from adapters.salesforce.adapter import ACK, OUTBOUND, SalesforceAdapter
from plugin.services import connections as conns
from tests.adapters.salesforce.spec import CASE_ID, ORG, SPEC
from tests.helpers import event_count, webhook_path

HERE = Path(__file__).parent
ADAPTER = SalesforceAdapter()
SETTINGS = ADAPTER.settings_schema().load(SPEC.settings)
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.timezone.utc)
CASE_XML = (HERE / "fixtures" / "case-created.xml").read_bytes()
EMAIL_XML = (HERE / "fixtures" / "email-received.xml").read_bytes()
XSD = "http://www.w3.org/2001/XMLSchema"
WSDL = fromstring((HERE / "outbound-notification.wsdl").read_bytes())
# What Salesforce's HTTP client sends with a SOAP 1.1 message.
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}


def _notification(object_type: str, notification_id: str, fields: str) -> str:
    return (
        f"<Notification><Id>{notification_id}</Id>"
        f'<sObject xsi:type="sf:{object_type}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">{fields}</sObject>'
        "</Notification>"
    )


def _message(*notification_xml: str, org: str = ORG, session_id: str | None = None) -> bytes:
    session = f"<SessionId>{session_id}</SessionId>" if session_id else '<SessionId xsi:nil="true"/>'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        f'<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>{org}</OrganizationId>'
        f"<ActionId>04k8d000000TnhSAAS</ActionId>{session}"
        "<EnterpriseUrl>https://council.my.salesforce.com/services/Soap/c/67.0/00D8d000000Ab1C</EnterpriseUrl>"
        "<PartnerUrl>https://council.my.salesforce.com/services/Soap/u/67.0/00D8d000000Ab1C</PartnerUrl>"
        + "".join(notification_xml)
        + "</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


def _case(notification_id: str = "04l8d00000bZ1AZAA0", owner: str = "0058d00000Ab1CdAAJ") -> str:
    return _notification(
        "Case",
        notification_id,
        f"<sf:Id>{CASE_ID}</sf:Id><sf:OwnerId>{owner}</sf:OwnerId>"
        "<sf:SuppliedEmail>someone@example.com</sf:SuppliedEmail><sf:Origin>Phone</sf:Origin>",
    )


def _connection(cast) -> str:
    with cast.act() as ctx:
        return conns.add(ctx, "salesforce", "Salesforce", SPEC.settings, SPEC.secrets, test=False).id


def _sequence(element_name: str) -> list[ET.Element]:
    """The <element>s of a named element's sequence in the trimmed WSDL."""
    for schema_element in WSDL.iter(f"{{{XSD}}}element"):
        if schema_element.get("name") == element_name:
            return schema_element.findall(f"{{{XSD}}}complexType/{{{XSD}}}sequence/{{{XSD}}}element")
    raise AssertionError(f"{element_name} is not in the WSDL")


# --- the WSDL's shape: our fixtures and our answer --------------------------------------------------------------


@pytest.mark.parametrize("raw", [CASE_XML, EMAIL_XML], ids=["case", "email"])
def test_the_fixtures_have_the_documented_notifications_shape(raw):
    """notifications(): OrganizationId, ActionId, SessionId, EnterpriseUrl, PartnerUrl, then up to 100
    Notification, in that order; ids are the WSDL's ID type ([a-zA-Z0-9]{18}); each Notification is Id, sObject."""
    import re

    pattern = re.compile(next(WSDL.iter(f"{{{XSD}}}pattern")).get("value") + r"\Z")
    declared = _sequence("notifications")
    body = fromstring(raw).find(f"{{http://schemas.xmlsoap.org/soap/envelope/}}Body/{{{OUTBOUND}}}notifications")
    names = [child.tag.removeprefix(f"{{{OUTBOUND}}}") for child in body]
    assert names[:5] == [e.get("name") for e in declared[:5]]
    assert set(names[5:]) == {"Notification"} and len(names[5:]) <= int(declared[5].get("maxOccurs"))
    for element in declared:
        if element.get("type") == "ent:ID":
            assert pattern.match(body.find(f"{{{OUTBOUND}}}{element.get('name')}").text)
    for notification in body.findall(f"{{{OUTBOUND}}}Notification"):
        assert [c.tag.removeprefix(f"{{{OUTBOUND}}}") for c in notification] == ["Id", "sObject"]
        assert pattern.match(notification.find(f"{{{OUTBOUND}}}Id").text)


def test_the_acknowledgement_is_the_documented_notifications_response():
    """notificationsResponse: one Ack, an xsd:boolean, "the schema for sending an acknowledgment (ack) response
    to Salesforce"; the listener in "Building a Listener" sets r.Ack = true."""
    (ack_element,) = _sequence("notificationsResponse")
    assert (ack_element.get("name"), ack_element.get("type")) == ("Ack", "xsd:boolean")
    envelope = fromstring(ACK)
    assert envelope.tag == "{http://schemas.xmlsoap.org/soap/envelope/}Envelope"
    (response,) = envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    assert response.tag == f"{{{OUTBOUND}}}notificationsResponse"
    assert [(c.tag, c.text) for c in response] == [(f"{{{OUTBOUND}}}Ack", "true")]


# --- through the receiver -------------------------------------------------------------------------------------


def test_a_delivery_is_acknowledged_with_ack_true_and_a_redelivery_the_same(client, cast, sessions, settings):
    """ "While each message is usually delivered one time, it can sometimes be delivered more than one time":
    the redelivery (same notification Id) is acknowledged alike and stored once."""
    connection_id = _connection(cast)
    answers = [
        client.post(webhook_path(settings, connection_id), data=CASE_XML, headers=SOAP_HEADERS) for _ in range(2)
    ]
    for answer in answers:
        assert answer.status_code == 200
        assert answer.mimetype == "text/xml"
        assert answer.get_data() == ACK
    assert event_count(sessions) == 1


def test_a_message_from_another_organization_is_refused_and_not_acknowledged(client, cast, sessions, settings):
    """ "validate that messages contain your organization Id": another org's message gets 401, no Ack, so it is
    not taken as delivered."""
    connection_id = _connection(cast)
    other = CASE_XML.replace(ORG.encode(), b"00D5g000001XyZwEAK")
    answer = client.post(webhook_path(settings, connection_id), data=other, headers=SOAP_HEADERS)
    assert answer.status_code == 401 and answer.get_json()["code"] == "bad_signature"
    assert b"Ack" not in answer.get_data()
    assert event_count(sessions) == 0


def test_notifications_of_objects_not_read_are_still_acknowledged(client, cast, sessions, settings):
    """ "You acknowledge all notifications in the message if there's more than one": an Account notification
    beside a Case one is acknowledged with the rest (unacknowledged, the message would be resent for a day)."""
    connection_id = _connection(cast)
    account = _notification("Account", "04l8d00000bZ1AYAA0", "<sf:Id>0018d00000Ab1CdAAJ</sf:Id>")
    answer = client.post(webhook_path(settings, connection_id), data=_message(account, _case()), headers=SOAP_HEADERS)
    assert answer.status_code == 200 and answer.get_data() == ACK
    assert event_count(sessions) == 1
    only_account = client.post(webhook_path(settings, connection_id), data=_message(account), headers=SOAP_HEADERS)
    assert only_account.status_code == 200 and only_account.get_data() == ACK


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&lol3;'
    b"</soapenv:Body></soapenv:Envelope>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&x;'
    b"</soapenv:Body></soapenv:Envelope>"
)


@pytest.mark.parametrize(
    "raw",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, b"<!DOCTYPE soapenv:Envelope []>" + CASE_XML.split(b"?>", 1)[1]],
    ids=["entity-expansion", "external-entity", "doctype"],
)
def test_a_dtd_or_an_entity_is_refused_before_anything_is_read(raw, client, cast, sessions, settings):
    """SOAP 1.1: "A SOAP message MUST NOT contain a Document Type Declaration"; defusedxml refuses it, so no
    entity is ever expanded or fetched."""
    connection_id = _connection(cast)
    answer = client.post(webhook_path(settings, connection_id), data=raw, headers=SOAP_HEADERS)
    assert answer.status_code == 400 and answer.get_json()["code"] == "malformed_payload"
    assert event_count(sessions) == 0


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"<notifications/>", "not a SOAP 1.1 envelope"),
        (b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>', "no notifications"),
        (b'{"not": "xml"}', "not XML"),
        (_message(_case()).replace(b"<Id>04l8d00000bZ1AZAA0</Id>", b""), "notification's Id"),
    ],
    ids=["no-envelope", "no-notifications", "json", "notification-without-id"],
)
def test_bodies_that_are_not_outbound_messages_are_malformed(raw, message):
    with pytest.raises(PayloadError, match=message):
        ADAPTER.verify({}, raw, {}, SETTINGS, NOW)
        ADAPTER.parse(raw, {}, SETTINGS)


# --- verify ---------------------------------------------------------------------------------------------------


def test_the_organization_id_matches_on_its_15_characters_whichever_form_is_set():
    """An org id is 15 case-sensitive characters; the 18-character form adds a suffix ("ID Field Type"):
    Setup shows 15, the message carries 18."""
    ADAPTER.verify({}, CASE_XML, {}, {**SETTINGS, "organization_id": ORG[:15]}, NOW)
    with pytest.raises(SignatureError):
        ADAPTER.verify({}, CASE_XML, {}, {**SETTINGS, "organization_id": ORG[:14] + "x"}, NOW)
    with pytest.raises(SignatureError):
        ADAPTER.verify({}, _message(_case(), org=""), {}, SETTINGS, NOW)


# --- parse ----------------------------------------------------------------------------------------------------


def test_a_new_case_names_its_contact_and_the_queue_that_owns_it():
    """Case fields as ticked on the outbound message: ContactEmail, SuppliedEmail, ContactPhone, ContactId;
    OwnerId "Refers To Group, User" (a queue, 00G..., owns it here)."""
    (event,) = ADAPTER.parse(CASE_XML, {}, SETTINGS)
    assert event.delivery_key == "notification:04l8d00000bZ1ABAA0"
    assert (event.event_type, event.ticket_id) == ("ticket.created", CASE_ID)
    assert event.emails == ("jane.customer@example.com",) and event.phones == ("+447700900461",)
    assert event.helpdesk_user_id == "0038d00003Qk2LmAAJ"
    assert (event.assigned_agent_id, event.queue) == (None, "00G8d000004Hs9yEAC")
    assert (event.channel, event.subject) == ("web_form", "Missed bin collection")
    assert event.at == dt.datetime(2026, 11, 24, 11, 58, tzinfo=dt.timezone.utc)


def test_a_case_owned_by_a_user_is_assigned_to_that_agent():
    (event,) = ADAPTER.parse(_message(_case()), {}, SETTINGS)
    assert (event.assigned_agent_id, event.queue, event.channel) == ("0058d00000Ab1CdAAJ", None, "telephone")


def test_an_incoming_email_is_a_reply_on_its_parent_case():
    """EmailMessage: ParentId is "ID of the case that's associated with the email"; Incoming "Indicates whether
    the email was received (true) or sent (false)"."""
    (event,) = ADAPTER.parse(EMAIL_XML, {}, SETTINGS)
    assert (event.event_type, event.ticket_id, event.channel) == ("ticket.customer_reply", CASE_ID, "email")
    assert event.emails == ("jane.customer@example.com",) and event.addressed_inbox == "contact@council.example"
    assert event.ignore_reason is None and event.text.startswith("Still nothing")
    assert event.at == dt.datetime(2026, 11, 24, 11, 59, 12, tzinfo=dt.timezone.utc)


def test_an_email_the_council_sent_is_recorded_but_not_judged():
    sent = EMAIL_XML.replace(b"<sf:Incoming>true</sf:Incoming>", b"<sf:Incoming>false</sf:Incoming>")
    (event,) = ADAPTER.parse(sent, {}, SETTINGS)
    assert "Incoming is false" in event.ignore_reason


def test_an_email_on_no_case_is_not_read():
    orphan = _notification("EmailMessage", "04l8d00000bZ1AXAA0", "<sf:Incoming>true</sf:Incoming>")
    assert ADAPTER.parse(_message(orphan), {}, SETTINGS) == []


def test_several_notifications_in_one_message_are_several_events():
    """ "A single SOAP message can include up to 100 notifications"; "If you issue multiple discrete calls,
    the calls are sometimes batched together"."""
    raw = _message(*(_case(f"04l8d00000bZ{n:03d}AA0") for n in range(100)))
    events = ADAPTER.parse(raw, {}, SETTINGS)
    assert len(events) == 100 and len({e.delivery_key for e in events}) == 100
    with pytest.raises(PayloadError, match="more than 100"):
        ADAPTER.parse(_message(*(_case(f"04l8d00000bZ{n:03d}AA0") for n in range(101))), {}, SETTINGS)


def test_a_session_id_sent_with_the_message_is_never_kept():
    """ "Send Session ID" puts a live API session in the message: nothing of it reaches an event."""
    secret = "00D8d000000Ab1C!AQ4AQFakeSessionIdForTheTest"
    (event,) = ADAPTER.parse(_message(_case(), session_id=secret), {}, SETTINGS)
    assert secret not in repr(event)


def test_a_nil_field_is_no_value():
    """SessionId is nillable in the WSDL, and so is any unset field Salesforce sends (xsi:nil="true")."""
    fields = (
        f'<sf:Id>{CASE_ID}</sf:Id><sf:SuppliedEmail xsi:nil="true"/><sf:ContactEmail>a@example.com</sf:ContactEmail>'
    )
    (event,) = ADAPTER.parse(_message(_notification("Case", "04l8d00000bZ1AWAA0", fields)), {}, SETTINGS)
    assert event.emails == ("a@example.com",)
