"""A small closed-loop load generator: N keep-alive connections on loopback, bounded in count and time.

`make bench` uses wrk (benchmarks/wrk.py) and falls back to this when wrk is not installed. Its cap: its
threads run Python under one GIL on the same two cores as the servers, so it takes CPU from the server it
measures and adds its own scheduling delay to every latency; its p99 is an upper bound, and a fast server
(the bare receivers) is held back more than a slow one, which flatters the ingest ratio."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    def line(self, name: str) -> str:
        return (
            f"{name}: {self.rate:.0f} req/s, p50 {self.percentile(50):.1f} ms, p99 {self.percentile(99):.1f} ms, "
            f"errors {self.errors}, mean {statistics.fmean(self.latencies_ms):.1f} ms"
        )


def run_load(
    port: int, path: str, make_request, connections: int = 16, per_connection: int = 250, max_seconds: float = 120.0
) -> LoadResult:
    """`make_request(i)` returns (body bytes, headers); each connection sends `per_connection` requests."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for n in range(per_connection):
            if time.monotonic() > deadline:
                break
            body, headers = make_request(offset * per_connection + n)
            start = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - start) * 1000)
            if not ok:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max_seconds + 30)
    return LoadResult(len(latencies), time.perf_counter() - started, errors[0], latencies)
