"""Structured logging into the host's log, tagged with the app.

    from fasterapi import log
    log.info("user created", id="42")

Outside a component (unit tests under CPython) lines go to Python's logging.
"""

import logging
from typing import Any

try:
    from wit_world.imports import log as _wit_log
except ImportError:  # running under CPython, not in a component
    _wit_log = None

_fallback = logging.getLogger("fasterapi")


def _write(level: str, message: str, fields: dict) -> None:
    pairs = [(str(k), str(v)) for k, v in fields.items()]
    if _wit_log is not None:
        _wit_log.write(getattr(_wit_log.Level, level.upper()), message, pairs)
    else:
        _fallback.log(getattr(logging, level.upper()), "%s %s", message, pairs)


def debug(message: str, **fields: Any) -> None:
    """Logs at debug level."""
    _write("debug", message, fields)


def info(message: str, **fields: Any) -> None:
    """Logs at info level."""
    _write("info", message, fields)


def warn(message: str, **fields: Any) -> None:
    """Logs at warn level."""
    _write("warn", message, fields)


def error(message: str, **fields: Any) -> None:
    """Logs at error level."""
    _write("error", message, fields)
