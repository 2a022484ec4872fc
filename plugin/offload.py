"""CPU-heavy work kept off gevent's event loop.

`contactguard serve` runs gevent workers (plugin/web/gunicorn_conf.py): one event loop serves every connection of
a worker, so a call that holds the CPU for half a second (an argon2 password check, a PDF letter) would stall every
health check and webhook of that worker meanwhile. Under gevent such a call runs in gevent's thread pool instead
(argon2 and WeasyPrint's C code release the GIL); anywhere else (the CLI, the worker, tests) it runs as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def under_gevent() -> bool:
    """Whether this process's sockets are gevent's (the served app's workers)."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency; a slimmed install may lack it
        return False
    return bool(monkey.is_module_patched("socket"))


def off_the_event_loop(fn: Callable[..., T], *args) -> T:
    """`fn(*args)`, in gevent's thread pool when under gevent (so the loop serves other connections meanwhile)."""
    if not under_gevent():
        return fn(*args)
    import gevent

    return gevent.get_hub().threadpool.apply(fn, args)
