"""Writing a queued or sent letter as HTML or PDF, for the officer who prints or sends it (R30-R34).

Only officers, senior officers and admins write letters; an agent sees the arrangement, not the letters.
Every rendering is audited as `letter.rendered` with identifiers and the format only, never the text.
Recording that a letter went, and so starting the appeal clock, stays with letters.mark_sent.
"""

from __future__ import annotations

from ..letters import letter_variables, render_html, render_pdf, require_complete
from ..models import Letter
from .context import Context
from .customer_view import REASON_READERS
from .errors import Forbidden, InvalidInput
from .lookup import get

FORMATS = ("html", "pdf")
WRITERS = REASON_READERS  # a letter states the reasons: only those who may read them write it (customer_view.py)


def require_writer(ctx: Context) -> None:
    """Officers, senior officers and admins may write a letter; agents and unnamed operators may not."""
    if ctx.actor.role not in WRITERS:
        shown = ctx.actor.role.value if ctx.actor.role else ctx.actor.label
        raise Forbidden(f"writing a letter needs an officer, a senior officer or an admin; you are {shown}")


def check_letter(ctx: Context, letter_id: int) -> Letter:
    """The letter, if the actor may write it and it has every field it needs (422 letter_incomplete otherwise);
    nothing is rendered or audited: the page that shows it frames the rendering."""
    require_writer(ctx)
    letter = get(ctx, Letter, letter_id, "letter")
    require_complete(letter.id, letter.kind, letter_variables(ctx, letter))
    return letter


def render_letter(ctx: Context, letter_id: int, fmt: str = "html") -> bytes:
    """The letter as HTML (UTF-8) or PDF bytes; refused (422 letter_incomplete) if it lacks a required field."""
    require_writer(ctx)
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt}: use one of {', '.join(FORMATS)}", errors={"format": ["unknown"]})
    letter = get(ctx, Letter, letter_id, "letter")
    variables = letter_variables(ctx, letter)
    require_complete(letter.id, letter.kind, variables)
    html = render_html(letter.kind, variables, ctx.settings.INSTANCE_PATH)
    content = html.encode("utf-8") if fmt == "html" else render_pdf(html)
    ctx.audit("letter.rendered", letter, kind=letter.kind, format=fmt, state=letter.state)
    return content
