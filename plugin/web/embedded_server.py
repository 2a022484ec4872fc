"""The server `contactguard run` (make run) uses: werkzeug's threaded server, its access log kept as gunicorn's is.

werkzeug's own request handler logs each request line whole, query string included, in terminal colours, at INFO
whatever CONTACTGUARD_LOG_LEVEL says. A query string can carry a credential: a sidebar link's signature, Front's
auth_secret, an address being searched. Here, as in `contactguard serve`'s access log (plugin/web/gunicorn_conf.py),
the query string is dropped and a webhook URL's token masked (plugin.logs.redact_request), lines are plain text,
and the "werkzeug" logger follows the level set for contactguard's own.
"""

from __future__ import annotations

import logging

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ..logs import redact_request

ACCESS_LOGGER = "werkzeug"  # the logger werkzeug's handler writes to


class AccessLoggingHandler(WSGIRequestHandler):
    """werkzeug's request handler with the request line redacted and without colours."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        line = getattr(self, "requestline", "").translate(self._control_char_table)
        self.log("info", '"%s" %s %s', redact_request(line), code, size)

    def log_error(self, format: str, *args) -> None:
        # "code 400, message Bad request syntax ('GET /sidebar?sig=...')": the raw line is one of the arguments.
        self.log("error", "%s", redact_request(format % args if args else format))


def embedded_server(host: str, port: int, app, log_level: str) -> BaseWSGIServer:
    """A threaded server of `app` on host:port, listening when this returns; its access lines at INFO (shown when
    `log_level`, CONTACTGUARD_LOG_LEVEL, is INFO or DEBUG)."""
    logging.getLogger(ACCESS_LOGGER).setLevel(log_level)
    return make_server(host, port, app, threaded=True, request_handler=AccessLoggingHandler)
