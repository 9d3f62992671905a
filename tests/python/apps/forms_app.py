from fasterapi import FastAPI, File, Form, UploadFile
from typing import Annotated, List, Optional

app = FastAPI()


@app.post("/login")
def login(username: Annotated[str, Form()], password: Annotated[str, Form(min_length=3)], remember: bool = Form(False),
          age: Optional[int] = Form(None, ge=0)):
    return {"username": username, "remember": remember, "age": age}


@app.post("/files", status_code=201)
async def files(file: bytes = File(), upload: UploadFile = File(), note: str = Form("n")):
    data = await upload.read()
    return {"size": len(file), "name": upload.filename, "type": upload.content_type, "data": data.decode(),
            "upload_size": upload.size, "note": note}


@app.post("/many")
async def many(files: list[UploadFile], tags: List[str] = Form([])):
    return {"names": [f.filename for f in files], "sizes": [f.size for f in files], "tags": tags}


@app.post("/optional")
async def optional(file: Optional[UploadFile] = None, blob: Optional[bytes] = File(None)):
    return {"file": file.filename if file else None, "blob": blob.decode() if blob is not None else None}


def multipart(*parts):
    """A multipart/form-data body: (name, value) text fields and
    (name, filename, content_type, data) files."""
    out = b""
    for part in parts:
        out += b"--XyZ\r\n"
        if len(part) == 2:
            out += f'Content-Disposition: form-data; name="{part[0]}"\r\n\r\n'.encode() + part[1].encode()
        else:
            name, filename, content_type, data = part
            out += f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'.encode()
            if content_type:
                out += f"Content-Type: {content_type}\r\n".encode()
            out += b"\r\n" + data
        out += b"\r\n"
    return out + b"--XyZ--\r\n"


URLENCODED = {"content-type": "application/x-www-form-urlencoded"}
MULTIPART = {"content-type": "multipart/form-data; boundary=XyZ"}

CASES = [
    ("POST", "/login", URLENCODED, "username=alice&password=secret"),
    ("POST", "/login", URLENCODED, "username=a&password=se&remember=maybe&age=-1"),
    ("POST", "/login", URLENCODED, "username=a&password=abcd&username=b&remember=yes&age=7"),
    ("POST", "/login", URLENCODED, "username=&password=abcd"),
    ("POST", "/login", URLENCODED, "username=caf%C3%A9+x&password=a%26b%3Dc"),
    ("POST", "/login", {}, None),
    ("POST", "/login", {"content-type": "application/json"}, '{"username": "a", "password": "abcd"}'),
    ("POST", "/login", MULTIPART, multipart(("username", "m"), ("password", "pass"))),
    ("GET", "/login", {}, None),
    ("POST", "/files", MULTIPART, multipart(("file", "a.txt", "text/plain", b"hello"),
                                            ("upload", "b.bin", "application/octet-stream", b"world"),
                                            ("note", "x"))),
    ("POST", "/files", MULTIPART, multipart(("file", "text as bytes"), ("upload", "c.txt", None, b"!"))),
    ("POST", "/files", MULTIPART, multipart(("note", "only"))),
    ("POST", "/files", MULTIPART, multipart(("file", "a", "text/plain", b"1"), ("upload", "not a file"))),
    ("POST", "/files", URLENCODED, "file=abc&upload=def"),
    ("POST", "/files", {"content-type": "multipart/form-data"}, "no boundary"),
    ("POST", "/files", MULTIPART, "garbage"),
    ("POST", "/files", MULTIPART, "--XyZ\r\nbroken header\r\n\r\nx\r\n--XyZ--\r\n"),
    ("POST", "/files", MULTIPART, multipart(*[("f", "x")] * 1001)),
    ("POST", "/files", MULTIPART, '--XyZ\r\nContent-Disposition: form-data; filename="a"\r\n\r\nx\r\n--XyZ--\r\n'),
    ("POST", "/many", MULTIPART, multipart(("files", "a.txt", "text/plain", b"1"), ("files", "b.txt", "text/plain", b"22"),
                                           ("tags", "x"), ("tags", "y"))),
    ("POST", "/many", MULTIPART, multipart(("tags", "x"))),
    ("POST", "/many", MULTIPART, multipart(("files", "a.txt", "text/plain", b"1"), ("files", "text"))),
    ("POST", "/optional", MULTIPART, multipart(("blob", "b", "text/plain", b"data"))),
    ("POST", "/optional", {}, None),
]
