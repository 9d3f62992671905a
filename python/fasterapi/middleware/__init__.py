"""``fasterapi.middleware``: the middleware FastAPI apps add most, run by
the host natively (``app.add_middleware(CORSMiddleware, ...)``), so that
they apply to every answer — the host's own 404/405/422 included."""

from typing import Any, Dict


class Middleware:
    """A middleware the host runs for the app: its name and options, as the
    class's constructor checked them."""

    kind = ""

    def __init__(self, app: Any = None) -> None:
        self.options: Dict[str, Any] = {}
