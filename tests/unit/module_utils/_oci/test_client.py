"""The registry's /v2/ check (_oci/client.py), against a server in this process on loopback."""

from __future__ import annotations

import base64
import http.server
import threading

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._oci import auth as registry_auth
from ansible_collections.stowage.ecr.plugins.module_utils._oci import client as registry_client


def b64(text):
    return base64.b64encode(text.encode()).decode()


# the /v2/ check, against a server in this process on loopback ------------------------------------


@pytest.mark.parametrize(
    "header, scheme, params",
    [
        ('Basic realm="Registry Realm"', "basic", {"realm": "Registry Realm"}),
        (
            'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:x:pull"',
            "bearer",
            {"realm": "https://auth.example.com/token", "service": "registry.example.com", "scope": "repository:x:pull"},
        ),
        ("Bearer realm=https://a/t, service=s", "bearer", {"realm": "https://a/t", "service": "s"}),
        ("", "", {}),
    ],
)
def test_parse_challenge(header, scheme, params):
    assert registry_client.parse_challenge(header) == (scheme, params)


GOOD = b64("AWS:right")


class Handler(http.server.BaseHTTPRequestHandler):
    mode = "basic"

    def log_message(self, *args):
        pass

    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        if self.mode == "redirect":
            self.send_response(307)
            self.send_header("Location", "http://127.0.0.1:1/v2/")
            self.end_headers()
            return
        if self.mode == "error":
            self.send_response(503)
            self.end_headers()
            return
        if self.mode == "bearer" and self.path.startswith("/v2/"):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Bearer realm="http://127.0.0.1:%d/token",service="test"' % self.server.server_port)
            self.end_headers()
            return
        if self.path.startswith("/token") and "service=test" not in self.path:
            self.send_response(400)
            self.end_headers()
            return
        if auth == "Basic " + GOOD:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")
            return
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="test"')
        self.end_headers()


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        Handler.mode = "basic"


@pytest.mark.parametrize("mode", ["basic", "bearer"])
def test_check_login_accepts(server, mode):
    Handler.mode = mode
    registry_client.check_login("http://127.0.0.1:%d" % server.server_port, GOOD, "reg", timeout=5)


@pytest.mark.parametrize(
    "mode, status", [("basic", "HTTP 401 (Basic challenge)"), ("bearer", "token realm answered HTTP 401"), ("error", "HTTP 503"), ("redirect", "HTTP 307")]
)
def test_check_login_refuses(server, mode, status):
    Handler.mode = mode
    wrong = b64("AWS:wrong-password")
    with pytest.raises(registry_auth.LoginError) as e:
        registry_client.check_login("http://127.0.0.1:%d" % server.server_port, wrong, "127.0.0.1:%d" % server.server_port, timeout=5)
    assert "registry 127.0.0.1:%d refused the login" % server.server_port in str(e.value)
    assert status in str(e.value)
    assert "wrong-password" not in str(e.value) and wrong not in str(e.value)


def test_check_login_unreachable():
    with pytest.raises(registry_auth.LoginError) as e:
        registry_client.check_login("http://127.0.0.1:1", GOOD, "reg", timeout=5)
    assert "could not reach http://127.0.0.1:1/v2/" in str(e.value)
