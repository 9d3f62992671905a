"""The app's configuration variables (``[app.config]`` in the manifest).

    from fasterapi import config
    greeting = config.get("greeting", "hello")
"""

from typing import Dict, Optional

try:
    from wit_world.imports import config as _wit
except ImportError:  # under CPython, outside a component
    _wit = None


def get(key: str, default: Optional[str] = None) -> Optional[str]:
    """The value of variable ``key``, or ``default``."""
    if _wit is None:
        return default
    value = _wit.get(key)
    return default if value is None else value


def all() -> Dict[str, str]:  # noqa: A001 - the natural name
    """Every variable of the app."""
    return dict(_wit.get_all()) if _wit is not None else {}
