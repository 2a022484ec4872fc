"""Hostile webhook deliveries built from each adapter's own fixtures: mutated JSON, broken bytes, random headers.

Shared by the property tests (tests/hostile, driven by Hypothesis's shrinkable Random) and by `make fuzz`
(benchmarks/fuzz.py, driven by a seeded random.Random for volume). Everything is a plain function of a Random,
so a failing case is reproducible from its seed.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

from adapters import REGISTRY

FIXTURES = Path(__file__).resolve().parent.parent / "adapters"
KEYS = sorted(REGISTRY)

# Values that have broken parsers somewhere: NUL (PostgreSQL refuses it in text), lone surrogates (no UTF-8),
# numbers beyond 64 bits or a float, strings beyond a column, wrong types, dates without a zone, deep nesting.
HOSTILE_VALUES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff",
    "é" * 3,
    "\u202e",
    "ä\u0301",
    "☃",
    "𝔘",
    "\r\n",
    "<b>x</b>",
    "[contactguard] ref x",
    "9" * 70,
    "x" * 5000,
    "2026-11-24T12:00:00",
    "2026-11-24T12:00:00Z",
    "not a date",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59",
    "jane.customer@example.com",
    "+447700900123",
    "@",
    "+",
    None,
    True,
    False,
    0,
    -1,
    1,
    2**31,
    2**63,
    2**64 + 1,
    10**30,
    -(10**30),
    1e308,
    -1e308,
    1e-308,
    0.5,
    [],
    {},
    [None],
    [[[[]]]],
    {"": None},
    {"id": None},
    {"\x00": 1},
    ["\x00"],
    [1, "a", None, {}],
]
HEADER_NAMES = [
    "X-Hub-Signature",
    "X-Zendesk-Webhook-Signature",
    "X-Zendesk-Webhook-Signature-Timestamp",
    "X-Zendesk-Webhook-Invocation-Id",
    "X-Front-Signature",
    "X-Front-Request-Timestamp",
    "X-Front-Challenge",
    "X-HubSpot-Signature",
    "X-HubSpot-Signature-v3",
    "X-HubSpot-Signature-Version",
    "X-HubSpot-Request-Timestamp",
    "X-HelpScout-Signature",
    "X-HelpScout-Event",
    "X-Zammad-Delivery",
    "X-Signature-SHA256",
    "Authorization",
    "X-Contactguard-Secret",
    "Content-Type",
]
HEADER_VALUES = [
    "",
    "é",
    "\u00ff" * 44,
    "sha1=",
    "sha1=é",
    "sha256=" + "0" * 64,
    "Basic ",
    "Basic é",
    "Basic Og==",
    "v1",
    "v2",
    "v3",
    "v9",
    "²",
    "٣",
    "-1",
    "1e3",
    "9" * 40,
    "0",
    "2026-11-24T12:00:00",
    "2026-11-24T12:00:00Z",
    "yesterday",
    "0001-01-01T00:00:00+23:59",
    "convo.created",
    "convo.customer.reply.created",
    "x" * 300,
    "\x00",
    "a\x00b",
    "application/json",
    "text/plain",
    "application/json; charset=utf-16",
]


@dataclass(frozen=True)
class Target:
    """One adapter as the fuzzer sees it: its contract spec and its fixtures (raw bytes and, if JSON, parsed)."""

    key: str
    spec: object
    secrets: dict
    fixtures: tuple[tuple[bytes, object], ...]


def target(key: str) -> Target:
    spec = importlib.import_module(f"tests.adapters.{key}.spec").SPEC
    secrets = REGISTRY[key].secrets_schema().load(spec.secrets)
    found = []
    folder = FIXTURES / key / "fixtures"
    for path in sorted([*folder.glob("*.json"), *folder.glob("*.xml")]):  # XML: Salesforce's SOAP
        raw = path.read_bytes()
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        found.append((raw, doc))
    return Target(key, spec, secrets, tuple(found))


def _paths(node, prefix=()):
    """Every path to a value in a JSON document."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _get(node, path):
    for part in path:
        node = node[part]
    return node


def _set(doc, path, value):
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def hostile_value(r: random.Random, depth: int = 0):
    """A value from the list, random text, a random number, or a random nested structure."""
    pick = r.random()
    if pick < 0.55:
        return copy.deepcopy(r.choice(HOSTILE_VALUES))  # never the shared list or dict itself
    if pick < 0.7:
        return "".join(
            chr(
                r.choice(
                    [
                        r.randrange(0, 0x80),
                        r.randrange(0x80, 0x800),
                        r.randrange(0xD800, 0xE000),
                        r.randrange(0xE000, 0x110000),
                    ]
                )
            )
            for _ in range(r.randrange(0, 12))
        )
    if pick < 0.8:
        return r.choice([r.randrange(-(2**70), 2**70), r.uniform(-1e300, 1e300), r.randrange(-5, 5)])
    if pick < 0.9 or depth > 3:
        return [hostile_value(r, depth + 1) for _ in range(r.randrange(0, 4))]
    return {
        r.choice(["id", "type", "email", "ticket", "x", "\x00", ""]): hostile_value(r, depth + 1)
        for _ in range(r.randrange(0, 4))
    }


def mutate_doc(r: random.Random, doc):
    """One to four structural mutations of a JSON document: replace, delete, retype or copy a value."""
    doc = json.loads(json.dumps(doc))
    for _ in range(r.randrange(1, 5)):
        paths = list(_paths(doc))
        path = r.choice(paths)
        action = r.random()
        if action < 0.6:
            doc = _set(doc, path, hostile_value(r))
        elif action < 0.75 and path:
            parent = _get(doc, path[:-1])
            del parent[path[-1]]
        elif action < 0.85:
            value = _get(doc, path)
            if isinstance(value, dict):
                doc = _set(doc, path, list(value.values()))
            elif isinstance(value, list):
                doc = _set(doc, path, {str(i): v for i, v in enumerate(value)})
            else:
                doc = _set(doc, path, [value] if r.random() < 0.5 else str(value))
        else:
            doc = _set(doc, path, json.loads(json.dumps(_get(doc, r.choice(paths)))))
    return doc


def encode(r: random.Random, doc) -> bytes:
    """JSON text as a helpdesk might send it (or not): ASCII or UTF-8; lone surrogates stay escaped."""
    try:
        return json.dumps(doc, ensure_ascii=r.random() < 0.5).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(doc).encode()


def mutate_bytes(r: random.Random, raw: bytes) -> bytes:
    """Broken bytes: truncated, a byte flipped, invalid UTF-8, a BOM, another encoding, wrapped or nested deep."""
    action = r.randrange(9)
    if action == 0 and raw:
        return raw[: r.randrange(len(raw))]
    if action == 1 and raw:
        i = r.randrange(len(raw))
        return raw[:i] + bytes([r.randrange(256)]) + raw[i + 1 :]
    if action == 2:
        i = r.randrange(len(raw) + 1)
        return raw[:i] + r.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\\u0000", b"\\ud800"]) + raw[i:]
    if action == 3:
        return b"\xef\xbb\xbf" + raw
    if action == 4:
        try:
            return raw.decode("utf-8").encode(r.choice(["utf-16", "utf-32", "latin-1"]), "replace")
        except UnicodeDecodeError:
            return raw
    if action == 5:
        return b"[" + raw + b"]"
    if action == 6:
        depth = r.choice([10, 100, 999, 1000, 5000, 50000])
        return b"[" * depth + raw + b"]" * depth
    if action == 7:
        return r.choice(
            [
                b"",
                b"null",
                b"true",
                b"42",
                b'"x"',
                b"[]",
                b"{}",
                b"NaN",
                b"1e999",
                b"9" * 5000,
                b'{"a":' * 2000 + b"1" + b"}" * 2000,
                b"[" * 100000,
            ]
        )
    return bytes(r.randrange(256) for _ in range(r.randrange(0, 64)))


def random_json(r: random.Random, depth: int = 0):
    """A random JSON document owing nothing to the fixtures."""
    if depth > 4 or r.random() < 0.3:
        return hostile_value(r, 4)
    if r.random() < 0.5:
        return [random_json(r, depth + 1) for _ in range(r.randrange(0, 5))]
    return {
        r.choice(
            [
                "id",
                "type",
                "ticket",
                "payload",
                "event",
                "data",
                "item",
                "freshdesk_webhook",
                "detail",
                "conversation",
                "article",
                "eventId",
                "topic",
                "followup_id",
                "x",
            ]
        ): random_json(r, depth + 1)
        for _ in range(r.randrange(0, 5))
    }


def random_headers(r: random.Random) -> dict:
    """Signature-like headers with hostile values."""
    return {
        r.choice(HEADER_NAMES): r.choice(
            HEADER_VALUES + ["".join(chr(r.randrange(32, 256)) for _ in range(r.randrange(0, 50)))]
        )
        for _ in range(r.randrange(0, 5))
    }


def delivery(r: random.Random, t: Target, now: dt.datetime) -> tuple[bytes, dict]:
    """One hostile delivery for the adapter: (raw body, headers). Most are signed properly, so the parser is
    reached; some carry random signature-like headers instead of (or on top of) the right ones."""
    raw, doc = r.choice(t.fixtures)
    kind = r.random()
    if kind < 0.6 and doc is not None:
        raw = encode(r, mutate_doc(r, doc))
    elif kind < 0.8:
        raw = mutate_bytes(r, raw)
    elif kind < 0.9:
        raw = encode(r, random_json(r))
    headers = {"Content-Type": "application/json"}
    signed = r.random()
    if signed < 0.8:
        headers.update(t.spec.sign(raw, t.secrets, now))
    elif signed < 0.9:
        headers.update({**t.spec.sign(raw, t.secrets, now), **random_headers(r)})
    else:
        headers.update(random_headers(r))
    return raw, headers


def hostile_path(r: random.Random, path: str) -> str:
    """The webhook URL, usually as registered; sometimes with its token broken: NUL (escaped or raw), a lone
    surrogate's bytes, dots, a token far too long, or none (issue 21: `POST /webhooks/%00` answered 500)."""
    if r.random() < 0.85:
        return path
    token = path.rsplit("/", 1)[1]
    return "/webhooks/" + r.choice(
        [
            "%00",
            token + "%00",
            token[:5] + "%00" + token[5:],
            "%ED%A0%80",
            "%FF%FE",
            "..%2F..%2Fadmin",
            "x" * 5000,
            token.upper(),
            "",
            "9" * 40,
        ]
    )
