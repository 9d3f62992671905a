"""``GZipMiddleware``, as Starlette's: the host compresses answers for
clients that accept gzip."""

from typing import Any, Sequence

from . import Middleware

DEFAULT_EXCLUDED_CONTENT_TYPES = (
    "application/grpc", "application/gzip", "application/x-gzip", "application/zip", "audio/*", "font/woff",
    "font/woff2", "image/avif", "image/gif", "image/jpeg", "image/png", "image/webp", "text/event-stream",
    "video/*",
)


class GZipMiddleware(Middleware):
    """Bodies of at least ``minimum_size`` bytes, compressed at ``compresslevel``."""

    kind = "gzip"

    def __init__(self, app: Any = None, minimum_size: int = 500, compresslevel: int = 9,
                 thread_minimum_size: int = 128 * 1024, *,
                 exclude_content_types: Sequence[str] = DEFAULT_EXCLUDED_CONTENT_TYPES) -> None:
        super().__init__(app)
        if not 0 <= compresslevel <= 9:
            raise ValueError(f"GZipMiddleware(compresslevel=...) must be between 0 and 9, not {compresslevel}")
        if not 0 <= minimum_size < 2 ** 32:
            raise ValueError(f"GZipMiddleware(minimum_size=...) must be between 0 and 2**32 - 1, not {minimum_size}")
        # `thread_minimum_size` tunes Starlette's event loop; the host compresses off the guest anyway.
        self.options = {"minimum_size": int(minimum_size), "compress_level": int(compresslevel),
                        "exclude_content_types": list(exclude_content_types)}
