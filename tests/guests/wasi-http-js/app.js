// A third-party wasi:http/proxy component in JavaScript: StarlingMonkey's
// fetch event (componentize-js), no FasterAPI SDK. Built by the e2e tests
// with `jco componentize app.js --wit WIT --world-name wasi:http/proxy`.
async function handle(request) {
  const url = new URL(request.url);
  if (request.method === "GET" && url.pathname === "/hello") {
    return new Response("hello from js", {
      status: 200,
      headers: { "content-type": "text/plain" },
    });
  }
  if (request.method === "POST" && url.pathname === "/echo") {
    const body = await request.arrayBuffer();
    return new Response(body, {
      status: 200,
      headers: {
        "content-type": request.headers.get("content-type") || "application/octet-stream",
      },
    });
  }
  return new Response("not found", {
    status: 404,
    headers: { "content-type": "text/plain" },
  });
}

addEventListener("fetch", (event) => event.respondWith(handle(event.request)));
