"""Helpdesk adapters: one folder each; REGISTRY lists them (adding one touches no other)."""

from __future__ import annotations

from .base import Adapter
from .django_helpdesk.adapter import DjangoHelpdeskAdapter
from .dynamics365.adapter import Dynamics365Adapter  # ADAPTER:dynamics365
from .freshdesk.adapter import FreshdeskAdapter  # ADAPTER:freshdesk
from .front.adapter import FrontAdapter  # ADAPTER:front
from .generic.adapter import GenericJsonAdapter
from .helpscout.adapter import HelpScoutAdapter  # ADAPTER:helpscout
from .hubspot.adapter import HubSpotAdapter  # ADAPTER:hubspot
from .intercom.adapter import IntercomAdapter  # ADAPTER:intercom
from .request_tracker.adapter import RequestTrackerAdapter  # ADAPTER:request_tracker
from .salesforce.adapter import SalesforceAdapter  # ADAPTER:salesforce
from .zammad.adapter import ZammadAdapter  # ADAPTER:zammad
from .zendesk.adapter import ZendeskAdapter  # ADAPTER:zendesk

_ADAPTERS: list[Adapter] = [
    DjangoHelpdeskAdapter(),
    GenericJsonAdapter(),
    ZendeskAdapter(),  # ADAPTER:zendesk
    FreshdeskAdapter(),  # ADAPTER:freshdesk
    HubSpotAdapter(),  # ADAPTER:hubspot
    ZammadAdapter(),  # ADAPTER:zammad
    IntercomAdapter(),  # ADAPTER:intercom
    HelpScoutAdapter(),  # ADAPTER:helpscout
    FrontAdapter(),  # ADAPTER:front
    Dynamics365Adapter(),  # ADAPTER:dynamics365
    SalesforceAdapter(),  # ADAPTER:salesforce
    RequestTrackerAdapter(),  # ADAPTER:request_tracker
]
REGISTRY: dict[str, Adapter] = {a.key: a for a in _ADAPTERS}


def get_adapter(key: str) -> Adapter:
    """The adapter registered under `key`."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown adapter {key!r}; known: {', '.join(sorted(REGISTRY))}") from None
