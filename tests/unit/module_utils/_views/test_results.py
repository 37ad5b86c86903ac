"""A repository's view as an item of ecr_repositories (_views/results.py settings_view)."""

from __future__ import annotations

from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import typed_rules
from ansible_collections.stowage.ecr.plugins.module_utils._views.results import settings_view

EXPIRE = {"type": "expire"}
ONE = {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1}


def view(**fields):
    base = {
        "name": "team/app",
        "image_tag_mutability": "MUTABLE",
        "image_tag_mutability_exclusion_filters": [],
        "scan_on_push": False,
        "encryption_type": "AES256",
        "kms_key": None,
        "tags": {},
        "policy": None,
        "lifecycle_policy": None,
    }
    base.update(fields)
    return base


def test_settings_view_writes_the_state_out_whole():
    item = settings_view(view(), None)
    assert item == {
        "name": "team/app",
        "image_tag_mutability": "MUTABLE",
        "scan_on_push": False,
        "encryption_type": "AES256",
        "tags": {},
        "purge_tags": True,
        "purge_policy": True,
        "lifecycle_rules": [],
    }


def test_settings_view_keeps_aws_tags_out_and_falls_back_to_json():
    policy = {"rules": [{"rulePriority": 1, "selection": dict(ONE, x=1), "action": EXPIRE}]}
    item = settings_view(
        view(
            tags={"b": "2", "aws:cloudformation:stack-name": "s", "a": "1"},
            image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
            image_tag_mutability_exclusion_filters=["z*", "latest"],
            lifecycle_policy=policy,
        ),
        typed_rules(policy),
    )
    assert list(item["tags"]) == ["a", "b"]
    assert item["image_tag_mutability_exclusion_filters"] == ["latest", "z*"]
    assert item["lifecycle_policy"] == policy and "lifecycle_rules" not in item


def test_referrer_and_signing_status_views():
    from ansible_collections.stowage.ecr.plugins.module_utils._views.results import image_referrer_view, image_signing_status_view

    referrer = {"digest": "sha256:" + "b" * 64, "mediaType": "m", "artifactType": "t", "size": 7, "annotations": {"org.example.createdAt": "x"}}
    assert image_referrer_view(referrer) == {
        "digest": referrer["digest"],
        "media_type": "m",
        "artifact_type": "t",
        "size": 7,
        "annotations": {"org.example.createdAt": "x"},
    }
    answer = {
        "repositoryName": "app",
        "registryId": "123456789012",
        "imageId": {"imageDigest": "d"},
        "signingStatuses": [{"signingProfileArn": "p", "status": "FAILED", "failureCode": "C"}],
    }
    assert image_signing_status_view(answer) == {"signing_statuses": [{"signing_profile_arn": "p", "status": "FAILED", "failure_code": "C"}]}
    assert image_signing_status_view({}) == {"signing_statuses": []} and image_signing_status_view(None) is None
