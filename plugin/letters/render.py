"""Letters as HTML and PDF: one Jinja template per kind, the council's own copies first, WeasyPrint for the PDF.

Templates are looked up first in `<INSTANCE_PATH>/letters/` (a council's edited copies win, file by file,
base.html included) and then in this package's `templates/`. StrictUndefined makes a template that uses
a name we do not supply fail loudly, as a refusal, instead of printing a blank.
"""

from __future__ import annotations

import base64
import mimetypes
import warnings
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)

from ..offload import off_the_event_loop
from ..services.errors import InvalidInput
from .required import LetterIncomplete
from .wording import FILTERS

OVERRIDE_DIR = "letters"


def environment(instance_path: str) -> Environment:
    """The template environment for one instance folder: its letters/ overrides, then ours.

    Built for each letter (letters are few), so an override added or edited takes effect at once.
    """
    loader = ChoiceLoader(
        [FileSystemLoader(str(Path(instance_path) / OVERRIDE_DIR)), PackageLoader("plugin.letters", "templates")]
    )
    env = Environment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def logo_data_uri(path: str | None) -> str | None:
    """The logo embedded in the page, so the HTML and the PDF both carry it without a file URL."""
    if not path:
        return None
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise LetterIncomplete(
            f"the council logo cannot be read ({path}): {exc.strerror or exc}", errors={"COUNCIL_LOGO": ["missing"]}
        ) from None
    mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def render_html(kind: str, variables: dict, instance_path: str) -> str:
    """The letter as a complete HTML page."""
    env = environment(str(instance_path))
    logo = logo_data_uri(variables["council"].get("logo"))
    try:
        template = env.get_template(f"{kind}.html")
        return template.render(**variables, logo=logo)
    except UndefinedError as exc:
        raise LetterIncomplete(
            f"the {kind} letter's template uses something not supplied: {exc.message}",
            errors={"template": [exc.message or "undefined"]},
        ) from None
    except TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name}, line {exc.lineno}"
        raise InvalidInput(
            f"the {kind} letter's template cannot be read: {exc.message} ({where})",
            errors={"template": [exc.message or "syntax error"]},
            code="letter_template_invalid",
        ) from None
    except TemplateError as exc:
        raise InvalidInput(
            f"the {kind} letter's template failed: {exc.message}",
            errors={"template": [exc.message or "error"]},
            code="letter_template_invalid",
        ) from None


def _weasyprint():
    """WeasyPrint, imported late (it loads Pango). Its notice about the optional HarfBuzz-Subset is not ours, nor
    is the one from an import finder without find_spec (pygal's) consulted for WeasyPrint's optional modules."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*HarfBuzz-Subset.*", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r".*find_spec\(\) not found.*", category=ImportWarning)
        try:
            import weasyprint
        except OSError as exc:  # Pango or its fonts missing from the system
            raise InvalidInput(
                "PDF letters need the Pango libraries (Debian: libpango-1.0-0 libpangoft2-1.0-0); "
                f"HTML works without them: {exc}"
            ) from None
    return weasyprint


def render_pdf(html: str) -> bytes:
    """The letter's HTML as an A4 PDF (seconds of CPU: off the served app's event loop, plugin/offload.py)."""
    return off_the_event_loop(_pdf, html)


def _pdf(html: str) -> bytes:
    return _weasyprint().HTML(string=html).write_pdf()
