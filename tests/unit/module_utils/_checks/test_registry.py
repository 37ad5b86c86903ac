"""Checks and plans of the registry-level settings (plugins/module_utils/_checks/registry.py)."""

from __future__ import annotations

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry import (
    ACCOUNT_SETTINGS,
    account_setting_value,
    canonical_signing,
    check_account_setting,
    check_principal_arn,
    check_replication_limits,
    check_scan_type,
    merge_replication,
    parse_registry_policy,
    plan_scanning,
    policies_differ,
    replication_rules_want,
    rule_identity,
    rules_equal,
    scanning_rules_want,
    signing_rules_want,
)
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

OWN = "123456789012"
OTHER = "210987654321"
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "ecr:ReplicateImage", "Resource": "*"}]}


# registry policy


def test_registry_policy_parsed_from_dict_or_json():
    assert parse_registry_policy(POLICY) == POLICY
    assert parse_registry_policy('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}')["Statement"] == [{"Effect": "Allow"}]


@pytest.mark.parametrize(
    "value, fragment",
    [(None, "required with state present"), ("{nope", "not valid JSON"), ([1], "IAM policy document"), ({"Statement": []}, "non-empty Statement")],
)
def test_registry_policy_refused(value, fragment):
    with pytest.raises(InputError, match=fragment) as error:
        parse_registry_policy(value)
    assert str(error.value).startswith("policy: ")


def test_registry_policy_too_long():
    big = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Sid": "x" * 10300}]}
    with pytest.raises(InputError, match="at most 10240"):
        parse_registry_policy(big)


def test_policies_compared_semantically():
    respelled = {"Statement": [{"Resource": "*", "Action": ["ecr:ReplicateImage"], "Principal": {"AWS": [OTHER]}, "Effect": "Allow"}], "Version": "2012-10-17"}
    assert not policies_differ(POLICY, respelled)
    assert policies_differ(POLICY, dict(POLICY, Statement=[dict(POLICY["Statement"][0], Effect="Deny")]))
    assert policies_differ(None, POLICY) and policies_differ(POLICY, None) and not policies_differ(None, None)


# replication


def rule(*regions, filters=(), delete=None, registry=OWN):
    found = {"destinations": [{"region": r, "registry_id": registry} for r in regions]}
    if filters:
        found["repository_filters"] = [{"filter": f, "filter_type": "PREFIX_MATCH"} for f in filters]
    if delete is not None:
        found["delete_replication"] = delete
    return found


def aws(*regions, filters=(), delete=None, registry=OWN):
    return replication_rules_want([rule(*regions, filters=filters, delete=delete, registry=registry)], own_registry_id=OWN)[0]


def test_replication_rule_to_aws_shape():
    want = replication_rules_want(
        [{"destinations": [{"region": "eu-west-1"}], "repository_filters": [{"filter": "team/"}], "delete_replication": True}], own_registry_id=OWN
    )
    assert want == [
        {
            "destinations": [{"region": "eu-west-1", "registryId": OWN}],
            "repositoryFilters": [{"filter": "team/", "filterType": "PREFIX_MATCH"}],
            "deleteReplication": {"enabled": True},
        }
    ]
    # before the registry is read, the default registry id is left open
    assert replication_rules_want([{"destinations": [{"region": "eu-west-1"}]}])[0]["destinations"] == [{"region": "eu-west-1", "registryId": None}]


def test_replication_duplicates_within_a_rule_are_dropped():
    want = aws("eu-west-1", "eu-west-1", filters=("a1", "a1"))
    assert want == {"destinations": [{"region": "eu-west-1", "registryId": OWN}], "repositoryFilters": [{"filter": "a1", "filterType": "PREFIX_MATCH"}]}


@pytest.mark.parametrize(
    "rules, fragment",
    [
        ([{"destinations": []}], "rules[0].destinations: give 1 to 25 destinations, got 0"),
        ([rule("eu-west-1"), {"destinations": [{"region": "EU_WEST"}]}], "rules[1].destinations[0].region: 'EU_WEST' is not a region name"),
        ([rule("eu-west-1", registry="12345")], "rules[0].destinations[0].registry_id: '12345' is not a registry id"),
        ([rule("eu-west-1", filters=("Team",))], "rules[0].repository_filters[0].filter: 'Team' is not accepted"),
        ([rule("eu-west-1", filters=("a",))], "rules[0].repository_filters[0].filter: 'a' is not accepted"),
        ([{"destinations": [{"region": "eu-west-1"}], "repository_filters": [{"filter": "ab", "filter_type": "WILDCARD"}]}], "filter_type: 'WILDCARD'"),
        ([{"destinations": [{"region": "eu-west-1"}], "repository_filters": []}], "rules[0].repository_filters: give 1 to 100"),
        ([rule("eu-west-1", filters=["f%03d" % i for i in range(101)])], "give 1 to 100 repository filters, got 101"),
        ([rule("eu-west-%d" % i) for i in range(11)], "rules: give 0 to 10 replication rules, got 11"),
        (["eu-west-1"], "rules[0]: expected a replication rule"),
        ([rule("eu-west-1", "us-east-1"), rule("us-east-1", "eu-west-1")], "rules[1]: has the same destinations and repository_filters as rules[0]"),
    ],
)
def test_replication_rules_refused(rules, fragment):
    with pytest.raises(InputError) as error:
        replication_rules_want(rules, own_registry_id=OWN)
    assert fragment in str(error.value)


def test_rule_identity_is_destinations_and_filters_as_sets():
    assert rule_identity(aws("eu-west-1", "us-east-1", filters=("b1", "a1"))) == rule_identity(aws("us-east-1", "eu-west-1", filters=("a1", "b1"), delete=True))
    assert rule_identity(aws("eu-west-1")) != rule_identity(aws("eu-west-1", filters=("a1",)))
    assert rule_identity(aws("eu-west-1")) != rule_identity(aws("eu-west-1", registry=OTHER))


def test_merge_keeps_rules_the_task_does_not_name():
    other = aws("us-east-1", registry=OTHER, filters=("other",))
    ours = aws("eu-west-1", filters=("team",))
    assert merge_replication([other], [ours], "present", False) == [other, ours]
    assert merge_replication([other, ours], [ours], "present", False) == [other, ours]
    assert merge_replication([other, ours], [ours], "present", True) == [ours]
    assert merge_replication([other, ours], [], "present", True) == []


def test_merge_updates_delete_replication_in_place_and_keeps_it_when_left_out():
    other = aws("us-east-1", registry=OTHER)
    live = aws("eu-west-1", filters=("team",), delete=True)
    assert merge_replication([live, other], [aws("eu-west-1", filters=("team",), delete=False)], "present", False) == [
        aws("eu-west-1", filters=("team",), delete=False),
        other,
    ]
    assert merge_replication([live, other], [aws("eu-west-1", filters=("team",))], "present", False) == [live, other]


def test_merge_absent_removes_only_the_named_rules():
    other = aws("us-east-1", registry=OTHER)
    ours = aws("eu-west-1", "us-west-2", filters=("team",), delete=True)
    named = aws("us-west-2", "eu-west-1", filters=("team",))
    assert merge_replication([ours, other], [named], "absent", False) == [other]
    assert merge_replication([other], [named], "absent", False) == [other]


def test_rules_compared_in_any_order():
    one, two = aws("eu-west-1"), aws("us-east-1", filters=("x1", "a1"))
    assert rules_equal([one, two], [aws("us-east-1", filters=("a1", "x1")), one])
    assert rules_equal([aws("eu-west-1", delete=False)], [one])  # no deleteReplication is deletions off
    assert not rules_equal([aws("eu-west-1", delete=True)], [one])
    assert not rules_equal([one], [one, one])


def test_replication_limits():
    live = [aws("us-east-1", registry=OTHER, filters=("t%d" % i,)) for i in range(9)]
    wanted = [aws("eu-west-1"), aws("eu-west-2")]
    with pytest.raises(InputError, match=r"would hold 11 rules \(9 of them already in the registry and kept\); ECR accepts at most 10"):
        check_replication_limits(live + wanted, wanted, "ap-south-1", OWN)
    many = [aws(*["r%02d" % (i * 5 + j) for j in range(5)]) for i in range(6)]
    with pytest.raises(InputError, match="30 unique destinations"):
        check_replication_limits(many, many[:1], "ap-south-1", OWN)
    with pytest.raises(InputError, match=r"rules\[1\]\.destinations\[1\]\.region: ap-south-1 in registry 123456789012 is this registry itself"):
        check_replication_limits([], [aws("eu-west-1"), aws("eu-west-1", "ap-south-1")], "ap-south-1", OWN)
    check_replication_limits(live + wanted[:1], wanted[:1], "ap-south-1", OWN)
    check_replication_limits([aws("ap-south-1", registry=OTHER)], [aws("ap-south-1", registry=OTHER)], "ap-south-1", OWN)


# scanning


def scan_rule(frequency, *filters):
    return {"scan_frequency": frequency, "repository_filters": [{"filter": f, "filter_type": "WILDCARD"} for f in filters]}


def test_scanning_rules_to_aws_shape():
    assert scanning_rules_want([scan_rule("CONTINUOUS_SCAN", "prod-*")]) == [
        {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "prod-*", "filterType": "WILDCARD"}]}
    ]


@pytest.mark.parametrize(
    "rules, fragment",
    [
        ([scan_rule("DAILY", "*")], "rules[0].scan_frequency: 'DAILY' is not accepted"),
        ([scan_rule("SCAN_ON_PUSH", "*"), scan_rule("SCAN_ON_PUSH", "a*")], "rules[1].scan_frequency: SCAN_ON_PUSH is the frequency of rules[0] too"),
        ([scan_rule("SCAN_ON_PUSH")], "rules[0].repository_filters: give 1 to 100"),
        ([scan_rule("SCAN_ON_PUSH", "Prod*")], "rules[0].repository_filters[0].filter: 'Prod*' is not accepted"),
        ([scan_rule("SCAN_ON_PUSH", "a-")], "rules[0].repository_filters[0].filter: 'a-'"),
        ([scan_rule("SCAN_ON_PUSH", "*"), scan_rule("CONTINUOUS_SCAN", "*"), scan_rule("MANUAL", "*")], "rules: give 0 to 2 scanning rules, got 3"),
        ([{"scan_frequency": "SCAN_ON_PUSH", "repository_filters": [{"filter": "*", "filter_type": "PREFIX_MATCH"}]}], "filter_type: 'PREFIX_MATCH'"),
    ],
)
def test_scanning_rules_refused(rules, fragment):
    with pytest.raises(InputError) as error:
        scanning_rules_want(rules)
    assert fragment in str(error.value)


def test_scan_type_checked():
    check_scan_type(None)
    check_scan_type("ENHANCED")
    with pytest.raises(InputError, match="scan_type: 'basic' is not accepted; ECR accepts BASIC, ENHANCED"):
        check_scan_type("basic")


def test_plan_scanning_omitted_options_keep_the_live_ones():
    live = {
        "scanType": "ENHANCED",
        "rules": [
            {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "b*", "filterType": "WILDCARD"}, {"filter": "a*", "filterType": "WILDCARD"}]}
        ],
    }
    assert plan_scanning(live, None, None) is None
    assert plan_scanning(live, "ENHANCED", None) is None
    reordered = scanning_rules_want([scan_rule("CONTINUOUS_SCAN", "a*", "b*")])
    assert plan_scanning(live, None, reordered) is None
    assert plan_scanning(live, None, []) == {"scanType": "ENHANCED", "rules": []}
    assert plan_scanning({}, None, None) is None  # nothing set reads as BASIC without rules
    assert plan_scanning({}, "ENHANCED", None) == {"scanType": "ENHANCED", "rules": []}


def test_plan_scanning_refuses_a_frequency_the_scan_type_does_not_take():
    continuous = scanning_rules_want([scan_rule("CONTINUOUS_SCAN", "*")])
    with pytest.raises(InputError, match=r"rules\[0\]\.scan_frequency: CONTINUOUS_SCAN is not accepted with scan type BASIC; it takes SCAN_ON_PUSH"):
        plan_scanning({}, None, continuous)
    with pytest.raises(InputError, match=r"rules\[0\]\.scan_frequency: MANUAL is not accepted with scan type ENHANCED"):
        plan_scanning({}, "ENHANCED", scanning_rules_want([scan_rule("MANUAL", "*")]))
    with pytest.raises(InputError, match="scan_type: BASIC does not take the registry's CONTINUOUS_SCAN rule"):
        plan_scanning({"scanType": "ENHANCED", "rules": continuous}, "BASIC", None)
    assert plan_scanning({"scanType": "ENHANCED", "rules": continuous}, "BASIC", []) == {"scanType": "BASIC", "rules": []}


# account settings, pull-time update exclusions


def test_account_settings():
    for name, values in ACCOUNT_SETTINGS.items():
        for value in values:
            check_account_setting(name, value)
    with pytest.raises(InputError, match="name: 'SCAN_TYPE' is not an account setting ECR knows; give one of BASIC_SCAN_TYPE_VERSION, BLOB_MOUNTING"):
        check_account_setting("SCAN_TYPE", "V1")
    with pytest.raises(InputError, match="value: 'enabled' is not accepted for BLOB_MOUNTING; ECR accepts ENABLED, DISABLED"):
        check_account_setting("BLOB_MOUNTING", "enabled")


@pytest.mark.parametrize(
    "arn", ["arn:aws:iam::123456789012:role/ci", "arn:aws-us-gov:iam::123456789012:user/path/to/jo.e@x", "arn:aws:iam::123456789012:role/a+b=c,d"]
)
def test_principal_arns_accepted(arn):
    check_principal_arn(arn)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:group/ci",
        "arn:aws:iam::12345678901:role/ci",
        "arn:aws:sts::123456789012:assumed-role/ci/s",
        "role/ci",
        "",
        None,
        "arn:aws:iam::123456789012:role/" + "x" * 200,
        "arn:aws:iam::123456789012:role/cï",
    ],
)
def test_principal_arns_refused(arn):
    with pytest.raises(InputError, match="principal_arn: .* is not accepted; give the ARN of an IAM role or user"):
        check_principal_arn(arn)


# signing

PROFILE = "arn:aws:signer:ap-south-1:123456789012:/signing-profiles/release_images"


def test_signing_rules_to_aws_shape_and_canonical():
    want = signing_rules_want(
        [
            {"signing_profile_arn": PROFILE, "repository_filters": [{"filter": "myapp/*"}, {"filter": "*prod*", "filter_type": "WILDCARD_MATCH"}]},
            {"signing_profile_arn": PROFILE},
        ]
    )
    assert want[0] == {
        "signingProfileArn": PROFILE,
        "repositoryFilters": [{"filter": "myapp/*", "filterType": "WILDCARD_MATCH"}, {"filter": "*prod*", "filterType": "WILDCARD_MATCH"}],
    }
    assert want[1] == {"signingProfileArn": PROFILE}
    assert canonical_signing(want) == canonical_signing(list(reversed(want)))
    assert canonical_signing(None) is None


@pytest.mark.parametrize(
    "rules, fragment",
    [
        ([{"signing_profile_arn": "arn:aws:signer:ap-south-1:123456789012:signing-profiles/x1"}], "rules[0].signing_profile_arn: "),
        ([{"signing_profile_arn": PROFILE, "repository_filters": []}], "rules[0].repository_filters: give 1 to 100"),
        ([{"signing_profile_arn": PROFILE, "repository_filters": [{"filter": "My/*"}]}], "rules[0].repository_filters[0].filter: 'My/*' is not accepted"),
        (
            [{"signing_profile_arn": PROFILE, "repository_filters": [{"filter": "a", "filter_type": "WILDCARD"}]}],
            "filter_type: 'WILDCARD' is not accepted; ECR accepts WILDCARD_MATCH",
        ),
        ([{"signing_profile_arn": PROFILE}] * 11, "rules: give 0 to 10 signing rules, got 11"),
    ],
)
def test_signing_rules_refused(rules, fragment):
    with pytest.raises(InputError) as error:
        signing_rules_want(rules)
    assert fragment in str(error.value)


def test_account_setting_value_in_any_case():
    assert account_setting_value("BLOB_MOUNTING", "enabled") == "ENABLED"
    assert account_setting_value("REGISTRY_POLICY_SCOPE", "v1") == "V1"
    with pytest.raises(InputError, match="value: 'v3' is not accepted for REGISTRY_POLICY_SCOPE"):
        account_setting_value("REGISTRY_POLICY_SCOPE", "v3")
