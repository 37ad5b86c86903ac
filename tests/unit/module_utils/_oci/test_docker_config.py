"""The Docker client config (_oci/docker_config.py): merging a login, reading and writing the files."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._oci import auth as registry_auth
from ansible_collections.stowage.ecr.plugins.module_utils._oci import docker_config


def b64(text):
    return base64.b64encode(text.encode()).decode()


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
