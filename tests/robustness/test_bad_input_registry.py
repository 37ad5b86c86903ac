"""Bad input to the registry-level setting modules: each input fails with a message that names the option
(list items by index from 0) and what is accepted, and moto's request recorder sees no write. Input that a
module can check alone is refused before any call at all; what needs the live setting (ECR's limits on the
merged replication configuration, a scan type against the registry's rules) is refused after the read and
before any write."""

from __future__ import annotations

import json

import pytest
from conftest import record_figures
from helpers import Recorder, client, run_play
from test_bad_input_corpus import check_messages, recorded_writes

POLICY = "stowage.ecr.ecr_registry_policy"
REPLICATION = "stowage.ecr.ecr_replication"
SCANNING = "stowage.ecr.ecr_registry_scanning"
SETTING = "stowage.ecr.ecr_account_setting"
EXCLUSION = "stowage.ecr.ecr_pull_time_update_exclusion"
SIGNING = "stowage.ecr.ecr_signing_configuration"
BACKFILL = "stowage.ecr.ecr_replication_backfill"
ACCOUNT = "123456789012"
OTHER = "210987654321"
PROFILE = "arn:aws:signer:ap-south-1:%s:/signing-profiles/release_images" % ACCOUNT
STATEMENT = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % OTHER}, "Action": "ecr:ReplicateImage", "Resource": "*"}


def replica(*regions, filters=(), registry=None):
    rule = {"destinations": [dict({"region": r}, **({"registry_id": registry} if registry else {})) for r in regions]}
    if filters:
        rule["repository_filters"] = [{"filter": f} for f in filters]
    return rule


def on_push(*filters, frequency="SCAN_ON_PUSH"):
    return {"scan_frequency": frequency, "repository_filters": [{"filter": f} for f in filters]}


def before_any_call():
    """(id, module, args, fragments the message must hold): refused before any AWS call."""
    return [
        ("policy not JSON", POLICY, {"policy": "{'Version': "}, ["policy:", "not valid JSON"]),
        ("policy a list", POLICY, {"policy": [STATEMENT]}, ["policy:", "IAM policy document"]),
        ("policy no statement", POLICY, {"policy": {"Version": "2012-10-17", "Statement": []}}, ["policy:", "non-empty Statement"]),
        ("policy missing", POLICY, {"state": "present"}, ["policy"]),
        ("policy too long", POLICY, {"policy": {"Version": "2012-10-17", "Statement": [dict(STATEMENT, Sid="s" * 10300)]}}, ["policy:", "at most 10240"]),
        ("replication region", REPLICATION, {"rules": [replica("EU-WEST-1")]}, ["rules[0].destinations[0].region:", "not a region name", "eu-west-1"]),
        (
            "replication registry id",
            REPLICATION,
            {"rules": [replica("eu-west-1"), replica("us-east-1", registry="1234")]},
            ["rules[1].destinations[0].registry_id:", "'1234'", "12-digit"],
        ),
        ("replication filter", REPLICATION, {"rules": [replica("eu-west-1", filters=("x",))]}, ["rules[0].repository_filters[0].filter:", "2 to 256"]),
        (
            "replication filter type",
            REPLICATION,
            {"rules": [{"destinations": [{"region": "eu-west-1"}], "repository_filters": [{"filter": "ab", "filter_type": "WILDCARD"}]}]},
            ["filter_type", "PREFIX_MATCH", "rules -> repository_filters"],
        ),
        ("replication no destinations", REPLICATION, {"rules": [{"destinations": []}]}, ["rules[0].destinations:", "give 1 to 25 destinations"]),
        ("replication purge with absent", REPLICATION, {"rules": [], "purge_rules": True, "state": "absent"}, ["purge_rules:", "state present"]),
        ("replication eleven rules", REPLICATION, {"rules": [replica("eu-west-%d" % i) for i in range(11)]}, ["rules:", "0 to 10", "got 11"]),
        (
            "replication 101 filters",
            REPLICATION,
            {"rules": [replica("eu-west-1", filters=["f%03d" % i for i in range(101)])]},
            ["rules[0].repository_filters:", "1 to 100", "got 101"],
        ),
        ("scan type unknown", SCANNING, {"scan_type": "ENHANCD"}, ["scan_type", "BASIC, ENHANCED"]),
        ("scan filter uppercase", SCANNING, {"rules": [on_push("Prod-*")]}, ["rules[0].repository_filters[0].filter:", "lowercase"]),
        (
            "scan frequency unknown",
            SCANNING,
            {"rules": [on_push("*", frequency="HOURLY")]},
            ["scan_frequency", "SCAN_ON_PUSH, CONTINUOUS_SCAN, MANUAL", "rules"],
        ),
        ("scan frequency twice", SCANNING, {"rules": [on_push("a*"), on_push("b*")]}, ["rules[1].scan_frequency:", "each frequency once"]),
        ("scan three rules", SCANNING, {"rules": [on_push("a*"), on_push("b*"), on_push("c*")]}, ["rules:", "0 to 2"]),
        ("scan no filters", SCANNING, {"rules": [on_push()]}, ["rules[0].repository_filters:", "1 to 100"]),
        ("setting name", SETTING, {"name": "SCAN_TYPE", "value": "ENHANCED"}, ["name", "BASIC_SCAN_TYPE_VERSION, BLOB_MOUNTING, REGISTRY_POLICY_SCOPE"]),
        ("setting value", SETTING, {"name": "BLOB_MOUNTING", "value": "on"}, ["value:", "for BLOB_MOUNTING", "ENABLED, DISABLED"]),
        ("setting value of another", SETTING, {"name": "REGISTRY_POLICY_SCOPE", "value": "AWS_NATIVE"}, ["value:", "V1, V2"]),
        ("exclusion group", EXCLUSION, {"principal_arn": "arn:aws:iam::%s:group/ci" % ACCOUNT}, ["principal_arn:", "IAM role or user"]),
        ("exclusion assumed role", EXCLUSION, {"principal_arn": "arn:aws:sts::%s:assumed-role/ci/session" % ACCOUNT}, ["principal_arn:", "IAM role or user"]),
        ("exclusion too long", EXCLUSION, {"principal_arn": "arn:aws:iam::%s:role/%s" % (ACCOUNT, "r" * 190)}, ["principal_arn:", "at most 200"]),
        ("exclusion non-ascii", EXCLUSION, {"principal_arn": "arn:aws:iam::%s:role/çi" % ACCOUNT}, ["principal_arn:", "IAM role or user"]),
        (
            "signing profile",
            SIGNING,
            {"rules": [{"signing_profile_arn": "arn:aws:signer:ap-south-1:%s:signing-profiles/x1" % ACCOUNT}]},
            ["rules[0].signing_profile_arn:", "signing profile"],
        ),
        (
            "signing filter type",
            SIGNING,
            {"rules": [{"signing_profile_arn": PROFILE, "repository_filters": [{"filter": "a*", "filter_type": "WILDCARD"}]}]},
            ["filter_type", "WILDCARD_MATCH", "rules -> repository_filters"],
        ),
        ("signing eleven rules", SIGNING, {"rules": [{"signing_profile_arn": PROFILE}] * 11}, ["rules:", "0 to 10"]),
        ("signing rules missing", SIGNING, {"state": "present"}, ["rules"]),
        ("backfill no destinations", BACKFILL, {"destinations": []}, ["destinations:", "1 to 25 destinations"]),
        ("backfill region upper case", BACKFILL, {"destinations": [{"region": "EU-WEST-1"}]}, ["destinations[0].region:", "not a region name"]),
        (
            "backfill registry id short",
            BACKFILL,
            {"destinations": [{"region": "eu-west-1"}, {"region": "us-east-1", "registry_id": "2109876543"}]},
            ["destinations[1].registry_id:", "12-digit"],
        ),
        ("backfill wait timeout zero", BACKFILL, {"wait": True, "wait_timeout": 0}, ["wait_timeout:", "1 or more"]),
        ("backfill state", BACKFILL, {"state": "present"}, ["state", "started", "stopped"]),
    ]


# the replication configuration these run against: nine rules of other teams
OTHER_RULES = [
    {"destinations": [{"region": "us-east-1", "registryId": OTHER}], "repositoryFilters": [{"filter": "team%d" % i, "filterType": "PREFIX_MATCH"}]}
    for i in range(9)
]


def after_a_read():
    """Refused after reading the live setting and before any write."""
    return [
        (
            "replication eleventh rule",
            REPLICATION,
            {"rules": [replica("eu-west-1"), replica("eu-west-2")]},
            ["rules:", "would hold 11 rules", "9 of them already", "at most 10"],
        ),
        (
            "replication to itself",
            REPLICATION,
            {"rules": [replica("eu-west-1", "ap-south-1", filters=("ours",))]},
            ["rules[0].destinations[1].region:", "ap-south-1 in registry %s is this registry itself" % ACCOUNT],
        ),
        (
            "replication 26 destinations",
            REPLICATION,
            {"rules": [replica(*["r%02d" % i for i in range(25)], registry=OTHER)]},
            ["rules:", "26 unique destinations", "at most 25"],
        ),
        (
            "replication same rule twice",
            REPLICATION,
            {"rules": [replica("eu-west-1", filters=("ab",)), replica("eu-west-1", filters=("ab",), registry=ACCOUNT)]},
            ["rules[1]:", "same destinations and repository_filters as rules[0]"],
        ),
        (
            "scan continuous with basic",
            SCANNING,
            {"scan_type": "BASIC", "rules": [on_push("*", frequency="CONTINUOUS_SCAN")]},
            ["rules[0].scan_frequency:", "scan type BASIC", "SCAN_ON_PUSH"],
        ),
        (
            "scan manual with enhanced",
            SCANNING,
            {"scan_type": "ENHANCED", "rules": [on_push("*", frequency="MANUAL")]},
            ["rules[0].scan_frequency:", "scan type ENHANCED"],
        ),
        ("scan type against live rules", SCANNING, {"scan_type": "BASIC"}, ["scan_type:", "CONTINUOUS_SCAN rule"]),
        (
            "backfill destination no rule has",
            BACKFILL,
            {"destinations": [{"region": "us-east-1", "registry_id": OTHER}, {"region": "eu-west-1"}]},
            ["destinations[1]: eu-west-1/%s is not a destination of the registry's replication rules" % ACCOUNT],
        ),
    ]


def run_cases(moto, tmp_path, table):
    tasks = [{"name": case_id, module: args, "ignore_errors": True} for case_id, module, args, _fragments in table]
    with Recorder(moto) as recorder:
        play = run_play(tasks, tmp_path, diff=False)
        calls = recorder.operations()
        seen = recorded_writes(recorder)
    messages = {case[0]: str(play[case[0]].get("msg", "")) for case in table if play[case[0]].get("failed")}
    return messages, calls, seen


@pytest.fixture
def registry_state(moto):
    """Nine other teams' replication rules and an ENHANCED continuous scanning rule, restored afterwards."""
    ecr = client("ecr")
    replication = ecr.describe_registry()["replicationConfiguration"]
    scanning = ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    ecr.put_replication_configuration(replicationConfiguration={"rules": OTHER_RULES})
    continuous = [{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]
    ecr.put_registry_scanning_configuration(scanType="ENHANCED", rules=continuous)
    yield ecr, continuous
    ecr.put_replication_configuration(replicationConfiguration=replication)
    ecr.put_registry_scanning_configuration(scanType=scanning.get("scanType") or "BASIC", rules=scanning.get("rules") or [])


@pytest.mark.slow
def test_registry_bad_input(moto, tmp_path, registry_state):
    ecr, continuous = registry_state
    early, late = before_any_call(), after_a_read()
    early_messages, early_calls, early_writes = run_cases(moto, tmp_path, early)
    late_messages, late_calls, late_writes = run_cases(moto, tmp_path, late)
    per_module: dict = {}
    for _case_id, module, _args, _fragments in early + late:
        per_module[module.rsplit(".", 1)[-1]] = per_module.get(module.rsplit(".", 1)[-1], 0) + 1
    figures = {"bad_inputs": len(early) + len(late), "per_module": per_module, "calls_before_refusal": early_calls, "writes_seen": early_writes + late_writes}
    print("\nregistry bad input:\n" + json.dumps(figures, indent=2))
    record_figures("bad_input_registry", figures)

    assert len(early) + len(late) >= 30
    problems = check_messages(early, early_messages) + check_messages(late, late_messages)
    assert not problems, "\n".join(problems)
    assert early_calls == [], "calls before the input was refused: %s" % early_calls
    assert early_writes == [] and late_writes == [], early_writes + late_writes
    assert late_calls and not [c for c in late_calls if not c.startswith(("Describe", "Get", "List"))], late_calls
    # the registry is as it was
    assert ecr.describe_registry()["replicationConfiguration"]["rules"] == OTHER_RULES
    assert ecr.get_registry_scanning_configuration()["scanningConfiguration"] == {"scanType": "ENHANCED", "rules": continuous}
