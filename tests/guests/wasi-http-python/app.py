"""A third-party wasi:http app: componentize-py's own `wasi:http/proxy`
bindings, no FasterAPI SDK (blocking streams, as in its HTTP example)."""

from wit_world import exports
from componentize_py_types import Ok, Err
from wit_world.imports.types import (
    Method_Get, Method_Post, IncomingRequest, ResponseOutparam,
    OutgoingResponse, OutgoingBody, IncomingBody, Fields,
)
from wit_world.imports.streams import StreamError_Closed

CHUNK = 4096  # blocking-write-and-flush accepts at most 4096 bytes per call


def respond(response_out: ResponseOutparam, status: int, body: bytes,
            headers: list[tuple[str, bytes]]) -> None:
    response = OutgoingResponse(Fields.from_list(headers))
    response.set_status_code(status)
    out_body = response.body()
    ResponseOutparam.set(response_out, Ok(response))
    with out_body.write() as stream:           # child resource: drop before finish
        for i in range(0, len(body), CHUNK):
            stream.blocking_write_and_flush(body[i:i + CHUNK])
    OutgoingBody.finish(out_body, None)


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        method = request.method()
        path = request.path_with_query() or "/"
        route = path.split("?", 1)[0]

        if isinstance(method, Method_Get) and route == "/hello":
            respond(response_out, 200, b"hello from python",
                    [("content-type", b"text/plain")])

        elif isinstance(method, Method_Post) and route == "/echo":
            ctype = [(k, v) for k, v in request.headers().entries() if k.lower() == "content-type"]
            response = OutgoingResponse(Fields.from_list(ctype))
            out_body = response.body()
            ResponseOutparam.set(response_out, Ok(response))  # headers go out now; body streams
            in_body = request.consume()
            with in_body.stream() as src, out_body.write() as dst:
                while True:
                    try:
                        chunk = src.blocking_read(CHUNK)
                    except Err as e:
                        if isinstance(e.value, StreamError_Closed):
                            break   # end of request body
                        raise
                    if chunk:
                        dst.blocking_write_and_flush(chunk)
            IncomingBody.finish(in_body)   # (returns future-trailers; ignored)
            OutgoingBody.finish(out_body, None)

        elif isinstance(method, Method_Get) and route == "/path":
            info = request.headers().get("spin-path-info")
            text = f"path_with_query={path}\nspin-path-info={info[0].decode() if info else '<absent>'}\n"
            respond(response_out, 200, text.encode(), [("content-type", b"text/plain")])

        else:
            respond(response_out, 404, b"not found\n", [("content-type", b"text/plain")])
