"""RegistryApi on the shared core: pages of the largest size, the look-ups of AwsApi."""

from __future__ import annotations

from ansible_collections.stowage.ecr.plugins.module_utils._aws.registry import RegistryApi

ACCOUNT = "123456789012"


def rule(prefix):
    return {"ecrRepositoryPrefix": prefix, "upstreamRegistryUrl": "public.ecr.aws", "registryId": ACCOUNT}


def test_rules_are_read_over_every_page(stubs):
    module, stubbers = stubs
    api = RegistryApi(module)
    assert api.region == "us-east-1"
    stub = stubbers["ecr"]
    stub.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": [rule("ecr-public")], "nextToken": "t"}, {"maxResults": 1000})
    stub.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": [rule("quay")]}, {"maxResults": 1000, "nextToken": "t"})
    assert [r["ecrRepositoryPrefix"] for r in api.describe_pull_through_cache_rules()] == ["ecr-public", "quay"]
    # one prefix: the rule of that prefix, None when ECR has none
    asked = {"maxResults": 1000, "ecrRepositoryPrefixes": ["quay"], "registryId": ACCOUNT}
    stub.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": [rule("quay")]}, asked)
    assert api.pull_through_cache_rule("quay", ACCOUNT) == rule("quay")
    stub.add_client_error("describe_pull_through_cache_rules", "PullThroughCacheRuleNotFoundException", expected_params=asked)
    assert api.pull_through_cache_rule("quay", ACCOUNT) is None


def test_account_and_key_lookups(stubs):
    module, stubbers = stubs
    api = RegistryApi(module)
    stubbers["sts"].add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::%s:user/u" % ACCOUNT, "UserId": "U"})
    assert api.caller_account() == ACCOUNT
    stubbers["kms"].add_client_error("describe_key", "NotFoundException", expected_params={"KeyId": "alias/gone"})
    assert api.kms_key_arn("alias/gone") is None
