"""Who is who: services, officers, customers and the identities that find them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..postal_address import PostalAddress
from .base import Base


class Service(Base):
    """A council service or arm's-length body; restrictions can be scoped to one."""

    __tablename__ = "services"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    is_organisation: Mapped[bool] = mapped_column(Boolean, default=False)


class Officer(Base):
    """A member of staff, with a role that decides what they may do and see."""

    __tablename__ = "officers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    service: Mapped[Service | None] = relationship()
    deputy: Mapped[Officer | None] = relationship(remote_side=[id])
    helpdesk_ids: Mapped[list[OfficerHelpdeskId]] = relationship(back_populates="officer", cascade="all, delete-orphan")
    absences: Mapped[list[OfficerAbsence]] = relationship(
        back_populates="officer", cascade="all, delete-orphan", order_by="OfficerAbsence.starts_on"
    )

    def away_on(self, day: dt.date) -> bool:
        """Inactive, or on leave on `day` (council-local date): someone else must cover (SPOC continuity)."""
        return not self.active or any(a.starts_on <= day <= a.ends_on for a in self.absences)


class OfficerAbsence(Base):
    """A period an officer is away (leave, secondment), first and last day inclusive, in council-local dates.

    The note is for administrators only and never reaches a ticket; keep health reasons out of it.
    """

    __tablename__ = "officer_absences"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_officer_absences_officer_dates", "officer_id", "starts_on", "ends_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    officer: Mapped[Officer] = relationship(back_populates="absences")


class OfficerHelpdeskId(Base):
    """An officer's agent id in one helpdesk connection (or any, when connection is empty)."""

    __tablename__ = "officer_helpdesk_ids"
    __table_args__ = (UniqueConstraint("connection_id", "agent_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[str] = mapped_column(String(64), default="")
    agent_id: Mapped[str] = mapped_column(String(128))
    officer: Mapped[Officer] = relationship(back_populates="helpdesk_ids")


class Customer(Base):
    """A member of the public on the register."""

    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Where letters are posted (plugin/postal_address.py): all empty, or line 1, town and postcode at least.
    address_line_1: Mapped[str | None] = mapped_column(String(100))
    address_line_2: Mapped[str | None] = mapped_column(String(100))
    address_town: Mapped[str | None] = mapped_column(String(100))
    address_county: Mapped[str | None] = mapped_column(String(100))
    address_postcode: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    identities: Mapped[list[Identity]] = relationship(back_populates="customer", cascade="all, delete-orphan")

    @property
    def postal_address(self) -> PostalAddress | None:
        """The address letters are posted to, or None when the council holds none."""
        if not (self.address_line_1 and self.address_town and self.address_postcode):
            return None
        return PostalAddress(
            line_1=self.address_line_1,
            line_2=self.address_line_2,
            town=self.address_town,
            county=self.address_county,
            postcode=self.address_postcode,
        )

    def set_postal_address(self, address: PostalAddress | None) -> None:
        """Keep `address` (None: forget the one held)."""
        self.address_line_1 = address.line_1 if address else None
        self.address_line_2 = address.line_2 if address else None
        self.address_town = address.town if address else None
        self.address_county = address.county if address else None
        self.address_postcode = address.postcode if address else None


class Identity(Base):
    """One way of recognising a customer: a normalised e-mail, an E.164 phone, a helpdesk user id."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("kind", "value", "connection_id"),
        Index("ix_identities_lookup", "kind", "value"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(320))
    connection_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    customer: Mapped[Customer] = relationship(back_populates="identities")
