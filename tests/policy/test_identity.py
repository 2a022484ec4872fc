"""Identities are normalised so the same person always matches (issue 3 item 3)."""

import pytest

from plugin.identity import IdentityError, normalise


@pytest.mark.parametrize(
    "kind, raw, expected",
    [
        ("email", "Jane.Customer@Example.COM", "jane.customer@example.com"),
        ("email", "  Jane <jane@example.com> ", "jane@example.com"),
        ("phone", "07700 900123", "+447700900123"),
        ("phone", "+44 (0)7700 900123", "+447700900123"),
        ("phone", "0141 287 2000", "+441412872000"),
        ("phone", "+1 202-555-0143", "+12025550143"),
        ("helpdesk_user", " 42 ", "42"),
    ],
)
def test_normalised_forms(kind, raw, expected):
    assert normalise(kind, raw) == expected


@pytest.mark.parametrize(
    "kind, raw",
    [
        ("email", "not-an-address"),
        ("email", "a@b"),
        ("email", ""),
        ("phone", "call me"),
        ("phone", "123"),
        ("helpdesk_user", "  "),
        ("fax", "0141"),
    ],
)
def test_what_cannot_be_an_identity_is_refused_with_the_value(kind, raw):
    with pytest.raises(IdentityError):
        normalise(kind, raw)


@pytest.mark.parametrize(
    "raw, mode, expected",
    [
        ("Jane.Doe+x@GoogleMail.com", "provider_rules", "janedoe@gmail.com"),
        ("j.a.n.e.doe@gmail.com", "provider_rules", "janedoe@gmail.com"),
        ("jane.doe+tag@example.com", "provider_rules", "jane.doe@example.com"),
        ("Jane.Doe+x@GoogleMail.com", "subaddress", "jane.doe@googlemail.com"),
        ("jane.doe+tag@example.com", "subaddress", "jane.doe@example.com"),
        ("Jane.Doe+x@GoogleMail.com", "strict", "jane.doe+x@googlemail.com"),
        ("+tag@example.com", "provider_rules", "+tag@example.com"),
    ],
)
def test_email_matching_modes(raw, mode, expected):
    """Item 10: +tag sub-addresses always reach the same mailbox; Gmail ignores dots (only Gmail)."""
    assert normalise("email", raw, email_mode=mode) == expected


def test_the_default_mode_drops_subaddresses_and_gmail_dots():
    assert normalise("email", "Jane.Doe+x@googlemail.com") == "janedoe@gmail.com"
