"""The `contactguard` command: administration and the policy workflow for officers.

Every command goes through the service layer, so the CLI enforces exactly the rules the
API and web pages will. `--as EMAIL` says which officer is acting; `--json` prints data.
"""
from __future__ import annotations


from .base import cli
from . import admin, connections, importer, register, rescan, workflow  # noqa: F401 - registers the command groups


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="contactguard")


__all__ = ["cli", "main"]
