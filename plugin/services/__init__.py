"""The service layer: the one place each rule is enforced, whoever calls (CLI, API, web, worker)."""

from .context import Actor, Context
from .errors import Conflict, Forbidden, InvalidInput, NotFound, Refused, ServiceError

__all__ = ["Actor", "Conflict", "Context", "Forbidden", "InvalidInput", "NotFound", "Refused", "ServiceError"]
