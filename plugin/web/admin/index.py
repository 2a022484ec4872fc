"""Administration: one page that lists every admin task, each linking to its page."""

from __future__ import annotations

from flask import render_template

from ...policy.vocabulary import Role
from ..auth import login_required
from .base import bp


@bp.get("/admin")
@login_required(Role.ADMIN)
def index():
    """Officers and accounts, absences, services, helpdesks, the outbox, decisions, subject access, tokens."""
    return render_template("admin/index.html", title="Administration")
