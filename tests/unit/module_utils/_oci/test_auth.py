"""Registry logins (_oci/auth.py): the config entry key, registry ids, tokens and timestamps."""

from __future__ import annotations

import base64
import datetime

from ansible_collections.stowage.ecr.plugins.module_utils._oci import auth as registry_auth

PROXY = "https://123456789012.dkr.ecr.ap-south-1.amazonaws.com"


def b64(text):
    return base64.b64encode(text.encode()).decode()


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
