"""A fault-injecting HTTP proxy for the robustness tests (standard library only).

It sits on loopback between a client (boto3 in the modules, or a Docker Engine) and an
upstream HTTP server (the moto server, or the Distribution registry) and forwards every
request, except those it decides to fail:

    throttle   HTTP 400 with the awsJson1_1 error body botocore parses,
               {"__type": "ThrottlingException", "message": "Rate exceeded"}, and x-amzn-ErrorType
    error500   HTTP 500 (ECR's ServerException)
    error503   HTTP 503 (ServiceUnavailableException)
    drop       the connection is closed without an answer; the request never reached upstream
    lost       the request is forwarded, then the connection is closed without an answer:
               upstream did the work, the client does not know (a retried write runs twice)

Random faults hit a share (``rate``) of the AWS API requests (those with X-Amz-Target or a
query ``Action``), drawn from a seeded RNG, so a run with the same requests in the same
order meets the same faults. ``rules`` fail chosen requests deterministically (for example
the manifest PUT of a docker push).

It counts what it injected (per kind), what it forwarded (per operation: X-Amz-Target's
operation, a query Action, or a coarse name of a registry call) and the error codes upstream
answered (per operation), for the test to print and assert on.
"""

from __future__ import annotations

import collections
import http.client
import json
import random
import re
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterable, Optional, Tuple

KINDS = ("throttle", "error500", "error503", "drop", "lost")
# headers that belong to one connection, not to the message (RFC 9110 7.6.1)
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"}
UPSTREAM_TIMEOUT = 120


@dataclass
class Rule:
    """Fail every request whose method and path match, with ``kind``; ``times`` None is every time."""

    method: str
    path: str  # a regular expression searched in the path
    kind: str
    times: Optional[int] = None

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.search(self.path, path) is not None and (self.times is None or self.times > 0)


def operation_of(method: str, path: str, headers: Any, body: bytes) -> str:
    """The name of the call: X-Amz-Target's operation, a query Action, or a coarse registry call name."""
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if body and "application/x-www-form-urlencoded" in (headers.get("Content-Type") or ""):
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    route = urllib.parse.urlsplit(path).path
    if route.startswith("/v2/"):
        for marker, name in (("/manifests/", "manifests"), ("/blobs/uploads", "blob uploads"), ("/blobs/", "blobs"), ("/tags/", "tags")):
            if marker in route:
                return "%s %s" % (method, name)
        return "%s /v2/" % method
    return "%s %s" % (method, route)


def is_aws_api(headers: Any, body: bytes) -> bool:
    """A call of an AWS API (JSON protocol with X-Amz-Target, or query protocol with Action)."""
    if headers.get("X-Amz-Target"):
        return True
    return bool(body) and b"Action=" in body and "application/x-www-form-urlencoded" in (headers.get("Content-Type") or "")


class FaultProxy:
    """A proxy on 127.0.0.1:<free port> in front of ``upstream`` (http://HOST:PORT)."""

    def __init__(
        self,
        upstream: str,
        rate: float = 0.0,
        seed: int = 0,
        kinds: Iterable[str] = KINDS,
        rules: Iterable[Rule] = (),
        on_forward: Optional[Callable[[str, int], None]] = None,
    ):
        parts = urllib.parse.urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError("upstream must be http://HOST:PORT, got %r" % upstream)
        self.upstream = (parts.hostname, parts.port or 80)
        self.rate = rate
        self.kinds = tuple(kinds)
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError("unknown fault kinds %s" % sorted(unknown))
        self.rules = list(rules)
        # called with (operation, status) after upstream answered, before the client gets the answer
        self.on_forward = on_forward
        # the same, with the request's body too
        self.on_forward_request: Optional[Callable[[str, int, bytes], None]] = None
        self.seed = seed
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.requests = 0
        self.injected: collections.Counter = collections.Counter()
        self.injected_by_operation: collections.Counter = collections.Counter()
        self.forwarded: collections.Counter = collections.Counter()
        self.upstream_errors: collections.Counter = collections.Counter()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: Optional[threading.Thread] = None

    # life cycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    @property
    def host(self) -> str:
        return "127.0.0.1:%d" % self._server.server_address[1]

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, name="faultproxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # decisions and counts --------------------------------------------------------------------

    def decide(self, method: str, path: str, operation: str, aws: bool) -> Optional[str]:
        """The fault for this request, or None to forward it."""
        with self._lock:
            self.requests += 1
            for rule in self.rules:
                if rule.matches(method, path):
                    if rule.times is not None:
                        rule.times -= 1
                    return self._count(rule.kind, operation)
            if aws and self.rate > 0 and self._rng.random() < self.rate:
                return self._count(self._rng.choice(self.kinds), operation)
        return None

    def _count(self, kind: str, operation: str) -> str:
        self.injected[kind] += 1
        self.injected_by_operation[operation] += 1
        return kind

    def note_forwarded(self, operation: str, status: int, body: bytes) -> None:
        with self._lock:
            self.forwarded[operation] += 1
            if status >= 400:
                self.upstream_errors["%s %s" % (operation, _error_code(status, body))] += 1

    def figures(self) -> Dict[str, Any]:
        """What happened, as plain data: requests seen, faults injected per kind, forwarded calls per operation."""
        with self._lock:
            return {
                "seed": self.seed,
                "rate": self.rate,
                "requests": self.requests,
                "injected": dict(sorted(self.injected.items())),
                "injected_total": sum(self.injected.values()),
                "injected_by_operation": dict(sorted(self.injected_by_operation.items())),
                "forwarded": dict(sorted(self.forwarded.items())),
                "forwarded_total": sum(self.forwarded.values()),
                "upstream_errors": dict(sorted(self.upstream_errors.items())),
            }

    def reset_counts(self) -> None:
        with self._lock:
            self.requests = 0
            for counter in (self.injected, self.injected_by_operation, self.forwarded, self.upstream_errors):
                counter.clear()

    # forwarding ------------------------------------------------------------------------------

    def forward(self, method: str, path: str, headers: Any, body: bytes) -> Tuple[int, str, list, bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=UPSTREAM_TIMEOUT)
        try:
            out = {}
            for key, value in headers.items():
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                    out[key] = value
            if body or method in ("POST", "PUT", "PATCH"):
                out["Content-Length"] = str(len(body))
            conn.request(method, path, body=body or None, headers=out)
            response = conn.getresponse()
            data = response.read()
            return response.status, response.reason, response.getheaders(), data
        finally:
            conn.close()


def _error_code(status: int, body: bytes) -> str:
    """The error code of an upstream answer: awsJson's __type, a query XML <Code>, else the status."""
    try:
        doc = json.loads(body.decode("utf-8"))
        if isinstance(doc, dict) and doc.get("__type"):
            return str(doc["__type"]).rsplit("#", 1)[-1]
    except ValueError:
        pass
    found = re.search(rb"<Code>([^<]+)</Code>", body or b"")
    return found.group(1).decode() if found else str(status)


def _fault_reply(kind: str, headers: Any, body: bytes) -> Tuple[int, Dict[str, str], bytes]:
    """The answer of an injected fault, in the protocol the client speaks."""
    status, code, message = {
        "throttle": (400, "ThrottlingException", "Rate exceeded"),
        "error500": (500, "ServerException", "Injected internal failure"),
        "error503": (503, "ServiceUnavailableException", "Injected service unavailable"),
    }[kind]
    if headers.get("X-Amz-Target"):
        payload = json.dumps({"__type": code, "message": message}).encode()
        return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code, "x-amzn-RequestId": "injected"}, payload
    if is_aws_api(headers, body):
        if code == "ThrottlingException":
            code = "Throttling"  # the query protocol's spelling
        payload = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>injected</RequestId></ErrorResponse>"
            % (code, message)
        ).encode()
        return status, {"Content-Type": "text/xml"}, payload
    payload = json.dumps({"errors": [{"code": "UNAVAILABLE" if status == 503 else "UNKNOWN", "message": message}]}).encode()
    return status, {"Content-Type": "application/json"}, payload


def _handler_for(proxy: FaultProxy):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

        def _body(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _handle(self) -> None:
            try:
                self._serve()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client went away (killed, or gave up): nothing to answer

        def _serve(self) -> None:
            body = self._body()
            operation = operation_of(self.command, self.path, self.headers, body)
            kind = proxy.decide(self.command, self.path, operation, is_aws_api(self.headers, body))
            if kind == "drop":
                self.close_connection = True
                return
            if kind in ("throttle", "error500", "error503"):
                status, headers, payload = _fault_reply(kind, self.headers, body)
                self.send_response_only(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            try:
                status, reason, headers, data = proxy.forward(self.command, self.path, self.headers, body)
            except OSError as e:
                payload = ("upstream unreachable: %s" % e).encode()
                self.send_response_only(502)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            proxy.note_forwarded(operation, status, data)
            if proxy.on_forward is not None:
                proxy.on_forward(operation, status)
            if proxy.on_forward_request is not None:
                proxy.on_forward_request(operation, status, body)
            if kind == "lost":
                self.close_connection = True
                return
            self.send_response_only(status, reason)
            for key, value in headers:
                lower = key.lower()
                if lower in HOP_BY_HOP or (lower == "content-length" and self.command != "HEAD"):
                    continue
                self.send_header(key, value)
            if self.command != "HEAD":
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD" and data:
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    return Handler
