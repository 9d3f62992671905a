"""``fasterapi.sse``: Server-Sent Events as FastAPI writes them, for a
generator handler declared with ``response_class=EventSourceResponse``:
each item it yields is one event (a ``ServerSentEvent``, or any value sent
as JSON in its ``data:`` field), streamed as it comes."""

from typing import Any, List, Optional

from ._model import BaseModel, Field, field_validator, model_validator
from ._responses import StreamingResponse

# The schema FastAPI documents for one event.
SSE_EVENT_SCHEMA = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}


class EventSourceResponse(StreamingResponse):
    """``text/event-stream``: the response class of a generator handler whose items are events."""

    media_type = "text/event-stream"


class ServerSentEvent(BaseModel):
    """One event: ``data`` (sent as JSON) or ``raw_data`` (sent as it is),
    and the optional ``event``, ``id``, ``retry`` and ``comment`` fields."""

    data: Any = None
    raw_data: Optional[str] = None
    event: Optional[str] = None
    id: Optional[str] = None
    retry: Optional[int] = Field(None, ge=0)
    comment: Optional[str] = None

    @field_validator("event")
    @classmethod
    def _one_line_event(cls, value: Optional[str]) -> Optional[str]:
        return _one_line(value, "event")

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and "\0" in value:
            raise ValueError("SSE 'id' must not contain null characters")
        return _one_line(value, "id")

    @model_validator(mode="after")
    def _data_exclusive(self) -> "ServerSentEvent":
        if self.data is not None and self.raw_data is not None:
            raise ValueError("Cannot set both 'data' and 'raw_data' on the same ServerSentEvent. Use 'data' for "
                             "JSON-serialized payloads or 'raw_data' for pre-formatted strings.")
        return self


def _one_line(value: Optional[str], name: str) -> Optional[str]:
    if value is not None and ("\r" in value or "\n" in value):
        raise ValueError(f"SSE '{name}' must be a single line")
    return value


def _lines(value: str) -> List[str]:
    return value.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def format_sse_event(*, data_str: Optional[str] = None, event: Optional[str] = None, id: Optional[str] = None,
                     retry: Optional[int] = None, comment: Optional[str] = None) -> bytes:
    """An event in the SSE wire format, ending with a blank line."""
    lines = [f": {line}" for line in _lines(comment)] if comment is not None else []
    if event is not None:
        lines.append(f"event: {event}")
    if data_str is not None:
        lines.extend(f"data: {line}" for line in _lines(data_str))
    if id is not None:
        lines.append(f"id: {id}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    lines += ["", ""]
    return "\n".join(lines).encode("utf-8")


def event_bytes(item: "ServerSentEvent", encode: Any) -> bytes:
    """A ``ServerSentEvent`` as sent: its ``data`` as JSON (``encode``
    writes a value as FastAPI does), its ``raw_data`` as it is."""
    if item.raw_data is not None:
        data: Optional[str] = item.raw_data
    elif item.data is not None:
        data = item.data.model_dump_json() if hasattr(item.data, "model_dump_json") else encode(item.data)
    else:
        data = None
    return format_sse_event(data_str=data, event=item.event, id=item.id, retry=item.retry, comment=item.comment)


__all__ = ["EventSourceResponse", "ServerSentEvent", "format_sse_event"]
