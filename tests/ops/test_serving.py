"""plugin/web/serving.py in-process: the body guard and the request slots that `contactguard serve` puts in front
of the app (tests/ops/test_serve.py checks the same against the real server)."""

import io
import os
import subprocess
import sys
import threading

import gevent
import pytest
from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request

from plugin.web.serving import BUFFER_LIMIT, BodyGuard, Slots


class StalledInput:
    """A client that sends `data` and then nothing more (reads wait on gevent, as on a patched socket)."""

    def __init__(self, data: bytes):
        self.data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        chunk = self.data.read(size)
        if not chunk:
            gevent.sleep(30)
        return chunk


def _call(app, body, length: int | None, chunked: bool = False):
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "SERVER_NAME": "x",
        "SERVER_PORT": "80",
        "wsgi.input": body,
        "wsgi.input_terminated": True,
        "wsgi.url_scheme": "http",
    }
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    if chunked:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    answer: dict = {}

    def start_response(status, headers):
        answer.update(status=status, headers=dict(headers))

    body = app(environ, start_response)
    answer["body"] = b"".join(body)
    getattr(body, "close", lambda: None)()  # as a WSGI server does once the answer is sent
    return answer


def _reading_app(seen: list):
    def app(environ, start_response):
        try:
            seen.append(Request(environ).get_data())
        except ClientDisconnected:
            seen.append("cut short")
        start_response("200 OK", [])
        return [b"ok"]

    return app


def test_a_body_that_stops_arriving_is_answered_408_and_the_app_never_runs():
    seen: list = []
    answer = _call(BodyGuard(_reading_app(seen), body_timeout=0.05, slots=1), StalledInput(b"{}"), length=100)
    assert answer["status"] == "408 Request Timeout"
    assert b"request_timeout" in answer["body"]
    assert seen == []


def test_the_app_reads_a_complete_body_whole_and_one_shorter_than_its_length_as_cut_short():
    seen: list = []
    guard = BodyGuard(_reading_app(seen), body_timeout=5, slots=1)
    assert _call(guard, io.BytesIO(b'{"a": 1}'), length=8)["status"] == "200 OK"
    assert _call(guard, io.BytesIO(b'{"a": 1}'), length=58)["status"] == "200 OK"
    assert seen == [b'{"a": 1}', "cut short"]


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_read_ahead_reaches_the_app_in_full(chunked):
    seen: list = []
    body = b"x" * (BUFFER_LIMIT + 10)
    guard = BodyGuard(_reading_app(seen), body_timeout=5, slots=1)
    _call(guard, io.BytesIO(body), length=None if chunked else len(body), chunked=chunked)
    assert seen == [body]


def test_a_slot_given_back_goes_to_the_longest_waiter_not_back_to_its_holder():
    slots, order = Slots(1), []
    slots.acquire()
    waiter_queued = threading.Event()

    def waiter():
        waiter_queued.set()
        slots.acquire()
        order.append("waiter")
        slots.release()

    thread = threading.Thread(target=waiter)
    thread.start()
    waiter_queued.wait(5)
    while not slots._waiting:  # the waiter is in the queue
        thread.join(0.01)
    slots.release()
    slots.acquire()  # a keep-alive connection's next request, asking again at once
    order.append("holder")
    slots.release()
    thread.join(5)
    assert order == ["waiter", "holder"]


def test_the_gunicorn_master_imports_no_http_client_and_no_database_driver(tmp_path):
    """Each gevent worker patches ssl, socket and select after the fork; a module the master imported before keeps
    the unpatched ones (urllib3 takes names from ssl, psycopg picks its wait function on import), and the app's
    HTTPS calls and queries would then block the worker's loop instead of letting other requests run."""
    code = (
        "import sys, plugin.web.gunicorn_conf; "
        "print(sorted(m for m in ('requests', 'urllib3', 'jwt', 'psycopg', 'sqlalchemy') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTGUARD_")}
    env["CONTACTGUARD_INSTANCE_PATH"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
