"""ecr_login through ansible-playbook against moto (GetAuthorizationToken) and the stack's Distribution registry."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import stat
import subprocess
import urllib.error
import urllib.request

import pytest
import yaml
from helpers import ANSIBLE_PLAYBOOK, REGION, ROOT, Recorder, run_play

# what moto hands out for account 123456789012, and for another registry id
PASSWORD = "123456789012-auth-token"
TOKEN = base64.b64encode(("AWS:" + PASSWORD).encode()).decode()
OTHER_ID = "210987654321"
OTHER_PASSWORD = OTHER_ID + "-auth-token"
OTHER_TOKEN = base64.b64encode(("AWS:" + OTHER_PASSWORD).encode()).decode()
SECRETS = (PASSWORD, TOKEN, OTHER_PASSWORD, OTHER_TOKEN)


def login(name, **args):
    return {"name": name, "stowage.ecr.ecr_login": args}


def b64(text):
    return base64.b64encode(text.encode()).decode()


def v2_status(url, auth):
    """What the registry answers to GET /v2/ with Basic ``auth``, the way docker asks."""
    request = urllib.request.Request(url + "/v2/", headers={"Authorization": "Basic " + auth})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def assert_no_secret(text):
    for secret in SECRETS:
        assert secret not in text


def sidecar(config):
    return config.parent / (config.name + ".ecr-login.json")


def write_sidecar(config, key, auth, expires):
    record = {"username": "AWS", "expires_at": expires.isoformat(), "fingerprint": hashlib.sha256(auth.encode()).hexdigest()}
    sidecar(config).write_text(json.dumps({"logins": {key: record}}))


@pytest.mark.matrix
def test_login_check_real_then_no_change(moto, registry, tmp_path):
    config = tmp_path / "docker" / "config.json"
    args = {"registry_url": registry["url"], "config_path": str(config)}

    play = run_play([login("check", **args)], tmp_path, check=True)
    assert play.rc == 0, play.failures()
    check = play["check"]
    assert check["changed"] is True
    assert not config.exists() and not sidecar(config).exists() and not config.parent.exists(), "check mode writes nothing"
    assert check["diff"]["before"] == {"auths": {}}
    assert check["diff"]["after"] == {"auths": {registry["host"]: {"username": "AWS", "expires_at": "2015-01-01T00:00:00+00:00"}}}

    play = run_play([login("real", **args), login("check again", **args), login("real again", **args)], tmp_path)
    assert play.rc == 0, play.failures()
    assert play["real"]["changed"] is True
    assert play["check again"]["changed"] is False
    assert play["real again"]["changed"] is False
    for name in ("real", "real again"):
        result = play[name]
        assert result["registry"] == registry["host"]
        assert result["username"] == "AWS"
        assert result["config_path"] == str(config)
        assert result["expires_at"] == "2015-01-01T00:00:00+00:00"  # moto's
        assert result["registries"][0]["registry_id"] == "123456789012"  # from the proxy endpoint
    assert "is the current token" in play["real again"]["registries"][0]["reason"]
    assert_no_secret(json.dumps(play.tasks))

    # what docker reads: auths[HOST:PORT].auth, accepted by the registry; mode 0600
    written = json.loads(config.read_text())
    assert written == {"auths": {registry["host"]: {"auth": TOKEN}}}
    assert v2_status(registry["url"], written["auths"][registry["host"]]["auth"]) == 200
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(sidecar(config).stat().st_mode) == 0o600
    kept = json.loads(sidecar(config).read_text())["logins"][registry["host"]]
    assert kept["expires_at"] == "2015-01-01T00:00:00+00:00" and kept["username"] == "AWS"
    assert_no_secret(sidecar(config).read_text())
    assert sorted(p.name for p in config.parent.iterdir()) == ["config.json", "config.json.ecr-login.json"], "no temp file is left"


def test_other_entries_survive(moto, registry, tmp_path):
    config = tmp_path / "config.json"
    before = {
        "auths": {
            "ghcr.io": {"auth": b64("octo:ghp-example")},
            registry["host"]: {"auth": b64("AWS:an-old-token"), "identitytoken": "stale"},
            "https://index.docker.io/v1/": {},
        },
        "credsStore": "desktop",
        "credHelpers": {"gcr.io": "gcloud"},
        "proxies": {"default": {"noProxy": "127.0.0.1"}},
        "detachKeys": "ctrl-e,e",
        "currentContext": "default",
    }
    config.write_text(json.dumps(before, indent=4))
    config.chmod(0o644)

    play = run_play([login("login", registry_url=registry["url"], config_path=str(config))], tmp_path)
    assert play.rc == 0, play.failures()
    result = play["login"]
    assert result["changed"] is True
    assert "expiry of the stored login is unknown" in result["registries"][0]["reason"]
    assert any("credsStore=desktop" in w for w in result.get("warnings", [])), result.get("warnings")
    assert result["diff"]["before"] == {"auths": {registry["host"]: {"username": "AWS", "expires_at": "unknown"}}}
    assert_no_secret(json.dumps(result))

    after = json.loads(config.read_text())
    assert list(after) == list(before), "top-level keys and their order are kept"
    for key in ("credsStore", "credHelpers", "proxies", "detachKeys", "currentContext"):
        assert after[key] == before[key]
    assert after["auths"]["ghcr.io"] == before["auths"]["ghcr.io"]
    assert after["auths"]["https://index.docker.io/v1/"] == {}
    assert after["auths"][registry["host"]] == {"auth": TOKEN}, "the entry is replaced whole, a stale identitytoken goes"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


@pytest.mark.parametrize("case", ["registry with another password", "token of another registry id"])
def test_refused_login_fails_and_leaves_the_file_untouched(moto, registry, other_registry, tmp_path, case):
    config = tmp_path / "config.json"
    original = b'{ "auths": {"ghcr.io": {"auth": "b2N0bzpnaHAtZXhhbXBsZQ=="}},\n  "credHelpers": {} }'
    config.write_bytes(original)
    config.chmod(0o640)
    if case == "registry with another password":
        target, args = other_registry, {"registry_url": other_registry["url"]}
    else:
        target, args = registry, {"registry_url": registry["url"], "registry_ids": [OTHER_ID]}

    play = run_play([login("login", config_path=str(config), **args)], tmp_path)
    assert play.rc != 0
    result = play["login"]
    assert result["failed"] is True
    assert "registry %s refused the login" % target["host"] in result["msg"]
    assert "HTTP 401" in result["msg"]
    assert config.read_bytes() == original
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert not sidecar(config).exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".config", "config"))) == ["config.json"]
    assert_no_secret(play.stdout + play.stderr)


def test_rotated_login_is_kept_while_valid(moto, other_registry, tmp_path):
    """ECR rotates tokens: a stored login that differs from the fresh token is kept while it is accepted and
    not about to expire. other_registry accepts only the stored password, never moto's fresh token."""
    config = tmp_path / "config.json"
    key = other_registry["host"]
    stored = b64("AWS:" + other_registry["password"])
    config.write_text(json.dumps({"auths": {key: {"auth": stored}}}))
    original = config.read_bytes()
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    args = {"registry_url": other_registry["url"], "config_path": str(config)}

    write_sidecar(config, key, stored, now + datetime.timedelta(hours=5))
    play = run_play([login("keep", **args), login("keep in check mode", **args)], tmp_path)
    assert play.rc == 0, play.failures()
    for name in ("keep", "keep in check mode"):
        assert play[name]["changed"] is False
        assert play[name]["expires_at"] == (now + datetime.timedelta(hours=5)).isoformat()
        assert "accepted and valid" in play[name]["registries"][0]["reason"]
    assert config.read_bytes() == original

    # about to expire: the fresh token must be written, and this registry refuses it
    write_sidecar(config, key, stored, now + datetime.timedelta(minutes=10))
    play = run_play([login("renew", **args)], tmp_path)
    assert play.rc != 0
    assert "registry %s refused the login" % key in play["renew"]["msg"]
    assert config.read_bytes() == original

    # unless min_validity allows 10 minutes
    play = run_play([login("keep short", min_validity=300, **args)], tmp_path)
    assert play.rc == 0, play.failures()
    assert play["keep short"]["changed"] is False
    assert config.read_bytes() == original


def test_stored_login_no_longer_accepted_is_renewed(moto, registry, tmp_path):
    config = tmp_path / "config.json"
    stale = b64("AWS:revoked-token")
    config.write_text(json.dumps({"auths": {registry["host"]: {"auth": stale}}}))
    write_sidecar(config, registry["host"], stale, datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=5))
    play = run_play([login("renew", registry_url=registry["url"], config_path=str(config))], tmp_path)
    assert play.rc == 0, play.failures()
    assert play["renew"]["changed"] is True
    assert "no longer accepts" in play["renew"]["registries"][0]["reason"]
    assert json.loads(config.read_text())["auths"][registry["host"]] == {"auth": TOKEN}


@pytest.mark.parametrize(
    "args, phrase",
    [
        (
            {"registry_url": "http://registry.example.com:5000"},
            "registry_url: 'http://registry.example.com:5000' uses plain http:// to a host that is not loopback",
        ),
        ({"registry_url": "https://registry.example.com/v2"}, "registry_url: 'https://registry.example.com/v2' has a path"),
        ({"registry_url": "https://r.example.com", "registry_ids": ["123456789012", OTHER_ID]}, "registry_url: one address serves one registry"),
        ({"registry_ids": ["12345"]}, "registry_ids: '12345' is not a registry id"),
        ({"min_validity": -1}, "min_validity: -1 is negative"),
    ],
)
def test_bad_input_fails_before_any_call(moto, tmp_path, args, phrase):
    config = tmp_path / "config.json"
    with Recorder(moto) as recorder:
        play = run_play([login("login", config_path=str(config), **args)], tmp_path)
    assert play.rc != 0
    assert phrase in play["login"]["msg"]
    assert recorder.operations() == []
    assert not config.exists()


def test_config_that_is_not_json_fails_untouched(moto, registry, tmp_path):
    config = tmp_path / "config.json"
    original = b'{"auths": {"ghcr.io": {"auth": "b2N0bzpnaHAtZXhhbXBsZQ=="}'  # cut short
    config.write_bytes(original)
    with Recorder(moto) as recorder:
        play = run_play([login("login", registry_url=registry["url"], config_path=str(config))], tmp_path)
    assert play.rc != 0
    msg = play["login"]["msg"]
    assert str(config) in msg and "is not valid JSON" in msg
    assert "b2N0bzpnaHAtZXhhbXBsZQ" not in msg
    assert config.read_bytes() == original
    assert recorder.operations() == []


def test_default_config_path_follows_docker_config(moto, registry, tmp_path):
    home = tmp_path / "dockercfg"
    play = run_play([login("login", registry_url=registry["url"])], tmp_path, env={"DOCKER_CONFIG": str(home)})
    assert play.rc == 0, play.failures()
    assert play["login"]["config_path"] == str(home / "config.json")
    assert json.loads((home / "config.json").read_text())["auths"][registry["host"]] == {"auth": TOKEN}


def test_token_never_in_verbose_output(moto, registry, tmp_path):
    """-vvv with diff: module arguments, results, diffs and warnings hold no password and no token."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"credsStore": "desktop"}))
    args = {"registry_url": registry["url"], "config_path": str(config)}
    tasks = [
        login("check", **args) | {"check_mode": True},
        login("real", **args),
        login("again", **args),
        login("refused", registry_ids=[OTHER_ID], **args) | {"ignore_errors": True},
    ]
    play = run_play(tasks, tmp_path, extra_args=["-vvv"])
    assert play.rc == 0, play.failures()
    assert play["real"]["changed"] is True and play["again"]["changed"] is False
    assert play["refused"]["failed"] is True
    assert "ecr_login" in play.stderr + play.stdout  # -vvv did print the module's invocation
    assert_no_secret(play.stdout + play.stderr)
    # the same with the default callback, whose -vvv prints every result and diff as text
    text = run_plain(tasks, tmp_path, ["-vvv", "--diff"])
    assert "ecr_login" in text and "refused the login" in text
    assert_no_secret(text)


def run_plain(tasks, tmp_path, extra_args):
    """ansible-playbook with the default (text) callback; stdout and stderr together."""
    play = [
        {
            "name": "plain",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "module_defaults": {"group/stowage.ecr.ecr": {"region": REGION}},
            "tasks": tasks,
        }
    ]
    path = tmp_path / "plain.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="default")
    proc = subprocess.run([ANSIBLE_PLAYBOOK, str(path)] + extra_args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    return proc.stdout + proc.stderr


@pytest.mark.matrix
@pytest.mark.slow
def test_docker_pushes_with_the_written_login(moto, registry, dockerd, tmp_path):
    """The real client: docker finds the login under HOST:PORT and pushes; the manifest's config digest is the image id."""
    home = tmp_path / "dockercfg"
    play = run_play([login("login", registry_url=registry["url"], config_path=str(home / "config.json"))], tmp_path)
    assert play.rc == 0, play.failures()
    context = tmp_path / "context"
    context.mkdir()
    (context / "hello.txt").write_text("hello from ecr_login\n")
    (context / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    image = "%s/login-test:1" % registry["host"]
    docker = ["/usr/bin/docker", "--config", str(home), "-H", dockerd["host"]]
    subprocess.run(docker + ["build", "-q", "-t", image, str(context)], check=True, capture_output=True, timeout=120)
    push = subprocess.run(docker + ["push", image], capture_output=True, text=True, timeout=120, check=False)
    assert push.returncode == 0, push.stdout + push.stderr
    image_id = subprocess.run(docker + ["image", "inspect", "--format", "{{.Id}}", image], check=True, capture_output=True, text=True).stdout.strip()
    request = urllib.request.Request(
        registry["url"] + "/v2/login-test/manifests/1",
        headers={"Authorization": "Basic " + TOKEN, "Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["config"]["digest"] == image_id
