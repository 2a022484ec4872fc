"""Latency at a fixed offered rate (open loop, as wrk2 measures it), from Debian's wrk and a Lua script.

A closed-loop run (N connections, each sending as soon as its last answer came) measures the queue: a
server's mean latency there is connections / rate, whatever it does. Here each connection sends on a fixed
schedule instead (rate / connections a second, the connections' schedules staggered), and a request's latency
is counted from when the schedule said to send it, not from when it went: a slow answer that makes the next
request late is counted against the server in that next request too (no coordinated omission). A request
sent late only by the generator's own timer (wrk's timers have a millisecond's grain) is counted from when
it went, since that lateness is the generator's, not the server's.

wrk 4 (Debian's) has no rate option, but its scripts are LuaJIT with the FFI: the script reads the
monotonic clock itself, paces each thread with `delay()`, and records every latency. One connection per
wrk thread, so a thread's request and response callbacks belong to the same connection. wrk is a compiled
client in its own process: at these rates it takes a few per cent of one core, where a Python generator
would take a large share of the two cores the servers run on.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .wrk import _lua_string

CONNECTIONS = 32  # wrk threads, one connection each: at 1,500 requests a second, one every 21 ms on each

SCRIPT = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } cg_timespec;
int clock_gettime(int clk_id, cg_timespec *tp);
]]
local clock = ffi.new("cg_timespec")
local function now_us()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1e6 + tonumber(clock.tv_nsec) / 1e3
end

local deliveries = {
%(rows)s
}
local count = #deliveries
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  interval = 1e6 / %(per_connection_rate)f
  position = id + 1
  -- the connections' schedules are staggered over one interval, and begin after a short settling time
  intended = now_us() + 200000 + interval * id / %(connections)d
  answered = 0
  started = 0
  latencies = {}
  errors = 0
  repeats = 0
end

function delay()
  local wait = intended - now_us()
  if wait <= 0 then
    return 0
  end
  return math.ceil(wait / 1000)
end

function request()
  local sent = now_us()
  -- late because the last answer came after this request was due: the server's doing, counted from when it
  -- was due; otherwise any lateness is the generator's own timer, counted from when it went
  if answered > intended then
    started = intended
  else
    started = sent
  end
  intended = intended + interval
  local delivery = deliveries[position]
  position = position + %(connections)d
  if position > count then
    position = id + 1
    repeats = repeats + 1
  end
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Signature-SHA256"] = delivery[2]
  return wrk.format("POST", nil, nil, delivery[1])
end

function response(status, headers, body)
  answered = now_us()
  latencies[#latencies + 1] = math.floor(answered - started)
  if status > 299 then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local all = {}
  local failed = 0
  local repeated = 0
  for _, thread in ipairs(threads) do
    for _, value in ipairs(thread:get("latencies")) do
      all[#all + 1] = value
    end
    failed = failed + thread:get("errors")
    repeated = repeated + thread:get("repeats")
  end
  local e = summary.errors
  failed = failed + e.connect + e.read + e.write + e.timeout
  io.write(string.format('{"seconds": %%f, "errors": %%d, "repeats": %%d, "latencies_us": [%%s]}\\n',
    summary.duration / 1e6, failed, repeated, table.concat(all, ",")))
end
"""


@dataclass
class OpenLoopResult:
    """One open-loop run: the offered rate, what was answered, and the latency distribution (ms)."""

    offered: float
    seconds: float
    errors: int
    repeats: int
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("inf")

    def line(self, name: str) -> str:
        return (
            f"{name}: offered {self.offered:.0f}/s, answered {self.rate:.0f}/s, p50 {self.percentile(50):.1f} ms, "
            f"p99 {self.percentile(99):.1f} ms, errors {self.errors}, repeated bodies {self.repeats} (wrk, open loop)"
        )


def write_script(path: Path, make_request: Callable[[int], tuple[bytes, dict]], count: int, rate: float) -> None:
    rows = []
    for i in range(count):
        body, headers = make_request(i)
        rows.append(f"  {{{_lua_string(body.decode())}, {_lua_string(headers['X-Signature-SHA256'])}}},")
    path.write_text(
        SCRIPT % {"rows": "\n".join(rows), "connections": CONNECTIONS, "per_connection_rate": rate / CONNECTIONS}
    )


def run(port: int, path: str, make_request, rate: float, seconds: float) -> OpenLoopResult:
    """`rate` requests a second for `seconds` over CONNECTIONS connections, each a distinct signed delivery."""
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "open_loop.lua"
        write_script(script, make_request, int(rate * (seconds + 2)) + CONNECTIONS, rate)
        output = subprocess.run(
            [
                "wrk",
                f"-t{CONNECTIONS}",
                f"-c{CONNECTIONS}",
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
    return OpenLoopResult(
        rate, figures["seconds"], figures["errors"], figures["repeats"], [v / 1000 for v in figures["latencies_us"]]
    )
