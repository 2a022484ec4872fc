"""Logging: CONTACTGUARD_LOG_LEVEL for every contactguard logger, and no personal data in any line.

Log lines carry identifiers (connection, delivery, event, action ids), never content. A database
error can still quote a row (PostgreSQL's "Key (value)=(jane@example.com) already exists", or
SQLAlchemy's "[parameters: ...]"), so every record, its arguments and its traceback are redacted
before any handler sees them: webhook tokens, e-mail addresses (raw or URL-encoded), telephone numbers and
statement parameters. The access log (plugin/web/gunicorn_conf.py) drops query strings as well.
"""

from __future__ import annotations

import logging
import re
import traceback

OUR_LOGGERS = ("plugin", "webhooks", "adapters", "contactguard")
_PATTERNS = (
    (re.compile(r"\[parameters: .*?\](?=\s*(\(|$))", re.S), "[parameters: redacted]"),
    (re.compile(r"(DETAIL:\s+Key \([^)]*\)=\().*?(\) )"), r"\1redacted\2"),
    # A webhook URL's token is the credential of a helpdesk that cannot sign (Flask names the path of a failed request).
    (re.compile(r"(/webhooks/)[^/?#\s\"']+"), r"\1<masked>"),
    # An address raw or URL-encoded (jane%40example.com, as a query string or a form carries it).
    (re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+(?:@|%40)[\w-]+(\.[\w-]+)+"), "<email>"),
    # Ten or more digits with single separators: a telephone number, not a date or a time ("2026-07-14 12:00").
    (re.compile(r"(?<![\w.:])\+?(?:\d[ ()-]{0,2}){9,}\d(?![\w.:])"), "<phone>"),
)


_QUERY = re.compile(r"\?[^\s\"']*")


def redact(text: str) -> str:
    """The text with webhook tokens, e-mail addresses, telephone numbers and SQL parameters replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_request(text: str) -> str:
    """A request line, path or URL as the access log shows it: what redact() replaces, and the query string dropped
    whole (it can carry addresses, signatures and secrets in encodings no pattern would catch)."""
    return redact(_QUERY.sub("?<dropped>", text))


class RedactingRecord(logging.LogRecord):
    """A log record whose message and traceback are redacted however it is formatted. An access-log line is not
    redacted again as a whole: its arguments are the server's atoms, each already redacted as the line reads it
    (their mapping says so with `redacted_atoms`, plugin/web/gunicorn_conf.py), and the format is the operator's;
    the second pass was 3% of a busy web worker's CPU."""

    def getMessage(self) -> str:  # noqa: N802 - the logging API's name
        if getattr(self.args, "redacted_atoms", False):
            return super().getMessage()
        return redact(super().getMessage())


def _record_factory(*args, **kwargs) -> logging.LogRecord:
    record = RedactingRecord(*args, **kwargs)
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    return record


def configure(level: str) -> None:
    """Apply the level to contactguard's loggers and redact every record from now on (idempotent)."""
    logging.setLogRecordFactory(_record_factory)
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(level)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
