"""A restriction's review, held by a senior officer: continue it, continue with new terms, or lift it."""

from __future__ import annotations

from flask import request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import RadioField
from wtforms.validators import InputRequired

from ...policy.vocabulary import Channel, values
from ...services import reviews as rv
from ..auth import login_required, unit_of_work
from .base import SENIORS, act, bp, form_page, restriction_or_404
from .fields import (
    CHANNEL_LABELS,
    area_field,
    blank_none,
    check_windows,
    checkboxes_field,
    choices_for,
    date_field,
    submit_button,
    windows_field,
)


class ReviewForm(FlaskForm):
    outcome = RadioField(
        "Outcome of the review",
        widget=GovRadioInput(),
        choices=choices_for(
            ["continue", "amend", "lift"],
            {"continue": "Continue as it is", "amend": "Continue with new terms", "lift": "Lift the restriction"},
        ),
        validators=[InputRequired(message="Select the outcome of the review")],
    )
    reasons = area_field("Reasons", limit=5000, required="Give the reasons for the outcome")
    next_review_due = date_field(
        "Next review date", description="Leave empty for 6 months.", named="The next review date"
    )
    allowed_channels = checkboxes_field(
        "If new terms: which ways of contact stay open?", values(Channel), CHANNEL_LABELS
    )
    windows = windows_field("If new terms: times the customer may make contact")
    submit = submit_button("Record review")


@bp.route("/restrictions/<int:restriction_id>/review", methods=["GET", "POST"])
@login_required(*SENIORS)
def review_hold(restriction_id: int):
    """A senior officer holds the review: continue, continue with new terms, or lift."""
    form = ReviewForm()
    with unit_of_work() as ctx:
        restriction_or_404(ctx, restriction_id)
    page = {
        "back": url_for("casework.restriction", restriction_id=restriction_id),
        "caption": f"Restriction {restriction_id}",
    }
    windows = check_windows(form) if form.validate_on_submit() else None
    if windows is None:
        return form_page(form, "Hold the review", 400 if request.method == "POST" else 200, **page)
    terms = {}
    if form.outcome.data == "amend":
        if form.allowed_channels.data:
            terms["allowed_channels"] = list(form.allowed_channels.data)
        if windows:
            terms["time_windows"] = windows
    data = {
        "outcome": form.outcome.data,
        "reasons": form.reasons.data,
        "terms": terms or None,
        "next_review_due": blank_none(form.next_review_due.data),
    }
    return act(
        form,
        "Hold the review",
        page,
        lambda ctx: rv.hold(ctx, restriction_id, data),
        f"Review of restriction {restriction_id} recorded: {form.outcome.data}.",
        restriction_id,
        {"terms": "allowed_channels", "terms.allowed_channels": "allowed_channels", "terms.time_windows": "windows"},
    )
