"""`contactguard letters render`: a letter written out as HTML or PDF, for the officer who sends it."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..services import letter_documents as ld
from ..services.errors import InvalidInput
from .base import unit_of_work
from .workflow import letters


@letters.command("render")
@click.argument("letter_id", type=int)
@click.option("--format", "fmt", type=click.Choice(ld.FORMATS), default="pdf", show_default=True)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (created readable by its owner only).",
)
@unit_of_work()
def letters_render(state, ctx, letter_id, fmt, out):
    """Write letter LETTER_ID as HTML or PDF, with the council's letterhead (officers, senior officers, admins).
    Refused, naming each field, if the letter lacks something the policy requires it to state."""
    content = ld.render_letter(ctx, letter_id, fmt)
    write_private(out, content)
    return (
        f"letter {letter_id} written to {out} ({fmt}, {len(content)} bytes)",
        {"letter": letter_id, "format": fmt, "out": str(out), "bytes": len(content)},
    )


def write_private(path: Path, content: bytes) -> None:
    """Write `content` to `path`, readable by its owner only: a letter holds personal data."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb", opener=lambda p, flags: os.open(p, flags, 0o600)) as fh:
            fh.write(content)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}", errors={"out": ["cannot write"]}) from None
