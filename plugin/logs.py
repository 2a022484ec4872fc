"""Logging: CONTACTGUARD_LOG_LEVEL for every contactguard logger, and no personal data in any line.

Log lines carry identifiers (connection, delivery, event, action ids), never content. A database
error can still quote a row (PostgreSQL's "Key (value)=(jane@example.com) already exists", or
SQLAlchemy's "[parameters: ...]"), so every record, its arguments and its traceback are redacted
before any handler sees them: e-mail addresses, telephone numbers and statement parameters.
"""

from __future__ import annotations

import logging
import re
import traceback

OUR_LOGGERS = ("plugin", "webhooks", "adapters", "contactguard")
_PATTERNS = (
    (re.compile(r"\[parameters: .*?\](?=\s*(\(|$))", re.S), "[parameters: redacted]"),
    (re.compile(r"(DETAIL:\s+Key \([^)]*\)=\().*?(\) )"), r"\1redacted\2"),
    (re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(\.[\w-]+)+"), "<email>"),
    # Ten or more digits with single separators: a telephone number, not a date or a time ("2026-07-14 12:00").
    (re.compile(r"(?<![\w.:])\+?(?:\d[ ()-]{0,2}){9,}\d(?![\w.:])"), "<phone>"),
)


def redact(text: str) -> str:
    """The text with e-mail addresses, telephone numbers and SQL parameters replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingRecord(logging.LogRecord):
    """A log record whose message and traceback are redacted however it is formatted."""

    def getMessage(self) -> str:  # noqa: N802 - the logging API's name
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
