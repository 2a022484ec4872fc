"""Every text an agent reads on a ticket comes from plugin/templates/notes, not scattered literals."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

_env = Environment(
    loader=PackageLoader("plugin", "templates"),
    undefined=StrictUndefined,
    keep_trailing_newline=False,
    autoescape=False,
    # The notes ship with the package and do not change while it runs: without this every note rendered
    # looked at its file on disk again (a sixth of the worker's deciding time, issue 24).
    auto_reload=False,
)


def long_date(value) -> str:
    """A date as a council writes it on a ticket: 7 December 2026."""
    return f"{value.day} {value:%B %Y}"


_env.filters["long_date"] = long_date


def render(name: str, **values) -> str:
    """Render templates/notes/<name>.txt."""
    return _env.get_template(f"notes/{name}.txt").render(**values).strip()
