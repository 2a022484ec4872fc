"""gunicorn configuration for `contactguard serve` (`gunicorn -c python:plugin.web.gunicorn_conf`).

Event-loop workers (gevent): each connection is a greenlet on the worker's loop, not a thread, so a client that
connects and sends nothing, or sends a byte a second, holds no thread. The threaded workers this replaced
(`gthread`) handed each new connection to a pool thread that waited up to 5 s for its first bytes: 16 silent
sockets filled 2 workers x 8 threads and health checks timed out. Now:

- the request line and headers must arrive within WEB_HEADER_TIMEOUT seconds of the connection opening (or
  of the previous answer on a kept-alive connection), else the connection is closed without an answer
  (gunicorn's gevent worker applies `keepalive` to the headers of every request, the first included);
- the body must arrive within WEB_BODY_TIMEOUT seconds after, and the app sees a request only once its body
  is complete (408 otherwise), with at most WEB_THREADS requests running at once per worker: the app
  factory `plugin.app:create_served_app()` that `contactguard serve` names;
- each worker holds at most `worker_connections` connections; beyond them new ones wait in the listen backlog.

A request that keeps a worker's loop busy longer than WEB_TIMEOUT (its heartbeat stops) has the worker killed
and replaced. Read from the same settings as the service (the settings file, CONTACTGUARD_* variables over
it; validated: a wrong one stops start-up): WEB_WORKERS, WEB_THREADS, WEB_TIMEOUT, WEB_HEADER_TIMEOUT, and
HOST:PORT for the address unless `--bind` is given.

The request line, header count and header size are bounded here; the body's size by the app (1 MB; the
webhook receiver reads at most its own limit whatever the server allows).
"""

from __future__ import annotations

import os
import resource

from gunicorn.glogging import Logger, SafeAtoms

from plugin import config as _config
from plugin.logs import redact, redact_request


def _load_settings() -> _config.Settings:
    """The settings, validated as load_settings does, without its process-wide part: that imports the adapters
    and with them requests and urllib3, which take names from `ssl` when imported. Imported here, in the master,
    they would keep the unpatched `ssl` in every worker (gevent patches it in the worker, after the fork), and
    HTTPS calls from the web app would block the worker's loop. The app applies them when it loads."""
    return _config.read_settings()  # the same settings file as every other process (CONTACTGUARD_CONFIG)


def _raise_open_file_limit(wanted: int) -> None:
    """Each connection is a file: raise the soft limit towards the hard one (systemd's LimitNOFILE)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


_settings = _load_settings()

bind = [f"{_settings.HOST}:{_settings.PORT}"]
worker_class = "gevent"
workers = _settings.WEB_WORKERS
# Connections each worker holds at once (idle, arriving or answered); the rest wait in the listen backlog.
worker_connections = 1000
_raise_open_file_limit(worker_connections + 1024)  # the workers inherit it: database, log and temporary files too
# A worker whose loop is stuck this long (its heartbeat stops) is killed and replaced.
timeout = _settings.WEB_TIMEOUT
graceful_timeout = 30
# The gevent worker waits this long for each request's line and headers, the first request's included: the
# header timeout, and the keep-alive of an idle connection between requests.
keepalive = _settings.WEB_HEADER_TIMEOUT
# Recycle workers now and then (a leak can never grow without bound); jitter so they do not all restart at once.
# A worker's start costs about 1.5 s of CPU (importing the app): at 10,000 requests a busy server (1,500 webhooks
# a second) restarted a worker every 7 s and spent a tenth of its CPU starting workers, just when it was busiest.
max_requests = 100_000
max_requests_jitter = 10_000
# Bounds on what a client may send before the app sees it (gunicorn's defaults are 4094 / 100 / 8190).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# Behind a reverse proxy on the same machine: trust X-Forwarded-* from it only (gunicorn's default 127.0.0.1).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Logs go to the journal (stdout/stderr). The access log (MaskingLogger) carries no credential and no personal
# data: the webhook URL's token (the credential of helpdesks that cannot sign) is masked, query strings (a sidebar
# link's address and signature, Front's auth_secret, a search) are dropped, and only a few harmless headers kept.
accesslog = "-"
errorlog = "-"
loglevel = _settings.LOG_LEVEL.lower()
proc_name = "contactguard-web"
# gunicorn's run-time control socket (in the service user's home) is not needed: systemd restarts and reloads.
control_socket_disable = True

# The request line, the path and the referer: the webhook token masked, the query string dropped.
_REQUEST_ATOMS = frozenset({"r", "U", "f"})
# Header atoms a custom access_log_format may name; every other header (cookies, Authorization, signatures, the
# Freshdesk app's secret) and every environ atom is left out ('-').
_KEPT_HEADERS = frozenset(
    {"{user-agent}i", "{x-forwarded-for}i", "{x-request-id}i", "{content-type}i", "{content-length}i"}
    | {"{content-type}o", "{content-length}o"}
)


class RedactedAtoms(SafeAtoms):
    """gunicorn's access-log atoms with nothing a leaked log must not hold (see logs.redact_request): headers other
    than _KEPT_HEADERS, the query string and a Basic auth user name (it can be an address) are '-'; the request
    line, path and referer have the webhook token masked; every other text is redacted. Each atom is redacted, and
    its quotes escaped as gunicorn's SafeAtoms does, only when the log's format reads it: most atoms (every header,
    every environ entry) are never read, and redacting them all for each request took 8% of a web worker's CPU
    under load (issue 24)."""

    redacted_atoms = True  # each value is redacted as it is read: logs.RedactingRecord need not redact the line

    def __init__(self, atoms: dict):
        dict.__init__(self, atoms)

    def __getitem__(self, key: str):
        if key.startswith("{"):
            key = key.lower()
            if key not in _KEPT_HEADERS:
                return "-"
        elif key in ("q", "u"):
            return "-"
        if not dict.__contains__(self, key):
            return "-"
        value = dict.__getitem__(self, key)
        if not isinstance(value, str):
            return value
        return (redact_request(value) if key in _REQUEST_ATOMS else redact(value)).replace('"', '\\"')


class MaskingLogger(Logger):
    """gunicorn's logger, the access log's atoms read through RedactedAtoms."""

    atoms_wrapper_class = RedactedAtoms


logger_class = MaskingLogger


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR set, a worker that exits leaves its live gauges behind: mark it dead."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
