"""``TrustedHostMiddleware``, as Starlette's: the host refuses requests
for other hosts (400 ``Invalid host header``)."""

from typing import Any, Optional, Sequence

from . import Middleware


class TrustedHostMiddleware(Middleware):
    """The hosts the app answers for: names, ``*.example.com`` wildcards, or ``*``."""

    kind = "trusted-host"

    def __init__(self, app: Any = None, allowed_hosts: Optional[Sequence[str]] = None,
                 www_redirect: bool = True) -> None:
        super().__init__(app)
        hosts = ["*"] if allowed_hosts is None else list(allowed_hosts)
        for pattern in hosts:
            if "*" in pattern[1:] or (pattern.startswith("*") and pattern != "*" and not pattern.startswith("*.")):
                raise ValueError(f"TrustedHostMiddleware: {pattern!r}: domain wildcard patterns must be like "
                                 "'*.example.com'")
        self.options = {"allowed_hosts": hosts, "www_redirect": bool(www_redirect)}
