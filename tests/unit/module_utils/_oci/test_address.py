"""Registry addresses (_oci/address.py): the registry_url option, loopback hosts, the image name ecr_image_push takes."""

from __future__ import annotations

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._checks import repository as validation
from ansible_collections.stowage.ecr.plugins.module_utils._oci import address as registry_address
from ansible_collections.stowage.ecr.plugins.module_utils._oci import auth as registry_auth
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

PROXY = "https://123456789012.dkr.ecr.ap-south-1.amazonaws.com"


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
