"""AWS's lifecycle policy preview (source: aws) through botocore's Stubber, against the ECR service model:
the calls made, the polling, the pages, and the result in the evaluator's shape."""

from __future__ import annotations

import datetime
import json

import pytest
from botocore.stub import ANY

from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import compile_rules
from ansible_collections.stowage.ecr.plugins.module_utils._flows.preview import aws_preview, check_max_expiring, preview_report
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError, PreviewFailed

PUSHED = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
POLICY = compile_rules(
    [
        {"priority": 1, "tag_status": "untagged", "count_type": "image_count_more_than", "count_number": 1},
        {
            "priority": 2,
            "tag_status": "any",
            "count_type": "since_image_pulled",
            "count_number": 90,
            "count_unit": "days",
            "action": "transition",
            "target_storage_class": "archive",
        },
    ]
)


@pytest.fixture()
def stubbed(stubbed):
    """The API and the ECR Stubber of the shared fixture (which checks that every response was asked for)."""
    return EcrApi(stubbed.module()), stubbed.ecr


def result(digest, priority, action="EXPIRE", target=None):
    entry = {"imageDigest": digest, "imageTags": [], "imagePushedAt": PUSHED, "appliedRulePriority": priority, "action": {"type": action}}
    if target:
        entry["action"]["targetStorageClass"] = target
    return entry


def test_aws_preview_polls_pages_and_maps(stubbed):
    api, stubber = stubbed
    stubber.add_response(
        "start_lifecycle_policy_preview", {"repositoryName": "app", "status": "IN_PROGRESS"}, {"repositoryName": "app", "lifecyclePolicyText": ANY}
    )
    stubber.add_response("get_lifecycle_policy_preview", {"status": "IN_PROGRESS"}, {"repositoryName": "app", "maxResults": 100})
    stubber.add_response(
        "get_lifecycle_policy_preview",
        {"status": "COMPLETE", "previewResults": [result("sha256:b", 1)], "nextToken": "t2"},
        {"repositoryName": "app", "maxResults": 100},
    )
    stubber.add_response(
        "get_lifecycle_policy_preview",
        {"status": "COMPLETE", "previewResults": [result("sha256:a", 2, "TRANSITION", "ARCHIVE")]},
        {"repositoryName": "app", "maxResults": 100, "nextToken": "t2"},
    )
    details = [{"imageDigest": "sha256:%s" % c, "imagePushedAt": PUSHED} for c in "abc"]
    every_image = {"tagStatus": "ANY", "imageStatus": "ANY"}
    stubber.add_response("describe_images", {"imageDetails": details}, {"repositoryName": "app", "filter": every_image, "maxResults": 1000})
    slept = []
    got = aws_preview(api, "app", POLICY, wait_timeout=60, sleep=slept.append)
    assert slept == [1.0]
    assert [(e["image_digest"], e["rule_priority"], e["action"], e["target_storage_class"]) for e in got["expiring"]] == [
        ("sha256:a", 2, "transition", "archive"),
        ("sha256:b", 1, "expire", None),
    ]
    assert got["evaluated"] == 3 and got["kept"] == 1 and got["source"] == "aws"
    assert [(r["rule_priority"], r["acted_on"]) for r in got["rules"]] == [(1, 1), (2, 1)]


def test_aws_preview_that_fails_or_never_completes_is_an_error(stubbed):
    api, stubber = stubbed
    stubber.add_response("start_lifecycle_policy_preview", {"status": "IN_PROGRESS"}, {"repositoryName": "app", "lifecyclePolicyText": ANY})
    stubber.add_response("get_lifecycle_policy_preview", {"status": "FAILED"}, {"repositoryName": "app", "maxResults": 100})
    with pytest.raises(PreviewFailed, match="ended FAILED"):
        aws_preview(api, "app", POLICY, wait_timeout=60, sleep=lambda s: None)
    stubber.add_response("start_lifecycle_policy_preview", {"status": "IN_PROGRESS"}, {"repositoryName": "app", "lifecyclePolicyText": ANY})
    for _poll in range(3):
        stubber.add_response("get_lifecycle_policy_preview", {"status": "IN_PROGRESS"}, {"repositoryName": "app", "maxResults": 100})
    clock = iter([0, 0, 1, 3, 7, 15])
    with pytest.raises(PreviewFailed, match="did not complete within wait_timeout 5s"):
        aws_preview(api, "app", POLICY, wait_timeout=5, sleep=lambda s: None, clock=lambda: next(clock))


def test_max_expiring_names_the_count_and_the_rule():
    preview = {
        "expiring": [{"action": "expire"}] * 3 + [{"action": "transition"}],
        "rules": [{"rule_priority": 1, "description": "untagged", "action": "expire", "acted_on": 3}],
    }
    check_max_expiring(preview, 3, "app")
    check_max_expiring(preview, None, "app")
    with pytest.raises(
        InputError, match=r"max_expiring: .* expire 3 images of app right away, more than max_expiring 2 \(rule 1 expires 3 of them: untagged\)"
    ):
        check_max_expiring(preview, 2, "app")


# ecr_lifecycle_preview's report: the live policy read, evaluated here on the repository's images --------------

EVERY_IMAGE = {"repositoryName": "app", "filter": {"tagStatus": "ANY", "imageStatus": "ANY"}, "maxResults": 1000}


def report_params(**options):
    params = {"repository": "app", "registry_id": None, "as_of": "2026-06-01T00:00:00Z", "source": "local", "wait_timeout": 60}
    params.update(options)
    return params


def test_report_evaluates_the_live_policy_as_of_a_time(stubbed):
    api, stubber = stubbed
    stubber.add_response("get_lifecycle_policy", {"lifecyclePolicyText": json.dumps(POLICY)}, {"repositoryName": "app"})
    details = [{"imageDigest": "sha256:%s" % c, "imagePushedAt": PUSHED + datetime.timedelta(days=n)} for n, c in enumerate("abc")]
    stubber.add_response("describe_images", {"imageDetails": details}, EVERY_IMAGE)
    got = preview_report(lambda: api, report_params(), None)
    assert got["source"] == "local" and got["policy"] == POLICY and got["as_of"] == "2026-06-01T00:00:00+00:00"
    assert got["evaluated"] == 3 and [e["image_digest"] for e in got["expiring"] if e["action"] == "expire"] == ["sha256:a", "sha256:b"]


def test_report_without_a_policy_acts_on_nothing_and_checks_before_any_call(stubbed):
    api, stubber = stubbed
    stubber.add_client_error("get_lifecycle_policy", "LifecyclePolicyNotFoundException", expected_params={"repositoryName": "app"})
    stubber.add_response("describe_images", {"imageDetails": [{"imageDigest": "sha256:a", "imagePushedAt": PUSHED}]}, EVERY_IMAGE)
    got = preview_report(lambda: api, report_params(), None)
    assert got["expiring"] == [] and got["policy"] is None and got["evaluated"] == 1
    with pytest.raises(InputError, match="as_of: AWS's preview"):
        preview_report(lambda: pytest.fail("no API before the checks pass"), report_params(source="aws"), None)
