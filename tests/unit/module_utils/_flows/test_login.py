"""A registry login (_flows/login.py) on a stubbed ECR client: GetAuthorizationToken, the plan for each registry
(the registry's own check replaced by a recorder) and the write of a Docker config in tmp_path."""

from __future__ import annotations

import base64
import datetime
import json

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._flows import login
from ansible_collections.stowage.ecr.plugins.module_utils.errors import LoginError, LookupFailed

from ...conftest import ACCOUNT, REGION

PASSWORD = "fresh-password-from-ecr"
TOKEN = base64.b64encode(("AWS:" + PASSWORD).encode()).decode()
HOST = "%s.dkr.ecr.%s.amazonaws.com" % (ACCOUNT, REGION)
EXPIRES = datetime.datetime(2026, 12, 3, 18, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture()
def checked(monkeypatch):
    """The registries asked whether they accept a login: (base URL, entry key); the answer is yes."""
    asked = []
    monkeypatch.setattr(login, "check_login", lambda base, auth, key, timeout: asked.append((base, key)))
    return asked


def params(tmp_path, **options):
    found = {"registry_ids": None, "registry_url": None, "config_path": str(tmp_path / "config.json"), "min_validity": 3600, "timeout": 30}
    found.update(options)
    return found


def token_response(token=TOKEN):
    return {"authorizationData": [{"authorizationToken": token, "proxyEndpoint": "https://" + HOST, "expiresAt": EXPIRES}]}


def run(module):
    """The module's steps after its checks: tokens, plan, and the write when one is planned."""
    config = {"auths": {"other.example.com": {"auth": "b3RoZXI6cHc="}}, "credsStore": "desktop"}
    data = login.get_tokens(module, module.params["registry_ids"])
    planned = login.plan(module, config, {}, data)
    if any(entry["write"] for entry in planned) and not module.check_mode:
        login.store(module.params["config_path"], config, {}, planned)
    return planned


def test_a_fresh_login_is_written_and_its_secrets_masked(stubbed, tmp_path, checked):
    stubbed.ecr.add_response("get_authorization_token", token_response(), {"registryIds": [ACCOUNT]})
    module = stubbed.module(**params(tmp_path, registry_ids=[ACCOUNT]))
    login.check_params(module.params)
    (entry,) = run(module)
    assert entry["write"] is True and "no login stored" in entry["reason"]
    assert entry["result"] == {
        "registry": HOST,
        "registry_id": ACCOUNT,
        "username": "AWS",
        "expires_at": "2026-12-03T18:00:00+00:00",
        "changed": True,
        "reason": entry["reason"],
    }
    assert checked == [("https://" + HOST, HOST)]
    assert {TOKEN, PASSWORD} <= module.no_log_values
    written = json.loads((tmp_path / "config.json").read_text())
    assert written["auths"][HOST] == {"auth": TOKEN} and written["auths"]["other.example.com"] == {"auth": "b3RoZXI6cHc="}
    sidecar = json.loads((tmp_path / "config.json.ecr-login.json").read_text())
    assert sidecar["logins"][HOST]["expires_at"] == "2026-12-03T18:00:00+00:00" and PASSWORD not in json.dumps(sidecar)
    # docker asks the credsStore helper, not this entry: said once
    assert len(module.warnings) == 1 and "credsStore=desktop" in module.warnings[0]


def test_check_mode_writes_nothing_and_a_registry_url_names_the_entry(stubbed, tmp_path, checked):
    stubbed.ecr.add_response("get_authorization_token", token_response(), {})
    module = stubbed.module(check_mode=True, **params(tmp_path, registry_url="http://127.0.0.1:5000"))
    (entry,) = run(module)
    assert entry["write"] is True and entry["key"] == "127.0.0.1:5000"
    assert checked == [("http://127.0.0.1:5000", "127.0.0.1:5000")]
    assert not (tmp_path / "config.json").exists()


def test_a_refused_token_call_and_a_bad_token(stubbed, tmp_path):
    stubbed.ecr.add_client_error("get_authorization_token", "AccessDeniedException", "no", expected_params={})
    with pytest.raises(LookupFailed, match="GetAuthorizationToken failed for registries of the caller"):
        login.get_tokens(stubbed.module(**params(tmp_path)), None)
    stubbed.ecr.add_response("get_authorization_token", token_response(base64.b64encode(b"no-colon").decode()), {})
    with pytest.raises(LoginError, match="not user:password"):
        login.get_tokens(stubbed.module(**params(tmp_path)), None)
