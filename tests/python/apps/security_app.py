from fasterapi import Depends, FastAPI, HTTPException, Security
from fasterapi.security import (APIKeyCookie, APIKeyHeader, APIKeyQuery, HTTPAuthorizationCredentials, HTTPBasic,
                                HTTPBasicCredentials, HTTPBearer, OAuth2PasswordBearer, OAuth2PasswordRequestForm,
                                SecurityScopes)
from typing import Annotated, Optional

app = FastAPI()

oauth2 = OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "Read yourself", "items": "Read items"})
basic = HTTPBasic()
bearer = HTTPBearer(auto_error=False)
header_key = APIKeyHeader(name="X-API-Key")
query_key = APIKeyQuery(name="api_key", auto_error=False)
cookie_key = APIKeyCookie(name="session")

USERS = {"alice": {"username": "alice", "scopes": ["me"]}, "bob": {"username": "bob", "scopes": ["me", "items"]}}


def current_user(security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2)]):
    user = USERS.get(token)
    if user is None:
        raise HTTPException(status_code=401, detail="Could not validate credentials",
                            headers={"WWW-Authenticate": f'Bearer scope="{security_scopes.scope_str}"'})
    for scope in security_scopes.scopes:
        if scope not in user["scopes"]:
            raise HTTPException(status_code=403, detail="Not enough permissions")
    return user


@app.post("/token")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    if form.username not in USERS or form.password != "secret":
        raise HTTPException(status_code=400, detail="Incorrect username or password")
    return {"access_token": form.username, "token_type": "bearer", "scopes": form.scopes}


@app.get("/users/me")
def me(user: Annotated[dict, Security(current_user, scopes=["me"])]):
    return user


@app.get("/users/me/items")
def my_items(user: Annotated[dict, Security(current_user, scopes=["items"])]):
    return [{"item_id": "Foo", "owner": user["username"]}]


@app.get("/basic")
def who(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]):
    return {"username": credentials.username, "password": credentials.password}


@app.get("/bearer")
def bearer_token(credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer)):
    return None if credentials is None else {"scheme": credentials.scheme, "credentials": credentials.credentials}


@app.get("/keys")
def keys(header: str = Depends(header_key), query: Optional[str] = Depends(query_key),
         cookie: str = Depends(cookie_key)):
    return {"header": header, "query": query, "cookie": cookie}


FORM = {"content-type": "application/x-www-form-urlencoded"}
CASES = [
    ("POST", "/token", FORM, "username=alice&password=secret&scope=me%20items"),
    ("POST", "/token", FORM, "username=alice&password=nope"),
    ("POST", "/token", FORM, "username=alice"),
    ("POST", "/token", FORM, "username=alice&password=secret&grant_type=other"),
    ("GET", "/users/me", {}, None),
    ("GET", "/users/me", {"authorization": "Bearer alice"}, None),
    ("GET", "/users/me", {"authorization": "Bearer carol"}, None),
    ("GET", "/users/me", {"authorization": "Basic alice"}, None),
    ("GET", "/users/me/items", {"authorization": "Bearer alice"}, None),
    ("GET", "/users/me/items", {"authorization": "bearer  bob"}, None),
    ("GET", "/basic", {}, None),
    ("GET", "/basic", {"authorization": "Basic YWxpY2U6cHc6eA=="}, None),
    ("GET", "/basic", {"authorization": "Basic !!!"}, None),
    ("GET", "/basic", {"authorization": "Basic bm9jb2xvbg=="}, None),
    ("GET", "/bearer", {}, None),
    ("GET", "/bearer", {"authorization": "Bearer tok"}, None),
    ("GET", "/keys", {}, None),
    ("GET", "/keys?api_key=q", {"x-api-key": "h", "cookie": "session=c"}, None),
    ("GET", "/keys", {"x-api-key": "h"}, None),
]
