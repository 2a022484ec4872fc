"""gunicorn configuration for `contactguard serve` (`gunicorn -c python:plugin.web.gunicorn_conf`).

Threaded workers (`gthread`): a connection that sends nothing holds no worker. With the old `sync`
workers, two idle connections (a port scanner, a stalled proxy) blocked every webhook until they
timed out; a gthread worker waits for a request's first bytes in its poller, not in a thread, and
each worker serves WEB_THREADS requests at once. Django-helpdesk gives up after 3 s, Zendesk after
about 10 s, so a request that takes longer than WEB_TIMEOUT is abandoned and the worker replaced.

Read from the same CONTACTGUARD_* settings as the service (validated: a wrong one stops start-up):
WEB_WORKERS, WEB_THREADS, WEB_TIMEOUT, and HOST:PORT for the address unless `--bind` is given.

The request line, header count and header size are bounded here; the webhook body's size is bounded
by the receiver itself (it reads at most its limit, whatever the server in front of it allows).
"""

from __future__ import annotations

import os
import re

from gunicorn.glogging import Logger

from plugin.config import load_settings

_settings = load_settings()

bind = [f"{_settings.HOST}:{_settings.PORT}"]
worker_class = "gthread"
workers = _settings.WEB_WORKERS
threads = _settings.WEB_THREADS
# A worker silent for this long (a request stuck that long) is killed and replaced.
timeout = _settings.WEB_TIMEOUT
graceful_timeout = 30
# Helpdesks post one event at a time: a short keep-alive frees idle connections quickly.
keepalive = 2
# Recycle workers now and then (a leak can never grow without bound); jitter so they do not all restart at once.
max_requests = 10_000
max_requests_jitter = 1_000
# Bounds on what a client may send before the app sees it (gunicorn's defaults are 4094 / 100 / 8190).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# Behind a reverse proxy on the same machine: trust X-Forwarded-* from it only (gunicorn's default 127.0.0.1).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Logs go to the journal (stdout/stderr). The webhook URL's token is a credential for helpdesks that
# cannot sign: the access log masks it (MaskingLogger), so a leaked log does not leak a webhook URL.
accesslog = "-"
errorlog = "-"
loglevel = _settings.LOG_LEVEL.lower()
proc_name = "contactguard-web"
# gunicorn's run-time control socket (in the service user's home) is not needed: systemd restarts and reloads.
control_socket_disable = True

_WEBHOOK_TOKEN = re.compile(r"(/webhooks/)[^/?#\s\"]+")


def mask_webhook_tokens(text: str) -> str:
    """'/webhooks/cgAbC...' -> '/webhooks/<masked>' wherever it appears in a log line's fields."""
    return _WEBHOOK_TOKEN.sub(r"\1<masked>", text)


class MaskingLogger(Logger):
    """gunicorn's logger, with every access-log field that may hold the request path masked."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: mask_webhook_tokens(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = MaskingLogger


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR set, a worker that exits leaves its live gauges behind: mark it dead."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
