"""The run's figures, counted from the register and the recording helpdesk (identifiers and counts only)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from plugin.models import (
    Appeal,
    AuditEntry,
    ClockNotice,
    Customer,
    FormalWarning,
    Incident,
    Letter,
    OutboxAction,
    Restriction,
    Review,
    WebhookEvent,
)
from plugin.models.register import OfficerAbsence
from plugin.policy.lifecycle import IN_FORCE_VALUES

if TYPE_CHECKING:
    from .run import Simulation

PATHS = ("after_warning", "without_warning", "serious_threat", "interim")


def figures(sim: Simulation) -> dict[str, object]:
    """Every figure the run prints, in print order."""
    days = min(sim.options.days, sim.options.stop_after or sim.options.days)
    start = sim.options.start
    end = start + dt.timedelta(days=days - 1)
    with sim.sessions() as s:

        def count(model, *where) -> int:
            return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

        came_into_force = (Restriction.activated_at.is_not(None)) | (Restriction.path == "interim")
        found: dict[str, object] = {
            "simulated_days": days,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "seed": sim.options.seed,
            "customers": count(Customer),
            "contacts": sim.counts["contacts"],
            "contacts_under_restriction": count(WebhookEvent, WebhookEvent.restriction_id.is_not(None)),
        }
        for outcome in ("flag", "disregard", "escalate", "statutory"):
            found[f"outcome_{outcome}"] = count(WebhookEvent, WebhookEvent.outcome == outcome)
        found |= {
            "incidents": count(Incident),
            "warnings": count(FormalWarning),
            "warnings_judged_effective": count(FormalWarning, FormalWarning.effective.is_(True)),
            "warnings_judged_not_effective": count(FormalWarning, FormalWarning.effective.is_(False)),
            "restrictions": count(Restriction),
        }
        for path in PATHS:
            found[f"restrictions_{path}"] = count(Restriction, Restriction.path == path, came_into_force)
        found |= {
            "interim_confirmed": count(AuditEntry, AuditEntry.action == "restriction.confirm_interim"),
            "interim_lapsed_unconfirmed": count(
                ClockNotice, ClockNotice.kind == "lapse", ClockNotice.key.like("interim:%")
            ),
            "lapsed_at_end_date": count(
                ClockNotice, ClockNotice.kind == "lapse", ClockNotice.key.not_like("interim:%")
            ),
            "lifted": count(Restriction, Restriction.state == "lifted"),
            "in_force_at_end": count(Restriction, Restriction.state.in_(IN_FORCE_VALUES)),
            "reviews": count(Review),
            "reviews_on_time": count(Review, Review.held_on <= Review.due_on),
            "review_escalations": count(ClockNotice, ClockNotice.kind == "review_overdue"),
            "appeals": count(Appeal),
            "appeals_late": count(Appeal, Appeal.late.is_(True)),
            "appeals_decided_late": count(Appeal, Appeal.decided_on > Appeal.decision_due),
        }
        for outcome in ("upheld", "varied", "quashed"):
            found[f"appeals_{outcome}"] = count(Appeal, Appeal.outcome == outcome)
        found |= {
            "amendments": count(AuditEntry, AuditEntry.action == "restriction.amended"),
            "spoc_changes": sim.counts["spoc_changes"],
            "absences": count(OfficerAbsence),
            "officers_left": sim.counts["officers_left"],
            "letters": count(Letter),
            "letters_sent": count(Letter, Letter.state == "sent"),
            "outbox_actions": count(OutboxAction),
            "helpdesk_calls": len(sim.helpdesk.calls),
            "helpdesk_failures_injected": sim.helpdesk.failures_injected,
            "tickets": len(sim.helpdesk.tickets),
            "open_tickets_unflagged_while_restricted": len(sim.invariants.unflagged_when_restricted),
            "officer_acts_refused": sum(sim.refused.values()),
        }
    return found
