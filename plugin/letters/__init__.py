"""The policy's letters as documents a customer reads: HTML and PDF, one template per kind of letter.

plugin/services/letter_documents.py is the way in (role check, audit); this package gathers what a letter
says (variables.py), refuses a letter missing anything the policy requires it to state (required.py), and
renders the council's own template copy or ours (render.py). docs/letters.md describes each letter.
"""

from .render import render_html, render_pdf
from .required import LetterIncomplete, missing_fields, require_complete
from .variables import letter_variables

__all__ = ["LetterIncomplete", "letter_variables", "missing_fields", "render_html", "render_pdf", "require_complete"]
