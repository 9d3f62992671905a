"""The key-value store of the app's tenant (granted by the manifest's
``[app.capabilities] kv = true``). Keys are strings (at most 1 KiB), values
bytes (at most 1 MiB; ``str`` values are stored as UTF-8); writes are durable.

    from fasterapi import kv
    kv.set("visits", "1")
    kv.get("visits")          # b"1", or None
    kv.list("user:")          # keys with that prefix, sorted
"""

from typing import List, Optional, Union

try:
    from wit_world.imports import kv as _wit
    from componentize_py_types import Err as _Err
except ImportError:  # under CPython, outside a component
    _wit = None
    _Err = None


class KvError(Exception):
    """A kv operation failed: ``kind`` is "denied", "invalid" or "backend"."""

    def __init__(self, kind: str, reason: str):
        super().__init__(f"kv {kind}: {reason}")
        self.kind = kind
        self.reason = reason


def _call(operation: str, *args):
    if _wit is None:
        raise KvError("denied", "kv is only available inside a FasterAPI component")
    try:
        return getattr(_wit, operation)(*args)
    except _Err as err:
        kind = type(err.value).__name__.rsplit("_", 1)[-1].lower()
        raise KvError(kind, err.value.value) from None


def get(key: str) -> Optional[bytes]:
    """The value of ``key``, or None."""
    return _call("get", key)


def set(key: str, value: Union[bytes, str]) -> None:  # noqa: A001 - the natural name
    """Sets ``key`` to ``value``."""
    _call("set", key, value.encode("utf-8") if isinstance(value, str) else bytes(value))


def delete(key: str) -> bool:
    """Deletes ``key``; True if it was set."""
    return _call("delete", key)


def list(prefix: str = "") -> List[str]:  # noqa: A001 - the natural name
    """The keys that start with ``prefix``, sorted."""
    return _call("list_keys", prefix)
