"""The policy's records: incidents, warnings, restrictions, checks, appeals, reviews, letters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from .base import Base
from .register import Customer, Officer, Service

restriction_incidents = Table(
    "restriction_incidents",
    Base.metadata,
    Column("restriction_id", ForeignKey("restrictions.id", ondelete="CASCADE"), primary_key=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
)
warning_incidents = Table(
    "warning_incidents",
    Base.metadata,
    Column("warning_id", ForeignKey("warnings.id", ondelete="CASCADE"), primary_key=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
)


class Incident(Base):
    """Something a member of staff experienced (R1, R3, R51, R55)."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    experienced_by_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    occurred_at: Mapped[dt.datetime]
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    violence_at_work_ref: Mapped[str | None] = mapped_column(String(64))
    immediate_action: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship()
    experienced_by: Mapped[Officer] = relationship(foreign_keys=[experienced_by_id])


class FormalWarning(Base):
    """A written warning in the DESC shape, with the policy enclosed (R4, R4a)."""

    __tablename__ = "warnings"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    behaviour: Mapped[str] = mapped_column(Text)  # Describe: what happened
    why_unacceptable: Mapped[str] = mapped_column(Text)  # Explain: its impact
    change_requested: Mapped[str] = mapped_column(Text)  # Suggest: what should change
    consequences: Mapped[str] = mapped_column(Text)  # Consequences: what may follow
    policy_enclosed: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(16), default="issued")  # issued | withdrawn
    followup_until: Mapped[dt.date] = mapped_column(Date, index=True)
    effective: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship()
    issued_by: Mapped[Officer] = relationship()
    incidents: Mapped[list[Incident]] = relationship(secondary=warning_incidents)


class Restriction(Base):
    """A restriction as structured terms: who, how, when, where, what, scope and dates."""

    __tablename__ = "restrictions"
    __table_args__ = (Index("ix_restrictions_state_review", "state", "review_due"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    path: Mapped[str] = mapped_column(String(32))
    path_justification: Mapped[str | None] = mapped_column(Text)
    why_necessary: Mapped[str | None] = mapped_column(Text)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"))
    # who
    spoc_kind: Mapped[str | None] = mapped_column(String(16))
    spoc_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    deputy_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    spoc_inbox: Mapped[str | None] = mapped_column(String(320))
    spoc_external_name: Mapped[str | None] = mapped_column(String(200))
    spoc_external_role: Mapped[str | None] = mapped_column(String(64))
    spoc_external_email: Mapped[str | None] = mapped_column(String(320))
    spoc_external_phone: Mapped[str | None] = mapped_column(String(32))
    consent_basis: Mapped[str | None] = mapped_column(Text)
    # how, when, where, what, scope
    allowed_channels: Mapped[list] = mapped_column(default=list)
    time_windows: Mapped[list] = mapped_column(default=list)
    premises: Mapped[dict] = mapped_column(default=dict)
    subjects: Mapped[dict] = mapped_column(default=dict)
    scope_service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    # dates
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    review_due: Mapped[dt.date | None] = mapped_column(Date)
    confirm_by: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # who decided
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    activated_at: Mapped[dt.datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own hook, read once

    customer: Mapped[Customer] = relationship()
    spoc_officer: Mapped[Officer | None] = relationship(foreign_keys=[spoc_officer_id])
    deputy_officer: Mapped[Officer | None] = relationship(foreign_keys=[deputy_officer_id])
    scope_service: Mapped[Service | None] = relationship()
    incidents: Mapped[list[Incident]] = relationship(secondary=restriction_incidents)
    checks: Mapped[PreRestrictionCheck | None] = relationship(back_populates="restriction", uselist=False)


class PreRestrictionCheck(Base):
    """Known to Social Work Services? Adjustments? Other services? (article 6119; R9)."""

    __tablename__ = "pre_restriction_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    restriction_id: Mapped[int] = mapped_column(ForeignKey("restrictions.id", ondelete="CASCADE"), unique=True)
    social_work_known: Mapped[str | None] = mapped_column(String(8))
    social_work_checked_on: Mapped[dt.date | None] = mapped_column(Date)
    social_work_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    # For 'unknown': the enquiry made of Social Work Services, who was asked and when.
    social_work_enquiry_to: Mapped[str | None] = mapped_column(Text)
    social_work_enquired_on: Mapped[dt.date | None] = mapped_column(Date)
    mental_health_client: Mapped[bool] = mapped_column(Boolean, default=False)
    adjustments_needed: Mapped[bool | None] = mapped_column(Boolean)
    adjustments: Mapped[list] = mapped_column(default=list)
    adjustments_notes: Mapped[str | None] = mapped_column(Text)
    other_services: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    restriction: Mapped[Restriction] = relationship(back_populates="checks")


class Appeal(Base):
    """An appeal against a restriction or (for factual inaccuracy only) a warning (R35-R37)."""

    __tablename__ = "appeals"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # restriction | warning
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    restriction_id: Mapped[int | None] = mapped_column(ForeignKey("restrictions.id"))
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"))
    received_on: Mapped[dt.date] = mapped_column(Date)
    grounds: Mapped[str] = mapped_column(String(32))
    statement: Mapped[str] = mapped_column(Text)
    late_reason: Mapped[str | None] = mapped_column(Text)
    # Received after the window closed, and accepted for the recorded exceptional reason (R38).
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    window_closes_on: Mapped[dt.date | None] = mapped_column(Date)
    heard_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    decision_due: Mapped[dt.date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(16), default="lodged")  # lodged | decided
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_reasons: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship()


class Review(Base):
    """A review held on a restriction: continue (with the next date), amend, or lift (R42-R45)."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    restriction_id: Mapped[int] = mapped_column(ForeignKey("restrictions.id"), index=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    held_on: Mapped[dt.date] = mapped_column(Date)
    held_by_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(Text)
    next_review_due: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Letter(Base):
    """A letter the policy requires; appeal windows run from its deemed receipt (R30-R34, R41)."""

    __tablename__ = "letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    restriction_id: Mapped[int | None] = mapped_column(ForeignKey("restrictions.id"), index=True)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"), index=True)
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued | sent | not_sent
    not_sent_reason: Mapped[str | None] = mapped_column(Text)  # why a queued letter was overtaken by events
    decided_on: Mapped[dt.date | None] = mapped_column(Date)  # the decision it reports; not sent before it
    generated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivery_method: Mapped[str | None] = mapped_column(String(24))
    sent_on: Mapped[dt.date | None] = mapped_column(Date)
    deemed_receipt: Mapped[dt.date | None] = mapped_column(Date)
    facts: Mapped[dict] = mapped_column(default=dict)
    # The officer who made the decision the letter reports, who signs it (None: the clock's, or before 0017).
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))

    customer: Mapped[Customer] = relationship()
