"""A small reverse proxy for tests: serves on its own origin, forwards to the app with the app's
Host, and tells the app where the request came from (`X-Forwarded-Proto: https`,
`X-Forwarded-Host`, `X-Forwarded-For`), like a TLS-terminating proxy in front of a deployment.
Given several upstreams (app instances), it sends each request to the next one in turn, like a
round-robin load balancer without sticky sessions."""

import http.client
import itertools
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Sequence, Union
from urllib.parse import urlsplit

from conftest import free_port

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) drops connections of a burst: the client then waits for
    # TCP retransmissions and times out.
    request_queue_size = 512


class ReverseProxy:
    __test__ = False

    def __init__(self, upstream: Union[str, Sequence[str]], port: int = 0, proto: str = "https", record: bool = True) -> None:
        targets = [urlsplit(upstream)] if isinstance(upstream, str) else [urlsplit(url) for url in upstream]
        turns = itertools.cycle(targets)
        turnLock = threading.Lock()
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.seen = []  # (method, path, forwarded headers) of each request, when recording
        self.served: Counter = Counter()  # requests per upstream (host:port)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with turnLock:
                    target = next(turns)
                    proxy.served[target.netloc] += 1
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
                headers["Host"] = target.netloc
                headers["X-Forwarded-Proto"] = proto
                headers["X-Forwarded-Host"] = self.headers.get("Host", "")
                headers["X-Forwarded-For"] = self.client_address[0]
                if record:
                    proxy.seen.append((self.command, self.path, dict(headers)))
                upstream_connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                try:
                    upstream_connection.request(self.command, self.path, body=body, headers=headers)
                    response = upstream_connection.getresponse()
                    data = response.read()
                finally:
                    upstream_connection.close()
                self.send_response(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_HEAD = forward

        self.server = _Server(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
