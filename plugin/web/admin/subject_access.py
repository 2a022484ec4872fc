"""Subject access (UK GDPR Article 15): everything held about one customer, downloaded as JSON or as a PDF, for a
senior officer or an admin to review before disclosure (plugin/services/subject_access.py, as `contactguard
customers export`). Each export is audited; nothing is kept on the server."""

from __future__ import annotations

import logging
import re

from flask import Response, render_template
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from ...services import ServiceError
from ...services import subject_access as sar
from ..auth import login_required, signed_in_actor, unit_of_work
from ..documents import put_on_form
from ..form_errors import error_list
from .base import EXPORTERS, bp, choices

log = logging.getLogger(__name__)

TYPES = {"json": "application/json", "pdf": "application/pdf"}


class ExportForm(FlaskForm):
    """Whose records, and in which format."""

    customer = StringField(
        "Customer reference",
        widget=GovTextInput(),
        description="For example, C1001",
        validators=[InputRequired(message="Enter the customer's reference"), Length(max=64)],
    )
    format = RadioField(
        "Format",
        widget=GovRadioInput(),
        choices=choices([("pdf", "PDF, to read and redact"), ("json", "JSON, every field as stored")]),
        default="pdf",
        validators=[InputRequired(message="Choose a format")],
    )
    submit = SubmitField("Download the export", widget=GovSubmitInput())


@bp.route("/subject-access", methods=["GET", "POST"])
@login_required(*EXPORTERS)
def subject_access():
    """The form; on success the export itself, as a download."""
    form = ExportForm()
    status = 200
    if form.validate_on_submit():
        reference = form.customer.data.strip()
        try:
            with unit_of_work() as ctx:
                content, data = sar.export_content(ctx, reference, form.format.data)
        except ServiceError as exc:
            put_on_form(form, exc, {"format": "format"})
            status = exc.status
        else:
            log.info(
                "subject access export customer=%s officer=%s", data["customer"]["id"], signed_in_actor().officer_id
            )
            safe = re.sub(r"[^A-Za-z0-9_-]", "_", data["customer"]["reference"])
            filename = f"subject-access-{safe}.{form.format.data}"
            return Response(
                content,
                mimetype=TYPES[form.format.data],
                headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
            )
    elif form.errors:
        status = 400
    return render_template(
        "admin/subject_access.html", title="Subject access export", form=form, errors=error_list(form)
    ), status
