"""ecr_pull_through_cache_rule through ansible-playbook against the local stack, checked with boto3.

Pull through cache rules are registry-wide: each test uses prefixes of its own and deletes its rules."""

from __future__ import annotations

import json

import pytest
from helpers import Recorder, client, run_play, unique, writes

M = "stowage.ecr.ecr_pull_through_cache_rule"
ACCOUNT = "123456789012"


def secret(value=None):
    value = value if value is not None else {"username": "puller", "accessToken": "dckr_pat_x"}
    return client("secretsmanager").create_secret(Name=unique("ecr-pullthroughcache/hub"), SecretString=json.dumps(value))["ARN"]


def live(prefix):
    found = client("ecr").describe_pull_through_cache_rules(ecrRepositoryPrefixes=[prefix])["pullThroughCacheRules"]
    assert len(found) == 1
    return found[0]


def gone(prefix):
    with pytest.raises(client("ecr").exceptions.PullThroughCacheRuleNotFoundException):
        client("ecr").describe_pull_through_cache_rules(ecrRepositoryPrefixes=[prefix])
    return True


def four_times(args, prefix=""):
    return [
        {"name": prefix + "check", M: args, "check_mode": True},
        {"name": prefix + "real", M: args},
        {"name": prefix + "check again", M: args, "check_mode": True},
        {"name": prefix + "real again", M: args},
    ]


def changes(play, prefix=""):
    return [play[prefix + t]["changed"] for t in ("check", "real", "check again", "real again")]


def test_docker_hub_rule_create_update_refuse_recreate_delete(moto, tmp_path):
    prefix = unique("hub")
    first, second = secret(), secret()
    args = {"ecr_repository_prefix": prefix, "upstream_registry_url": "registry-1.docker.io", "credential_arn": first, "validate": True}
    with Recorder(moto) as rec:
        play = run_play(four_times(args), tmp_path)
    assert play.rc == 0, play.failures()
    assert changes(play) == [True, True, False, False]
    assert writes(rec.operations()) == ["CreatePullThroughCacheRule"]
    rule = live(prefix)
    assert (rule["upstreamRegistry"], rule["upstreamRegistryUrl"], rule["credentialArn"]) == ("docker-hub", "registry-1.docker.io", first)
    expected = {
        "ecr_repository_prefix": prefix,
        "upstream_registry_url": "registry-1.docker.io",
        "upstream_registry": "docker-hub",
        "credential_arn": first,
        "custom_role_arn": None,
        "upstream_repository_prefix": None,
    }
    assert play["check"]["diff"] == {"before": {}, "after": expected}
    assert play["check"]["operation"] == "create" and play["check"]["validation"] is None
    assert play["real"]["diff"]["after"] == expected and play["real"]["rule"]["registry_id"] == ACCOUNT
    assert play["real"]["validation"] == {"is_valid": True, "failure": None}
    assert play["real again"]["operation"] is None and play["real again"]["diff"]["before"] == play["real again"]["diff"]["after"] == expected
    assert play["check again"]["validation"] == {"is_valid": True, "failure": None}

    # the credential changes in place; the URL is left as it is by a task that only names the prefix and URL
    update = dict(args, credential_arn=second, validate=False)
    moved = {"ecr_repository_prefix": prefix, "upstream_registry_url": "ghcr.io", "credential_arn": second}
    tasks = four_times(update, "update ")
    tasks += [
        {"name": "omitted credential", M: {"ecr_repository_prefix": prefix, "upstream_registry_url": "registry-1.docker.io"}},
        {"name": "refused", M: moved, "ignore_errors": True},
        {"name": "refused in check mode", M: moved, "check_mode": True, "ignore_errors": True},
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert changes(play, "update ") == [True, True, False, False]
    assert play["update real"]["operation"] == "update"
    assert play["update real"]["diff"]["before"]["credential_arn"] == first and play["update real"]["diff"]["after"]["credential_arn"] == second
    assert play["omitted credential"]["changed"] is False
    for name in ("refused", "refused in check mode"):
        assert play[name]["failed"]
        msg = play[name]["msg"]
        assert "upstream_registry_url, upstream_registry:" in msg and "recreate: true" in msg and "Nothing was changed" in msg, msg
    assert writes(rec.operations()) == ["UpdatePullThroughCacheRule"]
    assert live(prefix)["credentialArn"] == second and live(prefix)["upstreamRegistryUrl"] == "registry-1.docker.io"

    recreate = dict(moved, recreate=True)
    tasks = four_times(recreate, "recreate ") + four_times({"ecr_repository_prefix": prefix, "state": "absent"}, "delete ")
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert play.rc == 0, play.failures()
    assert changes(play, "recreate ") == [True, True, False, False]
    assert play["recreate check"]["operation"] == play["recreate real"]["operation"] == "recreate"
    assert play["recreate real"]["diff"]["after"]["upstream_registry"] == "github-container-registry"
    assert play["recreate real"]["rule"]["upstream_registry_url"] == "ghcr.io"
    assert changes(play, "delete ") == [True, True, False, False]
    assert play["delete real"]["diff"] == {
        "before": dict(expected, upstream_registry_url="ghcr.io", upstream_registry="github-container-registry", credential_arn=second),
        "after": {},
    }
    assert writes(rec.operations()) == ["DeletePullThroughCacheRule", "CreatePullThroughCacheRule", "DeletePullThroughCacheRule"]
    assert gone(prefix)


def test_validation_verdict_fails_the_task_unless_told(moto, tmp_path):
    prefix = unique("bad-secret")
    broken = secret({"username": "puller"})  # no accessToken
    args = {"ecr_repository_prefix": prefix, "upstream_registry_url": "ghcr.io", "credential_arn": broken, "validate": True}
    missing = "arn:aws:secretsmanager:ap-south-1:%s:secret:ecr-pullthroughcache/%s" % (ACCOUNT, unique("missing"))
    recreate = {"ecr_repository_prefix": prefix, "upstream_registry_url": "registry-1.docker.io", "credential_arn": missing, "recreate": True}
    tasks = [
        {"name": "fails", M: args, "ignore_errors": True},
        {"name": "reports", M: dict(args, fail_on_invalid=False)},
        {"name": "recreate that ECR refuses", M: recreate, "ignore_errors": True},
        {"name": "after the refusal", M: dict(args, fail_on_invalid=False), "check_mode": True},
        {"name": "delete", M: {"ecr_repository_prefix": prefix, "state": "absent"}},
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    # the old rule is put back when the create of a re-create fails
    refusal = play["recreate that ECR refuses"]
    assert refusal["failed"] and refusal["error"]["code"] == "SecretNotFoundException"
    assert "the old rule was put back as it was" in refusal["msg"]
    assert play["after the refusal"]["changed"] is False
    assert writes(rec.operations()) == [
        "CreatePullThroughCacheRule",
        "DeletePullThroughCacheRule",
        "CreatePullThroughCacheRule",
        "CreatePullThroughCacheRule",
        "DeletePullThroughCacheRule",
    ]
    assert play["fails"]["failed"] and play["fails"]["changed"] is True
    assert "validate: ECR found the pull through cache rule for %s not valid" % prefix in play["fails"]["msg"]
    assert "accessToken" in play["fails"]["msg"] and "the rule was written as asked" in play["fails"]["msg"]
    assert play["fails"]["rule"]["credential_arn"] == broken
    assert play["reports"]["changed"] is False and play["reports"]["validation"]["is_valid"] is False
    assert "accessToken" in play["reports"]["validation"]["failure"]
    assert play["delete"]["changed"] is True and gone(prefix)


def test_ecr_upstream_role_and_upstream_prefix(moto, tmp_path):
    prefix = unique("up")
    role = "arn:aws:iam::%s:role/ecr-ptc" % ACCOUNT
    other_role = "arn:aws:iam::%s:role/ecr-ptc-2" % ACCOUNT
    url = "210987654321.dkr.ecr.eu-west-1.amazonaws.com"
    args = {
        "ecr_repository_prefix": prefix,
        "upstream_registry_url": url,
        "upstream_registry": "ecr",
        "custom_role_arn": role,
        "upstream_repository_prefix": "team",
    }
    tasks = four_times(args)
    tasks += [
        {"name": "role in place", M: dict(args, custom_role_arn=other_role)},
        {"name": "prefix left out", M: {"ecr_repository_prefix": prefix, "upstream_registry_url": url}},
        {"name": "upstream prefix refused", M: dict(args, upstream_repository_prefix="other"), "ignore_errors": True},
        {"name": "upstream prefix recreated", M: dict(args, custom_role_arn=None, upstream_repository_prefix="other", recreate=True)},
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert changes(play) == [True, True, False, False]
    assert play["real"]["rule"]["upstream_repository_prefix"] == "team" and play["real"]["rule"]["custom_role_arn"] == role
    assert play["role in place"]["operation"] == "update"
    assert play["prefix left out"]["changed"] is False
    assert play["upstream prefix refused"]["failed"] and "upstream_repository_prefix:" in play["upstream prefix refused"]["msg"]
    assert play["upstream prefix recreated"]["operation"] == "recreate"
    assert writes(rec.operations()) == [
        "CreatePullThroughCacheRule",
        "UpdatePullThroughCacheRule",
        "DeletePullThroughCacheRule",
        "CreatePullThroughCacheRule",
    ]
    rule = live(prefix)
    # the role the task left out on the re-create is the live one, kept
    assert (rule["upstreamRepositoryPrefix"], rule["customRoleArn"], rule["upstreamRegistry"]) == ("other", other_role, "ecr")
    client("ecr").delete_pull_through_cache_rule(ecrRepositoryPrefix=prefix)
