"""``fasterapi.responses``: the response classes, where FastAPI keeps them
(``from fastapi.responses import RedirectResponse`` becomes
``from fasterapi.responses import RedirectResponse``)."""

from ._responses import (HTMLResponse, JSONResponse, ORJSONResponse, PlainTextResponse, RedirectResponse, Response,
                         StreamingResponse, UJSONResponse)

__all__ = ["HTMLResponse", "JSONResponse", "ORJSONResponse", "PlainTextResponse", "RedirectResponse", "Response",
           "StreamingResponse", "UJSONResponse"]
