"""Management reports as people and programs read them: text, CSV, JSON, and SVG charts with their tables.

The figures come from the service layer (plugin/services/reports.py); this package only renders them.
"""

from .render import FORMATS, render_report

__all__ = ["FORMATS", "render_report"]
