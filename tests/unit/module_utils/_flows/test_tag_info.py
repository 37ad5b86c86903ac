"""What the tags of a repository hold (_flows/tag_info.py) on a stubbed ECR client, with the registry's answers
(read_tag, the HTTP layer) replaced by a table and the login read from a Docker config in tmp_path."""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._flows import tag_info
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

from ...conftest import ACCOUNT
from .test_repository import BY_NAME, raw

HOST = raw()["repositoryUri"].split("/", 1)[0]
AUTH = base64.b64encode(b"AWS:stored-registry-password").decode()
IMAGE = "sha256:" + "1" * 64
OTHER = "sha256:" + "2" * 64


def params(tmp_path, **options):
    found = {"repository": "team/app", "registry_id": None, "tags": ["v1", "latest"], "registry_url": None, "image_id": None}
    found["config_path"] = str(tmp_path / "config.json")
    found.update(options)
    return found


@pytest.fixture()
def registry(monkeypatch):
    """The tags the registry holds (tag: config digest), and the reads it was asked for."""
    held = {"v1": IMAGE, "latest": OTHER}
    asked = []

    def read_tag(base, repository, tag, auth, key):
        asked.append((base, repository, tag, auth, key))
        digest = held.get(tag)
        return {"tag": tag, "exists": digest is not None, "digest": digest and "sha256:m" + tag, "config_digest": digest, "media_type": None}

    monkeypatch.setattr(tag_info, "read_tag", read_tag)
    return asked


def test_tags_read_with_the_stored_login_and_the_push_planned(stubbed, tmp_path, registry):
    (tmp_path / "config.json").write_text(json.dumps({"auths": {HOST: {"auth": AUTH}}}))
    entry = raw(imageTagMutability="IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest"}])
    stubbed.ecr.add_response("describe_repositories", {"repositories": [entry]}, dict(BY_NAME, registryId=ACCOUNT))
    module = stubbed.module(**params(tmp_path, registry_id=ACCOUNT, image_id=OTHER))
    got = tag_info.tag_report(module)
    assert sorted(call[2] for call in registry) == ["latest", "v1"]
    assert {call[0] for call in registry} == {"https://" + HOST} and {call[3] for call in registry} == {AUTH}
    assert got["registry"] == HOST and got["image_tag_mutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert [(t["tag"], t["config_digest"]) for t in got["tags"]] == [("v1", IMAGE), ("latest", OTHER)]
    assert got["to_push"] == ["v1"] and got["conflicts"] == ["v1"]
    assert AUTH in module.no_log_values


def test_no_login_in_check_mode_reads_as_nothing_held(stubbed, tmp_path, registry):
    stubbed.ecr.add_response("describe_repositories", {"repositories": [raw()]}, BY_NAME)
    module = stubbed.module(check_mode=True, **params(tmp_path, image_id=IMAGE))
    got = tag_info.tag_report(module)
    assert registry == [] and [t["exists"] for t in got["tags"]] == [False, False]
    assert got["to_push"] == ["v1", "latest"] and len(module.warnings) == 1


def test_a_missing_repository_or_login_is_refused(stubbed, tmp_path, registry):
    stubbed.ecr.add_client_error("describe_repositories", "RepositoryNotFoundException", expected_params=BY_NAME)
    with pytest.raises(InputError, match="repository: team/app does not exist"):
        tag_info.tag_report(stubbed.module(**params(tmp_path)))
    stubbed.ecr.add_response("describe_repositories", {"repositories": [raw()]}, BY_NAME)
    with pytest.raises(InputError, match="holds no login for %s" % HOST):
        tag_info.tag_report(stubbed.module(**params(tmp_path)))
    assert registry == []


TOKEN = base64.b64encode(b"AWS:fresh-registry-password").decode()


def token_response():
    return {"authorizationData": [{"authorizationToken": TOKEN, "proxyEndpoint": "https://" + HOST, "expiresAt": "2026-12-01T00:00:00Z"}]}


def test_auth_token_reads_with_a_token_that_is_not_stored(stubbed, tmp_path, registry):
    stubbed.ecr.add_response("describe_repositories", {"repositories": [raw()]}, BY_NAME)
    stubbed.ecr.add_response("get_authorization_token", token_response(), {})
    module = stubbed.module(**params(tmp_path, image_id=IMAGE, auth="token"))
    got = tag_info.tag_report(module)
    assert {call[3] for call in registry} == {TOKEN} and got["registry"] == HOST
    assert got["to_push"] == ["latest"] and got["image_tag_mutability"] == "MUTABLE"
    assert TOKEN in module.no_log_values and "fresh-registry-password" in module.no_log_values
    assert not (tmp_path / "config.json").exists()


def test_auth_token_and_a_repository_not_made_yet_ask_the_registry_and_hold_nothing(stubbed, tmp_path, registry, monkeypatch):
    asked = []
    monkeypatch.setattr(tag_info, "check_login", lambda base, auth, key: asked.append((base, auth, key)))
    stubbed.ecr.add_client_error("describe_repositories", "RepositoryNotFoundException", expected_params=BY_NAME)
    stubbed.ecr.add_response("get_authorization_token", token_response(), {})
    got = tag_info.tag_report(stubbed.module(**params(tmp_path, image_id=IMAGE, auth="token", registry_url="http://127.0.0.1:5000")))
    assert asked == [("http://127.0.0.1:5000", TOKEN, "127.0.0.1:5000")] and registry == []
    assert got["to_push"] == ["v1", "latest"] and got["image_tag_mutability"] is None and got["registry"] == "127.0.0.1:5000"
