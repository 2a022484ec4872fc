"""Ingest load from wrk (Debian's `apt-get install wrk`): a compiled client, so the load generator does not
take the servers' CPU on a 2-core machine the way a Python one does.

Every request must be a distinct, correctly signed delivery (a repeated delivery is a cheaper duplicate),
and wrk's LuaJIT has no HMAC, so the bodies and their signatures are computed here and written into the Lua
script as a table; each wrk thread walks its own share of it (thread k takes k, k + threads, ...). There
are enough bodies for the run at well above the rates measured; `repeats` in the result says if a thread
ever wrapped round (then its requests were duplicates, and the figure flatters the server).

The script's `done` prints one JSON line: requests, duration, errors (socket and non-2xx answers) and the
latency percentiles from wrk's own distribution (HdrHistogram, microseconds).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PERCENTILES = (50, 90, 99, 99.9)
THREADS = 2

SCRIPT = """
local deliveries = {
%(rows)s
}
local count = #deliveries
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  position = id
  wrapped = 0
end

function request()
  local delivery = deliveries[position]
  position = position + %(threads)d
  if position > count then
    position = id
    wrapped = wrapped + 1
  end
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Signature-SHA256"] = delivery[2]
  return wrk.format("POST", nil, nil, delivery[1])
end

function done(summary, latency, requests)
  local repeats = 0
  for _, thread in ipairs(threads) do
    repeats = repeats + (thread:get("wrapped") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "errors": %%d, "repeats": %%d, "percentiles_us": {%(percentiles)s}}\\n',
    summary.requests, summary.duration / 1e6,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout, repeats,
    %(percentile_calls)s))
end
"""


@dataclass
class WrkResult:
    """One wrk run: its count, duration, errors and latency percentiles (ms)."""

    requests: int
    seconds: float
    errors: int
    repeats: int
    percentiles_ms: dict[float, float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        return self.percentiles_ms[p]

    def line(self, name: str) -> str:
        return (
            f"{name}: {self.rate:.0f} req/s, p50 {self.percentile(50):.1f} ms, p99 {self.percentile(99):.1f} ms, "
            f"errors {self.errors}, repeated bodies {self.repeats} (wrk)"
        )


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(text: str) -> str:
    level = "=" * 4
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


def write_script(path: Path, make_request: Callable[[int], tuple[bytes, dict]], count: int) -> None:
    """A wrk script sending deliveries make_request(0) .. make_request(count - 1), each once."""
    rows = []
    for i in range(count):
        body, headers = make_request(i)
        rows.append(f"  {{{_lua_string(body.decode())}, {_lua_string(headers['X-Signature-SHA256'])}}},")
    keys = ", ".join(f'"{p}": %d' for p in PERCENTILES)
    calls = ", ".join(f"latency:percentile({p})" for p in PERCENTILES)
    path.write_text(
        SCRIPT % {"rows": "\n".join(rows), "threads": THREADS, "percentiles": keys, "percentile_calls": calls}
    )


def run_wrk(
    port: int, path: str, make_request, seconds: float, connections: int = 16, bodies: int = 60_000
) -> WrkResult:
    """`connections` keep-alive connections from THREADS wrk threads for `seconds`, distinct signed bodies."""
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "deliveries.lua"
        write_script(script, make_request, bodies)
        output = subprocess.run(
            [
                "wrk",
                f"-t{THREADS}",
                f"-c{connections}",
                f"-d{seconds:.0f}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}{path}",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    figures = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    return WrkResult(
        figures["requests"],
        figures["seconds"],
        figures["errors"],
        figures["repeats"],
        {p: figures["percentiles_us"][str(p)] / 1000 for p in PERCENTILES},
    )
