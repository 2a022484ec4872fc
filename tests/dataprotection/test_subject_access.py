"""Subject access (UK GDPR Art. 15): everything held about a customer, as JSON or PDF, flagged for review."""

import io
import json
import os
import stat

import pytest
from pypdf import PdfReader
from sqlalchemy import func, or_, select

from plugin.cli import cli
from plugin.models import AuditEntry, Customer, Letter
from plugin.services import appeals as ap
from plugin.services import reviews as rv
from plugin.services import subject_access as sar
from tests.helpers import active_restriction, email_of, webhook_path
from tests.webhooks.conftest import fixture_body

EXPECTED = {
    "identities": 2,
    "incidents": 1,
    "warnings": 1,
    "restrictions": 1,
    "checks": 1,
    "appeals": 1,
    "reviews": 1,
    "webhook_events": 1,
}


@pytest.fixture
def full_file(cast, client, connection_id, sessions, settings):
    """C1 with an incident, a warning, a restriction with checks, a review, an appeal and one flagged contact."""
    rid = active_restriction(cast)
    with cast.act("senior") as ctx:
        rv.hold(ctx, rid, {"outcome": "continue", "reasons": "Behaviour unchanged since the warning"})
    with cast.act("officer") as ctx:
        ap.lodge(
            ctx,
            {
                "restriction": rid,
                "grounds": "disproportionate",
                "statement": "I only phoned twice",
                "heard_by": email_of("senior2"),
            },
        )
    for ticket, email in ((44, "jane.customer@example.com"), (45, "someone.else@example.com")):
        body = fixture_body("django-helpdesk-ticket-created", id=ticket, submitter_email=email)
        assert client.post(webhook_path(settings, connection_id), json=body).status_code == 200
    with sessions() as s:
        customer_id = s.scalar(select(Customer.id).where(Customer.reference == "C1"))
        letters = s.scalar(select(func.count()).select_from(Letter).where(Letter.customer_id == customer_id))
    return {"restriction": rid, "customer_id": customer_id, "letters": letters}


def _audit_about(sessions, customer_id):
    with sessions() as s:
        return list(
            s.scalars(
                select(AuditEntry)
                .where(
                    or_(
                        AuditEntry.customer_id == customer_id,
                        (AuditEntry.entity_type == "customers") & (AuditEntry.entity_id == customer_id),
                    )
                )
                .order_by(AuditEntry.id)
            )
        )


def _export(runner, tmp_path, fmt, who="senior", reference="C1"):
    out = tmp_path / f"export.{fmt}"
    result = runner.invoke(
        cli, ["--as", email_of(who), "customers", "export", reference, "--format", fmt, "--out", str(out)]
    )
    return result, out


def test_the_json_export_has_every_section_with_the_right_counts(runner, tmp_path, full_file, sessions):
    before = _audit_about(sessions, full_file["customer_id"])
    result, out = _export(runner, tmp_path, "json")
    assert result.exit_code == 0, result.output
    assert "exported C1" in result.output and "to review before disclosure" in result.output
    data = json.loads(out.read_text())
    assert data["schema"] == sar.SCHEMA
    assert set(data) == {
        "schema",
        "generated_at",
        "generated_by",
        "customer",
        *sar.SECTIONS,
        "review_before_disclosure",
        "counts",
    }
    assert data["customer"]["reference"] == "C1" and data["customer"]["name"] == "Jane Customer"
    expected = {**EXPECTED, "letters": full_file["letters"], "audit_entries": len(before)}
    assert data["counts"] == expected
    assert {name: len(data[name]) for name in sar.SECTIONS} == expected
    assert full_file["letters"] >= 2, "the warning and the restriction letters at least"

    (restriction,) = data["restrictions"]
    assert restriction["why_necessary"] == "Abuse continued after the formal warning"
    assert restriction["terms"]["allowed_channels"] == ["email", "letter", "web_form"]
    (event,) = data["webhook_events"]
    assert (event["outcome"], event["ticket"]) == ("flag", "44") and event["reason"] and event["received_at"]
    assert data["incidents"][0]["experienced_by"]["email"] == email_of("officer")
    flagged = {item["section"] for item in data["review_before_disclosure"]}
    assert {"incidents", "checks"} <= flagged, "staff and social-work details are flagged for the officer"

    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600, "readable by its owner only"
    after = _audit_about(sessions, full_file["customer_id"])
    (exported,) = [e for e in after if e.action == "customer.exported"]
    assert exported.details["format"] == "json" and exported.details["counts"] == expected
    assert exported.actor_officer_id is not None and "Jane" not in json.dumps(exported.details)


def test_the_json_schema_is_stable_for_an_empty_file(runner, tmp_path, cast):
    result, out = _export(runner, tmp_path, "json", who="admin")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["counts"]["identities"] == 2
    assert all(data[name] == [] for name in sar.SECTIONS if name not in ("identities", "audit_entries"))
    assert data["review_before_disclosure"] == [] or {i["section"] for i in data["review_before_disclosure"]} == {
        "audit_entries"
    }


def test_the_pdf_export_is_a_pdf_with_the_reference_and_every_heading(runner, tmp_path, full_file, sessions):
    result, out = _export(runner, tmp_path, "pdf")
    assert result.exit_code == 0, result.output
    content = out.read_bytes()
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Subject access export: C1" in text
    assert "Review before disclosure" in text
    for title in sar.SECTION_TITLES.values():
        assert title in text, title
    assert "Abuse continued after the formal warning" in text
    with sessions() as s:
        formats = list(s.scalars(select(AuditEntry.details).where(AuditEntry.action == "customer.exported")))
    assert [d["format"] for d in formats] == ["pdf"]


@pytest.mark.parametrize("who", ["agent", "officer"])
def test_only_a_senior_officer_or_admin_may_export(runner, tmp_path, cast, sessions, who):
    result, out = _export(runner, tmp_path, "json", who=who)
    assert result.exit_code == 4 and "senior officer or an admin" in result.output
    assert not out.exists()
    with sessions() as s:
        assert (
            s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "customer.exported")) == 0
        )


def test_an_unknown_customer_is_not_found(runner, tmp_path, cast):
    result, out = _export(runner, tmp_path, "json", reference="NOPE")
    assert result.exit_code == 3 and not out.exists()
