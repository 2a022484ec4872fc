"""What `contactguard serve` runs: the app behind a guard, so slow and idle clients cannot stop the service.

gunicorn's gevent workers (plugin/web/gunicorn_conf.py) give each connection a greenlet on the worker's event
loop, not a thread: a client that sends nothing, or one byte a second, costs a socket and a few kilobytes,
never one of the threads the requests run in. gunicorn bounds the request line and headers: they must arrive
within WEB_HEADER_TIMEOUT seconds, or the connection is closed without an answer. This module bounds the body
and what runs at once:

- BodyGuard reads a request's whole body (up to BUFFER_LIMIT bytes) before the app sees the request, within
  WEB_BODY_TIMEOUT seconds of its headers; a body not complete by then is answered 408 and never reaches the
  app. So no view waits on a client while it holds a database connection, and a body that ends before its
  Content-Length reaches the app as cut short (werkzeug raises ClientDisconnected: the webhook answers 400 and
  stores nothing), never as a shorter body parsed as if whole.
- At most WEB_THREADS complete requests run in the app at once in each worker (as many as the threads of the
  old threaded workers), so database connections and memory stay bounded however many clients are connected.
"""

from __future__ import annotations

import collections
import io
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import gevent
from gevent import monkey
from werkzeug.wsgi import ClosingIterator

from ..config import settings_of

log = logging.getLogger(__name__)
# Read ahead of the app: above every route's own limit (1 MB, plugin/web/request_guard.py, webhooks/receiver.py),
# so a body over a limit still reaches the app's own 413. Past it the rest is read as the app asks, by the same
# deadline.
BUFFER_LIMIT = 1024 * 1024 + 64 * 1024
SPOOL_BYTES = 256 * 1024  # a larger body waits in a temporary file, not in memory, while it arrives
CHUNK = 64 * 1024
TIMED_OUT = b'{"code": "request_timeout", "status": 408, "message": "the request body did not arrive in time"}\n'

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


class BodyTimeout(TimeoutError):
    """The body did not arrive within WEB_BODY_TIMEOUT seconds (an OSError: werkzeug makes it ClientDisconnected)."""


def read_by(stream: Any, size: int, deadline: float) -> bytes:
    """Up to `size` bytes from the client, or BodyTimeout once the monotonic `deadline` has passed."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise BodyTimeout()
    with gevent.Timeout(remaining, BodyTimeout):
        return stream.read(size)


class RestOfBody(io.RawIOBase):
    """The buffered start of a body, then what is left of it from the client, read by the same deadline."""

    def __init__(self, head: Any, rest: Any, deadline: float):
        super().__init__()
        self.head, self.rest, self.deadline = head, rest, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.head.readinto(buffer)
        if count or self.rest is None:
            return count
        data = read_by(self.rest, len(buffer), self.deadline)
        buffer[: len(data)] = data
        return len(data)


def content_length(environ: dict) -> int | None:
    """The request's Content-Length (None without one; gunicorn has refused one that is not a number)."""
    value = environ.get("CONTENT_LENGTH")
    return int(value) if value else None


def has_body(environ: dict) -> bool:
    return bool(content_length(environ)) or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


def buffer_body(environ: dict, spool: Any, deadline: float) -> None:
    """Read the body into `spool` before the app runs, and give the app that instead of the socket."""
    length = content_length(environ)
    client = environ["wsgi.input"]
    if length is not None and length > BUFFER_LIMIT:  # the app refuses it by its length without reading it
        environ["wsgi.input"] = RestOfBody(spool, client, deadline)
        return
    size, ended = 0, False
    while size < BUFFER_LIMIT:
        data = read_by(client, min(CHUNK, BUFFER_LIMIT - size), deadline)
        if not data:
            ended = True
            break
        spool.write(data)
        size += len(data)
    spool.seek(0)
    if length is not None:
        # werkzeug then reads at most Content-Length and raises ClientDisconnected if the body ended before it.
        environ.pop("wsgi.input_terminated", None)
        environ["wsgi.input"] = spool
    else:  # chunked: the body ends where the client said it ends (gunicorn decodes the chunks)
        environ["wsgi.input"] = RestOfBody(spool, None if ended else client, deadline)


class Slots:
    """At most `count` holders at once, served in the order they asked: a slot given back goes straight to the
    longest waiter. (A plain semaphore lets a keep-alive connection that gives its slot back take it again at
    once, ahead of the others: with 4 slots for 8 busy connections one request in a hundred waited seconds.)"""

    def __init__(self, count: int):
        self._free = count
        self._waiting: collections.deque[threading.Event] = collections.deque()
        self._lock = threading.Lock()  # gevent's, once the worker has patched threading

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn = threading.Event()
            self._waiting.append(turn)
        try:
            turn.wait()  # release() hands this slot over
        except BaseException:  # the worker stopping: a slot handed over meanwhile goes on to the next waiter
            with self._lock:
                if turn in self._waiting:
                    self._waiting.remove(turn)
                    raise
            self.release()
            raise

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._free += 1


class BodyGuard:
    """WSGI middleware: each request's body complete before the app sees it, and at most `slots` requests in the
    app at once (see the module's docstring)."""

    def __init__(self, app: WsgiApp, body_timeout: float, slots: int):
        self.app, self.body_timeout = app, body_timeout
        self.slots = Slots(slots)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        closers: list[Callable[[], None]] = []
        if has_body(environ):
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed with the answer
            closers.append(spool.close)
            try:
                buffer_body(environ, spool, time.monotonic() + self.body_timeout)
            except BodyTimeout:
                spool.close()
                log.warning("request body not complete within %ss: answered 408", self.body_timeout)
                headers = [("Content-Type", "application/json"), ("Content-Length", str(len(TIMED_OUT)))]
                start_response("408 Request Timeout", headers)
                return [TIMED_OUT]
            except BaseException:
                spool.close()
                raise
        self.slots.acquire()
        closers.insert(0, self.slots.release)
        try:
            answer = self.app(environ, start_response)
        except BaseException:
            for close in closers:
                close()
            raise
        return ClosingIterator(answer, closers)  # the slot and the body are held until the answer has been sent


def served(app) -> BodyGuard:
    """`app` as `contactguard serve` runs it (plugin.app.create_served_app): complete bodies only, WEB_THREADS at once."""
    if not monkey.is_module_patched("socket"):
        log.warning("not running in a gevent worker: the body timeout cannot interrupt a slow client")
    settings = settings_of(app)
    return BodyGuard(app, settings.WEB_BODY_TIMEOUT, settings.WEB_THREADS)
