from fasterapi import FastAPI
from fasterapi.middleware.cors import CORSMiddleware
from fasterapi.middleware.gzip import GZipMiddleware
from fasterapi.middleware.trustedhost import TrustedHostMiddleware
from fasterapi.responses import PlainTextResponse


app = FastAPI()
app.add_middleware(GZipMiddleware, minimum_size=100, compresslevel=5)
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com"],
    allow_origin_regex=r"https://.*\.preview\.example\.com",
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["X-Token"],
    expose_headers=["X-Total"],
)
app.add_middleware(TrustedHostMiddleware, allowed_hosts=["www.example.com", "*.example.org", "testserver",
                                                         "api.example.com"])


@app.get("/items")
def items(n: int = 3):
    return [{"id": i, "name": f"item {i}"} for i in range(n)]


@app.get("/text", response_class=PlainTextResponse)
def text():
    return "x" * 300


ORIGIN = {"origin": "https://app.example.com", "host": "api.example.com"}
PREFLIGHT = {**ORIGIN, "access-control-request-method": "POST"}

CASES = [
    ("GET", "/items", {"host": "api.example.com"}, None),
    ("GET", "/items?n=20", {"host": "api.example.com", "accept-encoding": "gzip"}, None),
    ("GET", "/items?n=20", {"host": "api.example.com", "accept-encoding": "identity"}, None),
    ("GET", "/text", {"host": "a.example.org", "accept-encoding": "gzip, br"}, None),
    ("GET", "/items", ORIGIN, None),
    ("GET", "/items", {**ORIGIN, "origin": "https://pr-7.preview.example.com"}, None),
    ("GET", "/items", {**ORIGIN, "origin": "https://evil.com"}, None),
    ("GET", "/items?n=x", ORIGIN, None),
    ("GET", "/missing", ORIGIN, None),
    ("DELETE", "/items", ORIGIN, None),
    ("OPTIONS", "/items", PREFLIGHT, None),
    ("OPTIONS", "/items", {**PREFLIGHT, "access-control-request-headers": "x-token, content-type"}, None),
    ("OPTIONS", "/items", {**PREFLIGHT, "origin": "https://evil.com", "access-control-request-method": "PUT",
                           "access-control-request-headers": "x-other"}, None),
    ("OPTIONS", "/items", {**PREFLIGHT, "access-control-request-private-network": "true"}, None),
    ("OPTIONS", "/items", ORIGIN, None),
    ("GET", "/items", {"host": "evil.com"}, None),
    ("GET", "/items?n=1", {"host": "example.com"}, None),
]
