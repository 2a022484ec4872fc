"""manifest.json's adapters section, derived from the adapter registry (`python -m plugin.manifest` rewrites it).

The test suite checks manifest.json against the registry both ways, so the two cannot drift.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from marshmallow import fields

from adapters import REGISTRY

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.json"
TYPES = {
    fields.String: "string",
    fields.Integer: "integer",
    fields.Boolean: "boolean",
    fields.Url: "string",
    fields.Email: "string",
    fields.Dict: "object",
    fields.List: "array",
    fields.Nested: "object",
    fields.Float: "number",
}


def _type(field) -> str:
    for cls in type(field).__mro__:
        if cls in TYPES:
            return TYPES[cls]
    return "string"


def _describe(schema_cls) -> dict:
    out = {}
    for name, field in schema_cls().fields.items():
        spec = {
            "type": _type(field),
            "required": bool(field.required),
            "secret": bool(field.metadata.get("secret", False)),
        }
        if field.metadata.get("description"):
            spec["description"] = field.metadata["description"]
        out[name] = spec
    return out


def adapters_section() -> list[dict]:
    """Every registered adapter with its events and settings schema (secrets marked)."""
    return [
        {
            "key": key,
            "title": adapter.title,
            "events": list(adapter.events),
            "settings": _describe(adapter.settings_schema),
            "secrets": _describe(adapter.secrets_schema),
        }
        for key, adapter in sorted(REGISTRY.items())
    ]


def main() -> None:
    data = json.loads(MANIFEST.read_text())
    data["adapters"] = adapters_section()
    data["events"] = sorted({e for a in REGISTRY.values() for e in a.events})
    MANIFEST.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {len(data['adapters'])} adapters to {MANIFEST}", file=sys.stderr)


if __name__ == "__main__":
    main()
