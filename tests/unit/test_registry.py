"""The pure parts of ecr_login: registry address checks, the config entry key, merging, the idempotency rule."""

from __future__ import annotations

import base64
import datetime
import http.server
import json
import os
import stat
import threading

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._checks import repository as validation
from ansible_collections.stowage.ecr.plugins.module_utils._oci import address as registry_address
from ansible_collections.stowage.ecr.plugins.module_utils._oci import auth as registry_auth
from ansible_collections.stowage.ecr.plugins.module_utils._oci import client as registry_client
from ansible_collections.stowage.ecr.plugins.module_utils._oci import docker_config
from ansible_collections.stowage.ecr.plugins.module_utils._plans import login as login_decision
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.timezone.utc)
PROXY = "https://123456789012.dkr.ecr.ap-south-1.amazonaws.com"


def b64(text):
    return base64.b64encode(text.encode()).decode()


# registry_url ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, netloc, base",
    [
        ("https://registry.example.com", "registry.example.com", "https://registry.example.com"),
        ("https://registry.example.com/", "registry.example.com", "https://registry.example.com"),
        ("https://Registry.Example.com:8443", "registry.example.com:8443", "https://registry.example.com:8443"),
        ("https://123456789012.dkr-ecr.eu-west-1.on.aws", "123456789012.dkr-ecr.eu-west-1.on.aws", "https://123456789012.dkr-ecr.eu-west-1.on.aws"),
        ("http://127.0.0.1:5000", "127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("http://127.4.5.6:5000", "127.4.5.6:5000", "http://127.4.5.6:5000"),
        ("http://localhost:5000", "localhost:5000", "http://localhost:5000"),
        ("http://LOCALHOST", "localhost", "http://localhost"),
        ("http://[::1]:5000", "[::1]:5000", "http://[::1]:5000"),
        ("https://[2001:db8::1]:443", "[2001:db8::1]:443", "https://[2001:db8::1]:443"),
    ],
)
def test_registry_url_accepted(url, netloc, base):
    parts = registry_address.parse_registry_url(url)
    assert parts["netloc"] == netloc
    assert parts["url"] == base
    assert registry_auth.entry_key(PROXY, url) == netloc
    assert registry_auth.registry_base_url(PROXY, url) == base


@pytest.mark.parametrize(
    "url, phrase",
    [
        ("http://registry.example.com", "not loopback"),
        ("http://10.0.0.5:5000", "not loopback"),
        ("http://128.0.0.1:5000", "not loopback"),
        ("http://[::2]:5000", "not loopback"),
        ("http://localhost.example.com", "not loopback"),
        ("ftp://registry.example.com", "no https:// or http:// scheme"),
        ("registry.example.com:5000", "no https:// or http:// scheme"),
        ("https://", "names no host"),
        ("https://registry.example.com/v2/", "path, query or fragment"),
        ("https://registry.example.com?x=1", "path, query or fragment"),
        ("https://registry.example.com#top", "path, query or fragment"),
        ("https://registry.example.com:99999", "not a valid URL"),
        ("", "a registry URL is required"),
        (None, "a registry URL is required"),
    ],
)
def test_registry_url_refused(url, phrase):
    with pytest.raises(InputError) as e:
        registry_address.parse_registry_url(url)
    assert str(e.value).startswith("registry_url: ")
    assert phrase in str(e.value)
    assert "https://HOST[:PORT]" in str(e.value) or "Use https://" in str(e.value)


def test_registry_url_with_credentials_does_not_echo_them():
    with pytest.raises(InputError) as e:
        registry_address.parse_registry_url("https://AWS:s3cret-pw@registry.example.com")
    assert "s3cret-pw" not in str(e.value)
    assert "user or password" in str(e.value)


@pytest.mark.parametrize(
    "host, loopback",
    [
        ("127.0.0.1", True),
        ("127.255.0.9", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LocalHost", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_is_loopback(host, loopback):
    assert registry_address.is_loopback(host) is loopback


# entry key ---------------------------------------------------------------------------------------


def test_entry_key_without_override_is_the_proxy_endpoint_host():
    assert registry_auth.entry_key(PROXY) == "123456789012.dkr.ecr.ap-south-1.amazonaws.com"
    assert registry_auth.entry_key(PROXY + "/") == "123456789012.dkr.ecr.ap-south-1.amazonaws.com"
    assert registry_auth.entry_key("https://registry.example.com:8443") == "registry.example.com:8443"
    assert registry_auth.registry_base_url(PROXY) == "https://123456789012.dkr.ecr.ap-south-1.amazonaws.com"


def test_entry_key_with_override_is_its_host_and_port():
    assert registry_auth.entry_key(PROXY, "http://127.0.0.1:5000") == "127.0.0.1:5000"
    assert registry_auth.entry_key(PROXY, "https://vpce.example.com") == "vpce.example.com"


def test_registry_id_of():
    assert registry_auth.registry_id_of(PROXY) == "123456789012"
    assert registry_auth.registry_id_of("https://registry.example.com") is None


# tokens ------------------------------------------------------------------------------------------


def test_decode_auth():
    assert registry_auth.decode_auth(b64("AWS:pass:with:colons")) == ("AWS", "pass:with:colons")
    assert registry_auth.decode_auth(b64("AWS:")) == ("AWS", "")
    assert registry_auth.decode_auth(b64("no-colon")) is None
    assert registry_auth.decode_auth(b64(":nouser")) is None
    assert registry_auth.decode_auth("not base64!") is None
    assert registry_auth.decode_auth("") is None
    assert registry_auth.decode_auth(None) is None


def test_iso_and_parse_iso():
    assert registry_auth.iso(datetime.datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05+00:00"
    assert registry_auth.iso(datetime.datetime(2026, 1, 2, 5, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))) == "2026-01-02T03:04:05+00:00"
    assert registry_auth.iso(None) is None
    assert registry_auth.parse_iso("2026-01-02T03:04:05Z") == datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    assert registry_auth.parse_iso("garbage") is None
    assert registry_auth.parse_iso(None) is None


# config merge ------------------------------------------------------------------------------------


def test_merge_keeps_everything_else():
    config = {
        "auths": {"other.example.com": {"auth": b64("bob:pw")}, "https://index.docker.io/v1/": {"auth": b64("alice:pw")}},
        "credsStore": "desktop",
        "credHelpers": {"gcr.io": "gcloud"},
        "proxies": {"default": {"httpProxy": "http://proxy:3128"}},
        "HttpHeaders": {"User-Agent": "x"},
    }
    original = json.loads(json.dumps(config))
    merged = docker_config.merge_login(config, "127.0.0.1:5000", b64("AWS:token"))
    assert config == original, "the input is not modified"
    assert merged["auths"]["127.0.0.1:5000"] == {"auth": b64("AWS:token")}
    for key in ("credsStore", "credHelpers", "proxies", "HttpHeaders"):
        assert merged[key] == original[key]
    for key, entry in original["auths"].items():
        assert merged["auths"][key] == entry
    assert list(merged) == list(original), "top-level key order is kept"


def test_merge_replaces_the_whole_entry():
    config = {"auths": {"reg": {"auth": b64("AWS:old"), "identitytoken": "stale", "email": "x@example.com"}}}
    assert docker_config.merge_login(config, "reg", b64("AWS:new"))["auths"]["reg"] == {"auth": b64("AWS:new")}


@pytest.mark.parametrize("config", [{}, {"auths": None}, {"auths": []}, {"auths": "x"}])
def test_merge_into_config_without_auths(config):
    assert docker_config.merge_login(config, "reg", "QQ==")["auths"] == {"reg": {"auth": "QQ=="}}


def test_stored_auth():
    assert docker_config.stored_auth({"auths": {"reg": {"auth": "abc"}}}, "reg") == "abc"
    assert docker_config.stored_auth({"auths": {"reg": {"auth": "abc"}}}, "other") is None
    assert docker_config.stored_auth({"auths": {"reg": {}}}, "reg") is None
    assert docker_config.stored_auth({"auths": {"reg": "abc"}}, "reg") is None
    assert docker_config.stored_auth({}, "reg") is None


def test_helper_for():
    assert docker_config.helper_for({}, "reg") is None
    assert docker_config.helper_for({"credsStore": "desktop"}, "reg") == "credsStore=desktop"
    assert docker_config.helper_for({"credHelpers": {"reg": "ecr-login"}}, "reg") == "credHelpers[reg]=ecr-login"
    assert docker_config.helper_for({"credHelpers": {"other": "ecr-login"}}, "reg") is None


def test_default_config_path():
    assert docker_config.default_config_path({"DOCKER_CONFIG": "/srv/dc"}) == "/srv/dc/config.json"
    assert docker_config.default_config_path({}) == os.path.join(os.path.expanduser("~"), ".docker", "config.json")
    assert docker_config.sidecar_path("/srv/dc/config.json") == "/srv/dc/config.json.ecr-login.json"


# files -------------------------------------------------------------------------------------------


def test_load_missing_empty_and_valid(tmp_path):
    assert docker_config.load_json_object(str(tmp_path / "none.json"), "config") == ({}, None)
    (tmp_path / "empty.json").write_text("\n")
    assert docker_config.load_json_object(str(tmp_path / "empty.json"), "config")[0] == {}
    (tmp_path / "ok.json").write_text('{"auths": {}}')
    assert docker_config.load_json_object(str(tmp_path / "ok.json"), "config") == ({"auths": {}}, b'{"auths": {}}')


@pytest.mark.parametrize("text", ['{"auths": {"reg": {"auth": "c2VjcmV0LXRva2Vu"}', '["c2VjcmV0LXRva2Vu"]'])
def test_load_bad_json_names_the_file_not_the_content(tmp_path, text):
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(registry_auth.LoginError) as e:
        docker_config.load_json_object(str(path), "config_path: the Docker client config")
    assert str(path) in str(e.value)
    assert "c2VjcmV0LXRva2Vu" not in str(e.value)


def test_write_json_atomic(tmp_path):
    path = tmp_path / "sub" / "config.json"
    docker_config.write_json_atomic(str(path), b"{}\n")
    assert path.read_bytes() == b"{}\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)
    docker_config.write_json_atomic(str(path), b'{"a": 1}\n')
    assert path.read_bytes() == b'{"a": 1}\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.json"], "no temp file is left"


def test_write_json_atomic_writes_through_a_symlink(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("{}")
    link = tmp_path / "config.json"
    link.symlink_to(target)
    docker_config.write_json_atomic(str(link), b'{"b": 2}\n')
    assert link.is_symlink()
    assert target.read_bytes() == b'{"b": 2}\n'


def test_dump_config_is_docker_like():
    assert docker_config.dump_config({"auths": {"r": {"auth": "x"}}}) == b'{\n\t"auths": {\n\t\t"r": {\n\t\t\t"auth": "x"\n\t\t}\n\t}\n}\n'


# the idempotency rule ----------------------------------------------------------------------------


FRESH = b64("AWS:fresh-token")
OLD = b64("AWS:older-token")


def known(auth, expires):
    return {"fingerprint": registry_auth.fingerprint(auth), "expires_at": registry_auth.iso(expires), "username": "AWS"}


def never(*_):
    raise AssertionError("the registry must not be asked")


@pytest.mark.parametrize(
    "stored, record, accepted, write, reason",
    [
        (None, None, never, True, "no login stored"),
        ("%%%", None, never, True, "not user:password"),
        (FRESH, None, never, False, "is the current token"),
        (FRESH, known(FRESH, NOW - datetime.timedelta(days=4000)), never, False, "is the current token"),
        (b64("bob:older-token"), None, never, True, "another user"),
        (OLD, None, never, True, "expiry of the stored login is unknown"),
        (OLD, known(FRESH, NOW + datetime.timedelta(hours=5)), never, True, "expiry of the stored login is unknown"),
        (OLD, {"fingerprint": registry_auth.fingerprint(OLD), "expires_at": "soon"}, never, True, "expiry of the stored login is unknown"),
        (OLD, known(OLD, NOW + datetime.timedelta(minutes=10)), never, True, "expires in 600s, less than min_validity 3600s"),
        (OLD, known(OLD, NOW - datetime.timedelta(minutes=10)), never, True, "expires in 0s"),
        (OLD, known(OLD, NOW + datetime.timedelta(hours=5)), lambda: False, True, "no longer accepts"),
        (OLD, known(OLD, NOW + datetime.timedelta(hours=5)), lambda: True, False, "accepted and valid for 18000s"),
    ],
)
def test_decide(stored, record, accepted, write, reason):
    got_write, got_reason = login_decision.decide(stored, FRESH, record, NOW, 3600, accepted)
    assert got_write is write
    assert reason in got_reason
    for secret in ("fresh-token", "older-token", FRESH, OLD):
        assert secret not in got_reason


def test_decide_min_validity_zero_keeps_a_login_until_it_expires():
    record = known(OLD, NOW + datetime.timedelta(minutes=1))
    assert login_decision.decide(OLD, FRESH, record, NOW, 0, lambda: True)[0] is False
    assert login_decision.decide(OLD, FRESH, record, NOW, 61, lambda: True)[0] is True


def test_login_view_never_holds_the_secret():
    view = login_decision.login_view("reg", OLD, known(OLD, NOW))
    assert view == {"username": "AWS", "expires_at": registry_auth.iso(NOW)}
    assert login_decision.login_view("reg", OLD, known(FRESH, NOW)) == {"username": "AWS", "expires_at": "unknown"}
    assert login_decision.login_view("reg", None, None) is None


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


@pytest.mark.parametrize(
    "url", ["https://bad host.example.com", "https://" + "a" * 64 + ".example.com", "https://-lead.example.com", "https://a..b.com", "https://exa_mple.com"]
)
def test_registry_url_host_must_be_a_host_name(url):
    with pytest.raises(validation.InputError, match="registry_url: .* is not a host name or IP address"):
        registry_address.parse_registry_url(url)


@pytest.mark.parametrize("url", ["https://10.0.0.1:5000", "https://[2001:db8::1]", "https://a-b.c-d.example.com", "http://127.0.0.1:5000"])
def test_registry_url_hosts_accepted(url):
    assert registry_address.parse_registry_url(url)["url"].startswith(url.split("://")[0])


# the image name ecr_image_push takes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, registry, repository",
    [
        ("123456789012.dkr.ecr.ap-south-1.amazonaws.com/team/app", "123456789012.dkr.ecr.ap-south-1.amazonaws.com", "team/app"),
        ("127.0.0.1:5000/app", "127.0.0.1:5000", "app"),
        ("localhost/my_app", "localhost", "my_app"),
        ("LocalHost:5000/a/b/c", "localhost:5000", "a/b/c"),
        ("[::1]:5000/app", "[::1]:5000", "app"),
        ("123456789012.dkr-ecr.eu-west-1.on.aws/app", "123456789012.dkr-ecr.eu-west-1.on.aws", "app"),
    ],
)
def test_split_image_name_accepts(name, registry, repository):
    assert registry_address.split_image_name(name) == (registry, repository)


@pytest.mark.parametrize(
    "name, phrase",
    [
        (None, "an image name in the registry is required"),
        ("", "an image name in the registry is required"),
        ("app", "names no registry host"),
        ("team/app", "names no registry host"),
        ("registry.example.com/", "names no repository"),
        ("registry.example.com/app:1.0", "holds a tag"),
        ("registry.example.com/app@sha256:" + "a" * 64, "holds a digest"),
        ("registry.example.com:0/app", "not HOST or HOST:PORT"),
        ("registry.example.com:/app", "not HOST or HOST:PORT"),
        ("registry.example.com:70000/app", "port that is not a number"),
        ("registry..example.com/app", "not HOST or HOST:PORT"),
        ("-bad.example.com/app", "not HOST or HOST:PORT"),
        ("registry.example.com/App", "name (repository part): 'App' is not a valid repository name"),
        ("registry.example.com/a", "ECR accepts 2 to 256"),
    ],
)
def test_split_image_name_refuses(name, phrase):
    with pytest.raises(InputError) as e:
        registry_address.split_image_name(name)
    assert str(e.value).startswith("name") and phrase in str(e.value)
