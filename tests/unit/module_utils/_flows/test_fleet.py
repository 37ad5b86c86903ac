"""Many repositories in one run (_flows/fleet.py) on a stubbed ECR client: each item checked before any call,
then converged on its own (repository, then lifecycle policy), its failure reported on it."""

from __future__ import annotations

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import policy_text
from ansible_collections.stowage.ecr.plugins.module_utils._flows.fleet import converge_one, plan
from ansible_collections.stowage.ecr.plugins.module_utils._flows.repository import lifecycle_want
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

from ...conftest import ACCOUNT
from .test_repository import ARN, BY_NAME, RULES, raw

RULES_TEXT = policy_text(lifecycle_want(RULES, None))


def test_plan_merges_the_defaults_and_refuses_before_any_call():
    wants = plan([{"name": "team/app", "lifecycle_rules": RULES}, {"name": "team/web", "scan_on_push": False}], {"scan_on_push": True}, None)
    assert [(w["name"], w["scan_on_push"], w["lifecycle"] != "leave") for w in wants] == [("team/app", True, True), ("team/web", False, False)]
    assert wants[1]["lifecycle"] == "leave"
    with pytest.raises(InputError, match=r"repositories\[team/app\]: names the same repository"):
        plan([{"name": "team/app"}, {"name": "team/app"}], {}, None)


def test_an_item_converges_its_repository_then_its_lifecycle_policy(stubbed):
    ecr = stubbed.ecr
    # the repository's tags and policy are not managed by the item: not read
    ecr.add_response("put_image_scanning_configuration", {}, {"repositoryName": "team/app", "imageScanningConfiguration": {"scanOnPush": True}})
    ecr.add_response("describe_repositories", {"repositories": [raw(imageScanningConfiguration={"scanOnPush": True})]}, BY_NAME)
    ecr.add_client_error("get_lifecycle_policy", "LifecyclePolicyNotFoundException", expected_params={"repositoryName": "team/app"})
    ecr.add_response("put_lifecycle_policy", {}, {"repositoryName": "team/app", "lifecyclePolicyText": RULES_TEXT})
    (want,) = plan([{"name": "team/app", "scan_on_push": True, "lifecycle_rules": RULES}], {}, None)
    got = converge_one(EcrApi(stubbed.module(), workers=1), want, raw(), check_mode=False)
    assert got["failed"] is False, got.get("msg")
    assert got["changed"] is True and got["created"] is False
    assert got["repository"]["arn"] == ARN and got["repository"]["scan_on_push"] is True
    assert got["lifecycle_rules"] == [{"priority": 1, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 14}]
    assert got["diff"]["before"]["lifecycle_policy"] is None and got["diff"]["after"]["lifecycle_policy"] is not None


def test_an_unchanged_item_in_check_mode(stubbed):
    stubbed.ecr.add_response("get_lifecycle_policy", {"lifecyclePolicyText": RULES_TEXT}, {"repositoryName": "team/app"})
    (want,) = plan([{"name": "team/app", "scan_on_push": False, "lifecycle_rules": RULES}], {}, None)
    got = converge_one(EcrApi(stubbed.module(check_mode=True), workers=1), want, raw(), check_mode=True)
    assert got["failed"] is False and got["changed"] is False and "diff" not in got


def test_an_item_that_ecr_refuses_fails_alone(stubbed):
    stubbed.ecr.add_client_error(
        "create_repository", "AccessDeniedException", "not allowed", expected_params={"repositoryName": "team/app", "registryId": ACCOUNT}
    )
    (want,) = plan([{"name": "team/app"}], {}, ACCOUNT)
    got = converge_one(EcrApi(stubbed.module(), registry_id=ACCOUNT, workers=1), want, None, check_mode=False)
    assert got["failed"] is True and got["changed"] is False
    assert "team/app" in got["msg"] and "(AccessDeniedException)" in got["msg"]
