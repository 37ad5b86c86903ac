"""Pull through cache rules and repository creation templates: checks, plans, calls and views."""

from __future__ import annotations

import datetime
import json
import re
import types

import botocore.exceptions
import botocore.session
import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry_rules import (
    APPLIED_FOR,
    PREFIX_RE,
    UPSTREAM_REGISTRIES,
    check_prefix,
    check_rule,
    check_rule_credentials,
    check_template,
    needs_kms_lookup,
    plan_rule,
    rule_create_call,
    rule_update_call,
    template_call,
    template_changes,
    template_target,
)
from ansible_collections.stowage.ecr.plugins.module_utils._flows import registry_rules as rule_flows
from ansible_collections.stowage.ecr.plugins.module_utils._views.results import pull_through_cache_rule_view, repository_creation_template_view
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError, RecreateFailed

MODEL = botocore.session.get_session().get_service_model("ecr")
ACCOUNT = "123456789012"
REGION = "ap-south-1"
SECRET = "arn:aws:secretsmanager:%s:%s:secret:ecr-pullthroughcache/hub-AbCdEf" % (REGION, ACCOUNT)
ROLE = "arn:aws:iam::%s:role/ptc" % ACCOUNT
ECR_URL = "210987654321.dkr.ecr.eu-west-1.amazonaws.com"


def rule_params(**kwargs):
    params = {
        "ecr_repository_prefix": "hub",
        "registry_id": None,
        "upstream_registry_url": "registry-1.docker.io",
        "upstream_registry": None,
        "credential_arn": SECRET,
        "custom_role_arn": None,
        "upstream_repository_prefix": None,
        "state": "present",
    }
    params.update(kwargs)
    return params


def refused(func, *args, **kwargs):
    with pytest.raises(InputError) as error:
        func(*args, **kwargs)
    return str(error.value)


# -- the model ---------------------------------------------------------------------------------


def test_enums_are_the_models():
    assert set(UPSTREAM_REGISTRIES) == set(MODEL.shape_for("UpstreamRegistry").enum)
    assert set(APPLIED_FOR) == set(MODEL.shape_for("RCTAppliedFor").enum)


@pytest.mark.parametrize("value", ["ab", "team/app", "team/", "a.b_c__d--e/f", "ROOT", "x" * 30, "Root", "-ab", "a//b", "a b", "ab/"])
def test_prefix_pattern_is_the_models(value):
    pattern = MODEL.shape_for("PullThroughCacheRuleRepositoryPrefix").metadata["pattern"]
    assert bool(PREFIX_RE.fullmatch(value)) == bool(re.fullmatch(pattern, value))


def test_prefix_lengths():
    assert "31 characters long; ECR accepts 2 to 30" in refused(check_prefix, "p" * 31, "ecr_repository_prefix")
    assert "ecr_repository_prefix: 'a' is 1 characters" in refused(check_prefix, "a", "ecr_repository_prefix")
    check_prefix("a", "prefix", 1, 256)
    assert "prefix:" in refused(check_prefix, "Upper", "prefix", 1, 256)


# -- pull through cache rules: checks ---------------------------------------------------------


def test_upstream_told_from_url():
    assert check_rule(rule_params())["upstream_registry"] == "docker-hub"
    assert check_rule(rule_params(upstream_registry_url="myreg.azurecr.io"))["upstream_registry"] == "azure-container-registry"
    want = check_rule(rule_params(upstream_registry_url=ECR_URL, credential_arn=None, custom_role_arn=ROLE), region=REGION)
    assert want["upstream_registry"] == "ecr"


@pytest.mark.parametrize(
    "changes, fragments",
    [
        ({"upstream_registry_url": "https://ghcr.io"}, ["upstream_registry_url:", "host name only"]),
        (
            {"upstream_registry_url": "registry.example.com"},
            ["upstream_registry_url:", "no registry ECR can cache from", "ghcr.io (github-container-registry)"],
        ),
        ({"upstream_registry": "quay"}, ["upstream_registry_url:", "docker-hub registry, not of upstream_registry quay", "quay.io"]),
        ({"ecr_repository_prefix": "ROOT"}, ["ecr_repository_prefix:", "only accepted with upstream_registry ecr"]),
        ({"upstream_repository_prefix": "team"}, ["upstream_repository_prefix:", "only accepted with upstream_registry ecr"]),
        ({"credential_arn": "arn:aws:secretsmanager:ap-south-1:123456789012:secret:hub-credentials-AbCdEf"}, ["credential_arn:", "ecr-pullthroughcache/"]),
        ({"credential_arn": SECRET.replace(REGION, "eu-west-1")}, ["credential_arn:", "region eu-west-1", "rule's region ap-south-1"]),
        ({"custom_role_arn": ROLE}, ["custom_role_arn:", "only accepted with upstream_registry ecr"]),
        ({"registry_id": "12345"}, ["registry_id:", "12-digit"]),
    ],
)
def test_rule_refusals(changes, fragments):
    msg = refused(check_rule, rule_params(**changes), region=REGION)
    assert all(f in msg for f in fragments), msg


def test_ecr_upstream_refusals():
    base = rule_params(upstream_registry_url=ECR_URL, credential_arn=None)
    assert "credential_arn: an ECR upstream" in refused(check_rule, dict(base, credential_arn=SECRET), region=REGION)
    assert "custom_role_arn: the role is in account 210987654321" in refused(
        check_rule, dict(base, registry_id=ACCOUNT, custom_role_arn="arn:aws:iam::210987654321:role/x"), region=REGION
    )
    assert "custom_role_arn: 'role/x' is not accepted" in refused(check_rule, dict(base, custom_role_arn="role/x"), region=REGION)
    assert "upstream_repository_prefix: can only be set" in refused(
        check_rule, dict(base, ecr_repository_prefix="ROOT", upstream_repository_prefix="team"), region=REGION
    )
    own = "%s.dkr.ecr.%s.amazonaws.com" % (ACCOUNT, REGION)
    assert "this registry itself" in refused(check_rule, dict(base, upstream_registry_url=own, registry_id=ACCOUNT), region=REGION)
    target = {"upstream_registry": "ecr", "upstream_registry_url": ECR_URL, "custom_role_arn": None}
    assert "custom_role_arn: the upstream ECR registry is in account 210987654321" in refused(check_rule_credentials, target, ACCOUNT)
    check_rule_credentials(target, None)  # the caller's account unknown: AWS decides
    check_rule_credentials(dict(target, upstream_registry_url="%s.dkr.ecr.eu-west-1.amazonaws.com" % ACCOUNT), ACCOUNT)


def test_secret_needed():
    target = {"upstream_registry": "github-container-registry", "upstream_registry_url": "ghcr.io", "credential_arn": None}
    assert "credential_arn: upstream_registry github-container-registry needs credentials" in refused(check_rule_credentials, target, None)
    check_rule_credentials(dict(target, upstream_registry="quay", upstream_registry_url="quay.io"), None)


def test_absent_needs_only_the_prefix():
    assert check_rule({"ecr_repository_prefix": "hub", "state": "absent"})["ecr_repository_prefix"] == "hub"


# -- pull through cache rules: plans and calls ------------------------------------------------


def live_rule(**kwargs):
    rule = {
        "ecr_repository_prefix": "hub",
        "upstream_registry_url": "registry-1.docker.io",
        "upstream_registry": "docker-hub",
        "credential_arn": SECRET,
        "custom_role_arn": None,
        "upstream_repository_prefix": None,
        "registry_id": ACCOUNT,
    }
    rule.update(kwargs)
    return rule


def test_plan_rule():
    want = check_rule(rule_params())
    assert plan_rule(want, None, False)[0] == "create"
    assert plan_rule(want, live_rule(), False) == (None, live_rule())
    other = SECRET.replace("hub-AbCdEf", "hub2-AbCdEf")
    action, target = plan_rule(check_rule(rule_params(credential_arn=other)), live_rule(), False)
    assert action == "update" and target["credential_arn"] == other
    assert rule_update_call(check_rule(rule_params(credential_arn=other)), live_rule(), None) == {"ecrRepositoryPrefix": "hub", "credentialArn": other}
    # left out: the live credential is kept
    assert plan_rule(check_rule(rule_params(credential_arn=None)), live_rule(), False)[0] is None


def test_plan_rule_refuses_or_recreates():
    want = check_rule(rule_params(upstream_registry_url="ghcr.io", credential_arn=None))
    msg = refused(plan_rule, want, live_rule(), False)
    assert msg.startswith("upstream_registry_url, upstream_registry: the rule for hub has")
    assert "recreate: true" in msg and "Nothing was changed" in msg
    action, target = plan_rule(want, live_rule(), True)
    # another kind of upstream: the live credential is not carried over
    assert action == "recreate" and target["credential_arn"] is None
    assert rule_create_call(target, ACCOUNT) == {
        "ecrRepositoryPrefix": "hub",
        "upstreamRegistryUrl": "ghcr.io",
        "upstreamRegistry": "github-container-registry",
        "registryId": ACCOUNT,
    }


def test_plan_rule_upstream_prefix():
    live = live_rule(upstream_registry_url=ECR_URL, upstream_registry="ecr", credential_arn=None, custom_role_arn=ROLE, upstream_repository_prefix="ROOT")
    want = check_rule(rule_params(upstream_registry_url=ECR_URL, credential_arn=None))
    assert plan_rule(want, live, False)[0] is None
    assert plan_rule(dict(want, upstream_repository_prefix="ROOT"), live, False)[0] is None
    assert "upstream_repository_prefix:" in refused(plan_rule, dict(want, upstream_repository_prefix="team"), live, False)
    action, target = plan_rule(dict(want, upstream_repository_prefix="team"), live, True)
    assert action == "recreate" and target["custom_role_arn"] == ROLE
    assert rule_create_call(target, None)["upstreamRepositoryPrefix"] == "team"
    assert plan_rule(want, None, False)[1]["upstream_repository_prefix"] == "ROOT"


def test_rule_view():
    at = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
    view = pull_through_cache_rule_view({"ecrRepositoryPrefix": "hub", "upstreamRegistryUrl": "ghcr.io", "createdAt": at, "newField": 1})
    assert view["ecr_repository_prefix"] == "hub" and view["created_at"] == at.isoformat() and view["new_field"] == 1
    assert view["credential_arn"] is None and view["upstream_registry"] is None
    assert pull_through_cache_rule_view(None) == {}


# -- creation templates -----------------------------------------------------------------------


POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}]}
LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7},
            "action": {"type": "expire"},
        }
    ]
}


def template_params(**kwargs):
    params = {"prefix": "hub", "state": "present", "purge_tags": True, "purge_policy": False}
    params.update(kwargs)
    return params


@pytest.mark.parametrize(
    "changes, fragments",
    [
        ({"applied_for": []}, ["applied_for:", "one or more"]),
        ({"applied_for": ["PULL_THROUGH_CACHE", "PULL_THROUGH_CACHE"]}, ["applied_for:", "twice"]),
        ({"description": "d" * 257}, ["description:", "257 characters", "256"]),
        ({"image_tag_mutability_exclusion_filters": ["latest"]}, ["image_tag_mutability_exclusion_filters:", "only accepted"]),
        ({"kms_key": "alias/x", "encryption_type": "AES256"}, ["kms_key:", "only accepted with encryption_type KMS"]),
        ({"tags": {"aws:owner": "x"}}, ["tags:", "reserves"]),
        ({"policy": "{not json"}, ["policy:", "not valid JSON"]),
        ({"policy": POLICY, "purge_policy": True}, ["policy, purge_policy:"]),
        ({"custom_role_arn": "someone"}, ["custom_role_arn:", "IAM role"]),
        ({"prefix": "p" * 257}, ["prefix:", "1 to 256"]),
    ],
)
def test_template_refusals(changes, fragments):
    msg = refused(check_template, template_params(**changes))
    assert all(f in msg for f in fragments), msg


def live_template(**kwargs):
    raw = {
        "prefix": "hub",
        "description": "cache",
        "appliedFor": ["PULL_THROUGH_CACHE"],
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "latest"}],
        "encryptionConfiguration": {"encryptionType": "AES256"},
        "resourceTags": [{"Key": "team", "Value": "platform"}],
        "repositoryPolicy": json.dumps(POLICY),
        "lifecyclePolicy": json.dumps(LIFECYCLE),
        "customRoleArn": ROLE,
    }
    raw.update(kwargs)
    return repository_creation_template_view(raw)


def test_template_view():
    view = live_template()
    assert view["tags"] == {"team": "platform"} and view["policy"] == POLICY and view["lifecycle_policy"] == LIFECYCLE
    assert view["image_tag_mutability_exclusion_filters"] == ["latest"] and view["kms_key"] is None
    bare = repository_creation_template_view({"prefix": "x", "appliedFor": ["REPLICATION"]})
    assert (bare["image_tag_mutability"], bare["encryption_type"], bare["policy"], bare["description"]) == ("MUTABLE", "AES256", None, None)


def test_template_omitted_options_keep_live_values():
    current = live_template()
    want = check_template(template_params(description="other"))
    target = template_target(want, current, None)
    assert template_changes(current, target) == ["description"]
    call = template_call(target)
    assert call["customRoleArn"] == ROLE and call["appliedFor"] == ["PULL_THROUGH_CACHE"]
    assert json.loads(call["repositoryPolicy"]) == POLICY and json.loads(call["lifecyclePolicy"]) == LIFECYCLE
    assert call["imageTagMutabilityExclusionFilters"] == [{"filterType": "WILDCARD", "filter": "latest"}]
    assert call["resourceTags"] == [{"Key": "team", "Value": "platform"}]


def test_template_semantic_comparisons():
    current = live_template()
    reordered = {"Statement": [dict(reversed(list(POLICY["Statement"][0].items())))], "Version": "2012-10-17"}
    lifecycle = {
        "rules": [
            {
                "rulePriority": "1",
                "selection": {"countNumber": 7, "countType": "sinceImagePushed", "tagStatus": "untagged", "countUnit": "days"},
                "action": {"type": "expire"},
            }
        ]
    }
    want = check_template(template_params(policy=json.dumps(reordered), tags={"team": "platform"}, applied_for=["PULL_THROUGH_CACHE"]))
    assert template_changes(current, template_target(want, current, lifecycle)) == []


def test_template_removals_and_tags():
    current = live_template()
    want = check_template(template_params(purge_policy=True, tags={"extra": "1"}, purge_tags=False, description=""))
    target = template_target(want, current, {})
    assert sorted(template_changes(current, target)) == ["description", "lifecycle_policy", "policy", "tags"]
    call = template_call(target)
    assert call["repositoryPolicy"] == "" and call["lifecyclePolicy"] == "" and call["description"] == ""
    assert target["tags"] == {"team": "platform", "extra": "1"}


def test_template_mutability_filters():
    current = live_template()
    target = template_target(check_template(template_params(image_tag_mutability="MUTABLE_WITH_EXCLUSION")), current, None)
    assert target["image_tag_mutability_exclusion_filters"] == ["latest"]
    target = template_target(check_template(template_params(image_tag_mutability="MUTABLE")), current, None)
    assert target["image_tag_mutability_exclusion_filters"] == [] and "imageTagMutabilityExclusionFilters" not in template_call(target)
    bare = live_template(imageTagMutability="MUTABLE", imageTagMutabilityExclusionFilters=[])
    assert "needs 1 to 5 wildcard filters" in refused(
        template_target, check_template(template_params(image_tag_mutability="IMMUTABLE_WITH_EXCLUSION")), bare, None
    )


def test_template_kms():
    assert needs_kms_lookup("alias/mine") and needs_kms_lookup("1234abcd-12ab-34cd-56ef-1234567890ab")
    assert not needs_kms_lookup("arn:aws:kms:ap-south-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert not needs_kms_lookup("alias/aws/ecr") and not needs_kms_lookup(None)
    arn = "arn:aws:kms:ap-south-1:123456789012:key/abcd"
    target = template_target(dict(check_template(template_params(encryption_type="KMS", kms_key=arn))), None, None)
    assert template_call(dict(target, applied_for=["REPLICATION"]))["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": arn}


# -- a re-create that fails part-way carries what it did ----------------------------------------


class FakeRules:
    """A registry with the docker-hub rule for hub, whose CreatePullThroughCacheRule fails for the upstreams in ``refuse``."""

    region = REGION

    def __init__(self, refuse):
        self.refuse = refuse
        self.calls = []

    def pull_through_cache_rule(self, prefix, registry_id):
        live = {"ecrRepositoryPrefix": "hub", "upstreamRegistryUrl": "registry-1.docker.io", "upstreamRegistry": "docker-hub"}
        return dict(live, credentialArn=SECRET, registryId=ACCOUNT)

    def delete_pull_through_cache_rule(self, prefix, registry_id):
        self.calls.append("delete")

    def create_pull_through_cache_rule(self, call):
        self.calls.append("create " + call["upstreamRegistryUrl"])
        if call["upstreamRegistryUrl"] in self.refuse:
            raise botocore.exceptions.ClientError({"Error": {"Code": "ValidationException", "Message": "no"}}, "CreatePullThroughCacheRule")


def recreate(monkeypatch, fake):
    monkeypatch.setattr(rule_flows, "RegistryApi", lambda module: fake)
    params = rule_params(upstream_registry_url="ghcr.io", recreate=True, validate=False)
    module = types.SimpleNamespace(params=params, check_mode=False)
    with pytest.raises(RecreateFailed) as failed:
        rule_flows.converge_pull_through_cache_rule(module)
    return failed.value


def test_a_failed_recreate_says_what_became_of_the_rule(monkeypatch):
    put_back = recreate(monkeypatch, FakeRules(refuse={"ghcr.io"}))
    assert "the old rule was put back" in str(put_back) and put_back.exception.response["Error"]["Code"] == "ValidationException"
    assert put_back.result["changed"] is True and put_back.result["operation"] == "recreate"
    assert put_back.result["diff"]["after"] == put_back.result["diff"]["before"] and put_back.result["rule"]["upstream_registry_url"] == "registry-1.docker.io"
    fake = FakeRules(refuse={"ghcr.io", "registry-1.docker.io"})
    gone = recreate(monkeypatch, fake)
    assert "the prefix has no rule now" in str(gone) and fake.calls == ["delete", "create ghcr.io", "create registry-1.docker.io"]
    assert gone.result["changed"] is True and gone.result["rule"] == {} and gone.result["diff"]["after"] == {}
