"""ecr_repository through ansible-playbook against the moto server, checked on the AWS side with boto3."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from helpers import Recorder, client, run_play, unique, writes

PULL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "CrossAccountPull",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        }
    ],
}


def four_times(args, name="repo"):
    """check mode, real, check mode again, real again: the pattern every state change goes through."""
    return [
        {"name": "check", "stowage.ecr.ecr_repository": args, "check_mode": True, "register": "r1"},
        {"name": "real", "stowage.ecr.ecr_repository": args, "register": "r2"},
        {"name": "check again", "stowage.ecr.ecr_repository": args, "check_mode": True},
        {"name": "real again", "stowage.ecr.ecr_repository": args},
    ]


def assert_four(play, changed=True):
    assert play.rc == 0, play.failures()
    assert play["check"]["changed"] is changed
    assert play["real"]["changed"] is changed
    assert play["check again"]["changed"] is False
    assert play["real again"]["changed"] is False


def describe(name):
    return client("ecr").describe_repositories(repositoryNames=[name])["repositories"][0]


def exists(name):
    try:
        describe(name)
        return True
    except client("ecr").exceptions.RepositoryNotFoundException:
        return False


def aws_tags(name):
    arn = describe(name)["repositoryArn"]
    return {t["Key"]: t["Value"] for t in client("ecr").list_tags_for_resource(resourceArn=arn)["tags"]}


def put_image(name, tag="v1"):
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest": "sha256:" + "a" * 64},
        "layers": [],
    }
    client("ecr").put_image(repositoryName=name, imageManifest=json.dumps(manifest), imageTag=tag)


@pytest.mark.matrix
def test_create_with_every_setting(moto, tmp_path):
    name = unique("team/full")
    args = {
        "name": name,
        "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
        "image_tag_mutability_exclusion_filters": ["latest", "dev-*"],
        "scan_on_push": True,
        "encryption_type": "AES256",
        "tags": {"team": "platform", "cost-centre": 42},
        "policy": PULL_POLICY,
    }
    with Recorder(moto) as rec:
        play = run_play(four_times(args), tmp_path)
    assert_four(play)
    # check mode reported the repository as it would be, and wrote nothing before the real run
    check = play["check"]
    assert check["repository"]["scan_on_push"] is True
    assert check["repository"]["image_tag_mutability_exclusion_filters"] == ["latest", "dev-*"]
    assert check["diff"]["before"] == {} and check["diff"]["after"]["name"] == name
    assert writes(rec.operations()).count("CreateRepository") == 1

    repo = describe(name)
    assert repo["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert sorted(f["filter"] for f in repo["imageTagMutabilityExclusionFilters"]) == ["dev-*", "latest"]
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo["encryptionConfiguration"]["encryptionType"] == "AES256"
    assert aws_tags(name) == {"team": "platform", "cost-centre": "42"}
    assert json.loads(client("ecr").get_repository_policy(repositoryName=name)["policyText"]) == PULL_POLICY

    out = play["real"]["repository"]
    assert out["uri"] == repo["repositoryUri"] and out["arn"] == repo["repositoryArn"]
    # check mode foretold where the repository would be
    assert (check["repository"]["uri"], check["repository"]["arn"], check["repository"]["registry_id"]) == (out["uri"], out["arn"], "123456789012")
    assert out["registry_id"] == "123456789012" and out["created_at"]
    assert out["tags"] == {"team": "platform", "cost-centre": "42"}
    assert out["policy"] == PULL_POLICY
    assert play["real again"]["repository"] == out


def test_repository_and_repository_name_are_aliases_of_name(moto, tmp_path):
    """The names the other modules give a repository reach the same repository as name."""
    name = unique("team/alias")
    tasks = [
        {"name": "by repository", "stowage.ecr.ecr_repository": {"repository": name, "scan_on_push": True}},
        {"name": "by repository_name", "stowage.ecr.ecr_repository": {"repository_name": name, "scan_on_push": True}},
        {"name": "by name", "stowage.ecr.ecr_repository": {"name": name, "state": "absent"}},
    ]
    play = run_play(tasks, tmp_path)
    assert play.rc == 0, play.failures()
    assert play["by repository"]["changed"] is True and play["by repository"]["repository"]["name"] == name
    assert play["by repository_name"]["changed"] is False
    assert play["by name"]["changed"] is True and not exists(name)


@pytest.mark.matrix
def test_omitted_options_leave_settings_alone(moto, tmp_path):
    name = unique("keep")
    client("ecr").create_repository(
        repositoryName=name,
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
        tags=[{"Key": "owner", "Value": "ops"}],
    )
    client("ecr").set_repository_policy(repositoryName=name, policyText=json.dumps(PULL_POLICY))
    with Recorder(moto) as rec:
        play = run_play(
            [
                {"name": "name only", "stowage.ecr.ecr_repository": {"name": name}},
                {"name": "one setting", "stowage.ecr.ecr_repository": {"name": name, "scan_on_push": True}},
            ],
            tmp_path,
        )
    assert play.rc == 0, play.failures()
    assert play["name only"]["changed"] is False
    assert play["one setting"]["changed"] is False
    assert writes(rec.operations()) == []
    repo = describe(name)
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True
    assert aws_tags(name) == {"owner": "ops"}
    assert play["name only"]["repository"]["policy"] == PULL_POLICY


def test_update_mutability_and_scan(moto, tmp_path):
    name = unique("update")
    client("ecr").create_repository(repositoryName=name)
    args = {"name": name, "image_tag_mutability": "MUTABLE_WITH_EXCLUSION", "image_tag_mutability_exclusion_filters": ["release-*"], "scan_on_push": True}
    play = run_play(four_times(args), tmp_path)
    assert_four(play)
    diff = play["real"]["diff"]
    assert diff["before"]["image_tag_mutability"] == "MUTABLE" and diff["after"]["image_tag_mutability"] == "MUTABLE_WITH_EXCLUSION"
    assert diff["before"]["scan_on_push"] is False and diff["after"]["scan_on_push"] is True
    assert play["check"]["diff"] == {"before": diff["before"], "after": play["check"]["diff"]["after"]}
    assert play["check"]["diff"]["after"]["image_tag_mutability_exclusion_filters"] == ["release-*"]
    repo = describe(name)
    assert repo["imageTagMutability"] == "MUTABLE_WITH_EXCLUSION"
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True

    # switching to the immutable flavour keeps the filters the repository has
    play = run_play(four_times({"name": name, "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION"}), tmp_path)
    assert_four(play)
    repo = describe(name)
    assert repo["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert [f["filter"] for f in repo["imageTagMutabilityExclusionFilters"]] == ["release-*"]

    play = run_play(four_times({"name": name, "image_tag_mutability": "MUTABLE", "scan_on_push": False}), tmp_path)
    assert_four(play)
    repo = describe(name)
    assert repo["imageTagMutability"] == "MUTABLE" and not repo.get("imageTagMutabilityExclusionFilters")
    assert repo["imageScanningConfiguration"]["scanOnPush"] is False


@pytest.mark.matrix
def test_tags_purge_and_keep(moto, tmp_path):
    name = unique("tags")
    client("ecr").create_repository(repositoryName=name, tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    play = run_play(four_times({"name": name, "tags": {"b": "2", "c": "3"}, "purge_tags": False}), tmp_path)
    assert_four(play)
    assert aws_tags(name) == {"a": "1", "b": "2", "c": "3"}
    assert play["real"]["diff"]["after"]["tags"] == {"a": "1", "b": "2", "c": "3"}

    play = run_play(four_times({"name": name, "tags": {"c": "changed"}}), tmp_path)
    assert_four(play)
    assert aws_tags(name) == {"c": "changed"}
    assert play["check"]["diff"]["after"]["tags"] == {"c": "changed"}

    play = run_play(four_times({"name": name, "tags": {}}), tmp_path)
    assert_four(play)
    assert aws_tags(name) == {}


def test_policy_semantic_compare_and_purge(moto, tmp_path):
    name = unique("policy")
    client("ecr").create_repository(repositoryName=name)
    play = run_play(four_times({"name": name, "policy": PULL_POLICY}), tmp_path)
    assert_four(play)
    # the same policy, spelled differently: a JSON string, actions reordered, a single statement as a dict
    same = dict(PULL_POLICY, Statement=dict(PULL_POLICY["Statement"][0], Action=list(reversed(PULL_POLICY["Statement"][0]["Action"]))))
    play = run_play([{"name": "same", "stowage.ecr.ecr_repository": {"name": name, "policy": json.dumps(same, indent=2)}}], tmp_path)
    assert play["same"]["changed"] is False, play["same"]

    narrower = json.loads(json.dumps(PULL_POLICY))
    narrower["Statement"][0]["Action"] = ["ecr:BatchGetImage"]
    play = run_play(four_times({"name": name, "policy": narrower}), tmp_path)
    assert_four(play)
    assert play["real"]["diff"]["before"]["policy"] == PULL_POLICY and play["real"]["diff"]["after"]["policy"] == narrower
    assert json.loads(client("ecr").get_repository_policy(repositoryName=name)["policyText"]) == narrower

    play = run_play(four_times({"name": name, "purge_policy": True}), tmp_path)
    assert_four(play)
    with pytest.raises(client("ecr").exceptions.RepositoryPolicyNotFoundException):
        client("ecr").get_repository_policy(repositoryName=name)


def test_kms_key_compared_after_resolving(moto, tmp_path):
    kms = client("kms")
    key = kms.create_key()["KeyMetadata"]
    alias = "alias/" + unique("images")
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    other = kms.create_key()["KeyMetadata"]
    name = unique("kms")
    play = run_play(four_times({"name": name, "encryption_type": "KMS", "kms_key": alias}), tmp_path)
    assert_four(play)
    repo = describe(name)
    assert repo["encryptionConfiguration"]["encryptionType"] == "KMS"

    alias_arn = "arn:aws:kms:ap-south-1:123456789012:%s" % alias
    spellings = [key["KeyId"], key["Arn"], alias, alias_arn]
    with Recorder(moto) as rec:
        play = run_play(
            [{"name": spelling, "stowage.ecr.ecr_repository": {"name": name, "encryption_type": "KMS", "kms_key": spelling}} for spelling in spellings],
            tmp_path,
        )
    assert play.rc == 0, play.failures()
    for spelling in spellings:
        assert play[spelling]["changed"] is False, spelling
    assert writes(rec.operations()) == []

    # another key, or another encryption type: fails, says why, changes nothing
    with Recorder(moto) as rec:
        play = run_play(
            [
                {
                    "name": "other key",
                    "stowage.ecr.ecr_repository": {"name": name, "encryption_type": "KMS", "kms_key": other["Arn"], "scan_on_push": True},
                    "ignore_errors": True,
                },
                {"name": "aes", "stowage.ecr.ecr_repository": {"name": name, "encryption_type": "AES256", "scan_on_push": True}, "ignore_errors": True},
                {"name": "aes check", "stowage.ecr.ecr_repository": {"name": name, "encryption_type": "AES256"}, "check_mode": True, "ignore_errors": True},
            ],
            tmp_path,
        )
    for task in ("other key", "aes", "aes check"):
        assert play[task]["failed"] is True
        assert "re-encrypted in place" in play[task]["msg"] and "Nothing was changed" in play[task]["msg"]
    assert writes(rec.operations()) == []
    assert describe(name)["imageScanningConfiguration"]["scanOnPush"] is False

    # the AWS managed key, spelled as its alias: created without a key, so ECR picks its managed key.
    # (moto makes up a key ARN that its KMS does not know, so only the create is checked here;
    # the comparison is unit-tested.)
    managed = unique("managed")
    play = run_play(four_times({"name": managed, "encryption_type": "KMS", "kms_key": "alias/aws/ecr"})[:2], tmp_path)
    assert play["check"]["changed"] and play["real"]["changed"]
    assert describe(managed)["encryptionConfiguration"]["encryptionType"] == "KMS"


def test_kms_dsse_and_unknown_key(moto, tmp_path):
    kms = client("kms")
    key = kms.create_key()["KeyMetadata"]
    name = unique("dsse")
    play = run_play(four_times({"name": name, "encryption_type": "KMS_DSSE", "kms_key": key["Arn"]}), tmp_path)
    assert_four(play)
    assert describe(name)["encryptionConfiguration"]["encryptionType"] == "KMS_DSSE"

    missing = unique("nokey")
    with Recorder(moto) as rec:
        play = run_play(
            [
                {
                    "name": "t",
                    "stowage.ecr.ecr_repository": {"name": missing, "encryption_type": "KMS", "kms_key": "alias/does-not-exist"},
                    "ignore_errors": True,
                }
            ],
            tmp_path,
        )
    assert play["t"]["failed"] and "kms_key" in play["t"]["msg"] and "alias/does-not-exist" in play["t"]["msg"]
    assert writes(rec.operations()) == []
    assert not exists(missing)


def test_absent_keeps_images_without_force(moto, tmp_path):
    name = unique("images")
    client("ecr").create_repository(repositoryName=name)
    put_image(name)
    with Recorder(moto) as rec:
        play = run_play(
            [
                {"name": "check", "stowage.ecr.ecr_repository": {"name": name, "state": "absent"}, "check_mode": True, "ignore_errors": True},
                {"name": "real", "stowage.ecr.ecr_repository": {"name": name, "state": "absent"}, "ignore_errors": True},
            ],
            tmp_path,
        )
    for task in ("check", "real"):
        assert play[task]["failed"] is True
        assert "force_delete" in play[task]["msg"] and "holds images" in play[task]["msg"]
    assert writes(rec.operations()) == []
    assert [i["imageTag"] for i in client("ecr").list_images(repositoryName=name)["imageIds"]] == ["v1"]

    play = run_play(four_times({"name": name, "state": "absent", "force_delete": True}), tmp_path)
    assert_four(play)
    assert play["real"]["diff"]["before"]["name"] == name and play["real"]["diff"]["after"] == {}
    assert play["real"]["repository"] == {}
    assert not exists(name)


def test_absent_empty_repository(moto, tmp_path):
    name = unique("empty")
    client("ecr").create_repository(repositoryName=name)
    play = run_play(four_times({"name": name, "state": "absent"}), tmp_path)
    assert_four(play)
    assert not exists(name)


def recorded_requests(moto):
    """The ECR and KMS requests moto recorded, as (operation, JSON body)."""
    requests = []
    for line in Path(moto["recording"]).read_text().splitlines():
        entry = json.loads(line)
        target = {k.lower(): v for k, v in entry.get("headers", {}).items()}.get("x-amz-target")
        if not target:
            continue
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode()
        requests.append((target.split(".")[-1], json.loads(body or "{}")))
    return requests


def test_other_registry_id(moto, tmp_path):
    """A registry of another account than the caller's (moto's own is 123456789012): every request that
    names a repository names that registry too."""
    other = "210987654321"
    name = unique("registry")
    with Recorder(moto) as rec:
        play = run_play(four_times({"name": name, "registry_id": other, "scan_on_push": True, "tags": {"team": "a"}}), tmp_path)
    assert_four(play)
    assert play["real"]["repository"]["registry_id"] == other
    assert play["check"]["repository"]["registry_id"] == other and play["check"]["repository"]["arn"].split(":")[4] == other
    requests = recorded_requests(moto)
    assert [op for op, _body in requests] == rec.operations()
    named = [(op, body) for op, body in requests if "repositoryName" in body or "repositoryNames" in body]
    assert {op for op, _body in named} >= {"DescribeRepositories", "CreateRepository", "GetRepositoryPolicy"}
    assert all(body.get("registryId") == other for _op, body in named), [(op, body.get("registryId")) for op, body in named]
    # the tags go by ARN, which holds the registry
    assert all(body["resourceArn"].split(":")[4] == other for op, body in requests if op == "ListTagsForResource")
    # on the AWS side, the repository is the other account's (moto finds a repository by name whatever the
    # registry, so only the requests above tell that registryId was sent)
    repo = client("ecr").describe_repositories(registryId=other, repositoryNames=[name])["repositories"][0]
    assert repo["registryId"] == other and repo["imageScanningConfiguration"]["scanOnPush"] is True


@pytest.mark.matrix
def test_created_says_whether_this_run_created_it(moto, tmp_path):
    name = unique("created")
    play = run_play(
        four_times({"name": name, "scan_on_push": True})
        + [
            {"name": "update", "stowage.ecr.ecr_repository": {"name": name, "scan_on_push": False}},
            {"name": "delete check", "stowage.ecr.ecr_repository": {"name": name, "state": "absent"}, "check_mode": True},
            {"name": "delete", "stowage.ecr.ecr_repository": {"name": name, "state": "absent"}},
            {"name": "delete again", "stowage.ecr.ecr_repository": {"name": name, "state": "absent"}},
        ],
        tmp_path,
    )
    assert_four(play)
    created = {task: play[task]["created"] for task in ("check", "real", "check again", "real again", "update", "delete check", "delete", "delete again")}
    assert created == {
        "check": True,
        "real": True,
        "check again": False,
        "real again": False,
        "update": False,
        "delete check": False,
        "delete": False,
        "delete again": False,
    }
    assert play["update"]["changed"] and play["delete"]["changed"] and not exists(name)


@pytest.mark.matrix
def test_kms_without_key_is_the_aws_managed_key(moto, tmp_path):
    """encryption_type KMS alone: created as the ECR API creates it (ECR picks its AWS managed key); later runs
    leave the key unchecked, as any omitted option, so they ask KMS nothing."""
    name = unique("kms-default")
    with Recorder(moto) as rec:
        play = run_play(four_times({"name": name, "encryption_type": "KMS"}), tmp_path)
    assert_four(play)
    assert play["check"]["created"] and play["real"]["created"] and not play["real again"]["created"]
    assert play["check"]["repository"]["encryption_type"] == "KMS" and play["check"]["repository"]["kms_key"] is None
    creates = [body for op, body in recorded_requests(moto) if op == "CreateRepository"]
    assert [c["encryptionConfiguration"] for c in creates] == [{"encryptionType": "KMS"}]
    assert "DescribeKey" not in rec.operations()
    encryption = describe(name)["encryptionConfiguration"]
    assert encryption["encryptionType"] == "KMS" and encryption.get("kmsKey")
    assert play["real"]["repository"]["kms_key"] == encryption["kmsKey"]
    # the key left out: AES256 is still a difference, KMS_DSSE too
    play = run_play([{"name": "aes", "stowage.ecr.ecr_repository": {"name": name, "encryption_type": "AES256"}, "ignore_errors": True}], tmp_path)
    assert play["aes"]["failed"] and "encryption_type is KMS on the repository and AES256" in play["aes"]["msg"]


def test_new_repository_with_exclusion_needs_filters(moto, tmp_path):
    name = unique("nofilters")
    with Recorder(moto) as rec:
        play = run_play(
            [{"name": "t", "stowage.ecr.ecr_repository": {"name": name, "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION"}, "ignore_errors": True}], tmp_path
        )
    assert play["t"]["failed"] and "image_tag_mutability_exclusion_filters" in play["t"]["msg"]
    assert writes(rec.operations()) == []
    assert not exists(name)
