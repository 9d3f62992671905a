"""``UploadFile``: a file part of a multipart form, as Starlette gives it."""

import io
from typing import Optional


class UploadFile:
    """An uploaded file: its ``filename``, ``content_type``, ``size`` and
    content, read with ``await file.read()`` (or ``file.file``, a binary
    file object). The host parsed the form; the content is in memory,
    bounded by the app's ``max_body``."""

    def __init__(self, file: io.BytesIO, *, size: Optional[int] = None, filename: Optional[str] = None,
                 content_type: Optional[str] = None) -> None:
        self.file = file
        self.size = size
        self.filename = filename
        self.content_type = content_type
        self.headers = {"content-type": content_type} if content_type else {}

    @classmethod
    def _from_upload(cls, upload) -> "UploadFile":
        return cls(io.BytesIO(upload.data), size=len(upload.data), filename=upload.filename,
                   content_type=upload.content_type)

    async def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    async def seek(self, offset: int) -> None:
        self.file.seek(offset)

    async def write(self, data: bytes) -> None:
        self.file.write(data)

    async def close(self) -> None:
        self.file.close()

    def __repr__(self) -> str:
        return f"UploadFile(filename={self.filename!r}, size={self.size!r}, headers={self.headers!r})"
