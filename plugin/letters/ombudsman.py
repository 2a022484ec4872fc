"""Which ombudsman a customer may go to once the council's own process is done, by JURISDICTION (R30, R39).

Each UK nation has its own public services ombudsman; the letters name the one for the council's
jurisdiction and give its web address, which a council can extend (telephone, address) in its own copy
of the letter templates (docs/letters.md).
"""

from __future__ import annotations

OMBUDSMEN = {
    "SCT": {"name": "Scottish Public Services Ombudsman", "short": "SPSO", "web": "www.spso.org.uk"},
    "ENG": {"name": "Local Government and Social Care Ombudsman", "short": "LGSCO", "web": "www.lgo.org.uk"},
    "WLS": {"name": "Public Services Ombudsman for Wales", "short": "PSOW", "web": "www.ombudsman.wales"},
    "NIR": {"name": "Northern Ireland Public Services Ombudsman", "short": "NIPSO", "web": "www.nipso.org.uk"},
}


def ombudsman_for(jurisdiction: str | None) -> dict | None:
    """The ombudsman for this jurisdiction (SCT, ENG, WLS, NIR), or None for an unknown one."""
    found = OMBUDSMEN.get((jurisdiction or "").upper())
    return dict(found) if found else None
