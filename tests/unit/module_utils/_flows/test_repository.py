"""Converging one repository and its lifecycle policy (_flows/repository.py) on a stubbed ECR client: the calls
made, in order, and the result."""

from __future__ import annotations

import datetime
import json

import pytest
from botocore.stub import ANY

from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import policy_text
from ansible_collections.stowage.ecr.plugins.module_utils._flows.repository import converge_lifecycle, converge_repository, lifecycle_want, repository_want
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

from ...conftest import ACCOUNT, REGION

ARN = "arn:aws:ecr:%s:%s:repository/team/app" % (REGION, ACCOUNT)
URI = "%s.dkr.ecr.%s.amazonaws.com/team/app" % (ACCOUNT, REGION)
CREATED = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
BY_NAME = {"repositoryNames": ["team/app"]}
POLICY = {"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}]}
RULES = [{"priority": 1, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 14, "count_unit": "days"}]


def raw(**fields):
    entry = {
        "repositoryArn": ARN,
        "registryId": ACCOUNT,
        "repositoryName": "team/app",
        "repositoryUri": URI,
        "createdAt": CREATED,
        "imageTagMutability": "MUTABLE",
        "imageScanningConfiguration": {"scanOnPush": False},
        "encryptionConfiguration": {"encryptionType": "AES256"},
    }
    entry.update(fields)
    return entry


def want(**options):
    params = {"name": "team/app", "state": "present", "purge_tags": True, "purge_policy": False}
    params.update(options)
    return repository_want(params)


def expect_read(ecr, tags=(), policy=None):
    """The reads of a described repository; they name its registry (the listing's registryId)."""
    by_name = {"repositoryName": "team/app", "registryId": ACCOUNT}
    ecr.add_response("list_tags_for_resource", {"tags": list(tags)}, {"resourceArn": ARN})
    if policy is None:
        ecr.add_client_error("get_repository_policy", "RepositoryPolicyNotFoundException", expected_params=by_name)
    else:
        ecr.add_response("get_repository_policy", {"policyText": json.dumps(policy)}, by_name)


def test_create_writes_the_repository_then_reads_it(stubbed):
    ecr = stubbed.ecr
    ecr.add_client_error("describe_repositories", "RepositoryNotFoundException", expected_params=BY_NAME)
    ecr.add_response(
        "create_repository",
        {"repository": raw(imageScanningConfiguration={"scanOnPush": True})},
        {"repositoryName": "team/app", "imageScanningConfiguration": {"scanOnPush": True}, "tags": [{"Key": "team", "Value": "a"}]},
    )
    ecr.add_response("set_repository_policy", {}, {"repositoryName": "team/app", "policyText": json.dumps(POLICY, sort_keys=True)})
    expect_read(ecr, tags=[{"Key": "team", "Value": "a"}], policy=POLICY)
    got = converge_repository(EcrApi(stubbed.module()), want(scan_on_push=True, tags={"team": "a"}, policy=POLICY), check_mode=False)
    assert got["changed"] is True and got["created"] is True and got["before"] == {}
    assert got["after"]["arn"] == ARN and got["after"]["scan_on_push"] is True
    assert got["after"]["tags"] == {"team": "a"} and got["after"]["policy"] == POLICY


def test_create_in_check_mode_writes_nothing_and_predicts_the_location(stubbed):
    stubbed.ecr.add_client_error("describe_repositories", "RepositoryNotFoundException", expected_params=BY_NAME)
    stubbed.stub("sts").add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::%s:user/u" % ACCOUNT, "UserId": "U"}, {})
    got = converge_repository(EcrApi(stubbed.module(check_mode=True)), want(tags={"team": "a"}), check_mode=True)
    assert got["changed"] is True and got["created"] is True
    assert got["after"]["arn"] == ARN and got["after"]["uri"] == URI and got["after"]["registry_id"] == ACCOUNT
    assert got["after"]["tags"] == {"team": "a"}


def test_update_makes_one_call_a_change_then_reads_again(stubbed):
    ecr = stubbed.ecr
    ecr.add_response("describe_repositories", {"repositories": [raw()]}, BY_NAME)
    expect_read(ecr, tags=[{"Key": "old", "Value": "1"}])
    ecr.add_response("put_image_scanning_configuration", {}, {"repositoryName": "team/app", "imageScanningConfiguration": {"scanOnPush": True}})
    ecr.add_response("untag_resource", {}, {"resourceArn": ARN, "tagKeys": ["old"]})
    ecr.add_response("tag_resource", {}, {"resourceArn": ARN, "tags": [{"Key": "team", "Value": "a"}]})
    ecr.add_response("describe_repositories", {"repositories": [raw(imageScanningConfiguration={"scanOnPush": True})]}, BY_NAME)
    expect_read(ecr, tags=[{"Key": "team", "Value": "a"}])
    got = converge_repository(EcrApi(stubbed.module()), want(scan_on_push=True, tags={"team": "a"}), check_mode=False)
    assert got["changed"] is True and got["created"] is False
    assert got["before"]["scan_on_push"] is False and got["before"]["tags"] == {"old": "1"}
    assert got["after"]["scan_on_push"] is True and got["after"]["tags"] == {"team": "a"}


def test_update_in_check_mode_reads_only(stubbed):
    ecr = stubbed.ecr
    ecr.add_response("describe_repositories", {"repositories": [raw()]}, BY_NAME)
    expect_read(ecr)
    got = converge_repository(EcrApi(stubbed.module(check_mode=True)), want(scan_on_push=True), check_mode=True)
    assert got["changed"] is True and got["before"]["scan_on_push"] is False and got["after"]["scan_on_push"] is True


def test_same_settings_change_nothing(stubbed):
    ecr = stubbed.ecr
    ecr.add_response("describe_repositories", {"repositories": [raw()]}, BY_NAME)
    expect_read(ecr)
    got = converge_repository(EcrApi(stubbed.module()), want(scan_on_push=False, image_tag_mutability="MUTABLE"), check_mode=False)
    assert got["changed"] is False and got["before"] == got["after"]


def test_absent_deletes_an_empty_repository(stubbed):
    ecr = stubbed.ecr
    ecr.add_response("describe_repositories", {"repositories": [raw()]}, BY_NAME)
    expect_read(ecr)
    ecr.add_response("list_images", {}, {"repositoryName": "team/app", "maxResults": 1})
    ecr.add_response("delete_repository", {"repository": raw()}, {"repositoryName": "team/app", "force": False})
    got = converge_repository(EcrApi(stubbed.module()), want(state="absent"), check_mode=False)
    assert got == {"changed": True, "created": False, "before": got["before"], "after": {}}
    assert got["before"]["name"] == "team/app"


def test_absent_refuses_a_repository_with_images(stubbed):
    ecr = stubbed.ecr
    ecr.add_response("describe_repositories", {"repositories": [raw()]}, BY_NAME)
    expect_read(ecr)
    ecr.add_response("list_images", {"imageIds": [{"imageDigest": "sha256:" + "a" * 64}]}, {"repositoryName": "team/app", "maxResults": 1})
    with pytest.raises(InputError, match="force_delete: repository team/app holds images"):
        converge_repository(EcrApi(stubbed.module()), want(state="absent"), check_mode=False)


# the lifecycle policy --------------------------------------------------------------------------------------


def test_lifecycle_policy_put_when_there_is_none(stubbed):
    desired = lifecycle_want(RULES, None)
    stubbed.ecr.add_client_error("get_lifecycle_policy", "LifecyclePolicyNotFoundException", expected_params={"repositoryName": "team/app"})
    stubbed.ecr.add_response("put_lifecycle_policy", {}, {"repositoryName": "team/app", "lifecyclePolicyText": policy_text(desired)})
    got = converge_lifecycle(EcrApi(stubbed.module()), "team/app", desired, check_mode=False)
    assert got["changed"] is True and got["before"] is None and got["repository_exists"] is True
    assert got["after"]["rules"][0]["selection"]["countNumber"] == 14


def test_lifecycle_policy_unchanged_and_check_mode_write_nothing(stubbed):
    desired = lifecycle_want(RULES, None)
    stubbed.ecr.add_response("get_lifecycle_policy", {"lifecyclePolicyText": policy_text(desired)}, {"repositoryName": "team/app"})
    got = converge_lifecycle(EcrApi(stubbed.module()), "team/app", desired, check_mode=False)
    assert got["changed"] is False and got["before"] == got["after"]
    stubbed.ecr.add_client_error("get_lifecycle_policy", "LifecyclePolicyNotFoundException", expected_params={"repositoryName": "team/app"})
    got = converge_lifecycle(EcrApi(stubbed.module(check_mode=True)), "team/app", desired, check_mode=True)
    assert got["changed"] is True and got["before"] is None


def test_lifecycle_policy_deleted(stubbed):
    desired = lifecycle_want(RULES, None)
    stubbed.ecr.add_response("get_lifecycle_policy", {"lifecyclePolicyText": policy_text(desired)}, {"repositoryName": "team/app"})
    stubbed.ecr.add_response("delete_lifecycle_policy", {}, {"repositoryName": "team/app"})
    got = converge_lifecycle(EcrApi(stubbed.module()), "team/app", None, check_mode=False)
    assert got["changed"] is True and got["after"] is None and got["before"] is not None


def test_lifecycle_policy_over_max_expiring_is_refused_before_the_put(stubbed):
    desired = lifecycle_want([{"priority": 1, "tag_status": "any", "count_type": "image_count_more_than", "count_number": 1}], None)
    pushed = [CREATED + datetime.timedelta(days=n) for n in range(3)]
    details = [{"imageDigest": "sha256:" + c * 64, "imagePushedAt": at} for c, at in zip("abc", pushed)]
    stubbed.ecr.add_response("describe_images", {"imageDetails": details}, {"repositoryName": "team/app", "filter": ANY, "maxResults": 1000})
    stubbed.ecr.add_client_error("get_lifecycle_policy", "LifecyclePolicyNotFoundException", expected_params={"repositoryName": "team/app"})
    with pytest.raises(InputError, match="max_expiring"):
        converge_lifecycle(EcrApi(stubbed.module()), "team/app", desired, check_mode=False, max_expiring=1)


def test_lifecycle_policy_of_a_missing_repository(stubbed):
    desired = lifecycle_want(RULES, None)
    stubbed.ecr.add_client_error("get_lifecycle_policy", "RepositoryNotFoundException", expected_params={"repositoryName": "team/app"})
    with pytest.raises(InputError, match="team/app does not exist"):
        converge_lifecycle(EcrApi(stubbed.module()), "team/app", desired, check_mode=False)
    stubbed.ecr.add_client_error("get_lifecycle_policy", "RepositoryNotFoundException", expected_params={"repositoryName": "team/app"})
    got = converge_lifecycle(EcrApi(stubbed.module(check_mode=True)), "team/app", desired, check_mode=True)
    assert got["changed"] is True and got["repository_exists"] is False
