"""Helpdesk adapters: one folder each; REGISTRY lists them (adding one touches no other)."""
from __future__ import annotations

from .base import Adapter
from .django_helpdesk.adapter import DjangoHelpdeskAdapter
from .generic.adapter import GenericJsonAdapter

REGISTRY: dict[str, Adapter] = {a.key: a for a in (DjangoHelpdeskAdapter(), GenericJsonAdapter())}


def get_adapter(key: str) -> Adapter:
    """The adapter registered under `key`."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown adapter {key!r}; known: {', '.join(sorted(REGISTRY))}") from None
