"""Logging: one line per event, as text or JSON, with secrets scrubbed from every record."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.secrets import remember, scrub


class RedactSecrets(logging.Filter):
    """Replaces any secret value that slips into a log record with *** (`bot.secrets`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = scrub(message)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if scrubbed != message or record.args:
            record.msg, record.args = scrubbed, None
        return True


_RECORD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_OWN = ("time", "level", "logger", "message", "exception")
"""Not fields of `extra=`: what every record has, and what the JSON line says itself."""


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, exception, then the `extra=` fields
    of the call (`bot.core.logfields.event`), with secrets scrubbed from every string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        if record.exc_text:
            entry["exception"] = scrub(record.exc_text)
        for key, value in record.__dict__.items():
            if key not in _RECORD and key not in _OWN and not key.startswith("_"):
                entry[key] = _plain(value)
        return json.dumps(entry, ensure_ascii=False)


def _plain(value: object) -> object:
    """The value as JSON can hold it (otherwise its `str`), with every string scrubbed."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {scrub(str(key)): _plain(item) for key, item in value.items()}
    return scrub(str(value))


def setup_logging(level: str, fmt: str, secrets: Iterable[str]) -> None:
    remember(*secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactSecrets())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Request lines of the HTTP clients say nothing the bridge's own lines do not.
    # (httpx2 and httpcore2 are the openai package's.)
    for noisy in (
        "httpx",
        "httpcore",
        "httpx2",
        "httpcore2",
        "aiogram.event",
        "apscheduler.executors.default",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
