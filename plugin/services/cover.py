"""Who covers for a sole point of contact who is away (an absence recorded, or no longer active)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..models import Officer, Restriction
from ..models.register import OfficerAbsence
from .context import Context


def cover_on(ctx: Context, restriction: Restriction, day: dt.date) -> tuple[Officer | None, Officer | None]:
    """(the SPOC officer if away on `day`, who covers): the restriction's deputy, else the SPOC's standing deputy,
    whoever is in; (None, None) when the SPOC is in or is not an officer. Inactive counts as away."""
    spoc = restriction.spoc_officer
    if spoc is None:
        return None, None
    candidates = [
        o
        for o in (restriction.deputy_officer, ctx.session.get(Officer, spoc.deputy_id) if spoc.deputy_id else None)
        if o is not None and o.id != spoc.id
    ]
    ids = [spoc.id, *(o.id for o in candidates)]
    absent = set(
        ctx.session.scalars(
            select(OfficerAbsence.officer_id).where(
                OfficerAbsence.officer_id.in_(ids), OfficerAbsence.starts_on <= day, OfficerAbsence.ends_on >= day
            )
        )
    )
    if spoc.active and spoc.id not in absent:
        return None, None
    return spoc, next((o for o in candidates if o.active and o.id not in absent), None)
