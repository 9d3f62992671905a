"""``fasterapi.security``: FastAPI's security dependencies, with its answers.

Each scheme is a dependency that reads the raw request (``Depends(scheme)``
or ``Security(scheme, scopes=[...])``) and is documented in
``/openapi.json`` as FastAPI documents it: a ``securitySchemes`` entry named
after its class (or ``scheme_name``) and a ``security`` requirement on every
operation that depends on it. A missing or malformed credential is
FastAPI's ``401 {"detail": "Not authenticated"}`` with its
``WWW-Authenticate`` header, or ``None`` with ``auto_error=False``.
"""

import base64
import binascii
from dataclasses import asdict, dataclass
from typing import Any, Dict, Optional, Tuple

from ._app import Request
from ._depends import SecurityBase, SecurityScopes
from ._params import Form

__all__ = [
    "APIKeyCookie", "APIKeyHeader", "APIKeyQuery", "HTTPAuthorizationCredentials", "HTTPBasic",
    "HTTPBasicCredentials", "HTTPBearer", "OAuth2PasswordBearer", "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict", "SecurityBase", "SecurityScopes",
]


def authorization_scheme_param(value: Optional[str]) -> Tuple[str, str]:
    """``("Bearer", "token")`` from ``Authorization: Bearer token``, as FastAPI splits it."""
    if not value:
        return "", ""
    scheme, _, param = value.partition(" ")
    return scheme, param.strip()


class OAuth2PasswordBearer(SecurityBase):
    """The bearer token of OAuth2's password flow (``tokenUrl`` issues it)."""

    def __init__(self, tokenUrl: str, scheme_name: Optional[str] = None, scopes: Optional[Dict[str, str]] = None,
                 description: Optional[str] = None, auto_error: bool = True, refreshUrl: Optional[str] = None) -> None:
        flow: Dict[str, Any] = {"scopes": dict(scopes or {}), "tokenUrl": tokenUrl}
        if refreshUrl:
            flow["refreshUrl"] = refreshUrl
        self._named(scheme_name, description, {"type": "oauth2", "flows": {"password": flow}})
        self.auto_error = auto_error

    def __call__(self, request: Request) -> Optional[str]:
        scheme, token = authorization_scheme_param(request.headers.get("authorization"))
        if scheme.lower() != "bearer" or not token:
            return self._missing("Bearer")
        return token


class _Credentials:
    def model_dump(self) -> Dict[str, str]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass
class HTTPBasicCredentials(_Credentials):
    """What ``HTTPBasic`` reads: the user name and password."""

    username: str
    password: str


@dataclass
class HTTPAuthorizationCredentials(_Credentials):
    """What ``HTTPBearer`` reads: the scheme and the credentials."""

    scheme: str
    credentials: str


class HTTPBasic(SecurityBase):
    """HTTP Basic authentication (``Authorization: Basic base64(user:password)``)."""

    def __init__(self, *, scheme_name: Optional[str] = None, realm: Optional[str] = None,
                 description: Optional[str] = None, auto_error: bool = True) -> None:
        self._named(scheme_name, description, {"type": "http", "scheme": "basic"})
        self.realm = realm
        self.auto_error = auto_error

    def __call__(self, request: Request) -> Optional[HTTPBasicCredentials]:
        scheme, param = authorization_scheme_param(request.headers.get("authorization"))
        challenge = f'Basic realm="{self.realm}"' if self.realm else "Basic"
        credentials = _basic_credentials(param) if scheme.lower() == "basic" else None
        return credentials if credentials is not None else self._missing(challenge)


def _basic_credentials(param: str) -> Optional[HTTPBasicCredentials]:
    try:
        decoded = base64.b64decode(param, validate=False).decode("ascii")
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
    username, separator, password = decoded.partition(":")
    return HTTPBasicCredentials(username, password) if separator else None


class HTTPBearer(SecurityBase):
    """An ``Authorization: Bearer <credentials>`` header."""

    def __init__(self, *, bearerFormat: Optional[str] = None, scheme_name: Optional[str] = None,
                 description: Optional[str] = None, auto_error: bool = True) -> None:
        model: Dict[str, Any] = {"type": "http", "scheme": "bearer"}
        if bearerFormat:
            model["bearerFormat"] = bearerFormat
        self._named(scheme_name, description, model)
        self.auto_error = auto_error

    def __call__(self, request: Request) -> Optional[HTTPAuthorizationCredentials]:
        scheme, credentials = authorization_scheme_param(request.headers.get("authorization"))
        if scheme.lower() != "bearer" or not credentials:
            return self._missing("Bearer")
        return HTTPAuthorizationCredentials(scheme, credentials)


class _APIKey(SecurityBase):
    where = ""

    def __init__(self, *, name: str, scheme_name: Optional[str] = None, description: Optional[str] = None,
                 auto_error: bool = True) -> None:
        self._named(scheme_name, description, {"type": "apiKey", "in": self.where, "name": name})
        self.name = name
        self.auto_error = auto_error

    def _check(self, key: Optional[str]) -> Optional[str]:
        return key if key else self._missing("APIKey")


class APIKeyHeader(_APIKey):
    """An API key in a request header (``name``, any case)."""

    where = "header"

    def __call__(self, request: Request) -> Optional[str]:
        return self._check(request.headers.get(self.name.lower()))


class APIKeyQuery(_APIKey):
    """An API key in the query string."""

    where = "query"

    def __call__(self, request: Request) -> Optional[str]:
        return self._check(request.query_params.get(self.name))


class APIKeyCookie(_APIKey):
    """An API key in a cookie."""

    where = "cookie"

    def __call__(self, request: Request) -> Optional[str]:
        return self._check(request.cookies.get(self.name))


class OAuth2PasswordRequestForm:
    """The form OAuth2's password flow posts to the token URL: a class
    dependency (``Annotated[OAuth2PasswordRequestForm, Depends()]``) whose
    fields are form fields the host parses; ``scope`` splits into ``scopes``."""

    def __init__(self, *, grant_type: Optional[str] = Form(None, pattern="^password$"), username: str = Form(),
                 password: str = Form(json_schema_extra={"format": "password"}), scope: str = Form(""),
                 client_id: Optional[str] = Form(None),
                 client_secret: Optional[str] = Form(None, json_schema_extra={"format": "password"})) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """The same form, with ``grant_type=password`` required."""

    def __init__(self, *, grant_type: str = Form(pattern="^password$"), username: str = Form(),
                 password: str = Form(json_schema_extra={"format": "password"}), scope: str = Form(""),
                 client_id: Optional[str] = Form(None),
                 client_secret: Optional[str] = Form(None, json_schema_extra={"format": "password"})) -> None:
        super().__init__(grant_type=grant_type, username=username, password=password, scope=scope,
                         client_id=client_id, client_secret=client_secret)
