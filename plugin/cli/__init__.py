"""The `contactguard` command: administration and the policy workflow for officers.

Every command goes through the service layer, so the CLI enforces exactly the rules the
API and web pages will. It is an operator tool for people with a shell on the server: `--as EMAIL`
names the officer the operator acts for, and the audit trail records the operator too; `--json` prints data.
"""

from __future__ import annotations

from .base import cli

# One line per command group, saying what it adds (kept as written, not merged by isort).
# isort: off
from . import admin, connections, importer, register, rescan, workflow  # noqa: F401 - registers the command groups
from . import audit  # noqa: F401 - `contactguard audit verify`
from . import dataprotection  # noqa: F401 - `contactguard retention run`, `contactguard customers export`
from . import users  # noqa: F401 - `contactguard users create-admin|add|totp|tokens`
from . import letter_documents  # noqa: F401 - `contactguard letters render`
from . import reports  # noqa: F401 - `contactguard reports list|show`
from . import sidebar  # noqa: F401 - `contactguard connections sidebar-link ID`
from . import sidebar_apps  # noqa: F401 - `contactguard connections sidebar-app ID --out FILE.zip`, `sidebar-app-key`
from . import settings  # noqa: F401 - `contactguard settings show|init`: the one settings file
# isort: on


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="contactguard")


__all__ = ["cli", "main"]
