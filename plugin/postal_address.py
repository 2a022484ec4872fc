"""UK postal addresses: the postcode checked and written as Royal Mail writes it, the lines a letter prints.

A postcode is accepted in any case and spacing ("eh11yz", "EH1  1YZ") and kept in its normal form: upper case,
one space before the last three characters ("EH1 1YZ"). The shape is Royal Mail's (outward code: area, district;
inward code: sector, unit), so a typo such as "EH1 1Y" or "EH11 YZ1" is refused; whether the postcode exists is
not checked (that needs the Postcode Address File).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The outward code (A9, A99, AA9, AA99, A9A, AA9A) then the inward code (9AA), without the space; GIR 0AA is
# Girobank's. Letters Royal Mail never uses in each position are left out, as in the UK government's data standard.
POSTCODE = re.compile(
    r"^(?:GIR0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPS-UW]|[A-HK-Y][0-9][ABEHMNPRV-Y])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
EXAMPLE = "EH1 1YZ"
LINE_LIMIT = 100  # Royal Mail's PAF lines are shorter; this leaves room for a flat and building name
POSTCODE_LIMIT = 16  # before spaces are taken out


class PostcodeError(ValueError):
    """Not the shape of a UK postcode; the message says what was typed and what one looks like."""


def normalise_postcode(value: str) -> str:
    """The postcode in upper case with one space before the inward code ("eh11yz" -> "EH1 1YZ")."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not compact:
        raise PostcodeError(f"enter the postcode, like {EXAMPLE}")
    if not POSTCODE.match(compact):
        raise PostcodeError(f"the postcode {value.strip()} is not a UK postcode: enter it like {EXAMPLE}")
    return f"{compact[:-3]} {compact[-3:]}"


@dataclass(frozen=True)
class PostalAddress:
    """A customer's address for letters: two lines, the post town, the county if wanted, the postcode."""

    line_1: str
    line_2: str | None
    town: str
    county: str | None
    postcode: str

    def lines(self) -> list[str]:
        """The lines as printed on an envelope, empty ones left out (the town in capitals, as Royal Mail asks)."""
        return [line for line in (self.line_1, self.line_2, self.town.upper(), self.county, self.postcode) if line]

    def as_dict(self) -> dict:
        return {
            "line_1": self.line_1,
            "line_2": self.line_2,
            "town": self.town,
            "county": self.county,
            "postcode": self.postcode,
        }
