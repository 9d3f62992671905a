"""``Depends``: FastAPI's dependency injection, planned once per route.

When a route is declared, its handler's signature and every dependency's
(recursively) become one plan: the parameters of all of them are declared to
the host, which parses and validates them natively like the handler's own;
each function of the plan knows which of the host's values it takes. A
request then only runs the plan: sub-dependencies first, in declaration
order, each called once per request unless ``use_cache=False``;
``yield`` dependencies are closed after the handler, in reverse order, and
get the handler's exception thrown in (so ``try/except/finally`` works).
"""

import traceback
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from . import log
from ._aio import run
from ._responses import HTTPException


class Depends:
    """A parameter whose value is what ``dependency`` returns (or, without
    one, an instance of the parameter's annotated class)."""

    def __init__(self, dependency: Optional[Callable[..., Any]] = None, *, use_cache: bool = True,
                 scope: Optional[str] = None) -> None:
        if scope not in (None, "request", "function"):
            raise ValueError(f'Depends(scope=...) is "request" or "function", not {scope!r}')
        # Both close a yield dependency once the handler returned, before the
        # answer goes out: "function" exactly; "request" (FastAPI closes it
        # after the answer is sent) as early as the guest can.
        self.dependency = dependency
        self.use_cache = use_cache
        self.scope = scope

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__name__", type(self.dependency).__name__)
        return f"Depends({name if self.dependency is not None else ''})"


class Security(Depends):
    """A ``Depends`` that also names OAuth2 scopes (``SecurityScopes``)."""

    def __init__(self, dependency: Optional[Callable[..., Any]] = None, *, scopes: Optional[Sequence[str]] = None,
                 use_cache: bool = True) -> None:
        super().__init__(dependency, use_cache=use_cache)
        self.scopes = list(scopes or [])


class SecurityBase:
    """A security scheme: what ``/openapi.json`` says of it (``model``,
    under ``scheme_name``) and, as a dependency, how it reads a request."""

    scheme_name: str
    model: Dict[str, Any]
    auto_error: bool = True

    def _missing(self, challenge: str) -> None:
        """No usable credential: FastAPI's 401 (or ``None`` with ``auto_error=False``)."""
        if self.auto_error:
            raise HTTPException(status_code=401, detail="Not authenticated",
                                headers={"WWW-Authenticate": challenge})
        return None

    def _named(self, scheme_name: Optional[str], description: Optional[str], model: Dict[str, Any]) -> None:
        self.scheme_name = scheme_name or type(self).__name__
        if description:
            model["description"] = description
        self.model = model


class SecurityScopes:
    """The scopes the ``Security(...)`` dependencies above a dependant asked
    for: declare a parameter of this type to get them."""

    def __init__(self, scopes: Optional[List[str]] = None) -> None:
        self.scopes: List[str] = list(scopes or [])
        self.scope_str = " ".join(self.scopes)


class Const:
    """An argument known when the route is declared (``SecurityScopes``)."""

    def __init__(self, value: Any) -> None:
        self.value = value


# Where a call's argument comes from: the key of a value the route already
# has (a parameter, a model, the body, the request), another call, or a
# constant.
Source = Union[str, "Call", Const]


@dataclass
class Call:
    """One function of a route's plan: the handler or a dependency."""

    func: Callable[..., Any]
    use_cache: bool = True
    # (keyword, source); a keyword of None is a decorator dependency, run for
    # its effect only.
    args: List[Tuple[Optional[str], Source]] = field(default_factory=list)
    # At declaration only: its own parameters (name, key, annotation, marker)
    # and the group its errors are listed in.
    own: List[Tuple[str, str, Any, Any]] = field(default_factory=list)
    group: int = 0
    # A security scheme's call: (scheme name, scheme, the scopes asked for).
    security: Optional[Tuple[str, Dict[str, Any], List[str]]] = None

    @property
    def cache_key(self) -> Any:
        return self.func


class Exits:
    """The ``yield`` dependencies entered for one request, to close after it."""

    def __init__(self) -> None:
        self.open: List[Any] = []

    def close(self, error: Optional[BaseException]) -> None:
        """Closes them in reverse order, as FastAPI does. After a handler that
        returned, an exception in exit code is logged (the answer stands).
        After one that raised, the exception is thrown into each: re-raised
        or replaced (``except ValueError: raise HTTPException(400)``), it
        goes on; swallowed, there is no answer left, so a 500 (as FastAPI)."""
        while self.open:
            generator = self.open.pop()
            try:
                if error is None:
                    _advance(generator)
                else:
                    _throw(generator, error)
            except (StopIteration, StopAsyncIteration):
                if error is not None:
                    error = RuntimeError(f"dependency {_name(generator)} caught an exception and did not raise it")
                continue
            except BaseException as raised:  # a dependency's exit code may raise anything
                if error is None:
                    log.error(f"dependency {_name(generator)} raised after the response",
                              traceback=traceback.format_exc())
                else:
                    error = raised
                continue
            if error is None:
                log.error(f"dependency {_name(generator)} yielded more than once")
            else:
                error = RuntimeError(f"dependency {_name(generator)} did not stop after the exception")
        if error is not None:
            raise error


def _name(generator: Any) -> str:
    return getattr(generator, "__qualname__", type(generator).__name__)


def _advance(generator: Any) -> Any:
    if isinstance(generator, types.AsyncGeneratorType):
        return run(generator.__anext__())
    return next(generator)


def _throw(generator: Any, error: BaseException) -> Any:
    if isinstance(generator, types.AsyncGeneratorType):
        return run(generator.athrow(error))
    return generator.throw(error)


def solve(call: Call, values: Dict[str, Any], cache: Dict[Any, Any], exits: Exits) -> Any:
    """The value of ``call`` for one request: its arguments first, in order
    (sub-dependencies solved depth-first), then the call itself, once per
    request unless ``use_cache=False``."""
    kwargs: Dict[str, Any] = {}
    for keyword, source in call.args:
        value = solve(source, values, cache, exits) if isinstance(source, Call) else argument(source, values)
        if keyword is not None:
            kwargs[keyword] = value
    return invoke(call, kwargs, cache, exits)


def argument(source: Any, values: Dict[str, Any]) -> Any:
    """A plain argument: a constant, or a value the route has by key."""
    return source.value if isinstance(source, Const) else values[source]


def invoke(call: Call, kwargs: Dict[str, Any], cache: Dict[Any, Any], exits: Exits) -> Any:
    """Calls ``call`` with its arguments solved (or takes its cached value):
    a ``yield`` dependency is entered and kept in ``exits``, a coroutine run."""
    if call.use_cache and call.cache_key in cache:
        return cache[call.cache_key]
    result = call.func(**kwargs)
    if isinstance(result, (types.GeneratorType, types.AsyncGeneratorType)):
        try:
            value = _advance(result)
        except (StopIteration, StopAsyncIteration):
            raise RuntimeError(f"dependency {call.func!r} did not yield") from None
        exits.open.append(result)
        result = value
    elif isinstance(result, types.CoroutineType):
        result = run(result)
    if call.use_cache:
        cache[call.cache_key] = result
    return result
