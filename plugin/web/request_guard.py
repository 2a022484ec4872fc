"""What every request must be before any view or the database sees it (issue 21: hostile input answers 4xx).

- a body over BODY_LIMIT is refused from its Content-Length, before it is read (413); the webhook receiver keeps
  its own limit and reading loop (webhooks/receiver.py);
- a NUL anywhere in the path or the query is 404 / 400: PostgreSQL refuses NUL, so it must never reach a query
  (an anonymous `POST /webhooks/%00` answered 500 and would have fired the 5xx alert);
- an id in a URL is a database integer: a larger one matches no route (404), never an overflow;
- a JSON body to the API is parsed strictly first: nesting depth, integer size, lone surrogates, NUL characters,
  duplicate keys and NaN are refused with a message that says which (400).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import abort, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

BODY_LIMIT = 1024 * 1024  # bytes, for every route that does not set its own
MAX_DEPTH = 32  # arrays and objects inside each other: a real request to the API needs 4
MAX_DIGITS = 20  # an integer in a JSON body: ids and counts; more digits is not a number anyone means
DB_INT_MAX = 2**31 - 1  # PostgreSQL's integer, the type of every id column


class DatabaseInteger(IntegerConverter):
    """`<int:...>` in every route: 0 to 2**31 - 1, so an id too large for the database matches no route (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app) -> None:
    """The body limit, the id converter and the checks before every request."""
    app.config["MAX_CONTENT_LENGTH"] = BODY_LIMIT
    app.url_map.converters["int"] = DatabaseInteger
    app.before_request(_check_request)


def _check_request() -> None:
    if "\x00" in request.path:
        abort(404)
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        raise BadRequest("the query contains a NUL character")
    limit = request.max_content_length
    webhook = request.blueprint == "webhooks"  # the receiver checks its token first, then its own limit
    if limit is not None and not webhook and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(f"the body is over {limit} bytes")
    if request.path.startswith("/api/") and request.is_json and request.content_length:
        try:
            strict_loads(request.get_data(cache=True))
        except ValueError as exc:
            raise BadRequest(f"invalid JSON: {exc}") from None


def strict_loads(raw: bytes):
    """JSON as a careful API reads it; ValueError naming what is wrong (never RecursionError)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8 text") from None
    try:
        data = json.loads(text, parse_int=_integer, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    _check_values(data)
    return data


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"an integer of {len(digits)} digits is too large (at most {MAX_DIGITS})")
    return int(digits)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _no_duplicates(pairs: list) -> dict:
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key[:40]!r} in an object")
        seen[key] = value
    return seen


def _check_values(data) -> None:
    """Depth, lone surrogates and NUL characters anywhere: in keys as in values."""
    for depth, text in _walk(data):
        if depth > MAX_DEPTH:
            raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
        if text is None:
            continue
        if "\x00" in text:
            raise ValueError("a string contains a NUL character")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a string contains a lone surrogate (invalid Unicode)") from None


def _walk(data, depth: int = 0) -> Iterator[tuple[int, str | None]]:
    stack = [(data, depth)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            yield level + 1, None
            for key, item in value.items():
                yield level + 1, key
                stack.append((item, level + 1))
        elif isinstance(value, list):
            yield level + 1, None
            stack.extend((item, level + 1) for item in value)
        elif isinstance(value, str):
            yield level, value
