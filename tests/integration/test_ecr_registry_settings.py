"""The registry-level setting modules (ecr_registry_policy, ecr_replication, ecr_registry_scanning,
ecr_account_setting, ecr_pull_time_update_exclusion, ecr_signing_configuration) through ansible-playbook
against the moto server, checked with boto3.

Registry-level state is one per account and region on the shared server: each test leaves it as it
found it, and none assumes it starts empty."""

from __future__ import annotations

import json

import pytest
from helpers import Recorder, client, run_play, writes

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReplicateIn",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::%s:root" % OTHER_ACCOUNT},
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": "arn:aws:ecr:ap-south-1:%s:repository/*" % ACCOUNT,
        }
    ],
}


def four_times(module, args):
    return [
        {"name": "check", module: args, "check_mode": True},
        {"name": "real", module: args},
        {"name": "check again", module: args, "check_mode": True},
        {"name": "real again", module: args},
    ]


def assert_four(play, changed=True):
    assert play.rc == 0, play.failures()
    assert [play[t]["changed"] for t in ("check", "real", "check again", "real again")] == [changed, changed, False, False]


def live_registry_policy():
    try:
        return json.loads(client("ecr").get_registry_policy()["policyText"])
    except client("ecr").exceptions.RegistryPolicyNotFoundException:
        return None


# registry policy ---------------------------------------------------------------------------------


@pytest.fixture
def registry_policy(moto):
    saved = live_registry_policy()
    yield
    ecr = client("ecr")
    if saved is None:
        try:
            ecr.delete_registry_policy()
        except ecr.exceptions.RegistryPolicyNotFoundException:
            pass
    else:
        ecr.put_registry_policy(policyText=json.dumps(saved))


def test_registry_policy_put_compare_delete(moto, registry_policy, tmp_path):
    ecr = client("ecr")
    try:
        ecr.delete_registry_policy()
    except ecr.exceptions.RegistryPolicyNotFoundException:
        pass
    module = "stowage.ecr.ecr_registry_policy"
    # the same policy spelled differently: statement keys reordered, one action as a string, as JSON text
    respelled = {
        "Statement": [dict(reversed(list(POLICY["Statement"][0].items())), Action=["ecr:ReplicateImage", "ecr:CreateRepository"])],
        "Version": "2012-10-17",
    }
    single = dict(POLICY, Statement=[dict(POLICY["Statement"][0], Action="ecr:ReplicateImage")])
    with Recorder(moto) as rec:
        play = run_play(
            four_times(module, {"policy": POLICY})
            + [
                {"name": "respelled", module: {"policy": json.dumps(respelled)}},
                {"name": "narrowed check", module: {"policy": single}, "check_mode": True},
                {"name": "narrowed", module: {"policy": single}},
                {"name": "absent check", module: {"state": "absent"}, "check_mode": True},
                {"name": "absent", module: {"state": "absent"}},
                {"name": "absent again", module: {"state": "absent"}},
            ],
            tmp_path,
        )
    assert_four(play)
    assert play["check"]["diff"] == {"before": {}, "after": POLICY}
    assert play["real"]["policy"] == POLICY and play["real"]["registry_id"] == ACCOUNT
    assert play["check"]["registry_id"] == ACCOUNT
    assert play["real again"]["policy"] == POLICY
    assert play["respelled"]["changed"] is False
    assert play["narrowed check"]["changed"] and play["narrowed check"]["diff"] == {"before": POLICY, "after": single}
    assert play["narrowed"]["changed"] and play["narrowed"]["policy"] == single
    assert play["absent check"]["changed"] and play["absent check"]["policy"] is None
    assert play["absent"]["changed"] and play["absent"]["diff"] == {"before": single, "after": {}}
    assert play["absent again"]["changed"] is False
    assert writes(rec.operations()) == ["PutRegistryPolicy", "PutRegistryPolicy", "DeleteRegistryPolicy"]
    assert live_registry_policy() is None


# replication -------------------------------------------------------------------------------------

REPLICATION = "stowage.ecr.ecr_replication"
OTHER_TEAMS_RULE = {
    "destinations": [{"region": "us-east-1", "registryId": OTHER_ACCOUNT}],
    "repositoryFilters": [{"filter": "other-team", "filterType": "PREFIX_MATCH"}],
}
OUR_RULE = {
    "destinations": [{"region": "eu-west-1"}, {"region": "eu-central-1", "registry_id": ACCOUNT}],
    "repository_filters": [{"filter": "team-a/"}, {"filter": "shared-a"}],
}
OUR_RULE_AWS = {
    "destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}, {"region": "eu-central-1", "registryId": ACCOUNT}],
    "repositoryFilters": [{"filter": "team-a/", "filterType": "PREFIX_MATCH"}, {"filter": "shared-a", "filterType": "PREFIX_MATCH"}],
}


def live_replication():
    return client("ecr").describe_registry()["replicationConfiguration"]["rules"]


@pytest.fixture
def replication(moto):
    ecr = client("ecr")
    saved = ecr.describe_registry()["replicationConfiguration"]
    ecr.put_replication_configuration(replicationConfiguration={"rules": [OTHER_TEAMS_RULE]})
    yield ecr
    ecr.put_replication_configuration(replicationConfiguration=saved)


def test_replication_keeps_another_teams_rule(moto, replication, tmp_path):
    respelled = {
        "destinations": list(reversed(OUR_RULE["destinations"])) + [{"region": "eu-west-1", "registry_id": ACCOUNT}],
        "repository_filters": [{"filter": "shared-a", "filter_type": "prefix_match"}, {"filter": "team-a/"}],
    }
    with Recorder(moto) as rec:
        play = run_play(
            four_times(REPLICATION, {"rules": [OUR_RULE]})
            + [
                {"name": "respelled", REPLICATION: {"rules": [respelled]}},
                {"name": "deletions too", REPLICATION: {"rules": [dict(OUR_RULE, delete_replication=True)]}},
                {"name": "deletions left out", REPLICATION: {"rules": [OUR_RULE]}},
                {"name": "absent check", REPLICATION: {"rules": [respelled], "state": "absent"}, "check_mode": True},
                {"name": "absent", REPLICATION: {"rules": [respelled], "state": "absent"}},
                {"name": "absent again", REPLICATION: {"rules": [OUR_RULE], "state": "absent"}},
            ],
            tmp_path,
        )
    assert_four(play)
    other_view = {
        "destinations": [{"region": "us-east-1", "registry_id": OTHER_ACCOUNT}],
        "repository_filters": [{"filter": "other-team", "filter_type": "PREFIX_MATCH"}],
        "delete_replication": False,
    }
    ours_view = {
        "destinations": [{"region": "eu-west-1", "registry_id": ACCOUNT}, {"region": "eu-central-1", "registry_id": ACCOUNT}],
        "repository_filters": [{"filter": "team-a/", "filter_type": "PREFIX_MATCH"}, {"filter": "shared-a", "filter_type": "PREFIX_MATCH"}],
        "delete_replication": False,
    }
    for task in ("check", "real"):
        assert play[task]["diff"] == {"before": {"rules": [other_view]}, "after": {"rules": [other_view, ours_view]}}, task
        assert play[task]["rules"] == [other_view, ours_view] and play[task]["registry_id"] == ACCOUNT
    assert play["real again"]["rules"] == [other_view, ours_view]
    assert play["respelled"]["changed"] is False
    # delete_replication is the rule's setting, not its identity: updated in place, and kept when left out
    assert play["deletions too"]["changed"] and play["deletions too"]["rules"] == [other_view, dict(ours_view, delete_replication=True)]
    assert play["deletions left out"]["changed"] is False
    assert play["absent check"]["changed"] and play["absent check"]["rules"] == [other_view]
    assert play["absent"]["changed"] and play["absent"]["diff"]["after"] == {"rules": [other_view]}
    assert play["absent again"]["changed"] is False
    assert writes(rec.operations()) == ["PutReplicationConfiguration"] * 3
    # the other team's rule survived every run, as it was made
    assert live_replication() == [OTHER_TEAMS_RULE]


def test_replication_purge_rules(moto, replication, tmp_path):
    ecr = replication
    ecr.put_replication_configuration(replicationConfiguration={"rules": [OTHER_TEAMS_RULE, dict(OUR_RULE_AWS, deleteReplication={"enabled": True})]})
    only = {"destinations": [{"region": "ap-southeast-2"}]}
    play = run_play(
        four_times(REPLICATION, {"rules": [only, OUR_RULE], "purge_rules": True})
        + [
            {"name": "purge all check", REPLICATION: {"rules": [], "purge_rules": True}, "check_mode": True},
            {"name": "purge all", REPLICATION: {"rules": [], "purge_rules": True}},
            {"name": "purge all again", REPLICATION: {"rules": [], "purge_rules": True}},
        ],
        tmp_path,
    )
    assert_four(play)
    after = play["real"]["diff"]["after"]["rules"]
    # the live rule our task names keeps its place and its delete_replication; the other team's rule is gone
    assert [r["destinations"][0]["region"] for r in after] == ["eu-west-1", "ap-southeast-2"]
    assert after[0]["delete_replication"] is True and after[1]["repository_filters"] == []
    assert play["real"]["diff"]["before"]["rules"][0]["destinations"][0]["registry_id"] == OTHER_ACCOUNT
    assert [play[t]["changed"] for t in ("purge all check", "purge all", "purge all again")] == [True, True, False]
    assert play["purge all"]["rules"] == []
    assert live_replication() == []


# registry scanning -------------------------------------------------------------------------------

SCANNING = "stowage.ecr.ecr_registry_scanning"


def live_scanning():
    return client("ecr").get_registry_scanning_configuration()["scanningConfiguration"]


@pytest.fixture
def scanning(moto):
    ecr = client("ecr")
    saved = live_scanning()
    ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[])
    yield ecr
    ecr.put_registry_scanning_configuration(scanType=saved.get("scanType") or "BASIC", rules=saved.get("rules") or [])


def test_registry_scanning(moto, scanning, tmp_path):
    enhanced = {
        "scan_type": "ENHANCED",
        "rules": [
            {"scan_frequency": "CONTINUOUS_SCAN", "repository_filters": [{"filter": "prod-*"}, {"filter": "live/*"}]},
            {"scan_frequency": "SCAN_ON_PUSH", "repository_filters": [{"filter": "*", "filter_type": "WILDCARD"}]},
        ],
    }
    respelled = {
        "rules": [
            dict(enhanced["rules"][1], scan_frequency="scan_on_push"),
            dict(enhanced["rules"][0], repository_filters=[{"filter": "live/*", "filter_type": "wildcard"}, {"filter": "prod-*"}]),
        ]
    }
    basic_on_push = {"scan_type": "BASIC", "rules": [{"scan_frequency": "SCAN_ON_PUSH", "repository_filters": [{"filter": "*"}]}]}
    with Recorder(moto) as rec:
        play = run_play(
            four_times(SCANNING, enhanced)
            + [
                {"name": "rules reordered, type left out", SCANNING: respelled},
                {"name": "type in lowercase", SCANNING: {"scan_type": "enhanced"}},
                {"name": "basic would not take continuous", SCANNING: {"scan_type": "BASIC"}, "ignore_errors": True},
                {"name": "basic on push", SCANNING: basic_on_push},
                {"name": "rules dropped", SCANNING: {"rules": []}},
            ],
            tmp_path,
        )
    assert_four(play)
    view = {
        "scan_type": "ENHANCED",
        "rules": [
            {
                "scan_frequency": "CONTINUOUS_SCAN",
                "repository_filters": [{"filter": "live/*", "filter_type": "WILDCARD"}, {"filter": "prod-*", "filter_type": "WILDCARD"}],
            },
            {"scan_frequency": "SCAN_ON_PUSH", "repository_filters": [{"filter": "*", "filter_type": "WILDCARD"}]},
        ],
    }
    for task in ("check", "real"):
        assert play[task]["diff"] == {"before": {"scan_type": "BASIC", "rules": []}, "after": view}, task
        assert {k: play[task][k] for k in ("scan_type", "rules")} == view and play[task]["registry_id"] == ACCOUNT
    assert play["rules reordered, type left out"]["changed"] is False and play["type in lowercase"]["changed"] is False
    failed = play["basic would not take continuous"]
    assert failed["failed"] and "scan_type: BASIC does not take the registry's CONTINUOUS_SCAN rule" in failed["msg"]
    assert play["basic on push"]["changed"] and play["basic on push"]["diff"]["before"] == view
    assert play["rules dropped"]["changed"] and play["rules dropped"]["scan_type"] == "BASIC" and play["rules dropped"]["rules"] == []
    assert writes(rec.operations()) == ["PutRegistryScanningConfiguration"] * 3
    assert live_scanning() == {"scanType": "BASIC", "rules": []}


# account settings --------------------------------------------------------------------------------

SETTING = "stowage.ecr.ecr_account_setting"


@pytest.fixture
def blob_mounting(moto):
    ecr = client("ecr")
    saved = ecr.get_account_setting(name="BLOB_MOUNTING")["value"]
    ecr.put_account_setting(name="BLOB_MOUNTING", value="DISABLED")
    yield ecr
    ecr.put_account_setting(name="BLOB_MOUNTING", value=saved)


def test_account_setting(moto, blob_mounting, tmp_path):
    with Recorder(moto) as rec:
        play = run_play(
            four_times(SETTING, {"name": "BLOB_MOUNTING", "value": "ENABLED"})
            + [
                {"name": "other setting as it is", SETTING: {"name": "registry_policy_scope", "value": "v2"}},
                {"name": "back", SETTING: {"name": "BLOB_MOUNTING", "value": "DISABLED"}},
            ],
            tmp_path,
        )
    assert_four(play)
    for task in ("check", "real"):
        assert play[task]["diff"] == {"before": {"name": "BLOB_MOUNTING", "value": "DISABLED"}, "after": {"name": "BLOB_MOUNTING", "value": "ENABLED"}}
        assert (play[task]["name"], play[task]["value"]) == ("BLOB_MOUNTING", "ENABLED")
    assert play["real again"]["value"] == "ENABLED"
    assert play["other setting as it is"]["changed"] is False and play["other setting as it is"]["value"] == "V2"
    assert play["back"]["changed"] and play["back"]["value"] == "DISABLED"
    assert writes(rec.operations()) == ["PutAccountSetting", "PutAccountSetting"]
    assert blob_mounting.get_account_setting(name="BLOB_MOUNTING")["value"] == "DISABLED"


# pull-time update exclusions ---------------------------------------------------------------------

EXCLUSION = "stowage.ecr.ecr_pull_time_update_exclusion"


def live_exclusions():
    ecr, found, kwargs = client("ecr"), [], {}
    while True:
        page = ecr.list_pull_time_update_exclusions(**kwargs)
        found += page["pullTimeUpdateExclusions"]
        if not page.get("nextToken"):
            return found
        kwargs["nextToken"] = page["nextToken"]


def test_pull_time_update_exclusion(moto, tmp_path):
    ecr = client("ecr")
    scanner = "arn:aws:iam::%s:role/registry-settings-test/scanner" % ACCOUNT
    # another principal's exclusion, and enough of them that the list takes more than one page
    others = ["arn:aws:iam::%s:user/registry-settings-test/u%03d" % (ACCOUNT, i) for i in range(120)]
    for other in others:
        ecr.register_pull_time_update_exclusion(principalArn=other)
    try:
        with Recorder(moto) as rec:
            play = run_play(
                four_times(EXCLUSION, {"principal_arn": scanner})
                + [
                    {"name": "absent check", EXCLUSION: {"principal_arn": scanner, "state": "absent"}, "check_mode": True},
                    {"name": "absent", EXCLUSION: {"principal_arn": scanner, "state": "absent"}},
                    {"name": "absent again", EXCLUSION: {"principal_arn": scanner, "state": "absent"}},
                    {"name": "last of another page", EXCLUSION: {"principal_arn": others[-1]}},
                ],
                tmp_path,
            )
        assert_four(play)
        for task in ("check", "real"):
            assert play[task]["diff"] == {"before": {"principal_arn": scanner, "excluded": False}, "after": {"principal_arn": scanner, "excluded": True}}
            assert play[task]["excluded"] is True and play[task]["principal_arn"] == scanner
        assert [play[t]["changed"] for t in ("absent check", "absent", "absent again")] == [True, True, False]
        assert play["absent"]["excluded"] is False
        assert play["last of another page"]["changed"] is False
        assert writes(rec.operations()) == ["RegisterPullTimeUpdateExclusion", "DeregisterPullTimeUpdateExclusion"]
        assert scanner not in live_exclusions() and set(others) <= set(live_exclusions())
    finally:
        for other in others:
            ecr.deregister_pull_time_update_exclusion(principalArn=other)


# signing -----------------------------------------------------------------------------------------

SIGNING = "stowage.ecr.ecr_signing_configuration"
PROFILE = "arn:aws:signer:ap-south-1:%s:/signing-profiles/release_images" % ACCOUNT


@pytest.fixture
def signing(moto):
    ecr = client("ecr")
    try:
        saved = ecr.get_signing_configuration()["signingConfiguration"]
        ecr.delete_signing_configuration()
    except ecr.exceptions.SigningConfigurationNotFoundException:
        saved = None
    yield ecr
    try:
        ecr.delete_signing_configuration()
    except ecr.exceptions.SigningConfigurationNotFoundException:
        pass
    if saved is not None:
        ecr.put_signing_configuration(signingConfiguration=saved)


def test_signing_configuration(moto, signing, tmp_path):
    rules = [
        {"signing_profile_arn": PROFILE, "repository_filters": [{"filter": "release/*"}, {"filter": "*prod*"}]},
        {"signing_profile_arn": PROFILE.replace("release_images", "all_images")},
    ]
    respelled = [rules[1], dict(rules[0], repository_filters=[{"filter": "*prod*", "filter_type": "wildcard_match"}, {"filter": "release/*"}])]
    with Recorder(moto) as rec:
        play = run_play(
            four_times(SIGNING, {"rules": rules})
            + [
                {"name": "respelled", SIGNING: {"rules": respelled}},
                {"name": "one rule", SIGNING: {"rules": rules[1:]}},
                {"name": "absent check", SIGNING: {"state": "absent"}, "check_mode": True},
                {"name": "absent", SIGNING: {"state": "absent"}},
                {"name": "absent again", SIGNING: {"state": "absent"}},
            ],
            tmp_path,
        )
    assert_four(play)
    all_view = {"signing_profile_arn": PROFILE.replace("release_images", "all_images"), "repository_filters": []}
    release_view = {
        "signing_profile_arn": PROFILE,
        "repository_filters": [{"filter": "*prod*", "filter_type": "WILDCARD_MATCH"}, {"filter": "release/*", "filter_type": "WILDCARD_MATCH"}],
    }
    for task in ("check", "real"):
        assert play[task]["diff"] == {"before": {"rules": None}, "after": {"rules": [all_view, release_view]}}, task
    assert play["real"]["rules"] == [all_view, release_view] and play["real"]["registry_id"] == ACCOUNT
    assert play["real again"]["registry_id"] == ACCOUNT
    assert play["respelled"]["changed"] is False
    assert play["one rule"]["changed"] and play["one rule"]["rules"] == [all_view]
    assert [play[t]["changed"] for t in ("absent check", "absent", "absent again")] == [True, True, False]
    assert play["absent"]["diff"] == {"before": {"rules": [all_view]}, "after": {"rules": None}} and play["absent"]["rules"] is None
    assert writes(rec.operations()) == ["PutSigningConfiguration", "PutSigningConfiguration", "DeleteSigningConfiguration"]
    with pytest.raises(signing.exceptions.SigningConfigurationNotFoundException):
        signing.get_signing_configuration()
