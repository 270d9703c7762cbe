"""A small HTTP site on loopback for tests of outbound requests (site checks, the guard).

`resolver_to` answers a name with chosen addresses; `local_fetcher` sends a domain's
requests to the local site."""
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlsplit

from portal.outbound import fetch
from portal.services import webhooks

PUBLIC_IP = "93.184.215.14"


class LocalSite:
    """An HTTP server on 127.0.0.1 in a thread. `routes` maps (host, path) or path to
    (status, headers, body) or to a callable(handler); `seen` records every request."""

    def __init__(self):
        self.routes, self.seen = {}, []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 -- the name http.server calls
                site.answer(self)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path="/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, handler):
        host = (handler.headers.get("Host") or "").rsplit(":", 1)[0]
        self.seen.append({"host": handler.headers.get("Host"), "path": handler.path,
                          "agent": handler.headers.get("User-Agent")})
        route = self.routes.get((host, handler.path)) or self.routes.get(handler.path)
        if callable(route):
            return route(handler)
        status, headers, body = route or (404, {}, b"not found")
        body = body.encode() if isinstance(body, str) else body
        handler.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
        return None

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def resolver_to(*addresses, calls=None):
    """A getaddrinfo stand-in answering `addresses` for any name."""
    def resolve(host, port, **kwargs):
        if calls is not None:
            calls.append(host)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]
    return resolve


def local_fetcher(site: LocalSite):
    """outbound.fetch with every name resolved to 127.0.0.1 and the port set to the site's;
    allow_loopback is passed through as the caller gives it."""
    def fetcher(url, **kwargs):
        parts = urlsplit(url)
        url = parts._replace(netloc=f"{parts.hostname}:{site.port}").geturl()
        return fetch(url, resolver=resolver_to("127.0.0.1"), **kwargs)
    return fetcher


class Receiver(LocalSite):
    """A webhook receiver on 127.0.0.1: records every POST with whether its signature
    verifies under `secret`; answers the statuses in `answers` in turn, then 200."""

    def __init__(self):
        super().__init__()
        self.secret, self.answers, self.posts = "", [], []
        receiver = self

        class PostHandler(self.server.RequestHandlerClass):
            def do_POST(self):  # noqa: N802 -- the name http.server calls
                receiver.receive(self)

        self.server.RequestHandlerClass = PostHandler

    def receive(self, handler):
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        stamp = handler.headers.get("X-ICP-Timestamp")
        signature = handler.headers.get("X-ICP-Signature")
        self.posts.append({
            "path": handler.path, "body": body, "event": json.loads(body),
            "event_id": handler.headers.get("X-ICP-Event-Id"), "timestamp": stamp,
            "content_type": handler.headers.get("Content-Type"),
            "valid": webhooks.verify_signature(self.secret, stamp, body, signature)})
        handler.send_response(self.answers.pop(0) if self.answers else 200)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
