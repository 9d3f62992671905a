"""``jsonable_encoder``: a value as the JSON-compatible data FastAPI would
send (models as dicts, dates as ISO text, sets as lists, ...)."""

import json
from typing import Any

from ._responses import dumps


def jsonable_encoder(obj: Any) -> Any:
    """``obj`` as plain dicts, lists, strings, numbers, booleans and ``None``."""
    return json.loads(dumps(obj))
