"""``CORSMiddleware``, as Starlette's: the host answers preflights and adds
the CORS headers."""

from typing import Any, Optional, Sequence

from . import Middleware

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")


class CORSMiddleware(Middleware):
    """Which cross-origin requests browsers may make (Starlette's options and defaults)."""

    kind = "cors"

    def __init__(self, app: Any = None, allow_origins: Sequence[str] = (), allow_methods: Sequence[str] = ("GET",),
                 allow_headers: Sequence[str] = (), allow_credentials: bool = False,
                 allow_origin_regex: Optional[str] = None, allow_private_network: bool = False,
                 expose_headers: Sequence[str] = (), max_age: int = 600) -> None:
        super().__init__(app)
        for name, value in (("allow_origins", allow_origins), ("allow_methods", allow_methods),
                            ("allow_headers", allow_headers), ("expose_headers", expose_headers)):
            if isinstance(value, str):
                raise TypeError(f"CORSMiddleware({name}=...) takes a list of strings, not the string {value!r}")
        if not 0 <= max_age < 2 ** 32:
            raise ValueError(f"CORSMiddleware(max_age=...) must be between 0 and 2**32 - 1, not {max_age}")
        self.options = {
            "allow_origins": list(allow_origins), "allow_origin_regex": allow_origin_regex,
            "allow_methods": list(ALL_METHODS) if "*" in allow_methods else list(allow_methods),
            "allow_headers": list(allow_headers), "allow_credentials": bool(allow_credentials),
            "allow_private_network": bool(allow_private_network), "expose_headers": list(expose_headers),
            "max_age": int(max_age),
        }
