"""Planning repository changes: what differs, what is left alone, encryption and KMS keys."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import change_call, create_call
from ansible_collections.stowage.ecr.plugins.module_utils._plans import repository
from ansible_collections.stowage.ecr.plugins.module_utils._plans.repository import encryption_conflict, target_mutability
from ansible_collections.stowage.ecr.plugins.module_utils._views.results import repository_view as format_repository
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

KEY = "arn:aws:kms:ap-south-1:123456789012:key/1111"
OTHER = "arn:aws:kms:ap-south-1:123456789012:key/2222"
RAW = {
    "repositoryName": "app",
    "repositoryArn": "arn:aws:ecr:ap-south-1:123456789012:repository/app",
    "registryId": "123456789012",
    "repositoryUri": "123456789012.dkr.ecr.ap-south-1.amazonaws.com/app",
    "createdAt": datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc),
    "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
    "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "latest"}],
    "imageScanningConfiguration": {"scanOnPush": True},
    "encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": KEY},
}
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}


def plan_update(current, want):
    """The plan in the options' words, as the calls it makes (ecr_api maps one to the other)."""
    changes, after = repository.plan_update(current, want)
    return [change_call(change) for change in changes], after


def plan_create(want):
    create, after = repository.plan_create(want)
    return create_call(create), after


def current(**overrides):
    repo = format_repository(RAW, tags={"team": "a", "aws:cloudformation:stack": "s"}, policy=POLICY)
    repo.update(overrides)
    return repo


def want(**settings):
    base = {"name": "app", "purge_tags": True, "purge_policy": False}
    base.update(settings)
    return base


def test_format_repository():
    repo = current()
    assert repo["created_at"] == "2026-01-02T00:00:00+00:00"
    assert repo["image_tag_mutability_exclusion_filters"] == ["latest"]
    assert repo["scan_on_push"] is True and repo["kms_key"] == KEY and repo["encryption_type"] == "KMS"
    bare = format_repository({"repositoryName": "x"})
    assert bare["encryption_type"] == "AES256" and bare["image_tag_mutability"] == "MUTABLE" and bare["tags"] == {} and bare["scan_on_push"] is False


def test_nothing_asked_nothing_planned():
    assert plan_update(current(), want()) == ([], current())


def test_same_settings_nothing_planned():
    same_policy = dict(POLICY, Statement=[dict(POLICY["Statement"][0], Action=list(reversed(POLICY["Statement"][0]["Action"])))])
    calls = plan_update(current(), want(image_tag_mutability="IMMUTABLE_WITH_EXCLUSION", scan_on_push=True, tags={"team": "a"}, policy=same_policy))[0]
    assert calls == []


def test_changes_planned_one_call_each():
    calls, after = plan_update(
        current(),
        want(image_tag_mutability="MUTABLE", scan_on_push=False, tags={"team": "b", "env": "prod"}, policy={"Statement": [{"Effect": "Deny"}]}),
    )
    ops = [call[0] for call in calls]
    assert ops == ["put_image_tag_mutability", "put_image_scanning_configuration", "tag_resource", "set_repository_policy"]
    assert calls[0][1] == {"imageTagMutability": "MUTABLE"}
    assert after["image_tag_mutability"] == "MUTABLE" and after["image_tag_mutability_exclusion_filters"] == []
    # aws: tags are never purged
    assert after["tags"] == {"team": "b", "env": "prod", "aws:cloudformation:stack": "s"}


def test_tags_purge_and_keep():
    calls, after = plan_update(current(), want(tags={"env": "prod"}))
    assert calls == [("untag_resource", {"tagKeys": ["team"]}), ("tag_resource", {"tags": [{"Key": "env", "Value": "prod"}]})]
    calls, after = plan_update(current(), want(tags={"env": "prod"}, purge_tags=False))
    assert calls == [("tag_resource", {"tags": [{"Key": "env", "Value": "prod"}]})]
    assert after["tags"]["team"] == "a"


def test_purge_policy():
    calls, after = plan_update(current(), want(purge_policy=True))
    assert calls == [("delete_repository_policy", {})] and after["policy"] is None
    assert plan_update(current(policy=None), want(purge_policy=True))[0] == []


def test_exclusion_filters_kept_when_omitted():
    assert target_mutability(current(), want(image_tag_mutability="MUTABLE_WITH_EXCLUSION")) == ("MUTABLE_WITH_EXCLUSION", ["latest"])
    calls = plan_update(current(), want(image_tag_mutability="MUTABLE_WITH_EXCLUSION"))[0]
    assert calls == [
        (
            "put_image_tag_mutability",
            {"imageTagMutability": "MUTABLE_WITH_EXCLUSION", "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "latest"}]},
        )
    ]
    with pytest.raises(InputError, match="has none to keep"):
        target_mutability(current(image_tag_mutability_exclusion_filters=[]), want(image_tag_mutability="IMMUTABLE_WITH_EXCLUSION"))
    assert target_mutability(current(), want()) == (None, None)


def test_plan_create():
    kwargs, after = plan_create(want(scan_on_push=True, encryption_type="AES256", tags={"b": "2", "a": "1"}, registry_id="123456789012"))
    assert kwargs == {
        "repositoryName": "app",
        "registryId": "123456789012",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfiguration": {"encryptionType": "AES256"},
        "tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
    }
    assert after["scan_on_push"] is True and after["image_tag_mutability"] == "MUTABLE"
    kwargs = plan_create(want(encryption_type="KMS", kms_key="alias/aws/ecr"))[0]
    assert kwargs["encryptionConfiguration"] == {"encryptionType": "KMS"}
    kwargs, after = plan_create(want(encryption_type="KMS"))
    assert kwargs["encryptionConfiguration"] == {"encryptionType": "KMS"} and after["kms_key"] is None
    kwargs = plan_create(want(encryption_type="KMS", kms_key="alias/mine"))[0]
    assert kwargs["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": "alias/mine"}
    kwargs = plan_create(want())[0]
    assert kwargs == {"repositoryName": "app"}


class Resolver:
    def __init__(self, table):
        self.table = table
        self.calls = []

    def __call__(self, key):
        self.calls.append(key)
        return self.table.get(key, key if key and ":key/" in key else None)


def test_kms_key_spellings_compare_equal():
    resolve = Resolver({"alias/images": KEY, "1111": KEY, "arn:aws:kms:ap-south-1:123456789012:alias/images": KEY})
    for spelling in ("alias/images", "1111", KEY, "arn:aws:kms:ap-south-1:123456789012:alias/images"):
        assert encryption_conflict(current(), {"encryption_type": "KMS", "kms_key": spelling}, resolve) is None


def test_same_key_arn_needs_no_kms_call():
    resolve = Resolver({})
    assert encryption_conflict(current(), {"encryption_type": "KMS", "kms_key": KEY}, resolve) is None
    assert resolve.calls == []
    assert "kms_key is" in encryption_conflict(current(), {"encryption_type": "KMS", "kms_key": OTHER}, resolve)
    assert resolve.calls == []


def test_encryption_conflicts():
    resolve = Resolver({"alias/other": OTHER})
    assert "kms_key is %s on the repository and alias/other" % KEY in encryption_conflict(
        current(), {"encryption_type": "KMS", "kms_key": "alias/other"}, resolve
    )
    assert "encryption_type is KMS on the repository and AES256" in encryption_conflict(current(), {"encryption_type": "AES256"}, resolve)
    assert encryption_conflict(current(), {"encryption_type": None}, resolve) is None
    # KMS with kms_key left out: the key is left unchecked, as any omitted option (and KMS is not asked)
    asked = len(resolve.calls)
    assert encryption_conflict(current(), {"encryption_type": "KMS", "kms_key": None}, resolve) is None
    assert len(resolve.calls) == asked
    assert "encryption_type is KMS on the repository and KMS_DSSE" in encryption_conflict(current(), {"encryption_type": "KMS_DSSE"}, resolve)
    aes = current(encryption_type="AES256", kms_key=None)
    assert encryption_conflict(aes, {"encryption_type": "AES256"}, resolve) is None
    # the managed key alias that KMS does not know: a conflict, not a silent match
    assert encryption_conflict(current(), {"encryption_type": "KMS", "kms_key": "alias/aws/ecr"}, Resolver({})) is not None
    assert encryption_conflict(current(), {"encryption_type": "KMS", "kms_key": "alias/aws/ecr"}, Resolver({"alias/aws/ecr": KEY})) is None


def test_view_passes_through_fields_aws_adds():
    raw = dict(RAW, someNewSetting={"isEnabled": True, "since": datetime.datetime(2026, 3, 4, tzinfo=datetime.timezone.utc)})
    view = format_repository(raw)
    assert view["some_new_setting"] == {"is_enabled": True, "since": "2026-03-04T00:00:00+00:00"}
    # the fields the view renames are not repeated under AWS's names
    assert not {"repository_name", "repository_arn", "repository_uri", "image_scanning_configuration", "encryption_configuration"} & set(view)
